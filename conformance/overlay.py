"""Declared normalisation: an OpenAPI Overlay 1.0 document applied to the published spec.

Every change we make to upstream's spec is one action in ``spec/overlay.yaml``
with its reason (``description``), the lint rule it answers (``x-rule``) and its
kind (``x-kind``): ``cosmetic`` (names, descriptions, auth; nothing that changes
which responses are valid) or ``correction`` (changes what is valid). Targets are
RFC 9535 JSONPath. Besides Overlay's ``update`` and ``remove``, one extension
action exists:

``x-lift: Name``
    move the schema at the target to ``components/schemas/Name`` and put a
    ``$ref`` in its place. When ``Name`` already exists with the same contract
    (descriptions and examples aside), the target just becomes a ``$ref`` to it,
    which is how both path aliases come to share one model.

An action that changes nothing is reported as no longer needed (upstream fixed
the defect); a target that matches nothing fails the run, naming the action. A
``remove`` whose target is already gone while its parent is still there (or whose
target is a ``..`` search) has nothing left to do: no longer needed, not a failure.
A lift whose site already refers to its schema (a ``$ref``, or a ``$ref`` that a
later correction wrapped in ``allOf``/``anyOf``/``oneOf``) has nothing left to do.

The contract (tested exhaustively on the real overlay): applying any prefix of the
overlay, in either form (cosmetic actions only, or all), to its own output changes
nothing and reports each of its actions as no longer needed. So no action may leave
a state that only a later action makes consistent: to replace a reference by a
compound schema, first add the compound beside the ``$ref`` (``update``), then
``remove`` the ``$ref``, never the other way round.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import attrs
import yaml
from jsonpath import JSONPath, JSONPathEnvironment, JSONPathError
from jsonpath.segments import JSONPathRecursiveDescentSegment

from conformance.errors import OverlayError
from conformance.findings import Finding, Level, Source, rule
from conformance.oas import deref, join_pointer, pointer_unescape, resolve_pointer
from conformance.oas.nullable import is_nullable_ref, nullable_ref, unwrap_single
from conformance.safeload import YAML_LOADER

UNNEEDED = rule(
    "overlay-action-unneeded",
    Level.WARNING,
    Source.SPEC,
    "an overlay action changed nothing: upstream fixed the defect it answers",
    "remove the action from spec/overlay.yaml",
)
TARGET_MISSING = rule(
    "overlay-target-missing",
    Level.ERROR,
    Source.SPEC,
    "an overlay action's target matches nothing in the spec (upstream moved or removed it)",
    "update the target in spec/overlay.yaml, or remove the action",
)
KINDS = ("cosmetic", "correction")
_ENV = JSONPathEnvironment(strict=True)
_CONTRACT_NOISE = {"description", "example", "examples", "title"}


@attrs.frozen
class Action:
    index: int
    target: str
    description: str
    rule_id: str
    kind: str
    update: Any = None
    remove: bool = False
    lift: str | None = None

    @property
    def label(self) -> str:
        return f"action {self.index} ({self.rule_id}: {self.target})"


@attrs.frozen
class Overlay:
    path: str
    title: str
    actions: tuple[Action, ...]


@attrs.frozen
class OverlayResult:
    spec: dict[str, Any]
    findings: tuple[Finding, ...]
    applied: tuple[tuple[Action, int], ...]  # (action, number of nodes changed)


def _fail(where: str, message: str) -> OverlayError:
    return OverlayError(f"{where}: {message}", hint="see the header of conformance/overlay.py for the format")


def load_overlay(path: Path) -> Overlay:
    try:
        doc = yaml.load(path.read_text(), Loader=YAML_LOADER)
    except FileNotFoundError:
        raise OverlayError(f"{path}: no overlay file") from None
    except yaml.YAMLError as exc:
        raise _fail(str(path), f"expected YAML, found a syntax error: {exc}") from None
    if not isinstance(doc, dict) or not str(doc.get("overlay", "")).startswith("1."):
        raise _fail(str(path), "expected an Overlay 1.x document (`overlay: 1.0.0`)")
    raw_actions = doc.get("actions")
    if not isinstance(raw_actions, list) or not raw_actions:
        raise _fail(str(path), "expected a non-empty `actions` list")
    actions: list[Action] = []
    for index, raw in enumerate(raw_actions):
        where = f"{path}: actions[{index}]"
        if not isinstance(raw, dict):
            raise _fail(where, f"expected a mapping, found {type(raw).__name__}")
        for key in ("target", "description", "x-rule", "x-kind"):
            if not isinstance(raw.get(key), str) or not raw[key].strip():
                raise _fail(where, f"expected a non-empty `{key}` string, found {raw.get(key)!r}")
        if raw["x-kind"] not in KINDS:
            raise _fail(where, f"expected `x-kind` one of {KINDS}, found {raw['x-kind']!r}")
        verbs = [k for k in ("update", "remove", "x-lift") if k in raw]
        if len(verbs) != 1:
            raise _fail(where, f"expected exactly one of update, remove, x-lift; found {verbs or 'none'}")
        if "remove" in raw and raw["remove"] is not True:
            raise _fail(where, "expected `remove: true`")
        if "x-lift" in raw and not (isinstance(raw["x-lift"], str) and raw["x-lift"].isidentifier()):
            raise _fail(where, f"expected `x-lift` to be a schema name, found {raw['x-lift']!r}")
        try:
            _ENV.compile(raw["target"])
        except JSONPathError as exc:
            raise _fail(where, f"target {raw['target']!r} is not RFC 9535 JSONPath: {exc}") from None
        actions.append(
            Action(
                index=index,
                target=raw["target"],
                description=raw["description"].strip(),
                rule_id=raw["x-rule"],
                kind=raw["x-kind"],
                update=raw.get("update"),
                remove=bool(raw.get("remove")),
                lift=raw.get("x-lift"),
            )
        )
    info = doc.get("info") or {}
    return Overlay(str(path), str(info.get("title", "")), tuple(actions))


def _merge(target: Any, update: Any) -> tuple[Any, bool]:
    """Overlay update semantics: objects merge recursively, arrays at the target get items appended,
    anything else is replaced. Returns (new value, changed?)."""
    if isinstance(target, dict) and isinstance(update, dict):
        changed = False
        for key, value in update.items():
            if key in target and isinstance(target[key], dict) and isinstance(value, dict):
                target[key], sub = _merge(target[key], value)
                changed |= sub
            elif key not in target or target[key] != value:
                target[key] = copy.deepcopy(value)
                changed = True
        return target, changed
    if isinstance(target, list):
        items = update if isinstance(update, list) else [update]
        missing = [copy.deepcopy(i) for i in items if i not in target]
        target.extend(missing)
        return target, bool(missing)
    return copy.deepcopy(update), target != update


def contract(schema: Any, memo: dict[int, Any] | None = None) -> Any:
    """A schema with descriptions and examples removed and ``required`` sorted: what a client depends on.

    ``memo`` (by object identity) makes a shared subschema (a ``$ref`` target
    that :func:`~conformance.oas.refs.deref` inlined once for every place using
    it) cost once, and gives equal parts the same object, so comparing two
    contracts stops at shared parts: linear however the references branch.
    """
    memo = {} if memo is None else memo
    if isinstance(schema, dict | list) and id(schema) in memo:
        return memo[id(schema)]
    key = id(schema)
    out: Any
    if isinstance(schema, dict):
        # `allOf: [X]` beside `nullable` is how a lifted nullable schema is referenced: same contract as X
        schema = unwrap_single(schema)
        out = {k: contract(v, memo) for k, v in schema.items() if k not in _CONTRACT_NOISE}
        if isinstance(out.get("required"), list):
            out["required"] = sorted(out["required"], key=str)
    elif isinstance(schema, list):
        out = [contract(v, memo) for v in schema]
    else:
        return schema
    memo[key] = out
    return out


def _parent(spec: Any, pointer: str) -> tuple[Any, str | int]:
    head, _, last = pointer.rpartition("/")
    parent = resolve_pointer(spec, head)
    key = pointer_unescape(last)
    return parent, (int(key) if isinstance(parent, list) else key)


def _lift(spec: dict[str, Any], pointer: str, name: str, action: Action) -> bool:
    parent, key = _parent(spec, pointer)
    node = parent[key]
    if not isinstance(node, dict):
        raise OverlayError(f"{action.label}: expected a schema object at {pointer}, found {type(node).__name__}")
    if "$ref" in node or is_nullable_ref(node) or _refers_to(node, name):
        return False  # already a reference (or a later correction wrapped the reference): nothing to lift
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    nullable = node.get("nullable") is True
    # nullability (and a null example) belongs to the place that refers to the schema, not to the schema
    body = {k: v for k, v in node.items() if not (nullable and (k == "nullable" or (k == "example" and v is None)))}
    target = f"#/components/schemas/{name}"
    if name in schemas:
        # one deref and one memo for both: parts they share are the same objects, compared at once
        existing, lifted = deref(spec, [schemas[name], body], keep_cycles=True)
        memo: dict[int, Any] = {}
        if contract(existing, memo) != contract(lifted, memo):
            raise OverlayError(
                f"{action.label}: components/schemas/{name} exists with a different contract than the schema at "
                f"{pointer}",
                hint="give the lifted schema another name, or correct one of them first",
            )
    else:
        schemas[name] = copy.deepcopy(body)
    if nullable:
        # `allOf: [$ref]` beside `nullable` (no `type`): the OpenAPI 3.0 idiom for a nullable reference,
        # the one openapi-python-client turns into `Model | None`
        parent[key] = nullable_ref(target, {k: node[k] for k in ("description",) if k in node})
    else:
        parent[key] = {"$ref": target}
    return True


def _refers_to(node: dict[str, Any], name: str) -> bool:
    """Whether a site already refers to ``components/schemas/name`` through ``allOf``/``anyOf``/``oneOf``.

    That is what a lifted site looks like after a correction has wrapped the reference (``allOf: [$ref]``
    beside ``nullable``, ``anyOf: [$ref, {type: string}]``): the lift has been done, applying it again
    must leave the site alone.
    """
    ref = f"#/components/schemas/{name}"
    for combo in ("allOf", "anyOf", "oneOf"):
        members = node.get(combo)
        if isinstance(members, list) and any(isinstance(m, dict) and m.get("$ref") == ref for m in members):
            return True
    return False


def _pointers(spec: Any, target: str) -> list[str]:
    return [match.pointer().__str__() for match in _ENV.finditer(target, spec)]


def _already_removed(doc: Any, target: str) -> bool:
    """Whether a ``remove`` that matches nothing has simply nothing left to remove.

    True when the target is a search (``..``: no match means no defect left) or when
    its parent still exists (the member is gone: upstream fixed it, or the overlay
    was already applied). Only a vanished parent means the target moved.
    """
    compiled = _ENV.compile(target)
    if not isinstance(compiled, JSONPath):
        return False
    segments = list(compiled.segments)
    if any(isinstance(segment, JSONPathRecursiveDescentSegment) for segment in segments):
        return True
    if not segments:
        return False
    return bool(_pointers(doc, "$" + "".join(str(segment) for segment in segments[:-1])))


def apply_overlay(
    spec: dict[str, Any], overlay: Overlay, *, kinds: Iterable[str] = KINDS, location: str = "spec/overlay.yaml"
) -> OverlayResult:
    """Apply ``overlay`` to a copy of ``spec``. A target that matches nothing raises :class:`OverlayError`."""
    wanted = set(kinds)
    doc = copy.deepcopy(spec)
    findings: list[Finding] = []
    applied: list[tuple[Action, int]] = []
    missing: list[Action] = []
    for action in overlay.actions:
        if action.kind not in wanted:
            continue
        pointers = _pointers(doc, action.target)
        # a `remove` with nothing left to remove is no longer needed (reported below), not a vanished target
        if not pointers and not (action.remove and _already_removed(doc, action.target)):
            missing.append(action)
            findings.append(
                TARGET_MISSING.finding(
                    location,
                    f"{action.label} matches nothing",
                    pointer=f"/actions/{action.index}",
                    expected=f"at least one node at {action.target}",
                    found="no match",
                )
            )
            continue
        changed = 0
        # deepest first, so removing or lifting a node never invalidates a later pointer
        for pointer in sorted(pointers, key=lambda p: (-p.count("/"), p)):
            if action.lift is not None:
                changed += _lift(doc, pointer, action.lift, action)
            elif action.remove:
                parent, key = _parent(doc, pointer)
                del parent[key]
                changed += 1
            else:
                if pointer == "":
                    doc, did = _merge(doc, action.update)
                else:
                    parent, key = _parent(doc, pointer)
                    parent[key], did = _merge(parent[key], action.update)
                changed += did
        applied.append((action, changed))
        if not changed:
            findings.append(
                UNNEEDED.finding(
                    location,
                    f"{action.label} changed nothing; upstream seems to have fixed it ({action.description})",
                    pointer=f"/actions/{action.index}",
                    expected="the defect the action corrects",
                    found="the target already has the corrected form",
                )
            )
    if missing:
        listing = "; ".join(f"{a.label}" for a in missing)
        raise OverlayError(
            f"{location}: {len(missing)} overlay target(s) no longer exist in the spec: {listing}",
            hint="upstream changed the spec; run `conformance drift` and update spec/overlay.yaml",
        )
    return OverlayResult(doc, tuple(findings), tuple(applied))


def apply_overlay_file(spec: dict[str, Any], path: Path, *, kinds: Iterable[str] = KINDS) -> OverlayResult:
    return apply_overlay(spec, load_overlay(path), kinds=kinds, location=str(path.name))


__all__ = [
    "Action",
    "Overlay",
    "OverlayResult",
    "apply_overlay",
    "apply_overlay_file",
    "contract",
    "join_pointer",
    "load_overlay",
]
