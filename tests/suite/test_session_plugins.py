"""The suite's pytest session loads the plugins it uses, not every pytest plugin installed beside it.

A plugin that reorders, reseeds or reruns tests (pytest-randomly, pytest-rerunfailures) would change what a run
sends and finds. Here a plugin is "installed" the way pip installs one, as a distribution with a ``pytest11`` entry
point on ``sys.path``; it writes a file when pytest loads it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from inprocess import run_cli
from upstream_data import pinned_mirror

pytestmark = pytest.mark.slow


@pytest.fixture
def installed_plugin(tmp_path: Path) -> Iterator[Path]:
    """A pytest plugin named ``reorderer``, installed on ``sys.path``; yields the file it writes when loaded."""
    site = tmp_path / "site"
    marker = tmp_path / "loaded.txt"
    (site / "reorderer-1.0.dist-info").mkdir(parents=True)
    (site / "reorderer-1.0.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: reorderer\nVersion: 1.0\n")
    (site / "reorderer-1.0.dist-info" / "entry_points.txt").write_text("[pytest11]\nreorderer = reorderer_plugin\n")
    (site / "reorderer_plugin.py").write_text(
        "def pytest_configure(config):\n"
        f"    open({str(marker)!r}, 'a').write('loaded\\n')\n"
        "def pytest_collection_modifyitems(items):\n"
        "    items.reverse()\n"
    )
    sys.path.insert(0, str(site))
    try:
        yield marker
    finally:
        sys.path.remove(str(site))
        sys.modules.pop("reorderer_plugin", None)


def _run(tmp_path: Path, *extra: str) -> None:
    env = {"SPEC_MIRROR": os.environ.get("SPEC_MIRROR") or str(pinned_mirror())}
    argv = ["run", "-k", "scenario and basic", "--no-baseline", "--report-dir", str(tmp_path / "reports"), *extra]
    result = run_cli(argv, env=env)
    assert result.returncode in (0, 1), result.stderr[-2000:]


def test_a_pytest_plugin_installed_beside_the_suite_is_not_loaded(installed_plugin: Path, tmp_path: Path) -> None:
    from importlib.metadata import entry_points

    assert "reorderer" in {e.name for e in entry_points(group="pytest11")}  # pytest would find it
    _run(tmp_path)
    assert not installed_plugin.exists()


def test_a_plugin_named_after_two_dashes_is_loaded(installed_plugin: Path, tmp_path: Path) -> None:
    _run(tmp_path, "--", "-p", "reorderer")
    assert installed_plugin.read_text() == "loaded\n"
