"""Where versions of a file come from: a local git clone, the GitHub commits API, or the mirror.

Every source answers the same two questions: which commits changed a file
(newest first, renames followed, each with the path the file had at that
commit) and what the file held at one of them. A source also lists the files
under a folder at a ref, for the catalog comparison.

* :class:`GitRepo` runs ``git`` on a local clone (``git log --follow``,
  ``git cat-file --batch``: one process for any number of reads);
* :class:`GitHubApi` asks the GitHub REST API (``$GITHUB_API_URL``, default
  ``https://api.github.com``), with ``$GITHUB_TOKEN`` when set (sent only over
  https or to a loopback host, never printed); rate limits are waited out when
  the reset is near and reported clearly otherwise;
* :class:`MirrorRepo` reads the mirror's ``INDEX.json`` layout
  (``{repo}/{ref}/{path}``) through the :class:`~conformance.load.fetch.Fetcher`.

Every failure is a :class:`~conformance.errors.ToolError` that says what was
expected, what was found and where.
"""

from __future__ import annotations

import datetime
import json
import shutil
import subprocess
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import attrs
import httpx
from gpt52.tls import default_context

from conformance.errors import FetchError, InputError

API_BASE = "https://api.github.com"
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_PAGES = 50  # 5,000 commits of one file: beyond that the history is cut, and said so
RATE_WAIT_MAX = 60.0  # a rate-limit reset nearer than this is waited for; a later one is an error


@attrs.frozen
class Change:
    """One commit that touched a file: ``path`` is the file's name at that commit."""

    commit: str
    date: str
    subject: str
    path: str


class History(Protocol):
    @property
    def label(self) -> str:
        """How reports name the source."""

    def changes(self, path: str, ref: str | None = None) -> list[Change]:
        """Commits that changed ``path`` as of ``ref`` (default branch when None), newest first."""

    def read(self, ref: str, path: str) -> bytes:
        """The file at ``ref`` (a commit or branch)."""

    def files(self, ref: str, folder: str) -> list[str]:
        """Every file under ``folder`` at ``ref`` (repository-relative paths, sorted)."""

    def commit(self, ref: str) -> str:
        """The full sha ``ref`` names."""


# -- local clone --------------------------------------------------------------------------------------
class GitRepo:
    """A local git clone (or any folder inside one), read with the ``git`` command."""

    def __init__(self, folder: str | Path) -> None:
        self._batch: subprocess.Popen[bytes] | None = None
        where = Path(folder)
        if not where.is_dir():
            raise InputError(
                f"--repo {folder}: expected a git clone (a directory), found "
                + ("a file" if where.exists() else "nothing")
            )
        git = shutil.which("git")
        if git is None:
            raise InputError("reading a local clone needs the `git` command, found none on PATH")
        self.git = git
        top = self._run(["rev-parse", "--show-toplevel"], cwd=where, what=f"{folder} as a git clone")
        self.root = Path(top.decode().strip())
        #: the folder given, relative to the clone's root ("" for the root itself)
        self.prefix = where.resolve().relative_to(self.root.resolve()).as_posix().strip(".")
        self.label = str(folder)
        # "main" names the default branch: a clone whose branch is called otherwise reads HEAD for it
        has_main = (
            subprocess.run(
                [self.git, "rev-parse", "--verify", "--quiet", "main^{commit}"],
                cwd=self.root,
                capture_output=True,
                timeout=60,
                check=False,
            ).returncode
            == 0
        )
        self._main = "main" if has_main else "HEAD"

    def _run(self, args: list[str], *, cwd: Path | None = None, what: str = "") -> bytes:
        try:
            done = subprocess.run(
                [self.git, *args], cwd=cwd or self.root, capture_output=True, timeout=300, check=False
            )
        except subprocess.TimeoutExpired:
            raise FetchError(f"git {' '.join(args[:2])}: expected an answer within 300 s, found none") from None
        if done.returncode != 0:
            message = done.stderr.decode(errors="replace").strip().splitlines()
            hint = None
            if args[:1] == ["rev-parse"] and "--show-toplevel" in args:
                hint = (
                    "give a git clone of the docs repository, a mirror repository folder (the one with "
                    "INDEX.json) or owner/name"
                )
            raise InputError(
                f"git {' '.join(args[:3])}: expected to read {what or 'the clone'}, found: "
                f"{message[-1] if message else f'exit {done.returncode}'}",
                hint=hint,
            )
        return done.stdout

    def full_path(self, path: str) -> str:
        """``path`` relative to the folder given -> relative to the clone's root (both accepted)."""
        if not self.prefix or path.startswith(self.prefix + "/"):
            return path
        candidate = f"{self.prefix}/{path}"
        return candidate if (self.root / candidate).exists() or not (self.root / path).exists() else path

    def _ref(self, ref: str) -> str:
        return self._main if ref == "main" else ref

    def commit(self, ref: str) -> str:
        ref = self._ref(ref)
        out = self._run(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], what=f"the ref {ref!r}")
        return out.decode().strip()

    def changes(self, path: str, ref: str | None = None) -> list[Change]:
        path = self.full_path(path)
        out = self._run(
            [
                "log",
                "--follow",
                "-M",
                "--name-status",
                "--format=%x1e%H%x1f%cI%x1f%s",
                self._ref(ref) if ref else "HEAD",
                "--",
                path,
            ],
            what=f"the history of {path}",
        )
        changes: list[Change] = []
        for record in out.decode(errors="replace").split("\x1e")[1:]:
            head, _, rest = record.partition("\n")
            commit, date, subject = ([*head.split("\x1f"), "", ""])[:3]
            current = path
            for line in rest.splitlines():
                parts = line.split("\t")
                if len(parts) >= 2 and parts[0]:
                    current = parts[-1]  # R100<TAB>old<TAB>new, M<TAB>path, A<TAB>path
            changes.append(Change(commit, date, subject, current))
        # renames follow the file; a deletion is not a version of it
        return [c for c in changes if not _deleted(out, c)]

    def read(self, ref: str, path: str) -> bytes:
        if self._batch is None:
            self._batch = subprocess.Popen(
                [self.git, "cat-file", "--batch"],
                cwd=self.root,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        assert self._batch.stdin is not None and self._batch.stdout is not None
        self._batch.stdin.write(f"{self._ref(ref)}:{self.full_path(path)}\n".encode())
        self._batch.stdin.flush()
        header = self._batch.stdout.readline().decode(errors="replace").split()
        if len(header) != 3 or header[1] != "blob":
            raise FetchError(
                f"{self.label}: expected {path} at {ref}, found "
                + ("no such file" if "missing" in header else " ".join(header) or "nothing")
            )
        size = int(header[2])
        if size > MAX_FILE_BYTES:
            self.close()
            raise FetchError(f"{self.label}: {path} at {ref}: expected at most {MAX_FILE_BYTES} bytes, found {size}")
        data = self._batch.stdout.read(size)
        self._batch.stdout.read(1)  # the newline after the object
        return data

    def files(self, ref: str, folder: str) -> list[str]:
        folder = self.full_path(folder.strip("/")) if folder.strip("/") else self.prefix
        args = ["ls-tree", "-r", "--name-only", self._ref(ref)]
        if folder:
            args += ["--", folder]
        return sorted(self._run(args, what=f"the files under {folder or '/'} at {ref}").decode().splitlines())

    def close(self) -> None:
        if self._batch is not None:
            if self._batch.stdin is not None:
                self._batch.stdin.close()
            self._batch.kill()
            self._batch.wait()
            self._batch = None

    def __del__(self) -> None:
        if getattr(self, "_batch", None) is not None:
            self.close()


def _deleted(log: bytes, change: Change) -> bool:
    marker = f"\x1e{change.commit}\x1f".encode()
    start = log.find(marker)
    end = log.find(b"\x1e", start + 1)
    block = log[start : end if end != -1 else len(log)].decode(errors="replace")
    return any(line.startswith("D\t") for line in block.splitlines()[1:])


# -- GitHub REST API ---------------------------------------------------------------------------------
def _may_send_token(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme == "https" or (parts.hostname or "") in ("127.0.0.1", "localhost", "::1")


@attrs.define
class GitHubApi:
    """``owner/name`` read through the GitHub REST API (the URL and token from the context: ``$GITHUB_API_URL``,
    ``$GITHUB_TOKEN``)."""

    repo: str
    api_url: str = API_BASE
    token: str | None = attrs.field(default=None, repr=False)
    timeout: float = 20.0
    retries: int = 3
    client: httpx.Client | None = None
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time
    requests: int = 0

    @property
    def label(self) -> str:
        return f"{self.repo} (GitHub API)"

    def _get(self, url: str, accept: str = "application/vnd.github+json") -> httpx.Response:
        headers = {"Accept": accept, "X-GitHub-Api-Version": "2022-11-28", "User-Agent": "conformance-drift"}
        if self.token and _may_send_token(url):
            headers["Authorization"] = f"Bearer {self.token}"
        client = self.client or httpx.Client(timeout=self.timeout, follow_redirects=False, verify=default_context())
        last = ""
        try:
            for attempt in range(self.retries + 1):
                self.requests += 1
                try:
                    response = client.get(url, headers=headers)
                except httpx.TimeoutException:
                    last = f"no answer within {self.timeout} s"
                    self.sleep(min(2.0**attempt, 8.0))
                    continue
                except httpx.HTTPError as exc:
                    last = f"a connection failure ({type(exc).__name__})"
                    self.sleep(min(2.0**attempt, 8.0))
                    continue
                wait = self._rate_wait(response)
                if wait is not None:
                    if wait > RATE_WAIT_MAX or attempt == self.retries:
                        reset = datetime.datetime.fromtimestamp(self.clock() + wait, tz=datetime.UTC)
                        raise FetchError(
                            f"GET {_shown(url)}: expected an answer, found the GitHub API rate limit "
                            f"(HTTP {response.status_code}) until {reset:%Y-%m-%d %H:%M:%S} UTC",
                            hint="set GITHUB_TOKEN for a higher limit, use --repo PATH with a local clone, "
                            "or retry after the reset",
                        )
                    self.sleep(wait)
                    continue
                if response.status_code >= 500:
                    last = f"HTTP {response.status_code}"
                    self.sleep(min(2.0**attempt, 8.0))
                    continue
                if response.status_code == 404:
                    raise FetchError(
                        f"GET {_shown(url)}: expected 200, found 404 Not Found",
                        hint="check the repository, the ref and the path (case matters)",
                    )
                if response.status_code in (401, 403):
                    raise FetchError(
                        f"GET {_shown(url)}: expected 200, found {response.status_code} ({_api_message(response)})",
                        hint="check GITHUB_TOKEN" if self.token else "set GITHUB_TOKEN",
                    )
                if response.status_code != 200:
                    raise FetchError(f"GET {_shown(url)}: expected 200, found {response.status_code}")
                if len(response.content) > MAX_FILE_BYTES:
                    raise FetchError(
                        f"GET {_shown(url)}: expected at most {MAX_FILE_BYTES} bytes, found {len(response.content)}"
                    )
                return response
            raise FetchError(
                f"GET {_shown(url)}: expected 200, found {last} after {self.retries + 1} attempt(s)",
                hint="retry later, or use --repo PATH with a local clone",
            )
        finally:
            if self.client is None:
                client.close()

    def _rate_wait(self, response: httpx.Response) -> float | None:
        """Seconds to wait when the answer is a rate limit (primary or secondary), else None."""
        if response.status_code not in (403, 429):
            return None
        retry_after = response.headers.get("retry-after", "")
        if retry_after.isdigit():
            return float(retry_after)
        if response.headers.get("x-ratelimit-remaining") == "0":
            reset = response.headers.get("x-ratelimit-reset", "")
            if reset.isdigit():
                return max(0.0, float(reset) - self.clock()) + 1.0
            return 60.0
        if response.status_code == 429 or "rate limit" in _api_message(response).lower():
            return 60.0
        return None

    def _json(self, url: str) -> tuple[Any, httpx.Response]:
        response = self._get(url)
        try:
            return response.json(), response
        except ValueError:
            raise FetchError(f"GET {_shown(url)}: expected JSON, found {response.text[:80]!r}") from None

    def _url(self, tail: str, **query: str) -> str:
        base = f"{self.api_url.rstrip('/')}/repos/{self.repo}/{tail}"
        return base + ("?" + urllib.parse.urlencode(query, safe="/") if query else "")

    def commit(self, ref: str) -> str:
        data, _ = self._json(self._url(f"commits/{urllib.parse.quote(ref, safe='')}"))
        sha = data.get("sha") if isinstance(data, dict) else None
        if not isinstance(sha, str):
            raise FetchError(f"{self.repo}: expected a commit for {ref!r}, found {json.dumps(data)[:80]}")
        return sha

    def changes(self, path: str, ref: str | None = None) -> list[Change]:
        out: list[Change] = []
        current, start = path, ref
        for _ in range(20):  # renames followed, at most 20 deep
            batch = self._commits(current, start)
            out += batch
            if not batch:
                break
            oldest = batch[-1]
            detail, _ = self._json(self._url(f"commits/{oldest.commit}"))
            previous = _renamed_from(detail, current)
            parents = detail.get("parents") if isinstance(detail, dict) else None
            if previous is None or not parents:
                break
            current, start = previous, str(parents[0].get("sha"))
        return out

    def _commits(self, path: str, ref: str | None) -> list[Change]:
        query = {"path": path, "per_page": "100", **({"sha": ref} if ref else {})}
        url: str | None = self._url("commits", **query)
        out: list[Change] = []
        for _ in range(MAX_PAGES):
            if url is None:
                break
            data, response = self._json(url)
            if not isinstance(data, list):
                raise FetchError(f"GET {_shown(url)}: expected a JSON list of commits, found {type(data).__name__}")
            for item in data:
                try:
                    commit = item["commit"]
                    out.append(
                        Change(
                            item["sha"], commit["committer"]["date"], (commit["message"].splitlines() or [""])[0], path
                        )
                    )
                except (KeyError, TypeError, AttributeError):
                    raise FetchError(
                        f"GET {_shown(url)}: expected commits with sha, commit.committer.date and "
                        f"commit.message, found {json.dumps(item)[:120]}"
                    ) from None
            url = _next_link(response.headers.get("link", ""))
        return out

    def read(self, ref: str, path: str) -> bytes:
        url = self._url(f"contents/{urllib.parse.quote(path)}", ref=ref)
        return self._get(url, accept="application/vnd.github.raw").content

    def files(self, ref: str, folder: str) -> list[str]:
        data, _ = self._json(self._url(f"git/trees/{urllib.parse.quote(ref, safe='')}", recursive="1"))
        tree = data.get("tree") if isinstance(data, dict) else None
        if not isinstance(tree, list):
            raise FetchError(f"{self.repo}: expected a git tree for {ref!r}, found {json.dumps(data)[:80]}")
        if data.get("truncated") is True:
            raise FetchError(
                f"{self.repo}: expected the whole file list at {ref!r}, found a truncated one (the "
                "tree is too large for one GitHub API answer)",
                hint="use --repo PATH with a local clone",
            )
        prefix = folder.strip("/") + "/" if folder.strip("/") else ""
        return sorted(
            str(t["path"])
            for t in tree
            if isinstance(t, dict) and t.get("type") == "blob" and str(t.get("path", "")).startswith(prefix)
        )


def _shown(url: str) -> str:
    return url.split("?", 1)[0]


def _api_message(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.reason_phrase
    return str(data.get("message", "")) if isinstance(data, dict) else response.reason_phrase


def _next_link(header: str) -> str | None:
    for part in header.split(","):
        section = part.split(";")
        if len(section) >= 2 and 'rel="next"' in section[1].replace(" ", ""):
            return section[0].strip().strip("<>")
    return None


def _renamed_from(detail: Any, path: str) -> str | None:
    files = detail.get("files") if isinstance(detail, dict) else None
    for item in files if isinstance(files, list) else []:
        if isinstance(item, dict) and item.get("filename") == path and item.get("status") == "renamed":
            previous = item.get("previous_filename")
            return str(previous) if previous else None
    return None


# -- the mirror ---------------------------------------------------------------------------------------
class MirrorRepo:
    """The mirror's layout (``{repo}/{ref}/{path}`` + ``INDEX.json``): the history of its ``main`` only."""

    def __init__(self, fetcher: Any, repo: str) -> None:
        self.fetcher = fetcher
        self.repo = repo
        self.label = f"{repo} (mirror)"
        self._index: dict[str, Any] | None = None

    def index(self) -> dict[str, Any]:
        if self._index is None:
            self._index = self.fetcher.index(self.repo)
        return self._index

    def changes(self, path: str, ref: str | None = None) -> list[Change]:
        return [Change(v.commit, v.date, v.subject, path) for v in self.fetcher.versions(self.repo, path)]

    def read(self, ref: str, path: str) -> bytes:
        content: bytes = self.fetcher.get(self.repo, ref, path).content
        return content

    def files(self, ref: str, folder: str) -> list[str]:
        prefix = folder.strip("/") + "/" if folder.strip("/") else ""
        return sorted(p for p in self.index().get("files", {}) if p.startswith(prefix))

    def commit(self, ref: str) -> str:
        if ref == "main":
            return str(self.index().get("main", "main"))
        return ref

    def commits(self) -> list[Change]:
        """Every commit the mirror records, oldest first (by date), each once."""
        seen: dict[str, Change] = {}
        for path, entry in self.index().get("files", {}).items():
            for v in entry.get("versions_newest_first", []):
                seen.setdefault(v["commit"], Change(v["commit"], v.get("date", ""), v.get("subject", ""), path))
        return sorted(seen.values(), key=lambda c: (_when(c.date), c.commit))


def _when(date: str) -> datetime.datetime:
    try:
        value = datetime.datetime.fromisoformat(date)
    except ValueError:
        return datetime.datetime.min.replace(tzinfo=datetime.UTC)
    return value if value.tzinfo else value.replace(tzinfo=datetime.UTC)


def when(date: str) -> datetime.datetime:
    """An ISO date as an aware datetime (naive ones read as UTC; unreadable ones as the earliest time)."""
    return _when(date)


def open_history(repo: str | None, fetcher: Any, default_repo: str, *, token: str | None = None) -> History:
    """``--repo``: a local clone (a directory), else ``owner/name`` via the mirror when set, else the API."""
    if repo and (Path(repo).is_dir() or repo.startswith((".", "/", "~"))):
        return GitRepo(Path(repo).expanduser())
    name = repo or default_repo
    if name.count("/") != 1:
        raise InputError(f"--repo {name}: expected a local git clone (a directory) or owner/name, found neither")
    if getattr(fetcher, "mirror", None) is not None:
        return MirrorRepo(fetcher, name)
    return GitHubApi(name, api_url=getattr(fetcher, "api_url", API_BASE), token=token)


# -- a repository's files at a ref (drift --catalog) -----------------------------------------------
class Snapshots:
    """What a file holds at a ref, for any history; the mirror maps a commit to each file's version then.

    Handed to :func:`conformance.drift.catalog.compare_catalog` (its ``Snapshots`` protocol)."""

    def __init__(self, history: History) -> None:
        self.history = history
        self._dates: dict[str, Any] | None = None

    def _mirror_ref(self, mirror: MirrorRepo, ref: str, path: str) -> str | None:
        if ref == "main":
            return "main"
        if self._dates is None:
            self._dates = {c.commit: when(c.date) for c in mirror.commits()}
        at = self._dates.get(ref)
        if at is None:
            raise InputError(
                f"{mirror.label}: expected a commit the mirror records (or main), found {ref!r}",
                hint="list them with `conformance drift --history PATH`, or use a git clone (--repo)",
            )
        entry = mirror.index().get("files", {}).get(path, {})
        for version in entry.get("versions_newest_first", []):
            if version["commit"] == ref or when(version.get("date", "")) <= at:
                return str(version["commit"])
        return None  # the file did not exist yet

    def resolved(self, ref: str, path: str) -> str:
        """The ref to name this file's version with (the mirror: the commit of its version at ``ref``)."""
        if isinstance(self.history, MirrorRepo):
            return self._mirror_ref(self.history, ref, path) or ref
        return ref

    def read(self, ref: str, path: str) -> bytes | None:
        """The bytes at ``ref``, or None when the file does not exist there."""
        history = self.history
        if isinstance(history, MirrorRepo):
            at = self._mirror_ref(history, ref, path)
            if at is None:
                return None
            try:
                return history.read(at, path)
            except FetchError:
                if at == "main":
                    return None
                raise
        try:
            return history.read(ref, path)
        except (FetchError, InputError) as exc:
            if "no such file" in exc.message or "404" in exc.message:
                return None
            raise

    def files(self, ref: str, folder: str) -> list[str]:
        return self.history.files(ref, folder)

    @property
    def label(self) -> str:
        return self.history.label

    @property
    def repo_flag(self) -> str:
        return f"--repo {self.history.label} " if isinstance(self.history, GitRepo) else ""

    def parse(self, raw: bytes, where: str) -> dict[str, Any]:
        from conformance.load.parse import parse_spec

        return parse_spec(raw, where, upstream=True)
