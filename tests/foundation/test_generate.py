"""`regenerate()`: the typed client from the normalised spec, deterministic, checked, swapped in only when good.

Runs in a copy of the project layout (CONFORMANCE_ROOT), never in the real generated/.
"""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from conformance.cli import main
from conformance.errors import EXIT_UPSTREAM, GenerateError
from conformance.generate import MAX_NAME, PACKAGE, PROJECT, check_client, regenerate
from conformance.load.specs import load_spec

from .helpers import MIRROR, REPO, make_project, snapshot

pytestmark = pytest.mark.slow


@pytest.fixture
def copy_of_generated(generated: SimpleNamespace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project whose generated/ already holds the session's client and summary (the 'previous' state)."""
    root = make_project(tmp_path / "project")
    shutil.copytree(generated.package.parent, root / "generated" / PROJECT)
    shutil.copyfile(generated.surface, root / "spec" / "client-surface.txt")
    monkeypatch.setenv("CONFORMANCE_ROOT", str(root))
    monkeypatch.setenv("CONFORMANCE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("SPEC_MIRROR", str(MIRROR))
    return root


def _state(root: Path) -> dict[str, bytes]:
    surface = root / "spec" / "client-surface.txt"
    return {**snapshot(root / "generated"), "spec/client-surface.txt": surface.read_bytes()}


def test_regenerate_builds_the_package(generated: SimpleNamespace) -> None:
    package = generated.package
    assert generated.result.package_dir == package
    for part in (
        "__init__.py",
        "client.py",
        "py.typed",
        "api/chat/create_chat_completion.py",
        "api/chat/create_chat_completion_unversioned.py",
        "models/chat_completion.py",
        "models/create_chat_completion_request.py",
        "models/error_response.py",
    ):
        assert (package / part).is_file(), part
    assert generated.surface.read_text() == generated.result.surface
    leftovers = [p.name for p in (generated.root / "generated").iterdir() if p.name.startswith((".staging", ".old"))]
    assert leftovers == []
    # the session's project lives under a directory whose name looks like generator warnings; the
    # generator's "Generating <dir>" line must not be taken for one
    assert "error-warning-cannot" in str(package)


def test_the_committed_surface_summary_is_current(generated: SimpleNamespace) -> None:
    committed = (REPO / "spec" / "client-surface.txt").read_text()
    assert generated.result.surface == committed, (
        "spec/client-surface.txt is stale: run `conformance generate` and commit the summary"
    )


def test_two_runs_give_byte_identical_trees(
    copy_of_generated: Path, generated: SimpleNamespace, capsys: pytest.CaptureFixture[str]
) -> None:
    """The second run (through `conformance generate`) rewrites the same bytes and says the surface is unchanged."""
    before = _state(copy_of_generated)
    assert before == {
        **snapshot(generated.root / "generated"),
        "spec/client-surface.txt": generated.surface.read_bytes(),
    }
    assert main(["generate"]) == 0
    assert _state(copy_of_generated) == before
    package = copy_of_generated / "generated" / PROJECT / PACKAGE
    models = generated.result.surface.count("\nmodel ") + 1
    assert capsys.readouterr().out == (
        f"generated {package} ({models} models)\nclient surface unchanged (spec/client-surface.txt)\n"
    )


def test_surface_lists_models_fields_and_operations(generated: SimpleNamespace) -> None:
    lines = generated.result.surface.splitlines()
    assert "model ChatCompletion" in lines
    assert "  field ChatCompletion.choices: list[Choice]" in lines
    assert "  field ChatCompletion.created: int" in lines
    assert "  field ChatCompletionMessage.content: None | str" in lines
    assert "  field CompletionUsage.total_tokens: int" in lines
    assert (
        "operation api.chat.create_chat_completion.sync(client: AuthenticatedClient | Client, "
        "body: CreateChatCompletionRequest) -> ChatCompletion | ErrorResponse | None  "
        "[POST /v1/chat/completions]"
    ) in lines
    assert generated.result.surface.count("\nmodel ") + 1 >= 50


def test_no_generated_name_is_longer_than_40_characters(generated: SimpleNamespace) -> None:
    surface = generated.result.surface
    names = re.findall(r"^(?:model|literal) (\w+)", surface, re.M)
    assert len(names) > 50
    assert [n for n in names if len(n) > MAX_NAME] == []
    for module in sorted((generated.package / "models").glob("*.py")):
        tree = ast.parse(module.read_text())
        defined = [node.name for node in tree.body if isinstance(node, ast.ClassDef)]
        defined += [
            t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets if isinstance(t, ast.Name)
        ]
        assert [n for n in defined if len(n) > MAX_NAME] == [], module.name
        assert len(module.stem) <= 60, module.name
    assert check_client(generated.package) == []


def test_both_aliases_share_one_model_set(generated: SimpleNamespace) -> None:
    returns = re.findall(
        r"^operation api\.chat\.(\w+)\.sync\(.*\) -> (.*?)  \[(POST [^\]]+)\]", generated.result.surface, re.M
    )
    assert returns == [
        ("create_chat_completion", "ChatCompletion | ErrorResponse | None", "POST /v1/chat/completions"),
        ("create_chat_completion_unversioned", "ChatCompletion | ErrorResponse | None", "POST /chat/completions"),
    ]
    models = re.findall(r"^model (\w+)", generated.result.surface, re.M)
    assert len(models) == len(set(models))
    positional = [m for m in models if re.search(r"Type\d|Item\b|V1Chat|ChatCompletions", m)]
    assert positional == []


def _break_config(root: Path) -> None:
    (root / "generated" / "config.yaml").write_text("literal_enums: [not, a, bool]\n")


def _drop_an_operation(root: Path) -> None:
    overlay = root / "spec" / "overlay.yaml"
    overlay.write_text(
        overlay.read_text()
        + """
- target: $.paths['/chat/completions'].post.requestBody.content['application/json']
  description: (test) the alias accepts only a body the generator cannot read
  x-rule: oas-invalid
  x-kind: cosmetic
  remove: true
- target: $.paths['/chat/completions'].post.requestBody.content
  description: (test) the alias accepts only a body the generator cannot read
  x-rule: oas-invalid
  x-kind: cosmetic
  update:
    application/xml:
      schema:
        type: string
"""
    )


def _long_names(root: Path) -> None:
    config = root / "generated" / "config.yaml"
    config.write_text(config.read_text().split("class_overrides:")[0])


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        (_break_config, "openapi-python-client failed or warned (exit 2):"),
        (
            _long_names,
            "the generated client is not acceptable:\n"
            "  name ChatCompletionContentPartRefusalParamType has 41 characters (at most 40)\n",
        ),
    ],
    ids=["invalid-config", "names-too-long"],
)
def test_a_failed_generation_leaves_the_previous_client(
    copy_of_generated: Path, breakage: object, expected: str
) -> None:
    before = _state(copy_of_generated)
    breakage(copy_of_generated)  # type: ignore[operator]
    with pytest.raises(GenerateError) as caught:
        regenerate(load_spec("normalised"))
    assert caught.value.message.startswith(expected)
    assert caught.value.exit_code == EXIT_UPSTREAM
    _assert_untouched(copy_of_generated, before)


def test_a_dropped_operation_fails_the_cli_with_exit_3(
    copy_of_generated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _state(copy_of_generated)
    _drop_an_operation(copy_of_generated)
    assert main(["generate"]) == 3
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "conformance generate: error: openapi-python-client failed or warned (exit 0):\n"
        "Warning(s) encountered while generating. Client was generated, but some pieces may be missing\n"
        "WARNING parsing POST /chat/completions within chat. Endpoint will not be generated.\n"
        "  hint: a warning means an operation or model was dropped; fix the overlay\n"
    )
    _assert_untouched(copy_of_generated, before)


def _assert_untouched(root: Path, before: dict[str, bytes]) -> None:
    after = _state(root)
    assert after.pop("config.yaml") is not None and before.pop("config.yaml") is not None  # the broken input
    assert after == before
    assert not any(p.name.startswith((".staging", ".old")) for p in (root / "generated").iterdir())
