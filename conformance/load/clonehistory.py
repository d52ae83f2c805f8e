"""A page's and a spec's history from the git clone they live in, read with ``git``.

The stale-example rule needs to know when the page was last edited and how the spec
changed since. A mirror records that in ``INDEX.json``; a user has a clone of the
docs repository instead. :func:`clone_history` answers the same questions from the
clone the page lives in (``git log --follow``, renames followed), and reads the spec
as it was at a commit. Nothing here reaches the network. The docs stage asks for it
through :class:`conformance.load.upstream.UpstreamFiles`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from conformance.errors import ToolError
from conformance.inputs import Commit, Spec
from conformance.load.parse import parse_spec

if TYPE_CHECKING:
    from conformance.load.history import Change, GitRepo

__all__ = ["CloneHistory", "clone_history"]


@attrs.frozen
class CloneHistory:
    """The page's and the spec's versions (newest first) in the clone that holds the page."""

    root: Path
    page_versions: tuple[Commit, ...]
    spec_versions: tuple[Commit, ...]
    spec_paths: tuple[str, ...]  # the spec's path at each of its versions (it may have been renamed)

    def spec_at(self, commit: str) -> tuple[Spec, str, str] | None:
        """``(spec, where, path)``: the spec as it was at ``commit`` (``path``: its name then); None when unknown."""
        index = next((i for i, v in enumerate(self.spec_versions) if v.commit == commit), None)
        if index is None:
            return None
        path = self.spec_paths[index]
        repo = _repo(str(self.root))
        if repo is None:
            return None
        where = f"{self.root}@{commit[:8]}:{path}"
        try:
            return parse_spec(repo.read(commit, path), where), where, path
        except (ToolError, ValueError, RecursionError):
            return None


@lru_cache(maxsize=8)
def _repo(root: str) -> GitRepo | None:
    from conformance.load.history import GitRepo

    try:
        return GitRepo(root)
    except ToolError:
        return None


@lru_cache(maxsize=1024)
def _changes(root: str, path: str) -> tuple[Change, ...]:
    """``git log --follow`` of one file, once per process (a catalog asks for the same spec many times)."""
    repo = _repo(root)
    if repo is None:
        return ()
    try:
        return tuple(repo.changes(path))
    except ToolError:
        return ()


@lru_cache(maxsize=64)
def _toplevel(folder: str) -> str | None:
    """The root of the git clone holding ``folder``, or None (no clone, or no git)."""
    here = Path(folder)
    for candidate in (here, *here.parents):
        if (candidate / ".git").exists():
            return str(candidate)
    return None


def clone_history(page: Path, spec_path: str) -> CloneHistory | None:
    """The histories when ``page`` is a file in a git clone that also holds ``spec_path``; else None."""
    resolved = page.resolve()
    root = _toplevel(str(resolved.parent))
    if root is None:
        return None
    repo = _repo(root)
    if repo is None:
        return None
    page_changes = _changes(root, resolved.relative_to(Path(root).resolve()).as_posix())
    spec_changes = _changes(root, spec_path)
    if not page_changes or not spec_changes:
        return None
    return CloneHistory(
        Path(root),
        tuple(Commit(c.commit, c.date, c.subject) for c in page_changes),
        tuple(Commit(c.commit, c.date, c.subject) for c in spec_changes),
        tuple(c.path for c in spec_changes),
    )
