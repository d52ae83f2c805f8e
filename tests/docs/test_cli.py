"""``conformance docs``: exit codes, formats, --output, usage errors (main([...]) with captured streams)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.cli import main

from .conftest import DATA


def test_one_page_with_findings_exits_1(capsys: pytest.CaptureFixture[str], offline: None) -> None:
    page = str(DATA / "example_image.md")
    assert main(["docs", page]) == 1
    out, err = capsys.readouterr()
    assert err == ""
    assert out.startswith(
        f"Doc checks: {page}\n\n{page}: 2 error, 1 warning\n  ERROR   doc-example-schema  {page}:12#/choices\n"
    )
    assert out.endswith("3 finding(s): 2 error, 1 warning, 0 info\n")


def test_fail_on_levels(capsys: pytest.CaptureFixture[str]) -> None:
    page = str(DATA / "sample_differs.md")  # one warning, one info
    assert main(["docs", page]) == 0
    assert main(["docs", page, "--fail-on", "warning"]) == 1
    assert main(["docs", page, "--fail-on", "info"]) == 1
    assert main(["docs", str(DATA / "example_image.md"), "--fail-on", "never"]) == 0
    capsys.readouterr()


def test_formats_and_output_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = str(DATA / "models.md")
    report = tmp_path / "out" / "docs.json"
    assert main(["docs", page, "--format", "json", "--output", str(report)]) == 1
    out, _ = capsys.readouterr()
    assert report.read_text() == out
    data = json.loads(out)
    assert data["summary"] | {"error": 2, "warning": 3, "info": 0} == data["summary"]
    assert [p["page"] for p in data["details"]["pages"]] == [page]
    assert main(["docs", page, "--format", "markdown"]) == 1
    out, _ = capsys.readouterr()
    assert out.startswith(f"## Doc checks: {page}\n")
    assert "| `doc-model-not-in-spec` | error | 1 |" in out


def test_several_pages_and_a_skipped_one(capsys: pytest.CaptureFixture[str]) -> None:
    pages = [str(DATA / "clean.md"), str(DATA / "no_spec.md"), str(DATA / "swagger.md")]
    assert main(["docs", *pages, "--jobs", "2"]) == 0
    out, _ = capsys.readouterr()
    assert out.startswith(
        "Doc checks: 3 pages\n\nSummary\n  pages                                    3\n"
        "  validated against a spec                 2\n"
    )
    assert f"    {pages[1]}: no API-schema block" in out


def test_catalog_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("clean.md", "chat.json", "example_image.md", "no_spec.md"):
        (tmp_path / name).write_bytes((DATA / name).read_bytes())
    assert main(["docs", "--catalog", str(tmp_path), "--no-progress", "--format", "json"]) == 1
    out, err = capsys.readouterr()
    assert err == ""  # no progress bar when stderr is not a terminal
    catalog = json.loads(out)["details"]["catalog"]
    assert (catalog["pages"], catalog["checked"], catalog["skipped"], catalog["pages_with_errors"]) == (3, 2, 1, 1)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["docs"], "expected doc page file(s) or --catalog DIR (one of the two), found neither"),
        (["docs", "x.md", "--catalog", "."], "expected doc page file(s) or --catalog DIR (one of the two), found both"),
        (["docs", "no/such/page.md"], "no/such/page.md: expected a doc page file, found no such file"),
        (
            ["docs", "--catalog", "no/such/dir"],
            "--catalog no/such/dir: expected a directory of doc pages, found nothing",
        ),
        (["docs", "--jobs", "0", "x.md"], "--jobs: expected a positive number, found 0"),
        (["docs", "x.md", "--mirror", "no/such/mirror"], "expected a directory laid out as <repo>/<ref>/<path>"),
    ],
)
def test_usage_errors_exit_2(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    _, err = capsys.readouterr()
    assert err.startswith("conformance docs: error: ")
    assert message in err
    assert "Traceback" not in err


def test_directory_given_as_page(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["docs", str(DATA)]) == 2
    _, err = capsys.readouterr()
    assert "expected a doc page file, found a directory" in err and "use --catalog DIR" in err
