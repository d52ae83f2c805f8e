"""conformance run: the conformance suite against the embedded mock, the live API or a URL."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from conformance.cli import add_common
from conformance.findings import Source

HELP = "run the conformance suite (schemathesis + hypothesis) against the mock, the live API or a URL"
ACCEPTS_EXTRA = True  # everything after the known options goes to pytest (e.g. -n auto, -k scenario)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", default="mock", help="mock (default: start the embedded mock), live, or a URL")
    parser.add_argument("--mock-mode", default="conformant",
                        help="the mock's behaviour (conformance mock --list-modes)")
    parser.add_argument("--spec", choices=("published", "normalised"), default="published",
                        help="check against the published spec (default) or the normalised one")
    parser.add_argument("--max-examples", type=int, default=10, help="hypothesis examples per test (default 10)")
    parser.add_argument("--report-dir", default="reports", help="where findings.json, junit.xml, summary.md go")
    parser.add_argument("--no-baseline", action="store_true", help="report every finding, acknowledged or not")
    parser.add_argument("--strict", action="store_true", help="undocumented response fields are errors")
    parser.add_argument("--seed", type=int, default=0, help="seed for generation and the mock")
    parser.add_argument("--max-requests", type=int, default=None,
                        help="request budget (default: unlimited for the mock, 20 live)")
    parser.add_argument("--record", action="store_true", help="save the exchanges (redacted) in the report dir")
    parser.add_argument("--replay", default=None, help="rerun the checks on a recording instead of sending requests")
    parser.add_argument("--doc-page", default=None, help="doc page whose example response is checked "
                        "(default: the seed page when present)")
    parser.add_argument("--shard", default=None, metavar="I/N", help="run only shard I of N (0-based)")
    parser.add_argument("--merge-from", action="append", default=[], metavar="DIR",
                        help="merge the findings of shard report dirs instead of running (repeatable)")
    parser.add_argument("--api-key-env", default="AIMLAPI_KEY", metavar="NAME",
                        help="environment variable holding the key for a URL or live target (default AIMLAPI_KEY)")
    parser.add_argument("--no-auth", action="store_true",
                        help="send no key to a URL target, on purpose (an open server); skips the key probes")
    parser.add_argument("--max-response-time", type=float, default=30.0, metavar="SECONDS",
                        help="an answer slower than this is a finding (resp-slow) and is not waited for longer "
                        "(default 30)")
    parser.add_argument("--max-run-time", type=float, default=600.0, metavar="SECONDS",
                        help="wall-time bound of the whole run; the rest is skipped and the verdict marked "
                        "partial (default 600)")
    parser.add_argument("--fail-on-source", default="server", metavar="SOURCES",
                        help="whose findings decide the exit code: comma-separated server, spec, doc, or all "
                        "(default server: spec and doc findings are reported, not held against the server)")
    parser.add_argument("--update-baseline", action="store_true",
                        help="acknowledge every current finding in spec/baseline.json (review the diff!)")
    add_common(parser, fail_on="error")


def _fail_sources(text: str) -> frozenset[Source]:
    from conformance.errors import UsageError
    from conformance.findings import Source

    names = {part.strip().lower() for part in text.split(",") if part.strip()}
    if names == {"all"}:
        return frozenset({Source.SERVER, Source.SPEC, Source.DOC, Source.CLIENT})
    known = {"server": Source.SERVER, "spec": Source.SPEC, "doc": Source.DOC, "client": Source.CLIENT}
    unknown = sorted(names - set(known))
    if unknown or not names:
        raise UsageError(f"--fail-on-source: expected a comma-separated list of server, spec, doc, client (or all), "
                         f"found {text!r}")
    return frozenset(known[n] for n in names)


def run(args: argparse.Namespace) -> int:
    from conformance import paths
    from conformance.baseline import Baseline
    from conformance.commands._common import fail_on
    from conformance.errors import UsageError
    from conformance.report import render_json
    from conformance.suite.runner import RunOptions, run_suite, terminal_summary

    if args.max_examples < 1:
        raise UsageError(f"--max-examples: expected a positive number, found {args.max_examples}")
    if args.max_requests is not None and args.max_requests < 1:
        raise UsageError(f"--max-requests: expected a positive number of requests, found {args.max_requests}")
    for flag, value in (("--max-response-time", args.max_response_time), ("--max-run-time", args.max_run_time)):
        if not value > 0:
            raise UsageError(f"{flag}: expected a positive number of seconds, found {value}")
    fail_sources = _fail_sources(args.fail_on_source)
    doc_page = args.doc_page
    if doc_page is None and paths.default_seed_page().is_file():
        doc_page = str(paths.default_seed_page())
    if doc_page is not None and not Path(doc_page).is_file():
        raise UsageError(f"--doc-page {doc_page}: no such file")
    options = RunOptions(
        target=args.target, mock_mode=args.mock_mode, spec=args.spec, max_examples=args.max_examples,
        report_dir=Path(args.report_dir), baseline=not (args.no_baseline or args.update_baseline),
        strict=args.strict, seed=args.seed, max_requests=args.max_requests, record=args.record,
        replay=Path(args.replay) if args.replay else None, doc_page=doc_page, fail_on=fail_on(args),
        fmt=args.format, mirror=args.mirror, pytest_args=tuple(args.extra), shard=args.shard,
        merge_from=tuple(Path(d) for d in args.merge_from), api_key_env=args.api_key_env, no_auth=args.no_auth,
        max_response_time=args.max_response_time, max_run_time=args.max_run_time, fail_sources=fail_sources)
    result = run_suite(options)
    if args.update_baseline:
        from conformance.suite.reasons import REASONS

        Baseline.load(paths.baseline_path()).write(result.findings, REASONS)
        sys.stdout.write(f"baseline written: {len(result.findings)} entries in {paths.baseline_path()}\n")
        return 0
    if args.format == "json":
        body = render_json(result.new, {"target": result.target, "acknowledged": len(result.acknowledged)})
    elif args.format == "markdown":
        body = (Path(args.report_dir) / "summary.md").read_text()
    else:
        body = terminal_summary(result, options)
    if args.output:
        from conformance.report import atomic_write

        atomic_write(Path(args.output), body)
    sys.stdout.write(body)
    return result.exit_code
