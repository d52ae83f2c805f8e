"""Fetch upstream files from the raw GitHub URL or a mirror; pin the spec and its doc pages by commit and sha256.

The lock (``spec/lock.json``) names repo, path, commit, sha256, size and when it
was fetched, for the spec and (``doc_pages``) for each pinned doc page. Fetched
files go to a git-ignored cache (``.cache/upstream``); a pinned commit's file is
written there only when its sha256 matches the lock, so a tampered source never
replaces a verified copy. A mirror directory (chosen by :class:`~conformance.load.context.Context`)
maps a request for ``{repo}/{ref}/{path}`` to ``DIR/{repo}/{ref}/{path}`` and its
``INDEX.json`` tells which commits touched a path.

Over HTTP every request has an overall deadline (``deadline`` seconds, retries
and slow bodies included) and redirects are followed only within the same host.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:  # imported where a request is made: reading the mirror or the cache needs no HTTP client
    import httpx

from conformance import paths
from conformance.errors import FetchError, InputError
from conformance.inputs import Commit
from conformance.load.context import API_BASE, MIRROR_LAYOUT, RAW_BASE
from conformance.load.parse import Spec, parse_spec
from conformance.report import atomic_write

DEFAULT_REPO = "aimlapi/api-docs"
DEFAULT_PATH = "docs/api-references/text-models-llm/OpenAI/gpt-5-2-openai.json"
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_DEADLINE = 120.0
MAX_REDIRECTS = 5
SHA_RE = re.compile(r"^[0-9a-f]{40}$")
OFFLINE_HINT = (
    "retry later, or work offline with --mirror DIR or SPEC_MIRROR=DIR, a mirror laid out as "
    "DIR/{repo}/{ref}/{path} (e.g. DIR/aimlapi/api-docs/<commit>/docs/...)"
)


@attrs.frozen
class Pin:
    """One pinned upstream file: where it lives, the commit and the sha256 of its bytes."""

    repo: str
    path: str
    commit: str
    sha256: str
    size: int
    fetched_at: str

    @classmethod
    def from_dict(cls, data: Any, where: str) -> Pin:
        if not isinstance(data, dict):
            raise InputError(f"{where}: expected a JSON object, found a JSON {type(data).__name__}")
        missing = [f.name for f in attrs.fields(cls) if f.name not in data]
        if missing:
            raise InputError(f"{where}: expected keys {missing}, found only {sorted(data)}")
        return cls(**{f.name: data[f.name] for f in attrs.fields(cls)})


def _pins(value: Any) -> tuple[Pin, ...]:
    return tuple(value)


@attrs.frozen
class Lock:
    repo: str
    path: str
    commit: str
    sha256: str
    size: int
    fetched_at: str
    # the doc pages checked by `conformance run` by default, pinned like the spec
    doc_pages: tuple[Pin, ...] = attrs.field(default=(), converter=_pins)

    @property
    def spec_pin(self) -> Pin:
        return Pin(self.repo, self.path, self.commit, self.sha256, self.size, self.fetched_at)

    def pins(self) -> tuple[Pin, ...]:
        return (self.spec_pin, *self.doc_pages)

    @classmethod
    def load(cls, path: Path | None = None) -> Lock:
        path = path or paths.lock_path()
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            raise InputError(f"{path}: no lock file", hint="run `conformance fetch --ref main --update-lock`") from None
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}: expected JSON, found a syntax error at line {exc.lineno}") from None
        if not isinstance(data, dict):
            raise InputError(f"{path}: expected a JSON object (the lock), found a JSON {type(data).__name__}")
        missing = [f.name for f in attrs.fields(cls) if f.name not in data and f.name != "doc_pages"]
        if missing:
            raise InputError(f"{path}: expected keys {missing} in the lock, found only {sorted(data)}")
        pages = data.get("doc_pages", [])
        if not isinstance(pages, list):
            raise InputError(f"{path}: expected doc_pages to be a list, found a JSON {type(pages).__name__}")
        fields = {f.name: data[f.name] for f in attrs.fields(cls) if f.name != "doc_pages"}
        return cls(**fields, doc_pages=tuple(Pin.from_dict(p, f"{path}: doc_pages[{i}]") for i, p in enumerate(pages)))

    def save(self, path: Path | None = None) -> None:
        data = attrs.asdict(self)
        if not self.doc_pages:
            del data["doc_pages"]
        atomic_write(path or paths.lock_path(), json.dumps(data, indent=2) + "\n")


@attrs.frozen
class Fetched:
    repo: str
    ref: str
    path: str
    commit: str | None
    content: bytes
    origin: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


class _Retry(Exception):
    """An answer worth another attempt (5xx, 429)."""


@attrs.define
class Fetcher:
    """Reads ``{repo}/{ref}/{path}`` from the mirror when set, else from the network.

    Network faults are retried (5xx, connection errors, timeouts) with bounded
    exponential backoff; every failure ends in a :class:`FetchError` that says
    what was requested, what came back and where.
    """

    mirror: Path | None = None
    base_url: str = RAW_BASE
    api_url: str = API_BASE
    timeout: float = 20.0
    retries: int = 3
    backoff: float = 0.5
    max_bytes: int = DEFAULT_MAX_BYTES
    client: httpx.Client | None = None
    sleep: Callable[[float], None] = _sleep
    deadline: float = DEFAULT_DEADLINE  # seconds for one file, every attempt and redirect included
    clock: Callable[[], float] = time.monotonic

    # -- reading ---------------------------------------------------------------
    def get(self, repo: str, ref: str, path: str) -> Fetched:
        if self.mirror is not None:
            return self._from_mirror(repo, ref, path)
        url = f"{self.base_url.rstrip('/')}/{repo}/{ref}/{path}"
        content = self._http_get(url)
        return Fetched(repo, ref, path, ref if SHA_RE.match(ref) else None, content, url)

    def get_spec(self, repo: str, ref: str, path: str) -> tuple[Fetched, Spec]:
        fetched = self.get(repo, ref, path)
        spec = parse_spec(fetched.content, fetched.origin, upstream=True)
        return fetched, spec

    def _from_mirror(self, repo: str, ref: str, path: str) -> Fetched:
        assert self.mirror is not None
        target = self.mirror / repo / ref / path
        if target.exists() and not target.is_file():
            raise FetchError(
                f"mirror: expected {repo}/{ref}/{path} under {self.mirror} to be a regular file, found "
                "a special file or a folder"
            )
        if not target.is_file():
            raise FetchError(
                f"mirror: expected {repo}/{ref}/{path} under {self.mirror}, found no such file",
                hint=f"check the ref (main or a full commit sha) and the path's case; "
                f"SPEC_MIRROR must be laid out as {MIRROR_LAYOUT}",
            )
        from conformance.safeload import UnsafeInput, read_regular_file

        try:  # a regular file only, its size counted while reading
            content = read_regular_file(target, self.max_bytes)
        except UnsafeInput as exc:
            raise FetchError(f"{target}: {exc}") from None
        except OSError as exc:
            raise FetchError(f"{target}: cannot read the mirror's file ({exc.strerror or exc})") from None
        return Fetched(repo, ref, path, ref if SHA_RE.match(ref) else None, content, str(target))

    def _http_get(self, url: str, accept: str = "*/*") -> bytes:
        import httpx
        from gpt52.tls import default_context

        client = self.client or httpx.Client(timeout=self.timeout, follow_redirects=False, verify=default_context())
        started = self.clock()
        last: str = ""
        try:
            for attempt in range(self.retries + 1):
                if attempt:
                    pause = self.backoff * (2 ** (attempt - 1))
                    if self.clock() - started + pause > self.deadline:
                        break
                    self.sleep(pause)
                try:
                    return self._attempt(client, url, accept, started)
                except _Retry as retry:
                    last = f"{retry} after {attempt + 1} attempt(s)"
                except httpx.ConnectError as exc:
                    last = (
                        f"expected an HTTP response, found a connection failure ({exc}) after {attempt + 1} attempt(s)"
                    )
                except httpx.TimeoutException:
                    last = (
                        f"expected a response within {self.timeout}s, found none (timed out) "
                        f"after {attempt + 1} attempt(s)"
                    )
                except httpx.RemoteProtocolError as exc:
                    raise FetchError(f"GET {url}: truncated or malformed response: {exc}") from None
                except httpx.HTTPError as exc:
                    raise FetchError(f"GET {url}: {type(exc).__name__}: {exc}") from None
            raise FetchError(f"GET {url}: {last or 'no attempt fitted in the deadline'}", hint=OFFLINE_HINT)
        finally:
            if self.client is None:
                client.close()

    def _attempt(self, client: httpx.Client, url: str, accept: str, started: float) -> bytes:
        """One attempt: redirects within the same host, the body read under the overall deadline."""
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            with client.stream("GET", current, headers={"Accept": accept}, follow_redirects=False) as response:
                status = response.status_code
                if status in (301, 302, 303, 307, 308):
                    current = self._redirect_target(url, current, response.headers.get("location"))
                    continue
                if status == 404:
                    raise FetchError(
                        f"GET {current}: expected 200, found 404 Not Found",
                        hint="check repo, ref and path (case matters)",
                    )
                if status >= 500 or status == 429:
                    raise _Retry(f"expected 200, found {status}")
                if status != 200:
                    raise FetchError(f"GET {current}: expected 200, found {status}")
                return self._read_body(response, current, started)
        raise FetchError(f"GET {url}: expected at most {MAX_REDIRECTS} redirects, found more")

    @staticmethod
    def _redirect_target(original: str, current: str, location: str | None) -> str:
        if not location:
            raise FetchError(f"GET {current}: a redirect without a Location header")
        target = urllib.parse.urljoin(current, location)
        want, got = urllib.parse.urlsplit(original), urllib.parse.urlsplit(target)
        if (got.hostname, got.port) != (want.hostname, want.port) or got.scheme not in (want.scheme, "https"):
            raise FetchError(
                f"GET {original}: expected the file from {want.scheme}://{want.netloc}, found a redirect "
                f"to {got.scheme}://{got.netloc}; redirects to another host are not followed",
                hint="fetch from that host explicitly (SPEC_BASE_URL) if you trust it",
            )
        return target

    def _read_body(self, response: httpx.Response, url: str, started: float) -> bytes:
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            raise FetchError(f"GET {url}: expected at most {self.max_bytes} bytes, found Content-Length {declared}")
        chunks: list[bytes] = []
        total = 0
        for chunk in response.iter_bytes():
            total += len(chunk)
            if total > self.max_bytes:
                raise FetchError(
                    f"GET {url}: expected at most {self.max_bytes} bytes, found more ({total} read, then stopped)"
                )
            if self.clock() - started > self.deadline:
                raise FetchError(
                    f"GET {url}: expected the whole file within {self.deadline:g}s, found only "
                    f"{total} bytes by then (too slow); stopped",
                    hint=OFFLINE_HINT,
                )
            chunks.append(chunk)
        body = b"".join(chunks)
        # Content-Length counts the bytes on the wire: compressed ones when the server
        # gzips (as raw.githubusercontent.com does), not the decoded body
        received = response.num_bytes_downloaded
        if declared and declared.isdigit() and received != int(declared):
            raise FetchError(f"GET {url}: truncated body: expected {declared} bytes, found {received}")
        return body

    # -- history ---------------------------------------------------------------
    def versions(self, repo: str, path: str, ref: str | None = None) -> list[Commit]:
        """Every commit that changed ``path`` (as of ``ref``, default branch when None), newest first.

        The mirror records the history of its ``main`` snapshot only.
        """
        if self.mirror is not None:
            index = self.index(repo)
            entry = index.get("files", {}).get(path)
            if entry is None:
                raise FetchError(f"mirror INDEX.json: expected an entry for {path}, found none")
            return [
                Commit(v["commit"], v.get("date", ""), v.get("subject", ""))
                for v in entry.get("versions_newest_first", [])
            ]
        query = {"path": path, **({"sha": ref} if ref else {}), "per_page": "100"}
        url = f"{self.api_url.rstrip('/')}/repos/{repo}/commits?" + urllib.parse.urlencode(query, safe="/")
        try:
            data = json.loads(self._http_get(url, accept="application/vnd.github+json"))
        except json.JSONDecodeError:
            raise FetchError(f"GET {url}: expected a JSON list of commits, found something else") from None
        if not isinstance(data, list):
            raise FetchError(f"GET {url}: expected a JSON list of commits, found {type(data).__name__}")
        try:
            return [
                Commit(c["sha"], c["commit"]["committer"]["date"], (c["commit"]["message"].splitlines() or [""])[0])
                for c in data
            ]
        except (KeyError, TypeError, AttributeError, IndexError):
            raise FetchError(
                f"GET {url}: expected commits with sha, commit.committer.date and commit.message, "
                f"found {json.dumps(data)[:120]}"
            ) from None

    def resolve_commit(self, repo: str, ref: str, path: str) -> str:
        """The commit that last changed ``path`` as of ``ref``."""
        if SHA_RE.match(ref):
            return ref
        versions = self.versions(repo, path, ref)
        if not versions:
            raise FetchError(f"cannot resolve {ref} for {path}: no recorded versions")
        return versions[0].commit

    def index(self, repo: str) -> dict[str, Any]:
        """The mirror's ``INDEX.json`` for ``repo`` (which commits touched which file)."""
        assert self.mirror is not None
        return read_index(self.mirror, repo)


def read_index(mirror: Path, repo: str) -> dict[str, Any]:
    """``DIR/{repo}/INDEX.json`` of a mirror: the one reader of that file (the fetcher, histories, doc staleness)."""
    index_path = mirror / repo / "INDEX.json"
    try:
        data = json.loads(index_path.read_text())
    except FileNotFoundError:
        raise FetchError(f"mirror: expected {index_path}, found no such file") from None
    except json.JSONDecodeError as exc:
        raise FetchError(f"{index_path}: expected JSON, found a syntax error at line {exc.lineno}") from None
    except OSError as exc:
        raise FetchError(f"{index_path}: cannot read ({exc.strerror or exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
        raise FetchError(f"{index_path}: expected an object with 'files', found {type(data).__name__}")
    return data


def cache_file(repo: str, ref: str, path: str) -> Path:
    return paths.cache_dir() / "upstream" / repo / ref / path


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


@attrs.frozen
class FetchResult:
    fetched: Fetched
    cached: Path
    lock: Lock | None
    lock_updated: bool
    matches_lock: bool | None
    doc_pages: tuple[Path, ...] = ()


def _mismatch(origin: str, pin: Pin, found: str) -> FetchError:
    return FetchError(
        f"{origin}: sha256 mismatch: expected {pin.sha256} (spec/lock.json), found {found}",
        hint="upstream content for a pinned commit changed (the cached copy, if any, was kept); "
        "investigate before `--update-lock`",
    )


def pinned_bytes(fetcher: Fetcher, pin: Pin, check: Callable[[Fetched], object] | None = None) -> tuple[Path, bytes]:
    """A pinned file's bytes, from the cache when its sha256 matches, else fetched and verified before caching
    (``check`` may refuse the fetched file first, e.g. one that is not a spec)."""
    cached = cache_file(pin.repo, pin.commit, pin.path)
    if cached.is_file():
        raw = cached.read_bytes()
        if hashlib.sha256(raw).hexdigest() == pin.sha256:
            return cached, raw
    fetched = fetcher.get(pin.repo, pin.commit, pin.path)
    if check is not None:
        check(fetched)
    if fetched.sha256 != pin.sha256:
        raise _mismatch(fetched.origin, pin, fetched.sha256)
    atomic_write(cached, fetched.content)
    return cached, fetched.content


def fetch_pinned(fetcher: Fetcher, lock: Lock) -> tuple[Path, Spec]:
    """Get the pinned spec (from cache when its sha256 matches), verifying sha256; return path and spec."""
    parsed: list[Spec] = []
    cached, raw = pinned_bytes(
        fetcher, lock.spec_pin, check=lambda f: parsed.append(parse_spec(f.content, f.origin, upstream=True))
    )
    return cached, parsed[0] if parsed else parse_spec(raw, str(cached), upstream=True)


def fetch_doc_pages(fetcher: Fetcher, lock: Lock) -> list[Path]:
    """The pinned doc pages (``doc_pages`` of the lock), sha256-verified, as cached files."""
    return [pinned_bytes(fetcher, pin)[0] for pin in lock.doc_pages]


def _guarded_write(lock: Lock | None, repo: str, ref: str, path: str, fetched: Fetched) -> Path:
    """Cache a fetched file; a pinned commit's file only when its bytes are the pinned ones."""
    target = cache_file(repo, ref, path)
    for pin in lock.pins() if lock else ():
        if (pin.repo, pin.commit, pin.path) == (repo, ref, path) and fetched.sha256 != pin.sha256:
            raise _mismatch(fetched.origin, pin, fetched.sha256)
    atomic_write(target, fetched.content)
    return target


def fetch(
    fetcher: Fetcher,
    *,
    ref: str | None,
    update_lock: bool,
    lock_file: Path | None = None,
    repo: str | None = None,
    path: str | None = None,
) -> FetchResult:
    """The ``conformance fetch`` command: pinned by default (spec and doc pages), any ref on request."""
    lock_file = lock_file or paths.lock_path()
    lock: Lock | None = Lock.load(lock_file) if lock_file.exists() else None
    repo = repo or (lock.repo if lock else DEFAULT_REPO)
    path = path or (lock.path if lock else DEFAULT_PATH)
    if ref is None:
        if lock is None:
            raise InputError(
                f"{lock_file}: no lock to fetch from", hint="run `conformance fetch --ref main --update-lock`"
            )
        cached, _ = fetch_pinned(fetcher, lock)
        pages = tuple(fetch_doc_pages(fetcher, lock))
        fetched = Fetched(lock.repo, lock.commit, lock.path, lock.commit, cached.read_bytes(), str(cached))
        return FetchResult(fetched, cached, lock, False, True, pages)
    fetched, _spec = fetcher.get_spec(repo, ref, path)
    # resolve before writing anything: a fault here must leave the cache and the lock as they were
    commit = fetcher.resolve_commit(repo, ref, path) if update_lock else None
    cached = _guarded_write(lock, repo, ref, path, fetched)
    matches = None if lock is None else (fetched.sha256 == lock.sha256)
    if commit is not None:
        _guarded_write(lock, repo, commit, path, fetched)
        if lock is not None and (lock.repo, lock.path, lock.commit, lock.sha256) == (
            repo,
            path,
            commit,
            fetched.sha256,
        ):
            return FetchResult(fetched, cached, lock, False, True)  # the same version: lock and fetched_at stay
        new_lock = Lock(
            repo,
            path,
            commit,
            fetched.sha256,
            len(fetched.content),
            now_iso(),
            doc_pages=lock.doc_pages if lock else (),
        )
        new_lock.save(lock_file)
        return FetchResult(fetched, cached, new_lock, True, matches)
    return FetchResult(fetched, cached, lock, False, matches)
