"""The CI workflows validate (actionlint when installed, else the structural check) and do what they promise."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import yaml
from scripts_loader import load_script

from .conftest import REPO, specs_of


def _script() -> ModuleType:
    return load_script("lint_workflows")


def test_workflows_lint_clean(capsys: Any) -> None:
    assert _script().main([]) == 0, capsys.readouterr().out


def test_structural_fallback_names_problems(tmp_path: Path, capsys: Any, monkeypatch: Any) -> None:
    script = _script()
    monkeypatch.setattr(script, "find_actionlint", lambda: None)
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  a:\n    steps:\n      - name: nothing\n")
    assert script.main([str(bad)]) == 1
    out = capsys.readouterr().out
    assert "ran the structural YAML check only" in out
    assert "job a: expected 'runs-on' (or a reusable 'uses'), found neither" in out
    assert "job a step 1: expected 'uses' or 'run'" in out
    assert script.main([]) == 0


def _workflow(name: str) -> dict[Any, Any]:
    data: dict[Any, Any] = yaml.safe_load((REPO / ".github" / "workflows" / name).read_text())
    return data


def _runs(workflow: dict[Any, Any]) -> str:
    return "\n".join(str(step.get("run", "")) for job in workflow["jobs"].values() for step in job["steps"])


def test_contract_workflow_runs_tests_and_conformance() -> None:
    workflow = _workflow("contract.yml")
    assert set(workflow[True]) == {"push", "pull_request"}
    runs = _runs(workflow)
    assert "make test" in runs and "make conform" in runs
    assert 'cat reports/summary.md >> "$GITHUB_STEP_SUMMARY"' in runs


def test_drift_workflow_is_scheduled_and_keys_issues_by_fingerprint() -> None:
    workflow = _workflow("drift.yml")
    assert set(workflow[True]) == {"schedule", "workflow_dispatch"}
    assert workflow["permissions"]["issues"] == "write"
    runs = _runs(workflow)
    assert "conformance drift" in runs and "--summary reports/drift.md" in runs
    assert "drift-fingerprint" in runs and "in:title" in runs and "gh issue create" in runs


def test_drift_workflow_watches_the_family_with_one_issue_per_fingerprint() -> None:
    workflow = _workflow("drift.yml")
    steps = [s for job in workflow["jobs"].values() for s in job["steps"]]
    [family] = [s for s in steps if "--family" in str(s.get("run", ""))]
    assert "--catalog" in family["run"] and '--since "$pin"' in family["run"]
    assert family["env"]["GITHUB_TOKEN"] == "${{ github.token }}"
    [issues] = [s for s in steps if "gh issue create" in str(s.get("run", ""))]
    assert "reports/family-fingerprints.txt" in issues["run"] and "PIN_FINGERPRINT" in issues["env"]


def test_family_catalog_at_the_pin(mirror: Path, capsys: Any) -> None:
    import json

    from conformance.cli import main

    lock = json.loads((REPO / "spec" / "lock.json").read_text())
    rc = main(
        [
            "drift",
            "--catalog",
            lock["repo"],
            "--family",
            "--since",
            lock["commit"],
            "--mirror",
            str(mirror),
            "--format",
            "json",
            "--fail-on",
            "never",
        ]
    )
    payload = json.loads(capsys.readouterr().out)
    assert rc == 0
    names = {s["path"].rsplit("/", 1)[-1]: s for s in specs_of(payload)}
    assert set(names) == {
        "gpt-5-2-openai.json",
        "gpt-5-2.json",
        "gpt-5-2-chat-latest.json",
        "gpt-5-2-pro.json",
        "gpt-5-2-codex.json",
    }
    assert names["gpt-5-2-openai.json"]["status"] == "unchanged"
    assert names["gpt-5-2.json"]["status"] == "changed"
    # the workflow's jq reads the specs where the report has them
    assert ".details.specs[]" in (REPO / ".github" / "workflows" / "drift.yml").read_text()
    assert all("fingerprint" in s and "path" in s for s in payload["details"]["specs"])
    # reproduce lines name the mirror's version of each file, and give the same fingerprint
    capsys.readouterr()
    args = names["gpt-5-2.json"]["reproduce"].split()[2:]
    assert main(["drift", *args, "--mirror", str(mirror), "--format", "json", "--fail-on", "never"]) == 0
    assert json.loads(capsys.readouterr().out)["meta"]["fingerprint"] == names["gpt-5-2.json"]["fingerprint"]


def test_live_workflow_takes_the_key_from_a_secret() -> None:
    workflow = _workflow("live.yml")
    assert set(workflow[True]) == {"workflow_dispatch"}
    [step] = [s for s in workflow["jobs"]["shard"]["steps"] if "AIMLAPI_KEY" in s.get("env", {})]
    assert step["env"]["AIMLAPI_KEY"] == "${{ secrets.AIMLAPI_KEY }}"
    assert "--target live" in step["run"]
    merge = workflow["jobs"]["merge"]
    assert all("AIMLAPI_KEY" not in str(s.get("env", {})) for s in merge["steps"]), "the merge needs no key"


def test_live_workflow_shards_cover_the_suite_and_merge_into_one_report() -> None:
    workflow = _workflow("live.yml")
    shards = workflow["jobs"]["shard"]["strategy"]["matrix"]["shard"]
    runs = "\n".join(s.get("run", "") for s in workflow["jobs"]["shard"]["steps"])
    assert f'--shard "$SHARD/{len(shards)}"' in runs and shards == list(range(len(shards)))
    assert workflow["jobs"]["merge"]["needs"] == "shard"
    merge_runs = "\n".join(s.get("run", "") for s in workflow["jobs"]["merge"]["steps"])
    assert "--merge-from" in merge_runs and "--report-dir reports" in merge_runs


def test_docs_table_lists_every_drift_rule() -> None:
    from conformance.drift.report import LABELS
    from conformance.drift.rules import DRIFT_RULES

    text = (REPO / "docs" / "drift.md").read_text()
    for rule in DRIFT_RULES.values():
        assert f"| `{rule.id}` | {LABELS[rule.rule.level]} | {rule.direction} | {rule.rule.summary} |" in text, rule.id
