"""conformance docs: check doc pages against the specs they embed (PAGE... or --catalog DIR)."""

from __future__ import annotations

import argparse
import sys

HELP = "check GitBook doc pages (PAGE... or --catalog DIR) against the OpenAPI specs they embed"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from conformance.cli import add_common

    parser.add_argument("pages", nargs="*", metavar="PAGE", help="doc page file(s) to check")
    parser.add_argument(
        "--catalog",
        metavar="DIR",
        default=None,
        help="check every *.md page under DIR (a mirror root such as "
        "../shared/upstream/aimlapi/api-docs/main, or a checkout of the docs repository)",
    )
    parser.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=None,
        help="worker processes for several pages (default: CPU count; 1 = no pool)",
    )
    parser.add_argument(
        "--no-progress",
        action="store_true",
        help="no progress bar (it is shown on stderr only when stderr is a terminal)",
    )
    add_common(parser, fail_on="error", baseline=True)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from conformance.commands._common import baseline_split, emit, fail_on, output_path
    from conformance.docs.catalog import CatalogResult, check_catalog, check_pages
    from conformance.docs.render import docs_report
    from conformance.errors import InputError, UsageError

    if args.jobs is not None and args.jobs < 1:
        raise UsageError(f"--jobs: expected a positive number, found {args.jobs}")
    if bool(args.pages) == bool(args.catalog):
        raise UsageError(
            "expected doc page file(s) or --catalog DIR (one of the two), found "
            + ("both" if args.pages else "neither"),
            hint="conformance docs ../shared/seeds/000_01b4fc7a9c1f02a6.txt  or  "
            "conformance docs --catalog ../shared/upstream/aimlapi/api-docs/main",
        )
    output_path(args)  # a bad --output is a usage error, before any work
    from conformance.load.upstream import UpstreamFiles

    upstream = UpstreamFiles(args.context)
    progress = not args.no_progress and sys.stderr.isatty()
    if args.catalog:
        root = Path(args.catalog)
        if not root.is_dir():
            raise InputError(
                f"--catalog {root}: expected a directory of doc pages, found "
                + ("a file" if root.exists() else "nothing")
            )
        result = check_catalog(root, upstream=upstream, jobs=args.jobs, progress=progress)
        title = f"Doc checks: {args.catalog}"
    else:
        for page in args.pages:
            if not Path(page).is_file():
                found = (
                    "a directory"
                    if Path(page).is_dir()
                    else "no such file"
                    if not Path(page).exists()
                    else "a special file (expected a regular file)"
                )
                raise InputError(
                    f"{page}: expected a doc page file, found {found}",
                    hint="use --catalog DIR for a directory of pages",
                )
        tasks = [(page, page) for page in args.pages]
        results, used = check_pages(tasks, upstream=upstream, jobs=args.jobs if args.jobs else min(len(tasks), 2))
        result = CatalogResult(root=None, pages=tuple(results), jobs=used)
        title = "Doc checks: " + (args.pages[0] if len(args.pages) == 1 else f"{len(args.pages)} pages")
    report = docs_report(result, title, acknowledged=baseline_split(args, result.findings), fail_on=fail_on(args))
    return emit(args, report)
