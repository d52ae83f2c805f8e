"""What the docs stage reads upstream while it checks pages, through one object the CLI hands it.

Doc pages name the specs they embed as they are read, so the docs stage cannot be handed every spec up front:
it gets an :class:`UpstreamFiles` (``conformance.docs.specs.Upstream`` is the protocol it relies on) and asks it,
lazily, for a linked file, a mirror's history index, the pinned normalised spec and a clone's history. Everything
here is read through the context's fetcher (mirror or raw URL) or from local git clones.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from conformance.errors import ToolError
from conformance.inputs import Spec
from conformance.load.context import Context

if TYPE_CHECKING:
    from conformance.load.clonehistory import CloneHistory
    from conformance.load.fetch import Fetcher


@attrs.define
class UpstreamFiles:
    """Upstream files for the docs stage, from the context's mirror or raw URL (the fetcher made when first needed)."""

    context: Context = attrs.field(factory=Context)
    _fetcher: Fetcher | None = attrs.field(default=None, init=False, repr=False)

    def fetcher(self) -> Fetcher:
        if self._fetcher is None:
            self._fetcher = self.context.fetcher()
        return self._fetcher

    @property
    def mirror(self) -> Path | None:
        return self.context.mirror

    def get(self, repo: str, ref: str, path: str) -> tuple[bytes, str]:
        """``(content, origin)`` of ``{repo}/{ref}/{path}``; a :class:`~conformance.errors.ToolError` otherwise."""
        fetched = self.fetcher().get(repo, ref, path)
        return fetched.content, fetched.origin

    def parse(self, raw: bytes, where: str) -> Spec:
        from conformance.load.parse import parse_spec

        return parse_spec(raw, where)

    def index(self, mirror: Path, repo: str) -> dict[str, Any] | None:
        """A mirror's ``INDEX.json`` for ``repo``, or None when it has none."""
        from conformance.load.fetch import read_index

        try:
            return read_index(mirror, repo)
        except ToolError:
            return None

    def pinned_normalised(self, repo: str, path: str) -> tuple[Spec, str] | None:
        """``(normalised spec, commit)`` when ``repo``/``path`` is the pinned spec and it is available offline."""
        from conformance import paths
        from conformance.load.fetch import Lock, cache_file
        from conformance.load.specs import load_spec

        try:
            lock = Lock.load(paths.lock_path())
        except ToolError:
            return None
        if (lock.repo, lock.path) != (repo, path):
            return None
        if self.mirror is None and not cache_file(lock.repo, lock.commit, lock.path).is_file():
            return None  # never reach the network for this
        try:
            return load_spec("normalised", self.fetcher()), lock.commit
        except (ToolError, OSError, ValueError, KeyError):
            return None

    def clone_history(self, page: Path, spec_path: str) -> CloneHistory | None:
        """The page's and the spec's histories when the page is in a git clone that holds the spec."""
        from conformance.load.clonehistory import clone_history

        return clone_history(page, spec_path)
