"""Code-sample extraction is neutral ground: lint reads the specs' x-codeSamples without importing the doc check."""

from __future__ import annotations

import json
import subprocess
import sys


def _loaded_after(module: str) -> list[str]:
    names = "sorted(m for m in sys.modules if m.startswith('conformance'))"
    code = f"import json, sys, {module}; print(json.dumps({names}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    return list(json.loads(out.stdout))


def test_lint_does_not_import_the_doc_check() -> None:
    loaded = _loaded_after("conformance.lint")
    assert "conformance.codesamples" in loaded
    assert [m for m in loaded if m.startswith("conformance.docs")] == []


def test_codesamples_imports_neither_stage() -> None:
    loaded = _loaded_after("conformance.codesamples")
    assert [m for m in loaded if m.startswith(("conformance.docs", "conformance.lint"))] == []
