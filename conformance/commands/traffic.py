"""conformance traffic: check recorded exchanges (VCR cassettes, HAR files, recordings, JSON Lines)."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "check recorded chat completions (VCR cassettes, HAR 1.2, `run --record`/`proxy --record`, JSON Lines)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from conformance.cli import add_common

    parser.add_argument("files", nargs="+", metavar="FILE", help="recording(s), or folder(s) of recordings")
    parser.add_argument(
        "--spec",
        choices=("published", "normalised"),
        default="published",
        help="check against the published spec (default) or the normalised one",
    )
    parser.add_argument("--report-dir", default="reports", help="where findings.json, junit.xml, summary.md go")
    parser.add_argument(
        "--fail-on-source",
        default="server",
        metavar="SOURCES",
        help="whose findings decide the exit code, as for `conformance run`: comma-separated "
        "server, spec, doc, or all (default server)",
    )
    parser.add_argument("--strict", action="store_true", help="undocumented response fields are errors")
    parser.add_argument(
        "--no-request-checks",
        action="store_true",
        help="do not check recorded request bodies against the request schema",
    )
    add_common(parser, fail_on="error", baseline=True)


def run(args: argparse.Namespace) -> int:
    from conformance.commands._common import emit, fail_on, output_path, parse_fail_sources
    from conformance.traffic.run import TrafficOptions, check_traffic

    output_path(args)
    options = TrafficOptions(
        spec=args.spec,
        strict=args.strict,
        report_dir=Path(args.report_dir),
        baseline=not args.no_baseline,
        fail_on=fail_on(args),
        fail_sources=parse_fail_sources(args.fail_on_source),
        fmt=args.format,
        specs=args.context.specs,
        check_requests=not args.no_request_checks,
    )
    report = check_traffic([Path(f) for f in args.files], options)
    return emit(args, report, report_dir=options.report_dir)
