"""Regenerate the typed client (openapi-python-client) from the normalised spec.

Steps: normalise -> write the spec to the cache -> run the generator (with the custom
templates of ``generated/templates/``) into a staging directory -> format it -> check it
(names, shared models, warnings) -> swap it into ``generated/`` -> write the client surface
summary. A failure at any step leaves the previous client and summary untouched; two runs on
the same input give identical bytes.

The output is an installable project (``generated/gpt52-client/``: ``pyproject.toml`` and the
package ``gpt52_client``), installed into the venv by ``make setup`` (``pip install -e``). The
hand-written client lives apart, in ``client/`` (package ``gpt52``), and imports it by name.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import attrs

from conformance import paths
from conformance.errors import GenerateError
from conformance.inputs import dumps_spec
from conformance.report import atomic_write

PACKAGE = "gpt52_client"
#: the generated project's folder under ``generated/`` (``pyproject.toml`` + the package)
PROJECT = "gpt52-client"
#: the generator's project metadata: pdm-backend writes a standard ``[project]`` table, installable with pip
META = "pdm"
TEMPLATES = "templates"
MAX_NAME = 40
# generator output lines that mean something was dropped or could not be generated
_BAD_OUTPUT = re.compile(r"(?i)(warning|unable to|could not|cannot|skipping|error)")


@attrs.frozen
class GenerateResult:
    package_dir: Path
    surface: str
    surface_changed: bool
    previous_surface: str


def _run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env, check=False)


def _format(package_dir: Path) -> None:
    """ruff (fix + format) for readable, stable output; skipped when ruff is not installed."""
    for args in (
        ["check", "--fix-only", "--quiet", "--exit-zero", "--no-cache", "--isolated", "."],
        ["format", "--quiet", "--no-cache", "--isolated", "."],
    ):
        result = _run([sys.executable, "-m", "ruff", *args], package_dir)
        if result.returncode != 0 and "No module named ruff" in result.stderr:
            return


def package_dir(project: Path) -> Path:
    """The importable package inside a generated project folder."""
    return project / PACKAGE


def generate_into(spec: dict[str, Any], staging: Path, config: Path) -> Path:
    """Generate the project into ``staging/gpt52-client``; returns its package folder (``.../gpt52_client``).

    Templates in ``templates/`` beside ``config`` replace the generator's own of the same name.
    """
    spec_file = staging / "normalised.json"
    spec_file.write_text(dumps_spec(spec))
    project = staging / PROJECT
    templates = config.parent / TEMPLATES
    custom = ["--custom-template-path", str(templates)] if templates.is_dir() else []
    result = _run(
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(spec_file),
            "--config",
            str(config),
            "--meta",
            META,
            *custom,
            "--output-path",
            str(project),
        ],
        staging,
    )
    out = package_dir(project)
    output = (result.stdout + result.stderr).strip()
    # the generator names its output directory ("Generating <dir>"): a path is not a warning
    problems = [
        line
        for line in output.splitlines()
        if _BAD_OUTPUT.search(line.replace(str(out), "<output>").replace(str(staging), "<staging>"))
    ]
    if result.returncode != 0 or problems or not (out / "__init__.py").is_file():
        detail = "\n".join(problems or output.splitlines()[-15:])
        raise GenerateError(
            f"openapi-python-client failed or warned (exit {result.returncode}):\n{detail}",
            hint="a warning means an operation or model was dropped; fix the overlay",
        )
    _format(out)
    (out / "py.typed").write_text("# Marker file for PEP 561\n")
    return out


def _annotation(node: ast.expr | None) -> str:
    return ast.unparse(node) if node is not None else "?"


def surface(package_dir: Path) -> str:
    """A small, sorted summary of the client's public surface: models, fields, types, operations."""
    lines: list[str] = []
    for module in sorted((package_dir / "models").glob("*.py")):
        if module.name == "__init__.py":
            continue
        tree = ast.parse(module.read_text())
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                lines.append(f"model {node.name}")
                for item in node.body:
                    if (
                        isinstance(item, ast.AnnAssign)
                        and isinstance(item.target, ast.Name)
                        and not item.target.id.startswith("_")
                    ):
                        lines.append(f"  field {node.name}.{item.target.id}: {_annotation(item.annotation)}")
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Subscript | ast.BinOp):
                text = ast.unparse(node.value)
                if text.startswith("Literal["):
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            lines.append(f"literal {target.id} = {text}")
    for module in sorted((package_dir / "api").rglob("*.py")):
        if module.name == "__init__.py":
            continue
        tree = ast.parse(module.read_text())
        url = re.search(r'"url": "([^"]+)"', module.read_text())
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not node.name.startswith("_"):
                args = ", ".join(f"{a.arg}: {_annotation(a.annotation)}" for a in node.args.kwonlyargs)
                returns = _annotation(node.returns)
                rel = module.relative_to(package_dir).with_suffix("").as_posix().replace("/", ".")
                lines.append(f"operation {rel}.{node.name}({args}) -> {returns}  [POST {url.group(1) if url else '?'}]")
    return "\n".join(lines) + "\n"


def check_client(package_dir: Path) -> list[str]:
    """What a user would call broken: long names, a model duplicated for the two path aliases."""
    problems: list[str] = []
    text = surface(package_dir)
    for name in re.findall(r"^(?:model|literal) (\w+)", text, re.M):
        if len(name) > MAX_NAME:
            problems.append(f"name {name} has {len(name)} characters (at most {MAX_NAME})")
    models = re.findall(r"^model (\w+)", text, re.M)
    for name in models:
        if re.search(r"(Type\d|Item|V1Chat|ChatCompletions\w*Response)", name):
            problems.append(f"model {name} is named by position, not by meaning")
    returns = set(re.findall(r"^operation api\.chat\.\w+\.sync\(.*\) -> (.*?)  \[", text, re.M))
    if len(returns) > 1:
        problems.append(f"the path aliases return different models: {sorted(returns)}")
    return problems


def regenerate(spec: dict[str, Any], *, check: bool = True) -> GenerateResult:
    """Generate the client from ``spec`` (the normalised spec, handed over by the CLI)."""
    target_root = paths.generated_dir()
    config = target_root / "config.yaml"
    if not config.is_file():
        raise GenerateError(f"{config}: no generator configuration")
    final = target_root / PROJECT
    surface_file = paths.surface_path()
    previous = surface_file.read_text() if surface_file.is_file() else ""
    target_root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=target_root))
    try:
        built = generate_into(spec, staging, config)
        project = built.parent
        if check:
            problems = check_client(built)
            if problems:
                raise GenerateError("the generated client is not acceptable:\n  " + "\n  ".join(problems))
        summary = surface(built)
        atomic_write(paths.cache_dir() / "normalised.json", (staging / "normalised.json").read_text())
        backup = target_root / f".old-{os.getpid()}"
        if final.exists():
            os.replace(final, backup)
        os.replace(project, final)
        shutil.rmtree(backup, ignore_errors=True)
        atomic_write(surface_file, summary)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return GenerateResult(package_dir(final), summary, summary != previous, previous)
