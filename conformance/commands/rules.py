"""conformance rules: every rule id with its level, source and a one-line why."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conformance.findings import Rule

HELP = "list every rule id with its level, source and why"
#: the rule index: importing these modules registers every rule (tests/test_rule_index.py audits it against the
#: package's `rule(...)` calls and against the docs)
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


def all_rules() -> list[Rule]:
    """Every registered rule, sorted by id."""
    from conformance.findings import RULES

    for name in RULE_MODULES:
        importlib.import_module(name)
    return sorted(RULES.values(), key=lambda r: r.id)


def run(args: argparse.Namespace) -> int:
    rules = all_rules()
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
