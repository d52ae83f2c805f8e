"""Hostile recordings: special files, alias bombs, deep nesting, endless lines get exit 2 at once, no traceback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conformance.cli import main


def _traffic(path: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> tuple[int, str]:
    code = main(["traffic", str(path), "--report-dir", str(tmp_path / "reports")])
    err = capsys.readouterr().err
    return code, err


def test_special_files_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    for path in (Path("/dev/zero"), fifo):
        code, err = _traffic(path, capsys, tmp_path)
        assert code == 2 and "special file" in err and "Traceback" not in err


def test_a_yaml_alias_bomb_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [
        f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, "
        f"*a{i - 1}, *a{i - 1}, *a{i - 1}]"
        for i in range(1, 9)
    ]
    lines.append("interactions: *a8")
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("\n".join(lines) + "\n")
    code, err = _traffic(bomb, capsys, tmp_path)
    assert code == 2 and "alias" in err


def test_deep_nesting_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    deep = tmp_path / "deep.jsonl"
    deep.write_text('{"request": ' + "[" * 100_000 + "]" * 100_000 + "}\n")
    code, err = _traffic(deep, capsys, tmp_path)
    assert code == 2 and "nest" in err
    har = tmp_path / "deep.har"
    har.write_text('{"log": {"entries": ' + "[" * 100_000 + "]" * 100_000 + "}}")
    code, err = _traffic(har, capsys, tmp_path)
    assert code == 2 and "nest" in err


def test_an_endless_line_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from conformance.traffic import formats

    monkeypatch.setattr(formats, "MAX_LINE_BYTES", 1024)
    long = tmp_path / "long.jsonl"
    long.write_bytes(b'{"request": "' + b"x" * 10_000)
    code, err = _traffic(long, capsys, tmp_path)
    assert code == 2 and "lines of at most 1024 bytes" in err


def test_a_run_report_folder_is_read_as_its_recorded_exchanges(tmp_path: Path) -> None:
    from conformance.traffic.formats import expand

    raw = tmp_path / "reports" / "raw"
    raw.mkdir(parents=True)
    for name in ("findings-main.jsonl", "state-main.json", "exchanges-main.jsonl"):
        (raw / name).write_text("{}\n")
    (tmp_path / "reports" / "findings.json").write_text("{}")
    assert [p.name for p in expand([tmp_path / "reports"])] == ["exchanges-main.jsonl"]
