"""The rule index (``conformance.commands.rules.RULE_MODULES``) against the package and the docs.

Every ``rule("id", ...)`` call in ``conformance/`` is registered by the index, ``conformance rules`` lists exactly
those ids, every id is documented in README.md or docs/*.md, and every rule id the docs name exists.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.commands.rules import all_rules

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
AREAS = ("oas", "overlay", "doc", "drift", "resp", "req", "suite")
RULE_ID = re.compile(r"(?:" + "|".join(AREAS) + r")(?:-[a-z0-9]+)+")
DOC_ID = re.compile(f"`({RULE_ID.pattern})`")


def declared_ids() -> set[str]:
    """The ids of every ``rule("...", ...)`` call (or drift's registry helper ``_drift``) in the package."""
    found: set[str] = set()
    for path in sorted((ROOT / "conformance").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("rule", "_drift")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
                and RULE_ID.fullmatch(node.args[0].value)
            ):
                found.add(node.args[0].value)
    return found


def documented_ids() -> dict[str, str]:
    """Rule ids the docs name (in backticks), with the first page naming each."""
    found: dict[str, str] = {}
    for page in PAGES:
        for match in DOC_ID.finditer(page.read_text()):
            found.setdefault(match.group(1), page.name)
    return found


INDEX = {r.id for r in all_rules()}
DOCUMENTED = documented_ids()


def test_the_index_registers_every_declared_rule() -> None:
    declared = declared_ids()
    assert declared - INDEX == set(), "rules declared in a module the index does not import"
    assert INDEX - declared == set(), "registered ids this audit cannot see declared"


def test_conformance_rules_lists_the_index(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--format", "json"]) == 0
    assert {r["id"] for r in json.loads(capsys.readouterr().out)} == INDEX


@pytest.mark.parametrize("rule_id", sorted(INDEX))
def test_every_rule_is_documented(rule_id: str) -> None:
    assert rule_id in DOCUMENTED, f"{rule_id}: not named in README.md or docs/*.md (as `{rule_id}`)"


@pytest.mark.parametrize("rule_id", sorted(DOCUMENTED))
def test_every_documented_rule_exists(rule_id: str) -> None:
    assert rule_id in INDEX, f"{DOCUMENTED[rule_id]} names `{rule_id}`, which no rule has"
