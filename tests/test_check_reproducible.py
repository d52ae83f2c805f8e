"""scripts/check_reproducible.py: two recorded runs compared (requests in any order, finding fingerprints), and a
run that fails is exit 2, not a verdict. The nightly `properties` workflow runs the script on the whole suite."""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from scripts_loader import load_script
from upstream_data import pinned_mirror


def _script() -> ModuleType:
    return load_script("check_reproducible")


def _recorded(where: Path, requests: list[tuple[str, str]], fingerprints: list[str], workers: int = 1) -> Path:
    """A report directory as `conformance run --record` writes it, the exchanges spread over ``workers`` files."""
    (where / "raw").mkdir(parents=True)
    for number in range(workers):
        lines = [
            json.dumps({"operation": op, "request_text": text, "status": 200}) for op, text in requests[number::workers]
        ]
        (where / "raw" / f"exchanges-gw{number}.jsonl").write_text("".join(line + "\n" for line in lines))
    (where / "findings.json").write_text(json.dumps({"findings": [{"fingerprint": f} for f in fingerprints]}))
    return where


REQUESTS = [("POST /v1/chat/completions", '{"n": 1}'), ("POST /chat/completions", '{"n": 2}'), ("GET /x", "")]


def test_the_same_requests_in_another_order_and_over_two_workers_agree(tmp_path: Path) -> None:
    check = _script()
    one = _recorded(tmp_path / "a", REQUESTS, ["f1", "f2"])
    two = _recorded(tmp_path / "b", list(reversed(REQUESTS)), ["f2", "f1"], workers=2)
    assert check.differences(one, two) == []


def test_a_changed_request_a_repeated_one_or_another_finding_is_a_difference(tmp_path: Path) -> None:
    check = _script()
    one = _recorded(tmp_path / "a", REQUESTS, ["f1"])
    changed = _recorded(tmp_path / "b", [*REQUESTS[:2], ("GET /x", "?")], ["f1"])
    repeated = _recorded(tmp_path / "c", [*REQUESTS, REQUESTS[0]], ["f1"])
    other = _recorded(tmp_path / "d", REQUESTS, ["f1", "f9"])
    said = check.differences(one, changed)
    assert said[0] == "requests: 3 and 3 sent; 1 only in the first, 1 only in the second"
    assert said[1:] == ["  first only:  GET /x ", "  second only: GET /x ?"]
    assert check.differences(one, repeated)[0].startswith("requests: 3 and 4 sent; 0 only in the first, 1 only")
    assert check.differences(one, other) == ["findings: [] only in the first, ['f9'] only in the second"]


@pytest.mark.slow
def test_a_run_that_fails_is_exit_2_with_its_error(capsys: pytest.CaptureFixture[str], monkeypatch: Any) -> None:
    monkeypatch.setenv("SPEC_MIRROR", os.environ.get("SPEC_MIRROR") or str(pinned_mirror()))
    check = _script()
    assert check.main(["-k", "no_test_has_this_name"]) == 2
    err = capsys.readouterr().err
    assert "check_reproducible: run 1 exited 2" in err and "no test of the suite matched" in err
