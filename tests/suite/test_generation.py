"""What a run generates depends on the spec, the options and the pinned generators, never on the tool's own source
(``conformance/suite/generation.py``); and a run writes no hypothesis files where it is started."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import configuration, given, settings
from hypothesis import strategies as st
from hypothesis.internal.conjecture import providers
from upstream_data import pinned_mirror

from conformance import paths
from conformance.suite.generation import GenerationIsolation

ROOT = Path(__file__).resolve().parents[2]


def test_what_the_isolation_patches_is_still_where_hypothesis_keeps_it() -> None:
    """An upgrade of hypothesis that moves its pool of local constants must fail here, not silently let the
    tool's own literals back into what a run sends."""
    assert callable(providers._get_local_constants)
    assert hasattr(providers.CONSTANTS_CACHE, "cache") and callable(providers.CONSTANTS_CACHE.cache.clear)
    assert callable(configuration.set_hypothesis_home_dir)
    assert callable(providers.HypothesisProvider._maybe_draw_constant)


def _probe_module(where: Path) -> Any:
    """A local module (outside site-packages, not a test file) full of distinctive literals, imported."""
    where.mkdir(parents=True, exist_ok=True)
    values = [7_000_001.25 + i for i in range(60)] + [913_370 + i for i in range(60)]
    (where / "constants_probe.py").write_text("".join(f"V{i} = {v!r}\n" for i, v in enumerate(values)))
    sys.path.insert(0, str(where))
    try:
        import constants_probe  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(where))
    return constants_probe


def _drawn() -> list[float]:
    seen: list[float] = []

    @settings(max_examples=400, derandomize=True, database=None, deadline=None)
    @given(st.floats(allow_nan=False) | st.integers())
    def draw(value: float) -> None:
        seen.append(value)

    draw()
    return seen


def test_inside_the_isolation_no_value_comes_from_loaded_source_and_outside_it_does(tmp_path: Path) -> None:
    probe = _probe_module(tmp_path / "src")
    try:
        planted = {value for name, value in vars(probe).items() if name.startswith("V")}
        home = configuration.storage_directory(intent_to_write=False).home_directory
        control = _drawn()
        assert planted & set(control), "the control draws no loaded constant: the probe measures nothing"
        isolation = GenerationIsolation(tmp_path / "hypothesis-home")
        try:
            assert configuration.storage_directory(intent_to_write=False).home_directory == tmp_path / "hypothesis-home"
            isolated = _drawn()
        finally:
            isolation.restore()
        assert not planted & set(isolated)
        assert configuration.storage_directory(intent_to_write=False).home_directory == home
        assert planted & set(_drawn()), "the pool is back once the isolation ends"
    finally:
        sys.modules.pop("constants_probe", None)


@pytest.mark.slow
def test_a_run_writes_no_hypothesis_files_where_it_is_started(tmp_path: Path) -> None:
    """Before, a run wrote ``.hypothesis/`` (constants and Unicode caches) into its working directory."""
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "SPEC_MIRROR": os.environ.get("SPEC_MIRROR") or str(pinned_mirror())}
    result = subprocess.run(
        [sys.executable, "-m", "conformance", "run", "-k", "semantics", "--max-examples", "5"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode in (0, 1), result.stderr[-2000:]
    assert sorted(p.name for p in work.iterdir()) == ["reports"]
    assert (paths.cache_dir() / "hypothesis").is_dir()  # its caches are the project's


@pytest.mark.slow
def test_a_run_in_this_process_leaves_hypothesis_as_it_found_it(tmp_path: Path) -> None:
    """The project's tests run whole runs in their own process (tests/inprocess.py): the isolation holds for the
    run's session only, and the test session's hypothesis gets its home and its pool back."""
    from inprocess import run_cli

    home = configuration.storage_directory(intent_to_write=False).home_directory
    pool = providers._get_local_constants
    seen: list[Any] = []
    original = GenerationIsolation.__init__

    def spy(self: GenerationIsolation, where: Path) -> None:
        original(self, where)
        during = configuration.storage_directory(intent_to_write=False).home_directory
        seen.append((where, providers._get_local_constants(), during))

    env = {"SPEC_MIRROR": os.environ.get("SPEC_MIRROR") or str(pinned_mirror())}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(GenerationIsolation, "__init__", spy)
        result = run_cli(["run", "-k", "semantics", "--max-examples", "2", "--report-dir", str(tmp_path)], env=env)
    assert result.returncode in (0, 1), result.stderr[-2000:]
    [(where, during, home_during)] = seen
    assert where == paths.cache_dir() / "hypothesis" == home_during
    assert len(during) == 0  # no local constant while the run generated
    assert configuration.storage_directory(intent_to_write=False).home_directory == home
    assert providers._get_local_constants is pool


def test_the_report_names_the_spec_generated_from_including_its_key_order() -> None:
    """Reordered members generate other requests (schemathesis follows the order), so they are another input."""
    from conformance.inputs import SpecPair
    from conformance.suite.runner import RunOptions, generation_inputs

    spec = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}}
    reordered = {"paths": {}, "openapi": "3.0.3", "info": {"version": "1", "title": "t"}}

    def digest(published: dict[str, Any], seed: int = 0) -> Any:
        pair = SpecPair(published, published)
        return generation_inputs(RunOptions(specs=pair, seed=seed))

    assert digest(spec) == digest(dict(spec))
    assert digest(spec)["spec_digest"] != digest(reordered)["spec_digest"]
    assert digest(spec)["spec_digest"] != digest({**spec, "paths": {"/x": {}}})["spec_digest"]
    assert digest(spec, seed=7)["seed"] == 7
