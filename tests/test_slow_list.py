"""The list of slow tests (tests/slow_tests.txt) marks exactly what it names, and names files that exist."""

from __future__ import annotations

from pathlib import Path

import pytest
import slowlist

ROOT = Path(__file__).resolve().parents[1]


def test_an_entry_names_a_test_its_function_or_its_file() -> None:
    names = slowlist.entries(
        "# a comment\n\ntests/a.py::test_one  # why\ntests/b.py::test_two[x]\ntests/c.py\n  tests/d.py::test_four  \n"
    )
    assert names == {"tests/a.py::test_one", "tests/b.py::test_two[x]", "tests/c.py", "tests/d.py::test_four"}
    assert slowlist.is_listed("tests/a.py::test_one", names)
    assert slowlist.is_listed("tests/a.py::test_one[p-1]", names)  # every parameter of a listed function
    assert slowlist.is_listed("tests/b.py::test_two[x]", names)
    assert not slowlist.is_listed("tests/b.py::test_two[y]", names)  # one parameter listed: only that one
    assert slowlist.is_listed("tests/c.py::test_anything[z]", names)
    assert not slowlist.is_listed("tests/a.py::test_one_more", names)  # a longer name is another test
    assert not slowlist.is_listed("tests/cc.py::test_x", names)


def test_every_entry_names_a_file_that_exists() -> None:
    names = slowlist.listed()
    assert names, "tests/slow_tests.txt is there and lists tests"
    missing = sorted(n for n in names if not (ROOT / n.split("::", 1)[0]).is_file())
    assert not missing, f"entries of tests/slow_tests.txt whose file is gone: {missing}"


def test_a_listed_test_is_marked_slow(request: pytest.FixtureRequest) -> None:
    listed = "tests/client/test_real_traffic.py"
    assert listed in slowlist.listed()
    items = [i for i in request.session.items if i.nodeid.startswith(listed + "::")]
    if not items:
        pytest.skip("the listed module was not collected in this run")
    assert all(i.get_closest_marker("slow") is not None for i in items)
