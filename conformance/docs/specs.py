"""Find, load and cache the specs that pages link to; look up operations, schemas and validators.

A page's API-schema block links to the raw spec file, e.g.
``https://raw.githubusercontent.com/aimlapi/api-docs/refs/heads/main/docs/.../OpenAI/gpt-5-2.json``
(page folders are lower-case ``openai/``, spec folders ``OpenAI/``: the link's
path is followed as written). Resolution, first that applies:

1. a catalog root laid out as ``<owner>/<repo>/<ref>`` (a mirror) whose owner and
   repo match the link: ``ROOT/../<ref>/<path>`` (the same ref is ROOT itself);
   a catalog root named like the repo (a checkout): ``ROOT/<path>``;
2. otherwise the store's :class:`Upstream` (the CLI hands over the load layer's
   ``UpstreamFiles``: the mirror with ``--mirror``/``SPEC_MIRROR``, the raw URL otherwise);
3. a relative link (``./chatgpt-4o.json``) is a file next to the page, and only
   inside the page's root (see :func:`link_root`): a link that leads out of it
   (``../../tmp/secret.env``, or a symlink pointing outside) names no spec, and
   its file is never read or quoted.

A :class:`SpecStore` loads each spec once per process and compiles each schema
once; failures are values (:class:`SpecFailure`) that the checks turn into findings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

import attrs

from conformance.docs import rules
from conformance.errors import ToolError
from conformance.findings import Rule
from conformance.inputs import Commit, Spec
from conformance.oas import Operation, OperationIndex, Resolver, Validator, join_pointer
from conformance.safeload import UnsafeInput, read_regular_file

MAX_SPEC_BYTES = 64 * 1024 * 1024


class CloneHistory(Protocol):
    """A page's and its spec's versions (newest first) in the git clone that holds them."""

    @property
    def root(self) -> Path: ...

    @property
    def page_versions(self) -> tuple[Commit, ...]: ...

    @property
    def spec_versions(self) -> tuple[Commit, ...]: ...

    def spec_at(self, commit: str) -> tuple[Spec, str, str] | None:
        """``(spec, where, path)`` as it was at ``commit``."""
        ...


class Upstream(Protocol):
    """What the docs stage asks the load layer for while it reads pages (``conformance.load.upstream``)."""

    @property
    def mirror(self) -> Path | None: ...

    def get(self, repo: str, ref: str, path: str) -> tuple[bytes, str]:
        """``(content, origin)``; a :class:`~conformance.errors.ToolError` when it cannot be had."""
        ...

    def parse(self, raw: bytes, where: str) -> Spec: ...

    def index(self, mirror: Path, repo: str) -> dict[str, Any] | None: ...

    def pinned_normalised(self, repo: str, path: str) -> tuple[Spec, str] | None: ...

    def clone_history(self, page: Path, spec_path: str) -> CloneHistory | None: ...


__all__ = ["LoadedSpec", "OperationRef", "SpecFailure", "SpecSource", "SpecStore", "parse_link"]


@attrs.frozen
class SpecSource:
    """Where a linked spec lives: a file in a repository at a ref, or a local file."""

    display: str
    repo: str | None = None
    ref: str | None = None
    path: str | None = None
    local: str | None = None


@attrs.frozen
class SpecFailure:
    """Why a spec could not be used: the rule to report, the message, a hint."""

    rule: Rule
    message: str
    hint: str | None = None


def parse_link(link: str, page_path: Path | None) -> SpecSource | str:
    """The spec a link names, or a reason why the link names none."""
    link = link.strip()
    if not link:
        return "the link is empty"
    try:
        parts = urlsplit(link)
    except ValueError as exc:
        return f"the link {link} is not a valid URL ({exc})"
    if parts.scheme in ("http", "https"):
        segments = [unquote(s) for s in parts.path.split("/") if s]
        if parts.netloc == "raw.githubusercontent.com" and len(segments) >= 4:
            owner, repo, rest = segments[0], segments[1], segments[2:]
        elif parts.netloc in ("github.com", "www.github.com") and len(segments) >= 5 and segments[2] in ("blob", "raw"):
            owner, repo, rest = segments[0], segments[1], segments[3:]
        else:
            return (
                f"the link {link} is not a raw GitHub file URL (raw.githubusercontent.com/<owner>/<repo>/<ref>/<path>)"
            )
        if len(rest) >= 3 and rest[0] == "refs" and rest[1] in ("heads", "tags"):
            ref, path_parts = rest[2], rest[3:]
        else:
            ref, path_parts = rest[0], rest[1:]
        if not path_parts:
            return f"the link {link} names no file after the ref"
        path = "/".join(path_parts)
        return SpecSource(display=f"{owner}/{repo}@{ref}:{path}", repo=f"{owner}/{repo}", ref=ref, path=path)
    if parts.scheme:
        return f"the link {link} is neither a raw GitHub URL nor a file next to the page"
    if link.startswith("/broken/"):
        return f"GitBook marks the spec link as broken ({link})"
    if page_path is None or link.startswith("/"):
        return f"the link {link} is not a raw GitHub URL and cannot be resolved against the page"
    local = (page_path.parent / unquote(link.split("#", 1)[0])).resolve()
    root = link_root(page_path)
    if not local.is_relative_to(root):
        return (
            f"the link {link} leads outside {root} (the catalog or mirror root of the page); relative links "
            "must stay inside it, and the file it names was not read"
        )
    return SpecSource(display=str(local), local=str(local))


def link_root(page_path: Path) -> Path:
    """The folder a page's relative links must stay in: the checkout it belongs to (the nearest folder with
    ``.git``), the ``<ref>`` folder of a mirror (``<owner>/<repo>/<ref>`` beside ``INDEX.json``), else the
    page's own folder."""
    folder = page_path.resolve().parent
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists() or (candidate.parent / "INDEX.json").is_file():
            return candidate
    return folder


@attrs.frozen
class OperationRef:
    """An operation within a loaded spec."""

    spec: LoadedSpec
    path: str
    method: str

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"

    @property
    def operation(self) -> Operation | None:
        return self.spec.index.get(self.method, self.path)

    @property
    def node(self) -> dict[str, Any]:
        found = self.operation
        return found.op if found is not None else {}

    @property
    def pointer(self) -> str:
        return join_pointer("paths", self.path, self.method)


def _case_hint(target: Path) -> str | None:
    """When a file differing only in case exists, name it (page folders are lower-case, spec folders not)."""
    try:
        parent = target.parent
        if not parent.is_dir():
            grand = parent.parent
            if grand.is_dir():
                for sibling in grand.iterdir():
                    if sibling.name.lower() == parent.name.lower() and (sibling / target.name).is_file():
                        return f"{sibling / target.name} exists: the folder's case differs"
            return None
        for sibling in parent.iterdir():
            if sibling.name.lower() == target.name.lower() and sibling.name != target.name:
                return f"{sibling} exists: the file name's case differs"
    except OSError:
        return None
    return None


class LoadedSpec:
    """A parsed spec plus its caches (compiled validators, path templates)."""

    def __init__(self, source: SpecSource, where: str, spec: Spec) -> None:
        self.source = source
        self.where = where
        self.spec = spec
        self.display = source.display
        tail = (source.path or source.local or where).replace("\\", "/").split("/")
        self.short = "/".join(tail[-2:])
        self._validators: dict[str, Validator | SpecFailure] = {}
        self.index = OperationIndex(spec)

    # -- operations ---------------------------------------------------------------------------------
    def path_item(self, path: str) -> dict[str, Any] | None:
        return self.index.path_item(path)

    def operation(self, path: str, method: str) -> OperationRef | None:
        if self.index.get(method, path) is None:
            return None
        return OperationRef(self, path, method)

    def methods(self, path: str) -> list[str]:
        return self.index.methods(path)

    def match_path(self, path: str) -> str | None:
        """The spec path (template) that ``path`` instantiates, exact matches first."""
        return self.index.match_path(path)

    def paths(self) -> list[str]:
        return self.index.paths()

    def servers(self, op: OperationRef | None = None) -> list[str]:
        """Server URLs in effect for ``op`` (operation, path item, then document level), variables expanded."""
        candidates: list[Any] = []
        if op is not None:
            candidates += [op.node.get("servers"), (self.path_item(op.path) or {}).get("servers")]
        candidates.append(self.spec.get("servers"))
        for servers in candidates:
            if isinstance(servers, list) and servers:
                urls: list[str] = []
                for server in servers:
                    if isinstance(server, dict) and isinstance(server.get("url"), str):
                        url = server["url"]
                        for name, var in (server.get("variables") or {}).items():
                            if isinstance(var, dict) and "default" in var:
                                url = url.replace("{" + str(name) + "}", str(var["default"]))
                        urls.append(url)
                if urls:
                    return urls
        return ["/"]

    def follow(self, node: Any) -> Any:
        """Follow a chain of local ``$ref`` (a requestBody or response may be one); ``None`` when it breaks."""
        return self.index.resolver.follow_or(node)

    # -- schemas ------------------------------------------------------------------------------------
    def request_schema(self, op: OperationRef) -> tuple[str, Any, bool] | None:
        """(pointer, schema, required) of the JSON request body, if any."""
        operation = self.index.get(op.method, op.path)
        found = self.index.request_json(operation) if operation is not None else None
        return None if found is None else (found[1], found[2], found[3])

    def response_schema(self, op: OperationRef) -> tuple[str, str, Any] | None:
        """(status, pointer, schema) of the 200 (else first 2xx) JSON response."""
        operation = self.index.get(op.method, op.path)
        found = self.index.success_json(operation) if operation is not None else None
        return None if found is None else (found[0], found[2], found[3])

    def validator(self, pointer: str, schema: Any) -> Validator | SpecFailure:
        """The compiled validator for the schema at ``pointer`` (compiled once)."""
        cached = self._validators.get(pointer)
        if cached is None:
            try:
                cached = Validator(schema, self.spec, where=f"{self.short}#{pointer}")
            except ToolError as exc:
                cached = SpecFailure(rules.SPEC_INVALID, exc.message, exc.hint)
            except (ValueError, TypeError, RecursionError) as exc:
                cached = SpecFailure(
                    rules.SPEC_INVALID, f"{self.short}#{pointer}: the schema cannot be compiled: {exc}"
                )
            self._validators[pointer] = cached
        return cached


class SpecStore:
    """Loads linked specs once per process: local files itself, upstream ones through its :class:`Upstream`."""

    def __init__(self, upstream: Upstream, *, catalog_root: Path | None = None) -> None:
        self.catalog_root = catalog_root.resolve() if catalog_root else None
        self.upstream = upstream
        self._cache: dict[str, LoadedSpec | SpecFailure] = {}
        self._indexes: dict[str, dict[str, Any] | None] = {}
        self._normalised: dict[tuple[str, str], LoadedSpec | None] = {}

    def _mirror_repo(self, repo: str) -> Path | None:
        """``<mirror>/<owner>/<repo>`` when the catalog root lies inside a mirror layout for ``repo``."""
        root = self.catalog_root
        if root is None:
            return None
        owner, _, name = repo.partition("/")
        parts = root.parts
        for i in range(len(parts) - 2):
            if parts[i] == owner and parts[i + 1] == name:
                return Path(*parts[: i + 2])
        return None

    def _local_for(self, source: SpecSource) -> Path | None:
        root = self.catalog_root
        if root is None or source.repo is None or source.path is None or source.ref is None:
            return None
        mirrored = self._mirror_repo(source.repo)
        if mirrored is not None:
            return mirrored / source.ref / source.path
        if root.name == source.repo.partition("/")[2]:
            return root / source.path
        return None

    # -- history (mirror INDEX.json only: never the network) ----------------------------------------
    def _index(self, repo: str) -> dict[str, Any] | None:
        if repo in self._indexes:
            return self._indexes[repo]
        mirrors: list[Path] = []
        mirrored = self._mirror_repo(repo)
        if mirrored is not None:
            mirrors.append(mirrored.parent.parent)
        if self.upstream.mirror is not None:
            mirrors.append(self.upstream.mirror)
        index = next((i for i in (self.upstream.index(m, repo) for m in mirrors) if i is not None), None)
        self._indexes[repo] = index
        return index

    def history(self, repo: str, path: str) -> list[Commit] | None:
        """Commits that changed ``path``, newest first, from a mirror's INDEX.json; None when unknown."""
        index = self._index(repo)
        entry = index["files"].get(path) if index else None
        if not isinstance(entry, dict):
            return None
        versions = entry.get("versions_newest_first")
        if not isinstance(versions, list):
            return None
        return [
            Commit(str(v.get("commit", "")), str(v.get("date", "")), str(v.get("subject", "")))
            for v in versions
            if isinstance(v, dict)
        ]

    def main_commit(self, repo: str) -> str | None:
        index = self._index(repo)
        value = index.get("main") if index else None
        return value if isinstance(value, str) else None

    def page_in_repo(self, page_path: Path, repo: str) -> tuple[str, str] | None:
        """``(ref, path in the repo)`` of a page file inside a mirror (``<owner>/<repo>/<ref>/...``) or checkout."""
        owner, _, name = repo.partition("/")
        resolved = page_path.resolve()
        parts = resolved.parts
        for i in range(len(parts) - 3):
            if parts[i] == owner and parts[i + 1] == name:
                return parts[i + 2], "/".join(parts[i + 3 :])
        root = self.catalog_root
        if root is not None and root.name == name and resolved.is_relative_to(root):
            return "main", resolved.relative_to(root).as_posix()
        return None

    # -- the normalised spec (for "would the declared corrections accept it?") ----------------------
    def normalised_for(self, source: SpecSource) -> LoadedSpec | None:
        """The normalised spec when ``source`` is the pinned spec's file and it is available offline."""
        if source.repo is None or source.path is None:
            return None
        key = (source.repo, source.path)
        if key not in self._normalised:
            self._normalised[key] = self._load_normalised(source)
        return self._normalised[key]

    def _load_normalised(self, source: SpecSource) -> LoadedSpec | None:
        if source.repo is None or source.path is None:
            return None
        found = self.upstream.pinned_normalised(source.repo, source.path)
        if found is None:
            return None
        spec, commit = found
        normalised = SpecSource(
            display=f"normalised {source.repo}@{commit}:{source.path}", repo=source.repo, ref=commit, path=source.path
        )
        return LoadedSpec(normalised, "normalised", spec)

    def clone_history(self, page: Path, spec_path: str) -> CloneHistory | None:
        return self.upstream.clone_history(page, spec_path)

    def load(self, source: SpecSource) -> LoadedSpec | SpecFailure:
        key = source.local or source.display
        cached = self._cache.get(key)
        if cached is None:
            cached = self._load(source)
            self._cache[key] = cached
        return cached

    def _load(self, source: SpecSource) -> LoadedSpec | SpecFailure:
        local = Path(source.local) if source.local else self._local_for(source)
        if local is not None:
            where = str(local)
            try:
                raw = read_regular_file(local, MAX_SPEC_BYTES)  # no /dev/zero, no pipe, no endless file
            except UnsafeInput as exc:
                return SpecFailure(rules.SPEC_UNAVAILABLE, f"the linked spec {local} cannot be read: {exc}")
            except FileNotFoundError:
                hint = _case_hint(local)
                where_ = "" if source.local else " in the catalog"
                return SpecFailure(
                    rules.SPEC_UNAVAILABLE,
                    f"the linked spec {source.display} does not exist{where_}",
                    hint or rules.SPEC_UNAVAILABLE.fix,
                )
            except OSError as exc:
                return SpecFailure(
                    rules.SPEC_UNAVAILABLE, f"the linked spec {local} cannot be read ({exc.strerror or exc})"
                )
        else:
            assert source.repo is not None and source.ref is not None and source.path is not None
            try:
                raw, where = self.upstream.get(source.repo, source.ref, source.path)
            except ToolError as exc:
                return SpecFailure(
                    rules.SPEC_UNAVAILABLE,
                    f"the linked spec {source.display} cannot be fetched: {exc.message}",
                    exc.hint or rules.SPEC_UNAVAILABLE.fix,
                )
        try:
            spec = self.upstream.parse(raw, where)
        except ToolError as exc:
            return SpecFailure(
                rules.SPEC_INVALID, f"the linked spec is unusable: {exc.message}", exc.hint or rules.SPEC_INVALID.fix
            )
        except (ValueError, RecursionError) as exc:  # e.g. a JSON nesting too deep for the decoder
            return SpecFailure(rules.SPEC_INVALID, f"the linked spec {where} is unusable: {exc}")
        return LoadedSpec(source, where, spec)


def model_enum(schema: Any, spec: Spec, limit: int = 8) -> tuple[list[str], bool] | None:
    """The values the request's ``model`` property accepts, and whether any other string is accepted too.

    ``None`` when the schema says nothing about ``model`` values (no enum/const anywhere).
    """

    resolver = Resolver(spec)

    def follow(node: Any) -> Any:
        return resolver.follow_or(node)

    def model_schemas(node: Any, depth: int = 0) -> list[Any]:
        node = follow(node)
        if not isinstance(node, dict) or depth > limit:
            return []
        found: list[Any] = []
        props = node.get("properties")
        if isinstance(props, dict) and "model" in props:
            found.append(props["model"])
        for combo in ("allOf", "anyOf", "oneOf"):
            for sub in node.get(combo) or []:
                found += model_schemas(sub, depth + 1)
        return found

    values: list[str] = []
    open_ended = False
    constrained = False

    def collect(node: Any, depth: int = 0) -> None:
        nonlocal open_ended, constrained
        node = follow(node)
        if not isinstance(node, dict) or depth > limit:
            return
        branches = [b for combo in ("anyOf", "oneOf") for b in (node.get(combo) or [])]
        if "enum" in node and isinstance(node["enum"], list):
            constrained = True
            values.extend(v for v in node["enum"] if isinstance(v, str) and v not in values)
        elif "const" in node and isinstance(node["const"], str):
            constrained = True
            if node["const"] not in values:
                values.append(node["const"])
        elif branches:
            for branch in branches:
                collect(branch, depth + 1)
        elif node.get("type") in (None, "string"):
            open_ended = True

    for schema_node in model_schemas(schema):
        collect(schema_node)
    if not constrained:
        return None
    return values, open_ended
