"""The one report pipeline: typed findings, one JSON schema, every format, the baseline for every command, and
one writer of stdout and report files. (Rules here are unregistered copies: the registry is not touched.)"""

from __future__ import annotations

import ast
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from report_schema import assert_valid_report

from conformance.cli import main
from conformance.drift.report import drift_report
from conformance.findings import Fault, Finding, Level, Rule
from conformance.locations import DocLine, ExchangePath, OperationPath, RunScope, SpecPointer, location_from_text
from conformance.report import Destinations, Report, Step, emit, render

from .helpers import DATA, REPO

DEFECTS = str(DATA / "chat_published_like.json")

SPEC_RULE = Rule("oas-example-invalid", Level.ERROR, Fault.SPEC, "an example does not match its schema")
DOC_RULE = Rule("doc-example-schema", Level.ERROR, Fault.DOC, "the page's example response breaks the schema")
SERVER_RULE = Rule("resp-schema-violation", Level.ERROR, Fault.SERVER, "a response body breaks the schema")


def _sample() -> list[Finding]:
    return [
        SPEC_RULE.finding(SpecPointer("chat.json", "/paths/~1v1~1chat/post"), "example: 1 is not a string"),
        DOC_RULE.finding(DocLine("gpt-5.2.md", 112, "/object"), 'object="image"', expected="chat.completion"),
        SERVER_RULE.finding(
            ExchangePath("POST /v1/chat/completions", "/choices/0/finish_reason", stream=True),
            "finish_reason: null is not one of the enum",
            kind="enum:null",
            normalised_accepts=False,
            occurrences=3,
        ),
    ]


# -- Finding: typed fields, fingerprints ------------------------------------------------------------
def test_shared_facts_are_typed_fields_not_extra_keys() -> None:
    made = SERVER_RULE.finding(
        "POST /v1/chat/completions [stream]",
        "m",
        pointer="/choices/0/delta/role",
        normalised_accepts=True,
        occurrences=2,
        extra={"keyword": "enum"},
    )
    assert made.at == ExchangePath("POST /v1/chat/completions", "/choices/0/delta/role", stream=True)
    assert (made.normalised_accepts, made.occurrences, made.fault) == (True, 2, Fault.SERVER)
    assert dict(made.extra) == {"keyword": "enum"}
    drift = Rule("drift-enum-narrowed", Level.ERROR, Fault.DRIFT, "an enum lost values").finding(
        "POST /v1/chat/completions, POST /chat/completions",
        "enum narrowed",
        pointer="/requestBody/model",
        direction="request",
        change="enum:-b",
        names=["model"],
    )
    assert drift.at == OperationPath(("POST /v1/chat/completions", "POST /chat/completions"), "/requestBody/model")
    assert (drift.direction, drift.change, drift.names, drift.extra) == ("request", "enum:-b", ("model",), ())
    with pytest.raises(ValueError, match="normalised_accepts are typed fields of Finding"):
        SERVER_RULE.finding("POST /a", "m", extra={"normalised_accepts": True})


def test_a_report_of_an_older_version_is_read_into_typed_fields() -> None:
    """Raw findings written before the typed fields (``--merge-from`` of an older shard) still load."""
    old = {
        "rule_id": "resp-schema-violation",
        "level": "error",
        "source": "server",
        "location": "POST /v1/chat/completions [stream]",
        "pointer": "/choices/0/finish_reason",
        "message": "m",
        "kind": "enum:null",
        "extra": {"occurrences": 4, "normalised_accepts": False, "keyword": "enum"},
    }
    made = Finding.from_dict(old)
    assert made.at == ExchangePath("POST /v1/chat/completions", "/choices/0/finish_reason", stream=True)
    assert (made.occurrences, made.normalised_accepts, dict(made.extra)) == (4, False, {"keyword": "enum"})


def test_the_formats_the_cli_offers_are_the_formats_there_are() -> None:
    from conformance.cli import build_parser
    from conformance.report import FORMATS

    parser = build_parser()
    sub = parser._subparsers._group_actions[0].choices["lint"]  # type: ignore[union-attr]
    [fmt] = [a for a in sub._actions if a.dest == "format"]
    assert tuple(fmt.choices or ()) == FORMATS


@pytest.mark.parametrize(
    ("text", "fault", "expected"),
    [
        ("gpt-5.2.md:112", "doc", DocLine("gpt-5.2.md", 112, "/p")),
        ("000_01b4fc7a9c1f02a6.txt", "doc", DocLine("000_01b4fc7a9c1f02a6.txt", None, "/p")),
        ("POST /v1/chat/completions", "server", ExchangePath("POST /v1/chat/completions", "/p")),
        ("suite", "server", RunScope("suite", "/p")),
        ("chat.json", "spec", SpecPointer("chat.json", "/p")),
        ("spec", "drift", SpecPointer("spec", "/p")),
        ("POST /a [stream]", "spec", OperationPath(("POST /a",), "/p", stream=True)),
        ("POST /a [request]", "client", ExchangePath("POST /a", "/p", request=True)),
    ],
)
def test_text_locations_are_read_by_fault(text: str, fault: str, expected: Any) -> None:
    place = location_from_text(text, "/p", fault)
    assert place == expected
    assert place.label == text


def test_fingerprints_of_the_baseline_did_not_change() -> None:
    """Two entries of spec/baseline.json, made again from typed locations, keep their fingerprints."""
    entries = {e["fingerprint"]: e for e in json.loads((REPO / "spec" / "baseline.json").read_text())["entries"]}
    status = Rule("resp-status-undocumented", Level.ERROR, Fault.SPEC, "a status the spec does not document")
    made = status.finding(
        ExchangePath("POST /v1/chat/completions", "/responses/400"), "m", fault=Fault.SPEC, kind="400"
    )
    assert made.fingerprint in entries, made.fingerprint
    example = Rule("doc-example-undocumented-field", Level.WARNING, Fault.DOC, "an undocumented member")
    assert example.finding(DocLine("gpt-5.2.md", None, "/meta"), "m").fingerprint in entries


_LOCATIONS = st.one_of(
    st.builds(SpecPointer, st.text(min_size=1), st.text()),
    st.builds(DocLine, st.text(min_size=1), st.none() | st.integers(1, 10**6), st.text()),
    st.builds(OperationPath, st.lists(st.sampled_from(["POST /a", "GET /b"]), min_size=1).map(tuple), st.text()),
    st.builds(ExchangePath, st.sampled_from(["POST /a", "GET /b"]), st.text(), st.booleans(), st.text(), st.booleans()),
    st.builds(RunScope, st.text(min_size=1), st.text()),
)


@settings(deadline=None)  # a loaded machine is slow, not wrong
@given(
    at=_LOCATIONS,
    fault=st.sampled_from(list(Fault)),
    accepts=st.none() | st.booleans(),
    occurrences=st.integers(1, 1000),
    names=st.lists(st.text(), max_size=3),
)
def test_a_finding_survives_json(
    at: Any, fault: Fault, accepts: bool | None, occurrences: int, names: list[str]
) -> None:
    made = SPEC_RULE.finding(
        at, "m", fault=fault, normalised_accepts=accepts, occurrences=occurrences, names=names, change="c"
    )
    again = Finding.from_dict(json.loads(json.dumps(made.to_dict())))
    assert again == made
    assert again.fingerprint == made.fingerprint


# -- formats ------------------------------------------------------------------------------------------
def _report(**kw: Any) -> Report:
    findings = _sample()
    return Report("run", "t", tuple(findings), acknowledged=frozenset({findings[1].fingerprint}), **kw)


def test_json_validates_against_the_schema() -> None:
    data = json.loads(render(_report(), "json"))
    assert_valid_report(data)
    assert data["schema_version"] == 1
    assert data["summary"]["new"] == 2 and data["summary"]["acknowledged"] == 1
    by_rule = {f["rule_id"]: f for f in data["findings"]}
    assert by_rule["doc-example-schema"]["baseline"] == "acknowledged"
    assert by_rule["resp-schema-violation"]["at"] == {
        "kind": "exchange",
        "operation": "POST /v1/chat/completions",
        "pointer": "/choices/0/finish_reason",
        "stream": True,
        "request": False,
        "recorded_in": "",
    }
    assert by_rule["resp-schema-violation"]["occurrences"] == 3


@settings(deadline=None)  # a loaded machine is slow, not wrong
@given(
    at=_LOCATIONS,
    fault=st.sampled_from(list(Fault)),
    level=st.sampled_from(list(Level)),
    accepts=st.none() | st.booleans(),
    acknowledged=st.booleans(),
    command=st.sampled_from(["lint", "run", "docs", "drift", "traffic", "proxy"]),
    text=st.text(st.characters(codec=None)) | st.sampled_from(["\ud800 lone surrogate", "\x1b[31m\x00"]),
)
def test_any_report_validates_and_every_format_renders(
    at: Any, fault: Fault, level: Level, accepts: bool | None, acknowledged: bool, command: str, text: str
) -> None:
    made = SPEC_RULE.finding(at, text, fault=fault, level=level, normalised_accepts=accepts, expected=text)
    known = frozenset({made.fingerprint}) if acknowledged else frozenset()
    steps = (Step("a", "b", (made,)),) if command == "drift" else ()
    report = Report(command, text, (made,), acknowledged=known, steps=steps, meta={"x": text})
    assert_valid_report(json.loads(render(report, "json")))
    assert len(ET.fromstring(render(report, "junit")).findall("testcase")) == 1
    annotations = render(report, "github").rstrip("\n").split("\n")  # the runner reads lines by "\n" alone
    assert len(annotations) == (1 if acknowledged else 2)  # the finding (when new) and the counts notice
    assert all("\r" not in line and line.startswith("::") for line in annotations)
    for fmt in ("text", "markdown", "json", "junit", "github"):
        render(report, fmt).encode("utf-8")  # always writable


def test_junit_has_one_testcase_per_finding() -> None:
    root = ET.fromstring(render(_report(), "junit"))
    cases = root.findall("testcase")
    assert len(cases) == 3
    assert int(root.get("tests", "0")) == 3
    assert sum(1 for c in cases if c.find("failure") is not None) == 2
    assert sum(1 for c in cases if c.find("skipped") is not None) == 1  # the acknowledged one


def test_junit_stays_readable_with_control_characters_and_lone_surrogates() -> None:
    """A fuzzed or recorded body can put characters XML 1.0 cannot hold into a finding; they made the file
    unreadable (control characters) or the write fail (a lone surrogate)."""
    made = SERVER_RULE.finding(ExchangePath("POST /a", "/x"), "bad \x1b[31m value", found="\x00\ud800")
    text = render(Report("traffic", "t", (made,)), "junit")
    [case] = ET.fromstring(text.encode()).findall("testcase")
    failure = case.find("failure")
    assert failure is not None and "\\x1b[31m" in failure.get("message", "")
    assert "found: \\x00\\ud800" in (failure.text or "")


def test_github_annotations_name_file_and_line() -> None:
    findings = _sample()
    text = render(Report("docs", "t", tuple(findings)), "github")
    lines = text.splitlines()
    assert "::error file=gpt-5.2.md,line=112,title=doc-example-schema::gpt-5.2.md:112#/object: " in text
    assert any(line.startswith("::error file=chat.json,line=1,title=oas-example-invalid::") for line in lines)
    # an exchange has no file: it annotates the run; ':' and ',' in properties are escaped
    assert any(line.startswith("::error title=resp-schema-violation::POST /v1/chat/completions") for line in lines)
    assert lines[-1].startswith("::notice title=conformance docs::3 finding(s)")
    assert all(re.match(r"^::(error|warning|notice) [^:]*::", line) for line in lines)


def test_markdown_is_a_table_of_the_new_findings() -> None:
    text = render(_report(), "markdown")
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    assert rows[0] == "| level | rule | where | message | expected | found |"
    assert len(rows) == 3  # header + the two new findings
    assert "1 acknowledged in the baseline" in text


def test_drift_json_has_one_shape_for_one_step_and_for_many() -> None:
    f1, f2 = _sample()[0], _sample()[2]
    one = json.loads(render(drift_report([Step("a", "b", (f1,))], "t"), "json"))
    # the same change in two steps (as across the specs of a catalog) is listed once per step
    many = json.loads(render(drift_report([Step("a", "b", (f1,)), Step("b", "c", (f1, f2))], "t"), "json"))
    assert_valid_report(one)
    assert_valid_report(many)
    assert set(one) == set(many)
    assert [s["index"] for s in many["steps"]] == [1, 2]
    assert [(f["step"], f["rule_id"]) for f in many["findings"]] == [
        (1, f1.rule_id),
        (2, f1.rule_id),
        (2, f2.rule_id),
    ]
    assert [f["step"] for f in one["findings"]] == [1]


# -- the commands ------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["json", "junit", "github", "markdown", "text"])
def test_lint_in_every_format(fmt: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    output = tmp_path / f"lint.{fmt}"
    assert main(["lint", DEFECTS, "--format", fmt, "--output", str(output)]) == 1
    out = capsys.readouterr().out
    assert output.read_text() == out
    if fmt == "json":
        data = json.loads(out)
        assert_valid_report(data)
        assert data["command"] == "lint" and data["summary"]["total"] == 50
        assert all(f["at"]["kind"] == "spec" and f["at"]["file"] == DEFECTS for f in data["findings"])
    elif fmt == "junit":
        assert len(ET.fromstring(out).findall("testcase")) == 50
    elif fmt == "github":
        assert out.count(f"::error file={DEFECTS.replace(':', '%3A').replace(',', '%2C')},line=1,") == 5


def test_drift_json_from_the_command_validates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.drift.conftest import write
    from tests.drift.specs import request

    old = write(tmp_path / "old.json", request({"model": {"type": "string", "enum": ["a", "b"]}}))
    new = write(tmp_path / "new.json", request({"model": {"type": "string", "enum": ["a"]}}))
    assert main(["drift", old, new, "--format", "json", "--surface", str(tmp_path / "none.txt")]) == 1
    data = json.loads(capsys.readouterr().out)
    assert_valid_report(data)
    assert len(data["steps"]) == 1 and all(f["step"] == 1 for f in data["findings"])
    assert any(f["direction"] == "request" and f["change"] for f in data["findings"])


def test_drift_output_to_a_directory_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """It was exit 4 ("internal error", IsADirectoryError) after the whole comparison."""
    from tests.drift.conftest import write
    from tests.drift.specs import request

    old = write(tmp_path / "old.json", request({"model": {"type": "string"}}))
    new = write(tmp_path / "new.json", request({"model": {"type": "integer"}}))
    (tmp_path / "out").mkdir()
    assert main(["drift", old, new, "--output", str(tmp_path / "out")]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert f"--output {tmp_path / 'out'}: expected a file path, found a directory" in err
    assert "internal error" not in err and "Traceback" not in err


def test_the_baseline_acknowledges_lint_findings_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["lint", DEFECTS, "--format", "json", "--min-level", "error"]) == 1
    errors = json.loads(capsys.readouterr().out)["findings"]
    (tmp_path / "spec").mkdir()
    entries = [{k: f[k] for k in ("fingerprint", "rule_id", "location", "pointer")} | {"reason": "r"} for f in errors]
    (tmp_path / "spec" / "baseline.json").write_text(json.dumps({"entries": entries}))
    monkeypatch.setenv("CONFORMANCE_ROOT", str(tmp_path))
    assert main(["lint", DEFECTS, "--format", "json", "--min-level", "error"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["summary"]["acknowledged"] == len(errors) and data["summary"]["new"] == 0
    assert main(["lint", DEFECTS, "--min-level", "error", "--no-baseline"]) == 1
    capsys.readouterr()


def test_the_baseline_acknowledges_a_drift(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.drift.conftest import write
    from tests.drift.specs import request

    old = write(tmp_path / "old.json", request({"model": {"type": "string", "enum": ["a", "b"]}}))
    new = write(tmp_path / "new.json", request({"model": {"type": "string", "enum": ["a"]}}))
    argv = ["drift", old, new, "--surface", str(tmp_path / "none.txt")]
    monkeypatch.setenv("CONFORMANCE_ROOT", str(tmp_path))
    assert main([*argv, "--format", "json"]) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    (tmp_path / "spec").mkdir()
    entries = [{k: f[k] for k in ("fingerprint", "rule_id", "location", "pointer")} | {"reason": "r"} for f in findings]
    (tmp_path / "spec" / "baseline.json").write_text(json.dumps({"entries": entries}))
    assert main(argv) == 0
    assert f"{len(findings)} change(s) acknowledged in the baseline" in capsys.readouterr().out
    assert main([*argv, "--no-baseline"]) == 1
    capsys.readouterr()


def test_emit_writes_every_destination_before_the_verdict(tmp_path: Path) -> None:
    stream = io.StringIO()
    where = Destinations(output=tmp_path / "o.json", report_dir=tmp_path / "r", summary=tmp_path / "s.md")
    assert emit(_report(), "json", where, stream=stream) == 1
    assert (tmp_path / "o.json").read_text() == stream.getvalue()
    assert_valid_report(json.loads((tmp_path / "r" / "findings.json").read_text()))
    assert ET.fromstring((tmp_path / "r" / "junit.xml").read_text()).tag == "testsuite"
    assert (tmp_path / "r" / "summary.md").read_text() == (tmp_path / "s.md").read_text()


# -- one writer ------------------------------------------------------------------------------------------
#: modules that write to stdout what is not a finding (a listing, a port announcement, a lock update)
NOT_REPORTS = {
    "conformance/commands/rules.py",
    "conformance/commands/mock.py",
    "conformance/commands/fetch.py",
    "conformance/commands/generate.py",
    "conformance/serve/workers.py",  # the listening address, for a caller waiting on the port
    "conformance/serve/runner.py",
    "conformance/docs/catalog.py",  # flushes stdout before its progress bar on stderr
    "conformance/traffic/formats.py",  # names findings.json to skip it when reading a folder of recordings
}


def _writes(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id == "print":
                found.append(f"{path}:{node.lineno}: print()")
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "stdout"
            and isinstance(node.value, ast.Name)
            and node.value.id == "sys"
        ):
            found.append(f"{path}:{node.lineno}: sys.stdout")
        if isinstance(node, ast.Constant) and node.value in ("findings.json", "junit.xml", "summary.md"):
            found.append(f"{path}:{node.lineno}: names the report file {node.value}")
    return found


def test_only_the_report_module_writes_findings_to_stdout_or_report_files() -> None:
    assert [p for p in sorted(NOT_REPORTS) if not (REPO / p).is_file()] == [], "the list names files that moved"
    offenders = []
    for path in sorted((REPO / "conformance").rglob("*.py")):
        relative = path.relative_to(REPO).as_posix()
        if relative == "conformance/report.py" or relative in NOT_REPORTS:
            continue
        offenders += _writes(path)
    # the proxy's sink takes a stream to write to (tests pass their own); the writing is report.emit_live
    offenders = [o for o in offenders if not o.startswith(str(REPO / "conformance/proxy/"))]
    assert offenders == []


def test_the_proxy_writes_findings_only_through_the_report_module() -> None:
    for path in sorted((REPO / "conformance" / "proxy").rglob("*.py")):
        text = path.read_text()
        assert "finding_line" not in text and '.write(f"finding' not in text, path
