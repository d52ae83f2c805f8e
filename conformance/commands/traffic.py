"""conformance traffic: check recorded exchanges (VCR cassettes, HAR files, recordings, JSON Lines)."""

from __future__ import annotations

import argparse
import sys
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
    parser.add_argument("--no-baseline", action="store_true", help="report every finding, acknowledged or not")
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
    add_common(parser, fail_on="error")


def run(args: argparse.Namespace) -> int:
    from conformance.commands._common import fail_on, parse_fail_sources, write_report
    from conformance.report import render_json
    from conformance.traffic.run import TrafficOptions, check_traffic

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
    outcome, stats, text = check_traffic([Path(f) for f in args.files], options)
    if args.format == "json":
        body = render_json(
            outcome.new, {"target": "traffic", "acknowledged": len(outcome.acknowledged), "traffic": stats.as_dict()}
        )
    elif args.format == "markdown":
        body = (options.report_dir / "summary.md").read_text()
    else:
        body = text
    if args.output:
        write_report(Path(args.output), body)
    sys.stdout.write(body)
    return outcome.exit_code
