"""How property tests behave here: a failure prints its example compactly, CI runs are derandomised and write no
example database, and the nightly profile explores more."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import hypothesis
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from upstream_data import SpecDict

ROOT = Path(__file__).resolve().parents[1]

# The variables by which hypothesis recognises a CI server (hypothesis/_settings.py, _CI_VARS).
_CI_MARKERS = frozenset(
    {
        "CI",
        "__TOX_ENVIRONMENT_VARIABLE_ORIGINAL_CI",
        "TF_BUILD",
        "bamboo.buildKey",
        "BUILDKITE",
        "CIRCLECI",
        "CIRRUS_CI",
        "CODEBUILD_BUILD_ID",
        "GITHUB_ACTIONS",
        "GITLAB_CI",
        "HEROKU_TEST_RUN_ID",
        "TEAMCITY_VERSION",
    }
)


def test_a_failing_property_prints_its_example() -> None:
    import schemathesis  # noqa: F401  (it swaps hypothesis' printer when imported; the conftest undoes that)

    spec = SpecDict({"openapi": "3.0.3", "info": {"title": "big"}, "paths": {f"/p{i}": {} for i in range(5000)}})

    @settings(max_examples=20, database=None, derandomize=True)
    @given(count=st.integers(0, 100), label=st.sampled_from(["a", "b"]))
    def prop(count: int, label: str) -> None:
        assert len(spec["paths"]) > 0
        assert count < 3

    with pytest.raises(AssertionError) as caught:
        prop()
    notes = "\n".join(getattr(caught.value, "__notes__", []))
    assert "count=3," in notes and "label='a'," in notes, notes
    assert len(notes) < 500, notes


def test_a_spec_fixture_has_a_one_line_repr() -> None:
    spec = SpecDict({"info": {"title": "GPT-5.2"}, "paths": {"/a": {}, "/b": {}}})
    assert repr(spec) == "<spec 'GPT-5.2': 2 paths>"
    import copy

    assert type(copy.deepcopy(spec)) is SpecDict and copy.deepcopy(spec) == spec


def test_the_default_profile_is_derandomised_without_a_database() -> None:
    if os.environ.get("HYPOTHESIS_PROFILE", "ci") != "ci":
        pytest.skip("checks the default (ci) profile")
    current = settings.default
    assert current.derandomize is True
    assert current.database is None


def test_the_ci_markers_cover_those_hypothesis_knows() -> None:
    """If a hypothesis upgrade learns a new CI variable, the control below would again run under hypothesis' own CI
    profile on that server; this names the variable instead."""
    from hypothesis import _settings

    known = set(getattr(_settings, "_CI_VARS", {}))
    if not known:
        pytest.skip(f"hypothesis {hypothesis.__version__} has no _settings._CI_VARS to compare with")
    assert known <= _CI_MARKERS, sorted(known - _CI_MARKERS)


# the nested sessions below need hypothesis' plugin alone: the others cost a third of their start (schemathesis')
UNUSED_PLUGINS = ("-p", "no:cacheprovider", "-p", "no:schemathesis", "-p", "no:anyio", "-p", "no:xdist")


@pytest.mark.slow
def test_no_example_database_is_written(tmp_path: Path) -> None:
    """A ci-profile run stores no example in .hypothesis/ (hypothesis may still cache the code's constants there),
    so the next run in the same checkout cannot replay anything. The property fails, because hypothesis only saves
    failing examples; without the project's conftest the same run does write one (the control), so the check can
    fail."""
    test = tmp_path / "test_prop.py"
    test.write_text(
        "from hypothesis import given, strategies as st\n\n@given(st.integers())\ndef test_p(x):\n    assert x < 10\n"
    )
    # On a CI server hypothesis loads its own "ci" profile, which has no database either; both runs start outside
    # CI so that the control shows hypothesis' default and the second run shows the project's own setting.
    env = {key: value for key, value in os.environ.items() if key not in _CI_MARKERS}
    env["HYPOTHESIS_PROFILE"] = "ci"
    command = [sys.executable, "-m", "pytest", "-q", *UNUSED_PLUGINS, "-p", "no:randomly", str(test)]
    control = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    assert control.returncode == 1, control.stdout + control.stderr
    assert (tmp_path / ".hypothesis" / "examples").exists(), "control: hypothesis' default keeps failing examples"
    shutil.rmtree(tmp_path / ".hypothesis")
    conftest = (ROOT / "tests" / "conftest.py").read_text()
    (tmp_path / "conftest.py").write_text(conftest)
    (tmp_path / "upstream_data.py").write_text((ROOT / "tests" / "upstream_data.py").read_text())
    (tmp_path / "slowlist.py").write_text((ROOT / "tests" / "slowlist.py").read_text())
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "assert x < 10" in result.stdout or "x < 10" in result.stdout
    assert not (tmp_path / ".hypothesis" / "examples").exists()


@pytest.mark.slow
def test_the_nightly_profile_runs_more_examples_with_random_seeds(tmp_path: Path) -> None:
    """The same test file: 3 examples by default, 30 under HYPOTHESIS_PROFILE=nightly, selected by `-m property`."""
    (tmp_path / "conftest.py").write_text((ROOT / "tests" / "conftest.py").read_text())
    (tmp_path / "upstream_data.py").write_text((ROOT / "tests" / "upstream_data.py").read_text())
    (tmp_path / "slowlist.py").write_text((ROOT / "tests" / "slowlist.py").read_text())
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers =\n    property: hypothesis\n    slow: slow\n")
    count = tmp_path / "count.txt"
    (tmp_path / "test_prop.py").write_text(
        "from hypothesis import given, settings, strategies as st\n\n"
        "@settings(max_examples=3)\n@given(st.integers())\ndef test_p(x):\n"
        f"    with open({str(count)!r}, 'a') as f:\n        f.write('.')\n\n"
        "def test_plain():\n    pass\n"
    )
    for profile, least in (("ci", 1), ("nightly", 10)):
        count.write_text("")
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", *UNUSED_PLUGINS, "-m", "property", "test_prop.py"],
            cwd=tmp_path,
            env={**os.environ, "HYPOTHESIS_PROFILE": profile},
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "1 passed, 1 deselected" in result.stdout
        runs = len(count.read_text())
        assert runs >= least and (profile == "nightly" or runs <= 3), (profile, runs)
