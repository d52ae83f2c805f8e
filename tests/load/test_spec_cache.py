"""The overlaid specs are cached under the cache directory: the same inputs give the same spec without applying
the overlay again, and any change to an input (the overlay, the pinned file, the code) is a new entry."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from conformance import overlay as overlay_module
from conformance.load import specs
from conformance.load.fetch import Fetcher


@pytest.fixture
def fetcher(project: Path, mirror: Path) -> Fetcher:
    specs.forget()
    return Fetcher(mirror=mirror)


@pytest.fixture
def applications(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The overlay files applied, in order (the real function still runs)."""
    seen: list[str] = []
    real = overlay_module.apply_overlay_file

    def counting(spec: dict[str, Any], path: Path, **kwargs: Any) -> Any:
        seen.append(path.name)
        return real(spec, path, **kwargs)

    monkeypatch.setattr(overlay_module, "apply_overlay_file", counting)
    return seen


def _entries(project: Path) -> list[Path]:
    return sorted(Path(os.environ["CONFORMANCE_CACHE"], "specs").glob("*.json"))


@pytest.mark.parametrize("variant", ["cosmetic", "normalised"])
def test_a_second_load_reads_the_cache_and_gives_the_same_spec(
    variant: specs.Variant, fetcher: Fetcher, project: Path, applications: list[str]
) -> None:
    first = specs.load_spec(variant, fetcher)
    second = specs.load_spec(variant, fetcher)
    assert applications == ["overlay.yaml"]
    assert second == first and second is not first
    assert json.dumps(second) == json.dumps(first)  # key order too: what is generated from a spec follows it
    assert [p.name.split("-")[0] for p in _entries(project)] == [variant]
    published = specs.load_spec("published", fetcher)
    assert published != first  # the cached form is the overlaid one


def test_the_variants_have_entries_of_their_own(fetcher: Fetcher, project: Path) -> None:
    cosmetic = specs.load_spec("cosmetic", fetcher)
    normalised = specs.load_spec("normalised", fetcher)
    assert cosmetic != normalised
    assert specs.load_spec("cosmetic", fetcher) == cosmetic
    assert specs.load_spec("normalised", fetcher) == normalised
    assert len(_entries(project)) == 2


def test_a_changed_overlay_is_applied_again(fetcher: Fetcher, project: Path, applications: list[str]) -> None:
    before = specs.load_spec("normalised", fetcher)
    overlay = project / "spec" / "overlay.yaml"
    text = overlay.read_text()
    marker = "info.title set by the cache test"
    overlay.write_text(
        text.rstrip("\n")
        + "\n- target: $.info\n"
        + "  description: a test action\n  x-rule: test-rule\n  x-kind: cosmetic\n"
        + f"  update:\n    x-cache-test: {marker}\n"
    )
    after = specs.load_spec("normalised", fetcher)
    assert applications == ["overlay.yaml", "overlay.yaml"]
    assert after["info"]["x-cache-test"] == marker and "x-cache-test" not in before["info"]
    assert len(_entries(project)) == 2


def test_a_changed_pin_is_a_new_entry(fetcher: Fetcher, project: Path, applications: list[str]) -> None:
    specs.load_spec("normalised", fetcher)
    lock = project / "spec" / "lock.json"
    data = json.loads(lock.read_text())
    data["sha256"] = "0" * 64  # the pinned bytes no longer match: the spec itself is refused, never a cached form
    lock.write_text(json.dumps(data))
    specs.forget()
    with pytest.raises(Exception, match="sha256"):
        specs.load_spec("normalised", fetcher)
    assert applications == ["overlay.yaml"]


def test_a_corrupt_entry_is_rebuilt(fetcher: Fetcher, project: Path, applications: list[str]) -> None:
    good = specs.load_spec("normalised", fetcher)
    [entry] = _entries(project)
    entry.write_text('{"openapi": "3.0.3", "trunc')
    assert specs.load_spec("normalised", fetcher) == good
    assert applications == ["overlay.yaml", "overlay.yaml"]
    assert json.loads(entry.read_text()) == good


def test_an_unwritable_cache_is_not_used(
    fetcher: Fetcher, project: Path, applications: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    specs.load_spec("normalised", fetcher)  # the pinned file is cached in the real cache first
    monkeypatch.setattr(specs.paths, "cache_dir", lambda: blocked)
    first = specs.load_spec("normalised", fetcher)
    second = specs.load_spec("normalised", fetcher)
    assert first == second
    assert applications == ["overlay.yaml", "overlay.yaml", "overlay.yaml"]


def test_a_spec_json_cannot_keep_is_not_cached(fetcher: Fetcher, project: Path, applications: list[str]) -> None:
    overlay = project / "spec" / "overlay.yaml"
    overlay.write_text(
        overlay.read_text().rstrip("\n")
        + "\n- target: $.info\n"
        + "  description: a test action\n  x-rule: test-rule\n  x-kind: cosmetic\n"
        + "  update:\n    x-int-keys: {400: an int key YAML makes}\n"
    )
    first = specs.load_spec("normalised", fetcher)
    assert first["info"]["x-int-keys"] == {400: "an int key YAML makes"}
    assert specs.load_spec("normalised", fetcher) == first
    assert applications == ["overlay.yaml", "overlay.yaml"]
    assert _entries(project) == []
