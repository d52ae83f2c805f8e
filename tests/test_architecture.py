"""The import contract: which part of ``conformance/`` may import which (the table in ARCHITECTURE.md).

Every ``import`` of the package (type-only ones included) is read with :mod:`ast` and checked against the layers
below; a forbidden edge fails with its file and line.

========  ==================================================================  ===================================
layer     modules                                                             may import
========  ==================================================================  ===================================
cli       ``conformance.cli``, ``conformance.commands``, ``__main__`` files  everything
load      ``conformance.load``, ``conformance.overlay``                       load, core
stage     lint, generate, mock, suite, traffic, proxy, docs, drift           its own stage, core (+ ALLOWED)
core      every other module (errors, findings, report, baseline, paths,     core
          inputs, safeload, oas, codesamples, serve, ...)
========  ==================================================================  ===================================

Stages never import the load layer (they are handed specs and pages) nor each other, except the edges in
``ALLOWED``. ``KNOWN`` lists edges that exist today, each with its reason (an entry that no longer occurs fails
too, so the list only shrinks); ``IN_FLIGHT`` lists edges another change of this round is removing.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import attrs
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "conformance"

CLI = ("conformance.cli", "conformance.commands", "conformance.__main__", "conformance.mock.__main__")
LOAD = ("conformance.load", "conformance.overlay")
STAGES = {
    "lint": ("conformance.lint", "conformance.lint_structure"),
    "generate": ("conformance.generate",),
    "mock": ("conformance.mock",),
    "suite": ("conformance.suite",),
    "traffic": ("conformance.traffic",),
    "proxy": ("conformance.proxy",),
    "docs": ("conformance.docs",),
    "drift": ("conformance.drift",),
}
#: stage -> stages it may use, and why
ALLOWED = {
    ("traffic", "suite"): "recorded exchanges go through the suite's exchange checks, as `conformance run` does",
    ("proxy", "traffic"): "the proxy checks and records exchanges as `conformance traffic` reads them",
    ("proxy", "suite"): "the proxy's exchanges go through the suite's exchange checks",
}
#: (importing module, imported module) edges that exist today, each with the reason it is still there; an entry
#: whose edge is gone fails the test, so the list only shrinks
KNOWN: dict[tuple[str, str], str] = {}
#: edges another change of this round removes (they may be present or gone until it lands; then delete the entry)
IN_FLIGHT: dict[tuple[str, str], str] = {}


def layer_of(module: str) -> str:
    """``cli``, ``load``, a stage name, or ``core``."""

    def under(prefixes: tuple[str, ...]) -> bool:
        return any(module == p or module.startswith(p + ".") for p in prefixes)

    if under(CLI):
        return "cli"
    if under(LOAD):
        return "load"
    for stage, prefixes in STAGES.items():
        if under(prefixes):
            return stage
    return "core"


def allowed(importer: str, imported: str) -> bool:
    source, target = layer_of(importer), layer_of(imported)
    if source == "cli" or source == target or target == "core":
        return True
    if source == "load":
        return False  # load may use core only (and itself)
    if source == "core":
        return False
    return target != "cli" and (source, target) in ALLOWED


@attrs.frozen
class Edge:
    importer: str
    imported: str
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.importer} imports {self.imported}"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(name: str) -> bool:
    relative = Path(*name.split("."))
    return (ROOT / relative).with_suffix(".py").is_file() or (ROOT / relative / "__init__.py").is_file()


def edges() -> list[Edge]:
    found: list[Edge] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = module_name(path)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        shown = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text(), shown)):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    module = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    module = node.module or ""
                # `from conformance.docs import rules` imports the module conformance.docs.rules
                targets = [
                    f"{module}.{alias.name}" if _is_module(f"{module}.{alias.name}") else module for alias in node.names
                ]
            for target in targets:
                if target.split(".")[0] == "conformance" and target != name:
                    found.append(Edge(name, target, shown, node.lineno))
    return found


@functools.cache
def all_edges() -> tuple[Edge, ...]:
    """The package's import edges, read once per process that runs these tests (not at collection)."""
    return tuple(edges())


def test_the_walk_sees_the_package() -> None:
    importers = {e.importer for e in all_edges()}
    assert {"conformance.cli", "conformance.suite.runner", "conformance.load.specs"} <= importers
    assert layer_of("conformance.load.fetch") == "load"
    assert layer_of("conformance.lint_structure") == "lint"
    assert layer_of("conformance.findings") == "core"


def test_no_forbidden_import() -> None:
    tolerated = KNOWN.keys() | IN_FLIGHT.keys()
    forbidden = [
        e for e in all_edges() if not allowed(e.importer, e.imported) and (e.importer, e.imported) not in tolerated
    ]
    assert not forbidden, "imports that break the layers (see ARCHITECTURE.md):\n" + "\n".join(map(str, forbidden))


def test_every_known_exception_still_occurs() -> None:
    present = {(e.importer, e.imported) for e in all_edges()}
    gone = sorted(edge for edge in KNOWN if edge not in present)
    assert not gone, f"remove these from KNOWN (the edge is gone): {gone}"


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("conformance.suite.runner", "conformance.mock.server"),
        ("conformance.suite.runner", "conformance.docs"),
        ("conformance.mock.app", "conformance.docs"),
        ("conformance.mock.operations", "conformance.load.specs"),
        ("conformance.lint", "conformance.load.fetch"),
        ("conformance.traffic.adapter", "conformance.commands._common"),
        ("conformance.findings", "conformance.suite.rules"),
        ("conformance.load.specs", "conformance.mock.app"),
    ],
)
def test_the_contract_forbids(importer: str, imported: str) -> None:
    assert not allowed(importer, imported)


def test_the_table_is_written_once_more_in_architecture_md() -> None:
    text = (ROOT / "ARCHITECTURE.md").read_text()
    for stage in STAGES:
        assert f"`{stage}`" in text, stage
    for source, target in ALLOWED:
        assert f"{source} → {target}" in text, (source, target)


def test_an_edge_names_its_file_and_line() -> None:
    lines = (ROOT / "conformance" / "cli.py").read_text().splitlines()
    line = next(n for n, text in enumerate(lines, 1) if text.startswith("from conformance.errors import"))
    edge = next(e for e in all_edges() if (e.importer, e.imported) == ("conformance.cli", "conformance.errors"))
    assert str(edge) == f"conformance/cli.py:{line}: conformance.cli imports conformance.errors"
