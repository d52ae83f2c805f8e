"""Helpers shared by subcommands: fail-on parsing, the baseline, handing a report to the one writer."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conformance.errors import UsageError

if TYPE_CHECKING:
    from conformance.load.context import Context
    from conformance.load.fetch import Fetcher

from conformance.findings import Finding, Level, Source
from conformance.report import Destinations, Report, apply_baseline, check_output, load_baseline
from conformance.report import emit as emit_report


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


def add_exchange_check_options(parser: argparse.ArgumentParser) -> None:
    """The options of the commands that check exchanges they did not generate (``traffic``, ``proxy``)."""
    parser.add_argument(
        "--spec",
        choices=("published", "normalised"),
        default="published",
        help="check against the published spec (default) or the normalised one",
    )
    parser.add_argument(
        "--fail-on-source",
        default="server",
        metavar="SOURCES",
        help="whose findings decide the exit code, as for `conformance run`: comma-separated "
        "server, spec, doc, client, or all (default server)",
    )
    parser.add_argument("--strict", action="store_true", help="undocumented response fields are errors")
    parser.add_argument(
        "--no-request-checks", action="store_true", help="do not check request bodies against the request schema"
    )


def fetcher(args: argparse.Namespace) -> Fetcher:
    """The fetcher of the command's context (``--mirror`` > ``$SPEC_MIRROR`` > default; see load.context)."""
    context: Context = args.context
    return context.fetcher()


def output_path(args: argparse.Namespace) -> Path | None:
    """``--output``, checked before any work: a directory is a usage error (exit 2)."""
    path = Path(args.output) if getattr(args, "output", None) else None
    check_output(path)
    return path


def baseline_split(args: argparse.Namespace, findings: Sequence[Finding]) -> frozenset[str]:
    """The fingerprints spec/baseline.json acknowledges among ``findings`` (none with ``--no-baseline``)."""
    acknowledged, _stale = apply_baseline(findings, load_baseline(not getattr(args, "no_baseline", False)))
    return acknowledged


def findings_report(
    args: argparse.Namespace, command: str, findings: Sequence[Finding], *, title: str = "", **fields: Any
) -> Report:
    """A report of ``findings`` after the baseline, decided by ``--fail-on``."""
    return Report(
        command=command,
        title=title,
        findings=tuple(findings),
        acknowledged=baseline_split(args, findings),
        fail_on=fail_on(args),
        **fields,
    )


def emit(
    args: argparse.Namespace,
    report: Report,
    *,
    report_dir: Path | None = None,
    summary: Path | None = None,
    step_summary: bool = False,
) -> int:
    """Hand the report to the one writer (stdout in ``--format``, ``--output``, report files), then the verdict."""
    where = Destinations(output=output_path(args), report_dir=report_dir, summary=summary, step_summary=step_summary)
    return emit_report(report, args.format, where)
