"""Rerun the checks offline on exchanges a run recorded (``conformance run --record``)."""

from __future__ import annotations

import json
from pathlib import Path

from conformance.errors import InputError
from conformance.suite.checks import CheckContext, SpecView, check_exchange
from conformance.suite.exchange import Exchange


def load_exchanges(source: Path) -> list[Exchange]:
    files = sorted(source.glob("exchanges-*.jsonl")) if source.is_dir() else [source]
    if not files or not all(f.is_file() for f in files):
        raise InputError(
            f"{source}: expected a recording (exchanges-*.jsonl, from `conformance run --record`), found none"
        )
    exchanges: list[Exchange] = []
    for file in files:
        for number, line in enumerate(file.read_text().splitlines(), 1):
            if not line.strip():
                continue
            try:
                exchanges.append(Exchange.from_dict(json.loads(line)))
            except (ValueError, KeyError, TypeError) as exc:
                raise InputError(
                    f"{file}:{number}: expected a recorded exchange, found {type(exc).__name__}: {exc}"
                ) from None
    return exchanges


def replay(source: Path, published: Path, normalised: Path, raw_dir: Path, *, spec: str, strict: bool) -> int:
    ctx = CheckContext(
        SpecView(json.loads(published.read_text()), "published"),
        SpecView(json.loads(normalised.read_text()), "normalised"),
        strict=strict,
        checked_against=spec,
    )
    exchanges = load_exchanges(source)
    raw_dir.mkdir(parents=True, exist_ok=True)
    with (raw_dir / "findings-replay.jsonl").open("w", encoding="utf-8") as out:
        for exchange in exchanges:
            for finding in check_exchange(exchange, ctx):
                out.write(json.dumps(finding.to_dict(), sort_keys=True) + "\n")
    return len(exchanges)
