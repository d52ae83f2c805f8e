"""The benchmark tables say "slower" only for something slower (a ratio below 1 is "faster", never "0.8× slower")."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from scripts_loader import load_script

ROOT = Path(__file__).resolve().parents[1]


def _bench_suite() -> ModuleType:
    return load_script("bench_suite")


def test_the_comparison_names_the_faster_side() -> None:
    compare = _bench_suite().compare
    assert compare(108.1, 62.2) == "1.7× slower than ours"
    assert compare(80.0, 100.0) == "1.2× faster than ours"
    assert compare(100.0, 101.0) == "as fast as ours"
    assert compare(100.0, 0.0) == "no rate measured"


def test_benchmarks_md_says_no_fractional_slower() -> None:
    import re

    text = (ROOT / "BENCHMARKS.md").read_text()
    assert not re.search(r"\b0\.\d+\s*[×x] (slower|faster)", text)
