"""Hostile specs for the spec readers (lint, normalise, generate, fetch, mock --spec): each test starts from
the input that once hung, ran out of memory, fetched, leaked or crashed.

Every refusal is exit 2 with a sentence that says what was expected and what was found; nothing is fetched
or read beyond the file that was named.
"""

from __future__ import annotations

import copy
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.cli import main
from conformance.errors import SpecError
from conformance.load.parse import load_spec_file
from conformance.oas import Validator, deref, inlined_size, schema_for_instance
from conformance.safeload import expanded_size, read_regular_file

from .helpers import DATA, MIRROR, REPO, SPEC_PATH, SPEC_REPO, fixed_spec, hits, make_project, sha256

sys.path.insert(0, str(REPO / "scripts"))
from bench_lint import large_spec

DEEP_MEMBER = json.dumps(fixed_spec())[:-1] + ', "x-deep": ' + '{"a": ' * 1000 + "{}" + "}" * 1000 + "}"
DEEP_BRACKETS = '{"openapi": "3.0.0", "paths": {}, "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
ALIAS_BOMB = (
    "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}\nx-bomb:\n"
    + "  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    + "".join(f"  a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 10))
)


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "internal error" not in err, err
    return code, out, err


def _write(path: Path, spec: dict[str, Any] | str) -> str:
    path.write_text(spec if isinstance(spec, str) else json.dumps(spec))
    return str(path)


def _with_components(schemas: dict[str, Any], prop: dict[str, Any]) -> dict[str, Any]:
    spec = fixed_spec()
    spec["components"]["schemas"].update(schemas)
    spec["components"]["schemas"]["Request"]["properties"]["extra"] = prop
    return spec


def _chain(count: int = 31) -> dict[str, Any]:
    """``count`` components each referring twice to the next: 2**count nodes when inlined."""
    chain: dict[str, Any] = {
        f"C{i}": {
            "type": "object",
            "required": ["l", "r"],
            "properties": {
                "l": {"$ref": f"#/components/schemas/C{i + 1}"},
                "r": {"$ref": f"#/components/schemas/C{i + 1}"},
            },
            "example": {},
        }
        for i in range(count)
    }
    chain[f"C{count}"] = {"type": "string"}
    return chain


NODE = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string"},
        "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
    },
    "example": {"name": "root", "children": [{"name": "leaf", "children": []}, {"children": []}]},
}


# -- special files and sizes ---------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["lint", "normalise", "drift"])
def test_dev_zero_is_refused_at_once(capsys: pytest.CaptureFixture[str], command: str) -> None:
    argv = [command, "/dev/zero"] + ([str(DATA / "chat_fixed.json")] if command == "drift" else [])
    code, _, err = _run(argv, capsys)
    assert code == 2
    assert "/dev/zero: expected a regular file, found a character device" in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need POSIX")
def test_a_named_pipe_without_a_writer_is_refused_not_waited_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "spec.json"
    os.mkfifo(fifo)
    code, _, err = _run(["lint", str(fifo)], capsys)
    assert code == 2
    assert f"{fifo}: expected a regular file, found a named pipe" in err


def test_the_size_limit_is_counted_while_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_bytes(b" " * 5000)
    with pytest.raises(SpecError, match=r"expected at most 4096 bytes, found 5000 bytes"):
        load_spec_file(big, max_bytes=4096)
    assert read_regular_file(big, 5000) == b" " * 5000


# -- deep nesting and alias bombs ------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["lint", "normalise"])
@pytest.mark.parametrize("content", [DEEP_MEMBER, DEEP_BRACKETS], ids=["1000-levels-in-a-member", "100000-brackets"])
def test_deep_nesting_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, content: str) -> None:
    path = _write(tmp_path / "deep.json", content)
    code, _, err = _run([command, path], capsys)
    assert code == 2
    assert f"{path}: expected a document nested at most 128 levels deep, found nesting too deep to read" in err


def test_deep_nesting_names_where(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = json.dumps(fixed_spec())[:-1] + ', "x-deep": ' + '{"a": ' * 200 + "{}" + "}" * 200 + "}"
    code, _, err = _run(["lint", _write(tmp_path / "deep.json", spec)], capsys)
    assert code == 2
    assert "found nesting too deep to read (nested too deep at /x-deep/a/a/a/a/a/a/a/a/a/a/a/…)" in err


@pytest.mark.parametrize("command", ["lint", "normalise"])
def test_a_yaml_alias_bomb_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str) -> None:
    path = _write(tmp_path / "bomb.yaml", ALIAS_BOMB)
    assert len(ALIAS_BOMB) < 1500
    code, _, err = _run([command, path], capsys)
    assert code == 2
    assert (
        f"{path}: expected YAML aliases to add at most 100000 nodes, found aliases that expand 14 nodes to "
        "more than 100014" in err
    )


def test_a_few_yaml_aliases_are_fine(tmp_path: Path) -> None:
    text = (
        "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n"
        "    A: &a {type: object, properties: {x: {type: string}}}\n    B: *a\n"
    )
    spec = load_spec_file(Path(_write(tmp_path / "ok.yaml", text)))
    assert spec["components"]["schemas"]["B"] == {"type": "object", "properties": {"x": {"type": "string"}}}


def test_a_recursive_yaml_alias_is_refused() -> None:
    looped: list[Any] = []
    looped.append(looped)
    assert expanded_size({"a": looped}, 10) == (2, -1)


# -- reference graphs ----------------------------------------------------------------------------------------


def test_inlined_size_is_computed_without_inlining() -> None:
    spec = _with_components(_chain(), {"$ref": "#/components/schemas/C0"})
    assert inlined_size(spec, {"$ref": "#/components/schemas/C0"}, limit=1000) == 1001  # capped, not 2**31
    assert inlined_size(_with_components({"Node": NODE}, {}), {"$ref": "#/components/schemas/Node"}) is None


def test_deref_shares_each_target_and_keeps_a_recursive_reference() -> None:
    spec = _with_components({"Node": NODE, **_chain()}, {})
    node = deref(spec, {"$ref": "#/components/schemas/Node"}, keep_cycles=True)
    assert node["properties"]["children"]["items"] == {"$ref": "#/components/schemas/Node"}
    chained = deref(spec, {"$ref": "#/components/schemas/C0"})
    assert chained["properties"]["l"] is chained["properties"]["r"]  # one object: memory stays linear
    with pytest.raises(SpecError, match=r"\$ref cycle: #/components/schemas/Node -> #/components/schemas/Node"):
        deref(spec, {"$ref": "#/components/schemas/Node"})


def test_a_validator_keeps_references_that_would_explode_or_recurse() -> None:
    spec = _with_components({"Node": NODE, **_chain()}, {})
    tree = Validator({"$ref": "#/components/schemas/Node"}, spec)
    assert tree.is_valid({"name": "a", "children": [{"name": "b"}]})
    [violation] = tree.violations({"name": "a", "children": [{"children": []}]})
    assert (violation.path, violation.expected) == ("/children/0/name", "required member 'name'")
    chained = Validator({"$ref": "#/components/schemas/C0"}, spec)
    assert not chained.is_valid({"l": "x", "r": "y"})


def test_lint_on_references_that_explode_when_inlined(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "chain.json", _with_components(_chain(), {"$ref": "#/components/schemas/C0"}))
    code, out, _ = _run(["lint", path, "--format", "json"], capsys)
    findings = json.loads(out)["findings"]
    assert code == 1
    # every C<i> example ({}) misses l and r: reported per component, found without inlining 2**31 nodes
    assert sorted({f["pointer"] for f in findings if f["rule_id"] == "oas-example-invalid"}) == sorted(
        f"/components/schemas/C{i}/example/{m}" for i in range(31) for m in "lr"
    )
    assert not [f for f in findings if f["rule_id"] == "oas-invalid"]


def test_lint_accepts_a_recursive_schema_and_checks_its_example() -> None:
    spec = _with_components({"Node": NODE}, {"$ref": "#/components/schemas/Node"})
    assert hits(spec) == [("oas-example-invalid", "/components/schemas/Node/example/children/1/name")]


def test_lint_names_a_reference_cycle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = _with_components(
        {"A": {"$ref": "#/components/schemas/B"}, "B": {"$ref": "#/components/schemas/A"}},
        {"$ref": "#/components/schemas/A"},
    )
    code, out, _ = _run(["lint", _write(tmp_path / "cycle.json", spec), "--format", "json"], capsys)
    assert code == 1
    [finding] = json.loads(out)["findings"]
    assert finding["rule_id"] == "oas-invalid"
    assert finding["pointer"] == "/components/schemas/A/$ref"
    assert finding["message"] == (
        "$ref '#/components/schemas/B' makes a $ref cycle with no schema in it: "
        "#/components/schemas/A -> #/components/schemas/B -> #/components/schemas/A"
    )
    assert "recursion" not in out


def test_lint_is_complete_on_a_reference_chain_longer_than_the_stack() -> None:
    """1,500 components, each referring to the next: the structural validator once gave up with a recursion
    error, and every example was validated against the rest of the chain (quadratic)."""
    findings = hits(large_spec(1500))
    assert [f for f in findings if f[0] == "oas-invalid"] == []
    assert len([f for f in findings if f[0] == "oas-integer-typed-as-number"]) == 1500


# -- external references: never fetched, never read -----------------------------------------------------------


def test_lint_never_fetches_or_reads_external_references(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], watched_host: tuple[str, list[str]]
) -> None:
    url, seen = watched_host
    secret = tmp_path / "secret.json"
    secret.write_text('{"description": "AIMLAPI_KEY=sk-never-in-a-report"}')
    spec = fixed_spec()
    props = spec["components"]["schemas"]["Request"]["properties"]
    props["remote"] = {"$ref": f"{url}/schema.json"}
    props["local"] = {"$ref": secret.as_uri()}
    props["relative"] = {"$ref": "other.yaml#/Thing"}
    spec["paths"]["/v1/chat/completions"]["post"]["responses"]["402"] = {"$ref": f"{url}/response.json"}
    code, out, err = _run(["lint", _write(tmp_path / "external.json", spec), "--format", "json"], capsys)
    assert seen == []
    assert "sk-never-in-a-report" not in out + err
    findings = json.loads(out)["findings"]
    external = sorted((f["pointer"], f["found"]) for f in findings if f["rule_id"] == "oas-external-ref")
    assert external == sorted(
        [
            ("/components/schemas/Request/properties/local/$ref", secret.as_uri()),
            ("/components/schemas/Request/properties/relative/$ref", "other.yaml#/Thing"),
            ("/components/schemas/Request/properties/remote/$ref", f"{url}/schema.json"),
            ("/paths/~1v1~1chat~1completions/post/responses/402/$ref", f"{url}/response.json"),
        ]
    )
    assert all(f["level"] == "warning" for f in findings if f["rule_id"] == "oas-external-ref")
    assert not [f for f in findings if f["rule_id"] == "oas-invalid"]
    assert code == 0


# -- the pinned-spec pipeline: fetch, normalise, generate ------------------------------------------------------


def _pinned_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, raw: bytes) -> Path:
    """A project pinned to ``raw`` (served by a mirror under tmp_path) with the real overlay."""
    commit = "c" * 40
    target = tmp_path / "mirror" / SPEC_REPO / commit / SPEC_PATH
    target.parent.mkdir(parents=True)
    target.write_bytes(raw)
    lock = {
        "repo": SPEC_REPO,
        "path": SPEC_PATH,
        "commit": commit,
        "sha256": sha256(raw),
        "size": len(raw),
        "fetched_at": "2026-01-01T00:00:00+00:00",
    }
    root = make_project(tmp_path / "project", lock=lock)
    monkeypatch.setenv("CONFORMANCE_ROOT", str(root))
    monkeypatch.setenv("CONFORMANCE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("SPEC_MIRROR", str(tmp_path / "mirror"))
    return root


@pytest.fixture
def published_text() -> dict[str, Any]:
    from conformance.load.fetch import Lock

    lock = Lock.load(REPO / "spec" / "lock.json")
    path = MIRROR / lock.repo / lock.commit / lock.path
    if not path.is_file():
        pytest.skip(f"the upstream mirror {MIRROR} is not there")
    spec: dict[str, Any] = json.loads(path.read_text())
    return spec


@pytest.mark.parametrize("command", [["fetch"], ["normalise"], ["generate"], ["lint"]])
def test_a_pinned_spec_nested_too_deep_is_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    _pinned_project(tmp_path, monkeypatch, DEEP_MEMBER.encode())
    code, _, err = _run(command, capsys)
    assert code == 2
    assert "expected a document nested at most 128 levels deep, found nesting too deep to read" in err


def test_normalise_and_generate_handle_recursive_and_exploding_references(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], published_text: dict[str, Any]
) -> None:
    """A recursive schema is legal OpenAPI; 31 components referring twice to the next must not be inlined.
    Both in the request body of both path aliases of the pinned spec: the overlay still applies, the client is
    generated with a recursive model."""
    spec = copy.deepcopy(published_text)
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas["Node"] = {k: v for k, v in NODE.items() if k != "example"}
    schemas.update({k: {key: v for key, v in value.items() if key != "example"} for k, value in _chain().items()})
    for path in ("/v1/chat/completions", "/chat/completions"):
        body = spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        body["properties"]["tree"] = {"$ref": "#/components/schemas/Node"}
        body["properties"]["chain"] = {"$ref": "#/components/schemas/C0"}
    root = _pinned_project(tmp_path, monkeypatch, json.dumps(spec).encode())
    code, _, err = _run(["normalise", "--write", str(tmp_path / "normalised.json")], capsys)
    assert code == 0, err
    normalised = json.loads((tmp_path / "normalised.json").read_text())
    request = normalised["components"]["schemas"]["CreateChatCompletionRequest"]
    assert request["properties"]["tree"] == {"$ref": "#/components/schemas/Node"}
    code, _, err = _run(["generate"], capsys)
    assert code == 0, err
    node_model = (root / "generated" / "gpt52-client" / "gpt52_client" / "models" / "node.py").read_text()
    assert "children" in node_model and "list[Node]" in node_model


# -- the pruned schema agrees with the full one ---------------------------------------------------------------

_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from(["a", "b", ""]))
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["a", "b", "c"]), inner, max_size=3)
    ),
    max_leaves=8,
)
_LEAF_SCHEMAS = st.one_of(
    st.sampled_from(
        [
            {},
            {"type": "string"},
            {"type": "integer", "minimum": 0},
            {"type": "boolean"},
            {"type": "string", "nullable": True},
            {"enum": ["a", 1]},
            {"$ref": "#/components/schemas/Node"},
            {"$ref": "#/components/schemas/Leaf"},
        ]
    )
)
_SCHEMAS = st.recursive(
    _LEAF_SCHEMAS,
    lambda inner: st.one_of(
        st.builds(lambda items, n: {"type": "array", "items": items, "minItems": n}, inner, st.integers(0, 2)),
        st.builds(
            lambda props, req, extra: {
                "type": "object",
                "properties": props,
                "required": req,
                **({"additionalProperties": extra} if extra is not None else {}),
            },
            st.dictionaries(st.sampled_from(["a", "b", "c"]), inner, max_size=3),
            st.lists(st.sampled_from(["a", "b"]), max_size=2, unique=True),
            st.one_of(st.none(), inner),
        ),
        st.builds(
            lambda branches, kind: {kind: branches},
            st.lists(inner, min_size=1, max_size=3),
            st.sampled_from(["anyOf", "oneOf", "allOf"]),
        ),
        st.builds(lambda sub: {"not": sub}, inner),
    ),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schema=_SCHEMAS, instance=_VALUES)
def test_the_schema_an_instance_reaches_validates_it_as_the_whole_schema_does(
    schema: dict[str, Any], instance: Any
) -> None:
    spec = _with_components(
        {
            "Node": {
                "type": "object",
                "properties": {
                    "a": {"$ref": "#/components/schemas/Node"},
                    "b": {"type": "array", "items": {"$ref": "#/components/schemas/Leaf"}},
                },
            },
            "Leaf": {"type": "integer", "maximum": 2},
        },
        {},
    )
    whole = Validator(schema, spec)
    pruned = Validator(schema_for_instance(spec, schema, instance))
    assert pruned.is_valid(instance) == whole.is_valid(instance)
