"""The ``conformance`` command line: a thin layer over the stages.

``main(argv) -> int`` is a function of arguments and streams; ``entry()`` is the
console script. Exit codes (one place maps errors to them):

* 0 clean; 1 findings at or above ``--fail-on``; 2 usage or input error;
* 3 network or upstream error; 4 a bug (traceback shown only with ``--debug``).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from collections.abc import Sequence
from types import ModuleType

from conformance.errors import EXIT_BUG, EXIT_USAGE, ToolError

COMMANDS = ("fetch", "lint", "normalise", "generate", "mock", "run", "docs", "drift", "rules", "traffic", "proxy")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(EXIT_USAGE)


def add_common(parser: argparse.ArgumentParser, *, fail_on: str | None = "error", baseline: bool = False) -> None:
    """Options every subcommand shares (``baseline``: the command reads spec/baseline.json)."""
    parser.add_argument(
        "--format",
        choices=("text", "json", "markdown", "junit", "github"),
        default="text",
        help="output format: text, json (docs/report.schema.json), markdown, junit, github (annotations); default text",
    )
    if baseline:
        parser.add_argument(
            "--no-baseline",
            action="store_true",
            help="report every finding as new, acknowledged in spec/baseline.json or not",
        )
    if fail_on is not None:
        parser.add_argument(
            "--fail-on",
            default=fail_on,
            choices=("error", "breaking", "warning", "info", "never"),
            help=f"exit 1 when a finding reaches this level (default: {fail_on})",
        )
    parser.add_argument("--output", "-o", default=None, help="also write the report to this file (atomically)")
    parser.add_argument(
        "--mirror",
        default=None,
        help="read upstream files from this mirror directory (default: $SPEC_MIRROR, else ../shared/upstream "
        "when it exists, else the network)",
    )


def _load(name: str) -> ModuleType:
    return importlib.import_module(f"conformance.commands.{name}")


def build_parser(selected: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; with ``selected``, only that command's module is imported and given its options.

    The other commands stay names (a mistyped one is still refused with the list of commands): their help shows
    only in ``conformance --help``, which has no command selected and imports them all. A command starts without
    importing the ten others (a tenth of a second: the CLI is started hundreds of times by scripts and tests).
    """
    parser = _Parser(
        prog="conformance",
        description="Pin, lint, normalise, generate, mock and check the AI/ML API GPT-5.2 chat completions spec.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks for unexpected errors")
    subs = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        if selected is not None and name != selected:
            subs.add_parser(name)
            continue
        module = _load(name)
        sub = subs.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(sub)
        sub.set_defaults(_module=module)
    return parser


def _missing_dependency(command: str, exc: ModuleNotFoundError) -> int | None:
    """A third-party package missing from this Python is the environment's fault: say how to fix it (exit 2)."""
    name = exc.name or ""
    if not name or name.split(".")[0] == "conformance":
        return None
    prefix = f"conformance {command}" if command else "conformance"
    sys.stderr.write(
        f"{prefix}: error: the Python at {sys.executable} lacks the package "
        f"{name.split('.')[0]!r}, which this command needs\n"
        "  hint: run `make setup` and use .venv/bin/python (or .venv/bin/conformance), "
        "or install the project into this Python with `pip install -e .`\n"
    )
    return EXIT_USAGE


def _report(command: str, exc: ToolError) -> int:
    sys.stderr.write(f"conformance {command}: error: {exc.message}\n")
    if exc.hint:
        sys.stderr.write(f"  hint: {exc.hint}\n")
    return exc.exit_code


def _selected(argv: Sequence[str]) -> str | None:
    """The command ``argv`` names: its first word that is not an option (the top level has only flags)."""
    first = next((word for word in argv if not word.startswith("-")), None)
    return first if first in COMMANDS else None


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    selected = _selected(words)
    try:
        parser = build_parser(selected)
    except ModuleNotFoundError as exc:
        code = _missing_dependency(selected or "", exc)
        if code is None:
            raise
        return code
    try:
        args, extra = parser.parse_known_args(words)
        module = getattr(args, "_module", None)
        if module is None:
            parser.print_help(sys.stderr)
            return EXIT_USAGE
        if extra and not getattr(module, "ACCEPTS_EXTRA", False):
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
    except SystemExit as exc:  # argparse already printed the usage error (2) or the help (0): return, not raise
        return exc.code if isinstance(exc.code, int) else (EXIT_USAGE if exc.code else 0)
    args.extra = extra
    from conformance.load.context import Context

    try:
        # built once, from the flags and the environment; commands read settings from it, never from os.environ
        args.context = Context.from_sources(args, os.environ)
    except ToolError as exc:
        return _report(args.command, exc)
    debug = args.context.debug
    try:
        return int(module.run(args))
    except ToolError as exc:
        return _report(args.command, exc)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    except ModuleNotFoundError as exc:
        code = _missing_dependency(args.command, exc)
        if code is not None:
            return code
        if debug:
            traceback.print_exc()
        else:
            sys.stderr.write(
                f"conformance {args.command}: internal error: ModuleNotFoundError: {exc}\n"
                "  this is a bug; rerun with --debug for the traceback\n"
            )
        return EXIT_BUG
    except Exception:
        if debug:
            traceback.print_exc()
        else:
            exc_type, exc_value, _ = sys.exc_info()
            sys.stderr.write(
                f"conformance {args.command}: internal error: {exc_type.__name__ if exc_type else '?'}: "
                f"{exc_value}\n  this is a bug; rerun with --debug for the traceback\n"
            )
        return EXIT_BUG


def entry() -> None:
    raise SystemExit(main())
