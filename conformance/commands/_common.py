"""Helpers shared by subcommands: fail-on parsing, emitting a report, fetcher from flags."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conformance.errors import UsageError

if TYPE_CHECKING:
    from conformance.load.context import Context
    from conformance.load.fetch import Fetcher

from conformance.findings import Finding, Level, Source, exit_code_for
from conformance.report import atomic_write, render


def fail_on(args: argparse.Namespace) -> Level | None:
    value = getattr(args, "fail_on", "error")
    return None if value == "never" else Level.parse(value)


def parse_fail_sources(text: str) -> frozenset[Source]:
    """``--fail-on-source``: whose findings decide the exit code (server, spec, doc, client, or all)."""

    names = {part.strip().lower() for part in text.split(",") if part.strip()}
    if names == {"all"}:
        return frozenset({Source.SERVER, Source.SPEC, Source.DOC, Source.CLIENT})
    known = {"server": Source.SERVER, "spec": Source.SPEC, "doc": Source.DOC, "client": Source.CLIENT}
    unknown = sorted(names - set(known))
    if unknown or not names:
        raise UsageError(
            f"--fail-on-source: expected a comma-separated list of server, spec, doc, client (or all), found {text!r}"
        )
    return frozenset(known[n] for n in names)


def fetcher(args: argparse.Namespace) -> Fetcher:
    """The fetcher of the command's context (``--mirror`` > ``$SPEC_MIRROR`` > default; see load.context)."""
    context: Context = args.context
    return context.fetcher()


def write_report(path: Path, body: str) -> None:
    """Write ``--output`` atomically; a path that cannot be written is the user's to fix (exit 2), not a bug."""
    if path.is_dir():
        raise UsageError(f"--output {path}: expected a file path, found a directory")
    try:
        atomic_write(path, body)
    except OSError as exc:
        raise UsageError(f"--output {path}: cannot write the report ({exc.strerror or exc})") from None


def emit(
    args: argparse.Namespace,
    findings: Sequence[Finding],
    *,
    title: str = "",
    meta: dict[str, Any] | None = None,
    text: str | None = None,
) -> int:
    """Print (and optionally write) the report, then compute the exit code: report first, verdict after."""
    body = text if text is not None else render(findings, args.format, title=title, meta=meta)
    if args.output:
        write_report(Path(args.output), body)
    sys.stdout.write(body)
    sys.stdout.flush()
    return exit_code_for(findings, fail_on(args))
