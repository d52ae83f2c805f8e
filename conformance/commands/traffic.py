"""conformance traffic: check recorded exchanges (VCR cassettes, HAR files, recordings, JSON Lines)."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "check recorded chat completions (VCR cassettes, HAR 1.2, `run --record`/`proxy --record`, JSON Lines)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from conformance.cli import add_common
    from conformance.commands._common import add_exchange_check_options

    parser.add_argument("files", nargs="+", metavar="FILE", help="recording(s), or folder(s) of recordings")
    parser.add_argument("--report-dir", default="reports", help="where findings.json, junit.xml, summary.md go")
    add_exchange_check_options(parser)
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
