"""Example freshness: was the example right when the page was last edited, before a spec change broke it?

The history comes from the mirror's ``INDEX.json`` when the page is in a mirror, else from the git
clone the page is in (both asked of the store's upstream, :mod:`conformance.load.upstream`). :func:`find_stale`
returns the spec as it was at the page's last edit and the spec commits since, or None when the history cannot tell.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import attrs

from conformance.docs.specs import LoadedSpec, OperationRef, SpecFailure, SpecStore
from conformance.inputs import Commit

__all__ = ["Stale", "find_stale", "version_time"]


@attrs.frozen
class Stale:
    """The spec as it was when the page was last edited, and the spec changes since."""

    page_version: Commit
    then: LoadedSpec
    since: tuple[Commit, ...]

    def explain(self) -> str:
        changes = "; ".join(f'{v.commit[:7]} ({v.date[:10]}, "{v.subject}")' for v in self.since[:3])
        more = f" and {len(self.since) - 3} more" if len(self.since) > 3 else ""
        return (
            f"it matched {self.then.short} as of the page's last edit ({self.page_version.date[:10]}, "
            f"{self.page_version.commit[:7]}); the spec changed since: {changes}{more}"
        )


def version_time(version: Commit) -> datetime.datetime | None:
    try:
        value = datetime.datetime.fromisoformat(version.date)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=datetime.UTC)


def find_stale(store: SpecStore, page: Path, repo: str, ref: str, spec_path: str, op: OperationRef) -> Stale | None:
    """When the page predates a change of its spec, the spec as it was then (mirror index, else the clone)."""
    located = store.page_in_repo(page, repo)
    page_versions = spec_versions = None
    if located is not None:
        page_ref, page_path = located
        page_versions = store.history(repo, page_path)
        spec_versions = store.history(repo, spec_path)
    if not page_versions or not spec_versions:
        return _find_stale_in_clone(store, page, ref, spec_path, op)
    main = store.main_commit(repo)

    def at(versions: list[Commit], wanted: str) -> int | None:
        if wanted in ("main", main):
            return 0
        return next((i for i, v in enumerate(versions) if v.commit == wanted), None)

    page_index, spec_index = at(page_versions, page_ref), at(spec_versions, ref)
    if page_index is None or spec_index is None:
        return None
    page_version = page_versions[page_index]
    edited = version_time(page_version)
    if edited is None:
        return None
    since: list[Commit] = []
    then: Commit | None = None
    for version in spec_versions[spec_index:]:
        when = version_time(version)
        if when is None:
            return None
        if when > edited:
            since.append(version)
        else:
            then = version
            break
    if not since or then is None:
        return None
    loaded = store.load(attrs.evolve(op.spec.source, ref=then.commit, display=f"{repo}@{then.commit}:{spec_path}"))
    if isinstance(loaded, SpecFailure):
        return None
    return Stale(page_version, loaded, tuple(since))


def _find_stale_in_clone(store: SpecStore, page: Path, ref: str, spec_path: str, op: OperationRef) -> Stale | None:
    """The same rule with the history of the git clone the page is in (the working tree is ``main``)."""
    history = store.clone_history(page, spec_path)
    if history is None:
        return None
    start = 0
    if ref not in ("main", "master", "HEAD"):
        found = next((i for i, v in enumerate(history.spec_versions) if v.commit == ref), None)
        if found is None:
            return None
        start = found
    page_version = history.page_versions[0]
    edited = version_time(page_version)
    if edited is None:
        return None
    since: list[Commit] = []
    for version in history.spec_versions[start:]:
        when = version_time(version)
        if when is None:
            return None
        if when <= edited:
            if not since:
                return None
            at = history.spec_at(version.commit)
            if at is None:
                return None
            spec, where, path = at
            source = op.spec.source
            then = attrs.evolve(
                source, ref=version.commit, path=path, display=f"{source.repo or history.root}@{version.commit}:{path}"
            )
            return Stale(page_version, LoadedSpec(then, where, spec), tuple(since))
        since.append(version)
    return None
