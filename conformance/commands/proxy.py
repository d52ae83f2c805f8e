"""conformance proxy: forward requests to an upstream API, check every exchange against the spec."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "a validating proxy: forward to --upstream unchanged (streams too), check each exchange, report on exit"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from conformance.cli import add_common
    from conformance.commands._common import add_exchange_check_options

    parser.add_argument("--upstream", required=True, help="base URL of the API, e.g. https://api.aimlapi.com")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="TCP port; 0 picks a free one (default: 8080)")
    parser.add_argument(
        "--allow-non-loopback", action="store_true", help="allow --host to be an address other machines can reach"
    )
    parser.add_argument("--workers", type=int, default=1, help="proxy processes sharing the port (default: 1)")
    parser.add_argument(
        "--record",
        default=None,
        metavar="DIR",
        help="append each exchange (secrets masked) to DIR/exchanges-proxy-PID.jsonl, "
        "readable by `conformance traffic`",
    )
    parser.add_argument(
        "--report-dir",
        default="reports",
        help="where findings.json, junit.xml, summary.md go on shutdown (default: reports)",
    )
    add_exchange_check_options(parser)
    parser.add_argument(
        "--timeout",
        type=float,
        default=600.0,
        help="seconds to wait for the upstream's next bytes (default: 600); then 504",
    )
    parser.add_argument(
        "--connect-timeout", type=float, default=10.0, help="seconds to connect to the upstream (default: 10); then 504"
    )
    add_common(parser, fail_on="error", baseline=True)


def run(args: argparse.Namespace) -> int:
    from conformance.commands._common import emit, fail_on, output_path, parse_fail_sources
    from conformance.errors import UsageError
    from conformance.proxy.run import ProxyRunOptions, run_proxy

    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: expected 0 to 65535")
    if args.timeout <= 0 or args.connect_timeout <= 0:
        raise UsageError("--timeout and --connect-timeout: expected positive numbers of seconds")
    output_path(args)
    options = ProxyRunOptions(
        upstream=args.upstream,
        host=args.host,
        port=args.port,
        workers=args.workers,
        record=Path(args.record) if args.record else None,
        report_dir=Path(args.report_dir),
        spec=args.spec,
        strict=args.strict,
        baseline=not args.no_baseline,
        fail_on=fail_on(args),
        fail_sources=parse_fail_sources(args.fail_on_source),
        specs=args.context.specs(),
        check_requests=not args.no_request_checks,
        timeout=args.timeout,
        connect_timeout=args.connect_timeout,
        allow_non_loopback=args.allow_non_loopback,
    )
    report = run_proxy(options)
    return emit(args, report, report_dir=options.report_dir)
