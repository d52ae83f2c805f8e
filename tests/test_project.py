"""Project-level promises: the README's first commands, every rule documented, CI calling the README's test command."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from conformance.commands.rules import RULE_MODULES
from conformance.findings import RULES

ROOT = Path(__file__).resolve().parent.parent


def test_readme_starts_with_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text()
    block = re.search(r"```sh\n(.*?)```", text, re.S)
    assert block is not None and text.index("```sh") < 40
    commands = [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.split("#")[0].strip()]
    assert commands == ["make conform", "make test"]


def test_rule_ids_are_kebab_case_with_an_area_prefix() -> None:
    for name in RULE_MODULES:
        importlib.import_module(name)
    for rule_id, rule in RULES.items():
        assert re.fullmatch(r"[a-z]+(-[a-z0-9]+)+", rule_id), rule_id
        assert rule_id.split("-", 1)[0] in {"oas", "overlay", "doc", "drift", "resp", "req", "suite"}, rule_id
        assert rule.summary and rule.fix is not None


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci and "SPEC_MIRROR" in ci and "../shared/upstream" in ci
    assert ci.index("make lint") < ci.index("make test"), "CI lints (ruff check and format, mypy) before the tests"
    lint = (ROOT / "Makefile").read_text().split("\nlint:", 1)[1].split("\n\n", 1)[0]
    assert "ruff check" in lint and "ruff format --check" in lint and "mypy" in lint


def test_every_subcommand_takes_format() -> None:
    from conformance.cli import COMMANDS, build_parser

    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    choices = subparsers.choices  # type: ignore[attr-defined]
    assert set(choices) == set(COMMANDS)
    for name, sub in choices.items():
        formats = [a for a in sub._actions if "--format" in a.option_strings]
        assert formats and {"text", "json", "markdown"} <= set(formats[0].choices), name
