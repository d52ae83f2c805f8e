"""Hostile pages and linked specs for `conformance docs`: each test starts from the input that once leaked a
file into a report, hung or ran out of memory.

A relative spec link resolves inside the page's catalog or mirror root only; a link leaving it is a finding,
and the file it names is never read or quoted. Special files are refused at once; a linked spec whose
references explode when inlined is checked without inlining them.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from conformance.cli import main
from conformance.docs.specs import link_root, parse_link

DATA = Path(__file__).parent / "data"
SECRET = "AIMLAPI_KEY=sk-live-never-in-a-report"


def _page(folder: Path, link: str, name: str = "page.md") -> Path:
    """The clean fixture page with its spec link replaced by ``link``."""
    text = (DATA / "clean.md").read_text().replace("(./chat.json)", f"({link})")
    page = folder / name
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(text)
    return page


def _docs(page: Path, capsys: pytest.CaptureFixture[str], fmt: str = "markdown") -> tuple[int, str]:
    code = main(["docs", str(page), "--format", fmt, "--fail-on", "never"])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "internal error" not in err, err
    return code, out + err


@pytest.fixture
def outside_secret(tmp_path: Path) -> Path:
    secret = tmp_path / "secret.env"
    secret.write_text(SECRET + "\n")
    return secret


def test_a_relative_link_out_of_the_root_is_a_finding_and_the_file_is_not_read(
    tmp_path: Path, outside_secret: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    catalog = tmp_path / "catalog"
    (catalog / ".git").mkdir(parents=True)  # a checkout: its root is the catalog root
    page = _page(catalog / "docs" / "models", "../../../secret.env")
    code, report = _docs(page, capsys)
    assert code == 0
    assert SECRET not in report and "sk-live" not in report
    assert "doc-spec-ref-invalid" in report
    assert f"leads outside {catalog.resolve()} (the catalog or mirror root of the page)" in report
    assert "the file it names was not read" in report


def test_a_symlink_out_of_the_root_is_refused(
    tmp_path: Path, outside_secret: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    (catalog / "spec.json").symlink_to(outside_secret)
    page = _page(catalog, "./spec.json")
    _, report = _docs(page, capsys, fmt="json")
    assert SECRET not in report
    assert "leads outside" in report


def test_a_link_inside_the_root_still_works(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    catalog = tmp_path / "catalog"
    (catalog / ".git").mkdir(parents=True)
    (catalog / "specs").mkdir()
    shutil.copyfile(DATA / "chat.json", catalog / "specs" / "chat.json")
    page = _page(catalog / "docs", "../specs/chat.json")
    _, report = _docs(page, capsys, fmt="json")
    findings = json.loads(report[: report.rindex("}") + 1])["findings"]
    assert not [f for f in findings if f["rule_id"] in ("doc-spec-ref-invalid", "doc-spec-unavailable")]


def test_the_root_of_a_mirror_page_is_its_ref_folder(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror" / "aimlapi" / "api-docs"
    (mirror / "main" / "docs").mkdir(parents=True)
    (mirror / "INDEX.json").write_text("{}")
    page = mirror / "main" / "docs" / "page.md"
    assert link_root(page) == (mirror / "main").resolve()
    assert isinstance(parse_link("../../INDEX.json", page), str)  # the mirror's index is outside the ref
    assert not isinstance(parse_link("./other.json", page), str)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need POSIX")
def test_a_named_pipe_as_page_or_linked_spec_is_refused_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    os.mkfifo(tmp_path / "spec.json")
    page = _page(tmp_path, "./spec.json")
    _, report = _docs(page, capsys, fmt="json")
    assert "expected a regular file, found a named pipe" in report
    os.mkfifo(tmp_path / "pipe.md")
    assert main(["docs", str(tmp_path / "pipe.md"), "--fail-on", "never"]) == 2
    assert "pipe.md: expected a doc page file, found a special file" in capsys.readouterr().err


def _spec_with(schemas: dict[str, Any], prop: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = json.loads((DATA / "chat.json").read_text())
    spec.setdefault("components", {}).setdefault("schemas", {}).update(schemas)
    op = spec["paths"]["/v1/chat/completions"]["post"]
    body = op["requestBody"]["content"]["application/json"]["schema"]
    body.setdefault("properties", {})["extra"] = prop
    return spec


@pytest.mark.parametrize("kind", ["exploding", "recursive"])
def test_a_linked_spec_whose_references_explode_or_recurse(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    if kind == "exploding":
        schemas: dict[str, Any] = {
            f"C{i}": {
                "type": "object",
                "required": ["l", "r"],
                "properties": {
                    "l": {"$ref": f"#/components/schemas/C{i + 1}"},
                    "r": {"$ref": f"#/components/schemas/C{i + 1}"},
                },
            }
            for i in range(31)
        }
        schemas["C31"] = {"type": "string"}
        spec = _spec_with(schemas, {"$ref": "#/components/schemas/C0"})
    else:
        spec = _spec_with(
            {
                "Node": {
                    "type": "object",
                    "properties": {"children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}},
                }
            },
            {"$ref": "#/components/schemas/Node"},
        )
    (tmp_path / ".git").mkdir()
    (tmp_path / "chat.json").write_text(json.dumps(spec))
    page = _page(tmp_path, "./chat.json")
    _, report = _docs(page, capsys, fmt="json")
    findings = json.loads(report[: report.rindex("}") + 1])["findings"]
    assert not [f for f in findings if f["rule_id"] in ("doc-spec-invalid", "doc-internal-error")]
