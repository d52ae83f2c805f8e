"""conformance lint [FILE]: the published spec's defects, each a finding with a rule id and a pointer."""

from __future__ import annotations

import argparse
from pathlib import Path

from conformance.cli import add_common
from conformance.commands._common import emit, findings_report, output_path

HELP = "lint a spec (default: the pinned published spec) and list its defects"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", nargs="?", help="an OpenAPI file (default: the pinned published spec)")
    parser.add_argument(
        "--spec",
        choices=("published", "cosmetic", "normalised"),
        default="published",
        help="which form of the pinned spec to lint when no FILE is given",
    )
    parser.add_argument(
        "--min-level", choices=("error", "warning", "info"), default="info", help="hide findings below this level"
    )
    add_common(parser, fail_on="error", baseline=True)


def run(args: argparse.Namespace) -> int:
    from conformance.findings import Level
    from conformance.lint import lint
    from conformance.load.parse import load_spec_file

    output_path(args)
    if args.file:
        spec = load_spec_file(Path(args.file))
        location = args.file
    else:
        from conformance.load.fetch import Lock

        spec = args.context.spec(args.spec)
        location = Path(Lock.load().path).name + ("" if args.spec == "published" else f" ({args.spec})")
    findings = [f for f in lint(spec, location) if f.level >= Level.parse(args.min_level)]
    report = findings_report(args, "lint", findings, title=f"lint {location}", meta={"spec": location})
    return emit(args, report)
