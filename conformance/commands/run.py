"""conformance run: the conformance suite against the embedded mock, the live API or a URL.

Arguments are checked before anything runs or is written: an unknown option is a usage error (exit 2; pytest
options go after ``--``), an unwritable ``--report-dir`` is a usage error with a hint, and a URL or live target
that does not accept a connection within a few seconds ends the run at once (exit 3).
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from conformance.cli import add_common
from conformance.errors import EXIT_UPSTREAM, ToolError, UsageError

if TYPE_CHECKING:
    from conformance.load.context import Context
    from conformance.suite.runner import RunOptions

HELP = "run the conformance suite (schemathesis + hypothesis) against the mock, the live API or a URL"
ACCEPTS_EXTRA = True  # only what follows `--` goes to pytest; anything else unknown is a usage error
REACH_TIMEOUT = 5.0  # seconds to open a connection to a URL or live target before the run starts


class TargetUnreachable(ToolError):
    """The target does not accept connections: no verdict is possible."""

    exit_code = EXIT_UPSTREAM


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", default="mock", help="mock (default: start the embedded mock), live, or a URL")
    parser.add_argument(
        "--mock-mode", default="conformant", help="the mock's behaviour (conformance mock --list-modes)"
    )
    parser.add_argument(
        "--spec",
        choices=("published", "normalised"),
        default="published",
        help="check against the published spec (default) or the normalised one",
    )
    parser.add_argument("--max-examples", type=int, default=10, help="hypothesis examples per test (default 10)")
    parser.add_argument("--report-dir", default="reports", help="where findings.json, junit.xml, summary.md go")
    parser.add_argument("--strict", action="store_true", help="undocumented response fields are errors")
    parser.add_argument("--seed", type=int, default=0, help="seed for generation and the mock")
    parser.add_argument(
        "--max-requests", type=int, default=None, help="request budget (default: unlimited for the mock, 20 live)"
    )
    parser.add_argument("--record", action="store_true", help="save the exchanges (redacted) in the report dir")
    parser.add_argument("--replay", default=None, help="rerun the checks on a recording instead of sending requests")
    parser.add_argument(
        "--doc-page",
        action="append",
        default=[],
        metavar="PATH",
        help="also check this local doc page's example response (repeatable); the doc pages "
        "pinned in spec/lock.json are checked by default",
    )
    parser.add_argument(
        "--no-pinned-doc-pages", action="store_true", help="do not check the doc pages pinned in spec/lock.json"
    )
    parser.add_argument(
        "-k", dest="select", default=None, metavar="EXPR", help="run only the suite's tests matching EXPR (pytest -k)"
    )
    parser.add_argument(
        "-n",
        "--workers",
        default=None,
        metavar="N",
        help="run the suite in N processes (pytest-xdist; a number or auto)",
    )
    parser.add_argument("--shard", default=None, metavar="I/N", help="run only shard I of N (0-based)")
    parser.add_argument(
        "--merge-from",
        action="append",
        default=[],
        metavar="DIR",
        help="merge the findings of shard report dirs instead of running (repeatable)",
    )
    parser.add_argument(
        "--api-key-env",
        default="AIMLAPI_KEY",
        metavar="NAME",
        help="environment variable holding the key for a URL or live target (default AIMLAPI_KEY)",
    )
    parser.add_argument(
        "--no-auth",
        action="store_true",
        help="send no key to a URL target, on purpose (an open server); skips the key probes",
    )
    parser.add_argument(
        "--max-response-time",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="an answer slower than this is a finding (resp-slow) and is not waited for longer (default 30)",
    )
    parser.add_argument(
        "--max-run-time",
        type=float,
        default=600.0,
        metavar="SECONDS",
        help="wall-time bound of the whole run; the rest is skipped and the verdict marked partial (default 600)",
    )
    parser.add_argument(
        "--fail-on-source",
        default="server",
        metavar="SOURCES",
        help="whose findings decide the exit code: comma-separated server, spec, doc, or all "
        "(default server: spec and doc findings are reported, not held against the server)",
    )
    parser.add_argument(
        "--update-baseline",
        action="store_true",
        help="acknowledge every current finding in spec/baseline.json (review the diff!)",
    )
    add_common(parser, fail_on="error", baseline=True)


def run(args: argparse.Namespace) -> int:
    from conformance import paths
    from conformance.baseline import Baseline
    from conformance.commands._common import emit, fail_on, output_path, parse_fail_sources
    from conformance.report import emit_text
    from conformance.suite.runner import RunOptions, run_report, run_suite

    if args.max_examples < 1:
        raise UsageError(f"--max-examples: expected a positive number, found {args.max_examples}")
    if args.max_requests is not None and args.max_requests < 1:
        raise UsageError(f"--max-requests: expected a positive number of requests, found {args.max_requests}")
    for flag, value in (("--max-response-time", args.max_response_time), ("--max-run-time", args.max_run_time)):
        if not value > 0:
            raise UsageError(f"{flag}: expected a positive number of seconds, found {value}")
    fail_sources = parse_fail_sources(args.fail_on_source)
    output_path(args)
    pytest_args = preflight(args)
    from conformance.docs.run_pages import doc_page_findings

    context = args.context
    pages = context.doc_pages(args.doc_page, pinned=not args.no_pinned_doc_pages)
    specs = context.specs()
    options = RunOptions(
        target=args.target,
        mock_mode=args.mock_mode,
        spec=args.spec,
        max_examples=args.max_examples,
        report_dir=Path(args.report_dir),
        baseline=not (args.no_baseline or args.update_baseline),
        strict=args.strict,
        seed=args.seed,
        max_requests=args.max_requests,
        record=args.record,
        replay=Path(args.replay) if args.replay else None,
        doc_pages=pages,
        specs=specs,
        doc_findings=tuple(doc_page_findings(pages, specs)),
        start_mock=mock_starter(context),
        fail_on=fail_on(args),
        fmt=args.format,
        pytest_args=tuple(pytest_args),
        shard=args.shard,
        merge_from=tuple(Path(d) for d in args.merge_from),
        api_key_env=args.api_key_env,
        api_key=context.api_key,
        no_auth=args.no_auth,
        max_response_time=args.max_response_time,
        max_run_time=args.max_run_time,
        fail_sources=fail_sources,
    )
    result = run_suite(options)
    if args.update_baseline:
        from conformance.suite.reasons import REASONS

        Baseline.load(paths.baseline_path()).write(result.findings, REASONS)
        emit_text(f"baseline written: {len(result.findings)} entries in {paths.baseline_path()}\n")
        return 0
    return emit(args, run_report(result, options), report_dir=options.report_dir.resolve())


def mock_starter(context: Context) -> Callable[[RunOptions], contextlib.AbstractContextManager[str]]:
    """``--target mock``: the mock in its own process on a free loopback port for the length of the run, reading
    upstream files where this command does (the context's mirror)."""

    @contextlib.contextmanager
    def start(options: RunOptions) -> Iterator[str]:
        from conformance.mock.server import MockServer

        mirror = ("--mirror", str(context.mirror)) if context.mirror else ()
        with MockServer(
            mode=options.mock_mode,
            seed=options.seed,
            spec="normalised",
            api_key_envs=[options.api_key_env],
            extra_args=mirror,
        ) as server:
            yield server.base_url

    return start


def pytest_arguments(args: argparse.Namespace) -> list[str]:
    """The options for the suite's pytest: -k and -n, then whatever follows `--`; anything else is refused."""
    extra: list[str] = list(getattr(args, "extra", []))
    unknown, passed = (extra[: extra.index("--")], extra[extra.index("--") + 1 :]) if "--" in extra else (extra, [])
    if unknown:
        raise UsageError(
            f"unrecognized arguments: {' '.join(unknown)}",
            hint="see `conformance run --help`; pytest options go after `--` (e.g. `conformance run -- --maxfail 1`)",
        )
    out: list[str] = []
    if args.select:
        out += ["-k", args.select]
    if args.workers is not None:
        if not (args.workers == "auto" or (args.workers.isdigit() and int(args.workers) > 0)):
            raise UsageError(f"-n/--workers: expected a positive number or auto, found {args.workers!r}")
        out += ["-n", args.workers]
    return out + passed


def check_report_dir(report_dir: Path) -> None:
    """The report directory can be created and written; otherwise a usage error that says how to fix it."""
    if report_dir.exists() and not report_dir.is_dir():
        raise UsageError(
            f"--report-dir {report_dir}: expected a directory, found a file", hint="choose another --report-dir"
        )
    try:
        report_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=report_dir, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise UsageError(
            f"--report-dir {report_dir}: cannot write reports there ({exc.strerror or exc})",
            hint="choose a writable --report-dir (e.g. --report-dir /tmp/reports)",
        ) from None


def check_reachable(url: str, timeout: float = REACH_TIMEOUT) -> None:
    """Open (and close) one TCP connection to the target's host and port, within ``timeout`` seconds."""
    parts = urlsplit(url)
    host = parts.hostname
    if not host or parts.scheme not in ("http", "https"):
        return  # the key policy check reports a malformed target with its own message
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UsageError(f"--target {url!r}: expected a valid port number") from None
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as exc:
        reason = f"no answer within {timeout:g}s" if isinstance(exc, TimeoutError) else (exc.strerror or str(exc))
        raise TargetUnreachable(
            f"--target {url}: expected a server accepting connections on {host}:{port}, "
            f"found none ({reason}); nothing was run or written",
            hint="check the URL and that the server is up",
        ) from None


def preflight(args: argparse.Namespace) -> list[str]:
    """Everything that can be checked before the suite starts; returns the pytest arguments."""
    pytest_args = pytest_arguments(args)
    if args.max_examples < 1:
        raise UsageError(f"--max-examples: expected a positive number, found {args.max_examples}")
    check_report_dir(Path(args.report_dir))
    if not args.replay and not args.merge_from and args.target != "mock":
        from conformance.suite.runner import LIVE_URL, RunOptions, check_key_policy, target_key

        if args.target != "live":
            check_key_policy(args.target, None)  # an http(s) URL, before anything about its key
        key = target_key(
            RunOptions(
                target=args.target, api_key_env=args.api_key_env, api_key=args.context.api_key, no_auth=args.no_auth
            )
        )
        if args.target == "live":
            check_reachable(LIVE_URL)
        else:
            check_key_policy(args.target, key)
            check_reachable(args.target)
    return pytest_args
