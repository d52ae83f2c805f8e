"""The context: every setting from a flag, else the environment, else the default; secrets never in its repr."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.cli import main
from conformance.errors import EXIT_USAGE, InputError
from conformance.load.context import API_BASE, RAW_BASE, Context


@pytest.fixture(autouse=True)
def _isolated(clean_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONFORMANCE_ROOT", str(tmp_path / "project"))  # nothing beside it: no default mirror


def test_defaults_when_nothing_is_said() -> None:
    context = Context.from_sources(None, {})
    assert (context.mirror, context.spec_base_url, context.github_api_url) == (None, RAW_BASE, API_BASE)
    assert (context.api_key_env, context.api_key, context.github_token, context.debug) == (
        "AIMLAPI_KEY",
        None,
        None,
        False,
    )


def test_the_flag_wins_over_the_environment_which_wins_over_the_default(tmp_path: Path) -> None:
    flag, env = tmp_path / "flag", tmp_path / "env"
    flag.mkdir()
    env.mkdir()
    assert Context.from_sources(None, {"SPEC_MIRROR": str(env)}).mirror == env
    assert Context.from_sources({"mirror": flag}, {"SPEC_MIRROR": str(env)}).mirror == flag
    assert Context.from_sources(None, {"SPEC_MIRROR": ""}).mirror is None  # set but empty: no mirror
    assert Context.from_sources({"debug": True}, {}).debug
    assert Context.from_sources(None, {"CONFORMANCE_DEBUG": "1"}).debug


def test_the_mirror_beside_the_project_is_the_default_unless_a_network_source_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    beside = tmp_path / "shared" / "upstream"
    beside.mkdir(parents=True)
    assert Context.from_sources(None, {}).mirror == beside
    assert Context.from_sources(None, {"SPEC_BASE_URL": "http://127.0.0.1:9"}).mirror is None
    assert Context.from_sources(None, {"GITHUB_API_URL": "http://127.0.0.1:9"}).mirror is None


def test_the_key_comes_from_the_variable_the_flag_names_and_stays_out_of_the_repr() -> None:
    env = {"AIMLAPI_KEY": "sk-default-not-real", "GATEWAY_KEY": " sk-gateway-not-real ", "GITHUB_TOKEN": "ghp-x"}
    assert Context.from_sources(None, env).api_key == "sk-default-not-real"
    named = Context.from_sources({"api_key_env": "GATEWAY_KEY"}, env)
    assert (named.api_key_env, named.api_key) == ("GATEWAY_KEY", "sk-gateway-not-real")
    assert "sk-" not in repr(named) and "ghp-x" not in repr(named)


def test_the_fetcher_takes_the_resolved_sources(tmp_path: Path) -> None:
    fetcher = Context.from_sources(None, {"SPEC_BASE_URL": "http://127.0.0.1:9/raw"}).fetcher()
    assert (fetcher.mirror, fetcher.base_url, fetcher.api_url) == (None, "http://127.0.0.1:9/raw", API_BASE)


def test_a_mirror_that_is_not_a_directory_is_a_usage_error_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(InputError) as caught:
        Context.from_sources({"mirror": tmp_path / "absent"}, {})
    assert caught.value.exit_code == EXIT_USAGE
    monkeypatch.setenv("SPEC_MIRROR", str(tmp_path / "absent"))
    assert main(["lint"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert f"mirror {tmp_path / 'absent'}: expected a directory laid out as" in err and "Traceback" not in err
