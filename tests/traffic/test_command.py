"""``conformance traffic`` end to end: reports, exit codes, counts, secrets, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from report_schema import assert_valid_report

from conformance.cli import main
from tests.traffic import samples


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["traffic", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("name", "text"),
    [("c.yaml", samples.vcr_yaml("gzip", defect=True)), ("t.har", samples.har(defect=True))],
    ids=["vcr-gzip", "har"],
)  # the gzip bytes carry a time: ids must not (xdist)
def test_a_defect_in_a_recording_is_reported_with_run_reports_and_exit_1(
    spec_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, text: str
) -> None:
    recording = tmp_path / name
    recording.write_text(text)
    reports = tmp_path / "reports"
    code, out, _ = _run(capsys, str(recording), "--report-dir", str(reports))
    assert code == 1
    assert "3 recorded exchange(s): 2 chat completion(s) checked (1 streamed), 1 for other endpoints skipped" in out
    data = json.loads((reports / "findings.json").read_text())
    created = [f for f in data["findings"] if f["rule_id"] == "resp-schema-violation" and f["pointer"] == "/created"]
    assert created and created[0]["fault"] == "server"
    assert created[0]["at"]["recorded_in"] == f"{name}#0"
    assert "api.example.com" in created[0]["evidence"]
    assert data["meta"]["traffic"]["chat_completions"] == 2
    assert (reports / "junit.xml").is_file()
    assert "### Recorded traffic" in (reports / "summary.md").read_text()
    # nothing was generated: no generation inputs, in the JSON or in the summary
    assert "generation" not in data["meta"] and "Generated with" not in (reports / "summary.md").read_text()
    everything = out + "".join(p.read_text() for p in reports.iterdir() if p.is_file())
    assert samples.KEY not in everything and "cookie-secret" not in everything


def test_clean_recording_exits_0_and_says_how_many_requests_were_partial(
    spec_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recording = tmp_path / "pairs.jsonl"
    recording.write_text(samples.pairs_jsonl())
    code, out, _ = _run(
        capsys, str(recording), "--report-dir", str(tmp_path / "r"), "--spec", "normalised", "--fail-on", "error"
    )
    assert "4 chat completion(s) checked (2 streamed)" in out
    assert "2 chat completion(s) with a request not recorded or recorded in part" in out
    data = json.loads((tmp_path / "r" / "findings.json").read_text())
    assert data["meta"]["traffic"]["request_incomplete"] == 2
    deciding = [f for f in data["findings"] if f["level"] == "error" and f["fault"] == "server"]
    assert code == (1 if deciding else 0)


def test_json_format_and_a_folder_of_recordings(
    spec_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "recs"
    folder.mkdir()
    (folder / "a.yaml").write_text(samples.vcr_yaml(defect=True))
    (folder / "b.har").write_text(samples.har())
    (folder / "notes.txt").write_text("ignored: not a recording's name")
    code, out, _ = _run(capsys, str(folder), "--report-dir", str(tmp_path / "r"), "--format", "json")
    data = json.loads(out)
    assert_valid_report(data)
    assert data["command"] == "traffic" and all(f["at"]["kind"] == "exchange" for f in data["findings"])
    assert code == 1 and data["meta"]["traffic"]["files"] == 2 and data["meta"]["traffic"]["exchanges"] == 6


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "no such file or folder"),
        ("hello: world\n", "expected a VCR cassette"),
        ('{"log": {"entries": [{"request": 1}]}}', "log.entries[0]: expected request.url"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message_and_no_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, expected: str
) -> None:
    path = tmp_path / "input.json"
    if content is not None:
        path.write_text(content)
    code, out, err = _run(capsys, str(path), "--report-dir", str(tmp_path / "r"))
    assert code == 2
    assert expected in err and "Traceback" not in err + out


def test_real_cassettes_are_all_checked(
    spec_env: Path, cassettes: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(capsys, str(cassettes), "--report-dir", str(tmp_path / "r"))
    assert code in (0, 1), err
    assert "64 file(s), 91 recorded exchange(s): 90 chat completion(s) checked (19 streamed), 1 for other" in out
    text = (tmp_path / "r" / "findings.json").read_text()
    assert "__cf_bm" not in text and "_cfuvid" not in text


def test_spec_faults_decide_the_exit_code_only_when_asked_as_for_run(
    spec_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a stream as OpenAI-compatible servers send it: only the published chunk schema objects (a spec defect)
    recording = tmp_path / "stream.jsonl"
    recording.write_text(
        json.dumps(
            {
                "request": {**samples.REQUEST, "stream": True},
                "response": {"status": 200, "events": [*samples.CHUNKS, "[DONE]"]},
            }
        )
        + "\n"
    )
    code, out, _ = _run(capsys, str(recording), "--report-dir", str(tmp_path / "r"), "--no-baseline")
    sources = {f["fault"] for f in json.loads((tmp_path / "r" / "findings.json").read_text())["findings"]}
    assert sources == {"spec"} and code == 0
    assert "exit code decided by findings of source server" in out
    code, _, _ = _run(
        capsys, str(recording), "--report-dir", str(tmp_path / "r"), "--no-baseline", "--fail-on-source", "all"
    )
    assert code == 1
    code, _, err = _run(capsys, str(recording), "--report-dir", str(tmp_path / "r"), "--fail-on-source", "nobody")
    assert code == 2 and "--fail-on-source" in err


def test_an_answer_whose_body_was_not_kept_is_counted_not_judged(
    spec_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    har = json.loads(samples.har())
    stream = har["log"]["entries"][1]["response"]["content"]
    stream.update(text="", size=2048)  # what Chrome keeps of an event stream
    del stream["encoding"]
    path = tmp_path / "chrome.har"
    path.write_text(json.dumps(har))
    code, out, _ = _run(capsys, str(path), "--report-dir", str(tmp_path / "r"), "--no-baseline")
    assert "1 chat completion(s) checked (0 streamed)" in out
    assert "1 chat completion(s) whose response body was not recorded: not checked" in out
    findings = json.loads((tmp_path / "r" / "findings.json").read_text())["findings"]
    assert not any("stream" in f["location"] for f in findings) and code == 0
