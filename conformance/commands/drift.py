"""conformance drift: breaking-aware diff of the pinned spec against the newest published one (or any two).

Forms::

    conformance drift                      # pin (spec/lock.json) vs main
    conformance drift OLD NEW              # files, ref:<ref>[:<path>] or commit:<sha>[:<path>]
    conformance drift --history PATH       # every published version of PATH, step by step
                                           # (--repo DIR: a local git clone, renames followed;
                                           #  --repo owner/name: the mirror when set, else the GitHub API)
    conformance drift --catalog DIR_OR_REPO --since REF [--until REF]
                                           # every spec under a folder between two refs, + the GPT-5.2 family
    conformance drift --sibling PATH       # the pin vs another spec at main (same operation and model)
    conformance drift --update-lock        # accept main: new lock, regenerated client, in one step

The report (``--output`` in ``--format``; ``--summary FILE`` and
``$GITHUB_STEP_SUMMARY`` in Markdown) is written before the exit code is
decided: 1 when a change reaches ``--fail-on`` (default: breaking), else 0.
With ``--update-lock`` a successful update exits 0: the drift was accepted.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from conformance.cli import add_common

HELP = "compare spec versions semantically: breaking, warning, info (pin vs newest published by default)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "specs",
        nargs="*",
        metavar="SPEC",
        help="OLD NEW: a file, ref:<ref>[:<path>] or commit:<sha>[:<path>] (default: pin vs main)",
    )
    parser.add_argument(
        "--history",
        metavar="PATH",
        default=None,
        help="walk every published version of this spec path, oldest to newest",
    )
    parser.add_argument(
        "--sibling", metavar="PATH", default=None, help="compare the pinned spec with another spec path at main"
    )
    parser.add_argument(
        "--repo", default=None, help="a local git clone (directory) or owner/name (default: the lock's repository)"
    )
    parser.add_argument(
        "--catalog",
        metavar="DIR_OR_REPO",
        default=None,
        help="compare every OpenAPI spec under a git clone folder, a mirror repository folder "
        "(with INDEX.json) or owner/name between --since and --until",
    )
    parser.add_argument("--since", metavar="REF", default=None, help="--catalog: the older ref (commit or branch)")
    parser.add_argument("--until", metavar="REF", default="main", help="--catalog: the newer ref (default: main)")
    parser.add_argument(
        "--family",
        action="store_true",
        help="--catalog: only the GPT-5.2 family (gpt-5-2-openai.json and its siblings)",
    )
    parser.add_argument(
        "--folder",
        default=None,
        help="--catalog with owner/name: only specs under this folder (default: the whole repo)",
    )
    parser.add_argument(
        "--summary", metavar="FILE", default=None, help="also write the Markdown report here (atomically)"
    )
    parser.add_argument(
        "--surface",
        metavar="FILE",
        default=None,
        help="client surface summary for the impact column (default: spec/client-surface.txt)",
    )
    parser.add_argument(
        "--update-lock",
        action="store_true",
        help="accept the newest published spec: update the lock and regenerate the client",
    )
    add_common(parser, fail_on="breaking", baseline=True)


def run(args: argparse.Namespace) -> int:
    from conformance import paths
    from conformance.commands._common import baseline_split, emit, fail_on, fetcher, output_path
    from conformance.drift.impact import Surface, annotate
    from conformance.drift.report import Step, drift_report
    from conformance.errors import UsageError

    modes = sum(bool(x) for x in (args.specs, args.history, args.sibling, args.catalog))
    if modes > 1:
        raise UsageError(
            "expected one of OLD NEW, --history PATH, --sibling PATH or --catalog DIR_OR_REPO, found several"
        )
    if args.catalog and not args.since:
        raise UsageError(
            "--catalog: expected --since REF (the older ref), found none",
            hint="e.g. `conformance drift --catalog ../api-docs --since HEAD~20`",
        )
    if (args.since or args.folder or args.family) and not args.catalog:
        raise UsageError("--since/--until/--folder/--family go with --catalog DIR_OR_REPO")
    if args.specs and len(args.specs) != 2:
        raise UsageError(
            f"expected two specs (OLD NEW), found {len(args.specs)}", hint="e.g. `conformance drift old.json ref:main`"
        )
    if args.update_lock and modes:
        raise UsageError(
            "--update-lock accepts the newest published version of the pinned spec; "
            "use it without OLD NEW, --history or --sibling"
        )
    output_path(args)  # a directory is a usage error before any work
    if args.summary and Path(args.summary).is_dir():
        raise UsageError(f"--summary {args.summary}: expected a file path, found a directory")
    fetch = fetcher(args)
    if args.catalog:
        return _catalog(args, fetch)
    if args.history:
        steps, title, meta = _history(args, fetch)
    elif args.specs:
        steps, title, meta = _pair(args, fetch)
    else:
        steps, title, meta = _pinned(args, fetch, sibling=args.sibling)
    surface = Surface.load(Path(args.surface) if args.surface else paths.surface_path())
    steps = [Step(s.old, s.new, tuple(annotate(s.findings, surface)), s.reproduce, s.date, s.subject) for s in steps]
    meta["surface"] = surface.source or None
    findings = [f for s in steps for f in s.findings]
    report = drift_report(steps, title, meta=meta, acknowledged=baseline_split(args, findings), fail_on=fail_on(args))
    code = emit(args, report, summary=Path(args.summary) if args.summary else None, step_summary=True)
    if args.update_lock:
        _update_lock(args, fetch, meta)
        return 0
    return code


# -- modes -------------------------------------------------------------------------------------
def _diff(old: Any, new: Any, reproduce: str) -> list[Any]:
    from conformance.drift.engine import diff_specs
    from conformance.errors import SpecError

    try:
        return diff_specs(old, new, evidence=reproduce)
    except RecursionError:
        raise SpecError("expected specs of reasonable depth, found schemas nested too deep to compare") from None


def _lock_and_repo(args: argparse.Namespace) -> tuple[Any, str]:
    from conformance.load.fetch import DEFAULT_REPO, Lock

    lock = Lock.load()
    return lock, args.repo or lock.repo or DEFAULT_REPO


def _pinned(args: argparse.Namespace, fetch: Any, *, sibling: str | None) -> tuple[list[Any], str, dict[str, Any]]:
    from conformance.drift.report import Step
    from conformance.load.fetch import fetch_pinned
    from conformance.load.sources import Source, load

    if args.repo and Path(args.repo).is_dir():
        return _pinned_from_clone(args, sibling=sibling)
    lock, repo = _lock_and_repo(args)
    _cached, old_spec = fetch_pinned(fetch, lock)
    new_source = Source("ref", sibling or lock.path, "main", repo)
    new = load(new_source, fetch)
    old_label = f"pin {lock.commit[:8]}:{lock.path}"
    reproduce = f"conformance drift commit:{lock.commit}:{lock.path} {new_source.argument}"
    findings = _diff(old_spec, new.spec, reproduce)
    what = "sibling" if sibling else "newest published"
    title = f"Spec drift: {old_label} → {new_source.label} ({what})"
    meta = {
        "old": old_label,
        "new": new_source.label,
        "lock_commit": lock.commit,
        "mode": "sibling" if sibling else "pin-vs-main",
    }
    return [Step(old_label, new_source.label, tuple(findings), reproduce)], title, meta


def _pinned_from_clone(args: argparse.Namespace, *, sibling: str | None) -> tuple[list[Any], str, dict[str, Any]]:
    """The pin and the clone's HEAD, both read from a local git clone (the pin's bytes checked against the lock)."""
    import hashlib

    from conformance.drift.report import Step
    from conformance.errors import FetchError
    from conformance.load.fetch import Lock
    from conformance.load.history import GitRepo
    from conformance.load.parse import parse_spec

    lock = Lock.load()
    repo = GitRepo(args.repo)
    try:
        pinned = repo.read(lock.commit, lock.path)
        if hashlib.sha256(pinned).hexdigest() != lock.sha256:
            raise FetchError(
                f"{args.repo}: expected {lock.path} at {lock.commit[:12]} to have the lock's sha256 "
                f"{lock.sha256[:16]}…, found {hashlib.sha256(pinned).hexdigest()[:16]}…",
                hint="is --repo a clone of the pinned repository?",
            )
        path = sibling or lock.path
        head = repo.commit("HEAD")
        old_spec = parse_spec(pinned, f"{lock.commit[:8]}:{lock.path}", upstream=True)
        new_spec = parse_spec(repo.read(head, path), f"{head[:8]}:{path}", upstream=True)
    finally:
        repo.close()
    old_label, new_label = f"pin {lock.commit[:8]}:{lock.path}", f"{head[:8]}:{path}"
    reproduce = f"conformance drift --repo {args.repo} commit:{lock.commit}:{lock.path} commit:{head}:{path}"
    findings = _diff(old_spec, new_spec, reproduce)
    what = "sibling" if sibling else "the clone's HEAD"
    meta = {
        "old": old_label,
        "new": new_label,
        "lock_commit": lock.commit,
        "mode": "sibling" if sibling else "pin-vs-clone",
    }
    return (
        [Step(old_label, new_label, tuple(findings), reproduce)],
        f"Spec drift: {old_label} → {new_label} ({what})",
        meta,
    )


def _pair(args: argparse.Namespace, fetch: Any) -> tuple[list[Any], str, dict[str, Any]]:
    from conformance.drift.report import Step
    from conformance.load.fetch import DEFAULT_PATH, DEFAULT_REPO, Lock
    from conformance.load.sources import load, parse_source

    repo, path = args.repo or DEFAULT_REPO, DEFAULT_PATH
    if paths_lock_exists():
        lock = Lock.load()
        repo, path = args.repo or lock.repo, lock.path
    old_source = parse_source(args.specs[0], repo=repo, default_path=path)
    new_source = parse_source(args.specs[1], repo=repo, default_path=path)
    if args.repo and Path(args.repo).is_dir():
        old_spec, new_spec = _from_clone(args.repo, old_source), _from_clone(args.repo, new_source)
        reproduce = f"conformance drift --repo {args.repo} {old_source.argument} {new_source.argument}"
    else:
        old_spec, new_spec = load(old_source, fetch).spec, load(new_source, fetch).spec
        reproduce = f"conformance drift {old_source.argument} {new_source.argument}"
    findings = _diff(old_spec, new_spec, reproduce)
    title = f"Spec drift: {old_source.label} → {new_source.label}"
    return (
        [Step(old_source.label, new_source.label, tuple(findings), reproduce)],
        title,
        {"old": old_source.label, "new": new_source.label, "mode": "pair"},
    )


def _from_clone(folder: str, source: Any) -> Any:
    """A ref:/commit: version read from a local git clone (a file is read as a file)."""
    from conformance.load.fetch import Fetcher
    from conformance.load.history import GitRepo
    from conformance.load.parse import parse_spec
    from conformance.load.sources import load

    if source.kind == "file":
        return load(source, Fetcher()).spec
    repo = GitRepo(folder)
    try:
        return parse_spec(repo.read(source.ref, source.path), source.label, upstream=False)
    finally:
        repo.close()


def paths_lock_exists() -> bool:
    from conformance import paths

    return paths.lock_path().is_file()


def _history(args: argparse.Namespace, fetch: Any) -> tuple[list[Any], str, dict[str, Any]]:
    from conformance.drift import rules as R
    from conformance.drift.canon import SpecIndex
    from conformance.drift.report import Step
    from conformance.errors import ToolError
    from conformance.load.fetch import DEFAULT_REPO, Lock
    from conformance.load.history import open_history
    from conformance.load.parse import parse_spec

    default_repo = Lock.load().repo if paths_lock_exists() else DEFAULT_REPO
    history = open_history(args.repo, fetch, default_repo, token=args.context.github_token)
    path = args.history
    changes = list(reversed(history.changes(path)))
    if not changes:
        raise ToolError(f"{history.label}:{path}: expected at least one published version, found none")
    steps: list[Step] = []
    previous: tuple[str, SpecIndex] | None = None
    for change in changes:
        short = change.commit[:8]
        argument = f"commit:{change.commit}:{change.path}"
        try:
            spec = parse_spec(history.read(change.commit, change.path), f"{short}:{change.path}", upstream=True)
        except ToolError as loaded:
            finding = R.SPEC_UNLOADABLE.finding(
                f"{short}:{change.path}",
                loaded.message,
                hint=loaded.hint or R.SPEC_UNLOADABLE.fix or None,
                direction=R.SPEC,
                change=change.commit,
            )
            old_label = previous[0].split(":")[1][:8] if previous else "(none)"
            steps.append(Step(old_label, short, (finding,), "", change.date, change.subject))
            continue
        except RecursionError:
            raise ToolError(
                f"{short}:{change.path}: expected a JSON document of reasonable depth, found nesting too deep to read"
            ) from None
        index = SpecIndex(spec, f"{short}:{change.path}")
        if previous is not None:
            repo_flag = f" --repo {args.repo}" if args.repo else ""
            reproduce = f"conformance drift{repo_flag} {previous[0]} {argument}"
            findings = _diff(previous[1], index, reproduce)
            subject = change.subject
            old_path = previous[0].split(":", 2)[2]
            if old_path != change.path:
                subject = f"{subject} (renamed from {old_path})".strip()
            steps.append(Step(previous[0].split(":")[1][:8], short, tuple(findings), reproduce, change.date, subject))
        previous = (argument, index)
    title = f"Spec history: {path} ({len(changes)} versions, {len(steps)} steps)"
    return steps, title, {"path": path, "repo": history.label, "versions": len(changes), "mode": "history"}


def _catalog(args: argparse.Namespace, fetch: Any) -> int:
    from conformance.commands._common import baseline_split, emit, fail_on
    from conformance.drift.catalog import GPT52_FAMILY, catalog_report, compare_catalog
    from conformance.errors import UsageError
    from conformance.load.fetch import Fetcher
    from conformance.load.history import GitRepo, MirrorRepo, Snapshots, open_history

    where = Path(args.catalog)
    folder = args.folder or ""
    history: Any
    if where.is_dir() and (where / "INDEX.json").is_file():
        # a mirror repository folder: <mirror>/<owner>/<name>/INDEX.json
        history = MirrorRepo(
            Fetcher(mirror=where.resolve().parent.parent), f"{where.resolve().parent.name}/{where.resolve().name}"
        )
    elif where.is_dir():
        if args.folder:
            raise UsageError("--folder goes with --catalog owner/name; with a directory, name the folder itself")
        history = GitRepo(where)
    else:
        history = open_history(args.catalog, fetch, args.catalog, token=args.context.github_token)
    try:
        result = compare_catalog(
            Snapshots(history), folder, args.since, args.until, only=GPT52_FAMILY if args.family else None
        )
    finally:
        if isinstance(history, GitRepo):
            history.close()
    title = f"Catalog drift: {args.catalog} {args.since} → {args.until}"
    report = catalog_report(result, title, acknowledged=baseline_split(args, result.findings), fail_on=fail_on(args))
    return emit(args, report, summary=Path(args.summary) if args.summary else None, step_summary=True)


# -- accepting the new version -----------------------------------------------------------------
def _update_lock(args: argparse.Namespace, fetch: Any, meta: dict[str, Any]) -> None:
    """New lock + regenerated client + surface, or nothing: on any failure the previous lock is restored."""

    from conformance import paths
    from conformance.load.fetch import fetch as do_fetch
    from conformance.report import atomic_write, emit_text

    lock_file = paths.lock_path()
    surface_file = paths.surface_path()
    saved_lock = lock_file.read_bytes() if lock_file.is_file() else None
    saved_surface = surface_file.read_bytes() if surface_file.is_file() else None
    try:
        result = do_fetch(fetch, ref="main", update_lock=True, lock_file=lock_file, repo=args.repo)
        from conformance import generate
        from conformance.load import specs

        specs.forget()  # the pinned spec changed under the same lock path
        regenerated = generate.regenerate(args.context.spec("normalised"))
    except BaseException:
        if saved_lock is not None:
            atomic_write(lock_file, saved_lock)
        else:
            lock_file.unlink(missing_ok=True)
        if saved_surface is not None and (not surface_file.is_file() or surface_file.read_bytes() != saved_surface):
            atomic_write(surface_file, saved_surface)
        sys.stderr.write("conformance drift: --update-lock failed; the previous lock was restored\n")
        raise
    lines = ["", "lock updated:"]
    old_commit = meta.get("lock_commit") or "?"
    new_lock = result.lock
    lines.append(
        f"  {result.fetched.path}: {str(old_commit)[:12]} -> {new_lock.commit[:12] if new_lock else '?'}"
        f" (sha256 {result.fetched.sha256[:16]}…)"
    )
    before = set(regenerated.previous_surface.splitlines())
    after = set(regenerated.surface.splitlines())
    removed = sorted(before - after)
    added = sorted(after - before)
    lines.append(
        f"  client regenerated at {regenerated.package_dir}; surface: "
        f"{len(added)} line(s) added, {len(removed)} removed"
    )
    lines += [f"    - {line.strip()}" for line in removed[:40]]
    lines += [f"    + {line.strip()}" for line in added[:40]]
    if len(removed) > 40 or len(added) > 40:
        lines.append("    … (see `git diff spec/client-surface.txt`)")
    emit_text("\n".join(lines) + "\n")
