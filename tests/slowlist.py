"""``tests/slow_tests.txt``: the tests that get the ``slow`` marker without being marked in their module.

One entry a line: a test id (``tests/x/test_a.py::test_b[param]``), a test function (``tests/x/test_a.py::test_b``,
every parameter of it) or a test file (``tests/x/test_a.py``); ``#`` starts a comment. ``tests/conftest.py``
marks what the list names; docs/testing.md says how the list is kept.
"""

from __future__ import annotations

from pathlib import Path

SLOW_LIST = Path(__file__).with_name("slow_tests.txt")


def entries(text: str) -> frozenset[str]:
    return frozenset(line.split("#", 1)[0].strip() for line in text.splitlines()) - {""}


def listed() -> frozenset[str]:
    return entries(SLOW_LIST.read_text()) if SLOW_LIST.is_file() else frozenset()


def is_listed(nodeid: str, names: frozenset[str]) -> bool:
    """``nodeid`` is named by an entry: itself, its function (without the parameters) or its file."""
    return nodeid in names or nodeid.split("[", 1)[0] in names or nodeid.split("::", 1)[0] in names
