"""The stale-example rule with history from a git clone of the docs repository (no mirror, no network)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from conformance.docs import check_page
from conformance.findings import Level

from .conftest import upstream
from .test_catalog import STALE_PAGE, _spec

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs the git command")


def _git(root: Path, *args: str, date: str = "2026-01-01T12:00:00+00:00") -> str:
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "HOME": str(root),
        "PATH": "/usr/bin:/bin",
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    return subprocess.run(["git", *args], cwd=root, env=env, capture_output=True, text=True, check=True).stdout


def _write(root: Path, path: str, value: Any) -> None:
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(value if isinstance(value, str) else json.dumps(value, indent=1))
    _git(root, "add", path)


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """acme/docs: page and spec written on March 3; the spec renamed and changed on April 22."""
    root = tmp_path / "docs"  # a clone of acme/docs is a folder named docs
    root.mkdir()
    _git(root, "init", "-q", "-b", "main")
    _write(root, "specs/v1/chat.json", _spec(False))
    _write(root, "pages/stale.md", STALE_PAGE)
    _git(root, "commit", "-q", "-m", "docs: chat page", date="2026-03-03T10:00:00+00:00")
    _git(root, "mv", "specs/v1/chat.json", "specs/chat.json")
    _write(root, "specs/chat.json", _spec(True))
    _git(root, "commit", "-q", "-m", "feat: usage is required", date="2026-04-22T10:00:00+00:00")
    return root


def test_stale_example_from_the_git_history_of_a_clone(clone: Path, offline: None) -> None:
    result = check_page(clone / "pages" / "stale.md", upstream=upstream(), catalog_root=clone, display="stale.md")
    by_rule = {f.rule_id: f for f in result.findings}
    assert sorted(by_rule) == ["doc-example-schema", "doc-example-stale"]
    stale = by_rule["doc-example-stale"]
    assert (stale.level, stale.pointer) == (Level.WARNING, "/usage")
    new = _git(clone, "rev-parse", "HEAD").strip()
    assert stale.message.endswith(
        "it matched v1/chat.json as of the page's last edit (2026-03-03, "
        f"{_git(clone, 'rev-parse', 'HEAD~1').strip()[:7]}); the spec changed since: {new[:7]} (2026-04-22, "
        '"feat: usage is required")'
    )
    assert stale.evidence == new


def test_a_page_edited_after_the_spec_change_is_not_stale(clone: Path, offline: None) -> None:
    _write(clone, "pages/stale.md", STALE_PAGE + "\nEdited.\n")
    _git(clone, "commit", "-q", "-m", "docs: touch", date="2026-05-01T10:00:00+00:00")
    result = check_page(clone / "pages" / "stale.md", upstream=upstream(), catalog_root=clone, display="stale.md")
    assert "doc-example-stale" not in {f.rule_id for f in result.findings}
    assert "/usage" in {f.pointer for f in result.findings if f.rule_id == "doc-example-schema"}


def test_outside_a_clone_there_is_no_stale_verdict(clone: Path, tmp_path: Path, offline: None) -> None:
    plain = tmp_path / "plain" / "docs"
    shutil.copytree(clone, plain, ignore=shutil.ignore_patterns(".git"))
    result = check_page(plain / "pages" / "stale.md", upstream=upstream(), catalog_root=plain, display="stale.md")
    assert {f.rule_id for f in result.findings} == {"doc-example-schema"}
