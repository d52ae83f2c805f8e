"""``conformance mock``: serve a spec-driven mock of the chat completions API on loopback."""

from __future__ import annotations

import argparse
import gc
import sys

from conformance.errors import UsageError
from conformance.mock.modes import DEFAULT_MODE, MODES, MODES_BY_NAME

HELP = "serve a spec-driven mock of the API (conformant, documented, drifted and faulty modes)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=4010, help="TCP port; 0 picks a free one (default: 4010)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    parser.add_argument(
        "--allow-non-loopback", action="store_true", help="allow --host to be an address other machines can reach"
    )
    parser.add_argument(
        "--mode",
        default=DEFAULT_MODE,
        metavar="MODE",
        help=f"default behaviour (default: {DEFAULT_MODE}); a request can pick another "
        "with the header X-Mock-Mode; see --list-modes",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the response generator (default: 0)")
    parser.add_argument(
        "--spec",
        default=None,
        metavar="published|normalised|FILE",
        help="spec to serve (default: normalised, falling back to published while the "
        "overlay cannot be applied); a drifted spec file gives a drifted mock",
    )
    parser.add_argument("--list-modes", action="store_true", help="print the modes, one per line, and exit")
    parser.add_argument(
        "--format",
        choices=("text", "json", "markdown"),
        default="text",
        help="format of --list-modes (default: text, one mode per line)",
    )
    parser.add_argument(
        "--page",
        default=None,
        help="doc page whose example response the documented mode replays (default: the seed page)",
    )
    parser.add_argument(
        "--max-body",
        type=int,
        default=1024 * 1024,
        metavar="BYTES",
        help="largest request body accepted; larger gets 413 (default: 1048576)",
    )
    parser.add_argument(
        "--latency-ms",
        type=int,
        default=200,
        help="delay of the latency mode (default: 200; per request: X-Mock-Latency-Ms)",
    )
    parser.add_argument(
        "--retry-after",
        type=int,
        default=1,
        help="Retry-After seconds of rate-limit and error-503 (default: 1; X-Mock-Retry-After)",
    )
    parser.add_argument(
        "--api-key",
        action="append",
        default=[],
        metavar="KEY",
        help="also accept this bearer key (repeatable); the test key mock-key-not-secret and "
        "$AIMLAPI_KEY (when set) are always accepted, any other key gets 401",
    )
    parser.add_argument(
        "--api-key-env",
        action="append",
        default=[],
        metavar="NAME",
        help="also accept the key in this environment variable (repeatable; the key stays out of the command line)",
    )
    parser.add_argument("--quiet", action="store_true", help="no log line per request")
    parser.add_argument("--workers", type=int, default=1, help="server processes sharing the port (default: 1)")
    parser.add_argument(
        "--mirror", default=None, help="read upstream files from this mirror directory (default: $SPEC_MIRROR)"
    )


def run(args: argparse.Namespace) -> int:
    if args.list_modes:
        if args.format == "json":
            import json

            sys.stdout.write(
                json.dumps(
                    [
                        {
                            "name": m.name,
                            "kind": m.kind,
                            "description": m.description,
                            "pointer": m.pointer,
                            "expects": m.expects,
                        }
                        for m in MODES
                    ],
                    indent=2,
                )
                + "\n"
            )
        elif args.format == "markdown":
            sys.stdout.write("| mode | kind | what it does |\n|---|---|---|\n")
            sys.stdout.write("".join(f"| `{m.name}` | {m.kind} | {m.description} |\n" for m in MODES))
        else:
            width = max(len(mode.name) for mode in MODES)
            for mode in MODES:
                sys.stdout.write(f"{mode.name:<{width}}  {mode.kind:<10}  {mode.description}\n")
        return 0
    if args.mode not in MODES_BY_NAME:
        raise UsageError(
            f"--mode {args.mode}: expected one of {', '.join(MODES_BY_NAME)}",
            hint="`conformance mock --list-modes` describes each",
        )
    if not 1 <= args.workers <= 64:
        raise UsageError(f"--workers {args.workers}: expected 1 to 64")
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: expected 0 to 65535")
    if args.max_body < 1:
        raise UsageError(f"--max-body {args.max_body}: expected a positive number of bytes")
    if not 0 <= args.latency_ms <= 60_000 or not 0 <= args.retry_after <= 86_400:
        raise UsageError("--latency-ms: expected 0 to 60000; --retry-after: expected 0 to 86400")
    from conformance.mock.auth import accepted_keys, describe, key_problem

    for number, key in enumerate(args.api_key, start=1):
        problem = key_problem(key)
        if problem is not None:  # the key itself is never repeated
            raise UsageError(f"--api-key (occurrence {number}): {problem}")
    for name in args.api_key_env:
        if not name.isidentifier():
            raise UsageError(f"--api-key-env {name!r}: expected an environment variable name")
    api_keys = accepted_keys(args.api_key, env_names=args.api_key_env)

    from pathlib import Path

    from conformance import paths
    from conformance.docs import example_response
    from conformance.errors import ToolError
    from conformance.load.specs import served_spec
    from conformance.mock.app import MockApp, MockOptions, self_check
    from conformance.serve import Limits, bind, serve, serve_workers

    sock = bind(args.host, args.port, allow_non_loopback=args.allow_non_loopback)
    try:
        spec, label, note = served_spec(args.spec, args.context.fetcher())
        if note:
            sys.stderr.write(f"mock: {note}\n")
        page = Path(args.page) if args.page else paths.default_seed_page()
        documented = None
        documented_error = None
        try:
            documented = example_response(page)
        except ToolError as exc:
            if args.mode == "documented":
                raise
            documented_error = f"documented mode: {exc.message}"
            sys.stderr.write(f"mock: {documented_error}\n")
        options = MockOptions(
            mode=args.mode,
            seed=args.seed,
            max_body=args.max_body,
            latency_ms=args.latency_ms,
            retry_after=args.retry_after,
            api_keys=api_keys,
        )
        app = MockApp(
            spec,
            options,
            documented=documented,
            documented_error=documented_error,
            log=None if args.quiet else sys.stderr,
        )
        for problem in self_check(app):
            sys.stderr.write(f"mock: warning: {problem}\n")
        sys.stderr.write(
            f"mock: serving {', '.join('POST ' + p for p in app.paths)} from the {label} spec, "
            f"mode {args.mode}, seed {args.seed}, accepting {describe(api_keys)}\n"
        )
    except BaseException:
        sock.close()
        raise
    # the spec, the compiled schemas and the imports live as long as the server: move them out of the
    # collector's reach, or every full collection walks them all (tens of ms: the p99 of a mock)
    gc.collect()
    gc.freeze()
    # the front end's own body limit stays above the mock's, so that the mock answers its OpenAI-style 413
    limits = Limits(max_body=max(Limits().max_body, args.max_body + 1))
    if args.workers > 1:
        return serve_workers(
            app, sock, args.workers, log=None if args.quiet else sys.stderr, limits=limits, name="mock"
        )
    return serve(app, sock, log=sys.stderr, limits=limits, name="mock")
