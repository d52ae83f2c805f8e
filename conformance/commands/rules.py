"""conformance rules: every rule id with its level, source and a one-line why."""

from __future__ import annotations

import argparse
import importlib
import json
import sys

HELP = "list every rule id with its level, source and why"
RULE_MODULES = (
    "conformance.lint",
    "conformance.overlay",
    "conformance.docs",
    "conformance.drift",
    "conformance.suite.checks",
    "conformance.traffic.requests",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("text", "json", "markdown"), default="text")


def run(args: argparse.Namespace) -> int:
    from conformance.findings import RULES

    for name in RULE_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name is None or not name.startswith(exc.name):
                raise
    rules = sorted(RULES.values(), key=lambda r: r.id)
    if args.format == "json":
        sys.stdout.write(
            json.dumps(
                [
                    {"id": r.id, "level": r.level.label, "source": r.source.value, "summary": r.summary, "fix": r.fix}
                    for r in rules
                ],
                indent=2,
            )
            + "\n"
        )
    elif args.format == "markdown":
        lines = ["| id | level | source | why |", "|---|---|---|---|"]
        lines += [f"| `{r.id}` | {r.level.label} | {r.source.value} | {r.summary} |" for r in rules]
        sys.stdout.write("\n".join(lines) + "\n")
    else:
        for r in rules:
            sys.stdout.write(f"{r.id:40} {r.level.label:8} {r.source.value:7} {r.summary}\n")
    return 0
