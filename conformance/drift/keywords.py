"""Schema keyword comparisons (type, enum/const, properties and required, additionalProperties, bounds and
formats, defaults), classified by direction, and :func:`schema_shape`, the compact rendering of a schema."""

from __future__ import annotations

import json
from typing import Any

import attrs

from conformance.drift import rules as R
from conformance.drift.canon import SpecIndex, _data_hash
from conformance.drift.context import JSON, At, Context, _dict, _opt, _show, _values
from conformance.drift.variants import variants_of
from conformance.oas import value_class

LOWER_BOUNDS = ("minimum", "minLength", "minItems", "minProperties")
UPPER_BOUNDS = ("maximum", "maxLength", "maxItems", "maxProperties")
HANDLED = frozenset(
    {
        "type",
        "nullable",
        "enum",
        "const",
        "properties",
        "required",
        "items",
        "additionalProperties",
        "oneOf",
        "anyOf",
        "allOf",
        "default",
        "deprecated",
        "format",
        "pattern",
        "multipleOf",
        "uniqueItems",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "$ref",
        "xml",
        *LOWER_BOUNDS,
        *UPPER_BOUNDS,
    }
)


def _json_type(value: Any) -> str:
    return value_class(value)


def _covers(wide: frozenset[str] | None, narrow: frozenset[str] | None) -> bool:
    """Does type set ``wide`` accept everything ``narrow`` does? (``None`` = any type; integer ⊂ number)."""
    if wide is None:
        return True
    if narrow is None:
        return False
    return all(t in wide or (t == "integer" and "number" in wide) for t in narrow)


def _types_text(types: frozenset[str] | None) -> str:
    if types is None:
        return "any type"
    return "|".join(sorted(types, key=lambda t: (t == "null", t))) or "nothing"


def _names(value: Any) -> set[str]:
    return {v for v in value if isinstance(v, str)} if isinstance(value, list) else set()


def schema_shape(index: SpecIndex, raw: JSON, depth: int = 0) -> str:
    """A compact rendering of a schema: ``object|null {usage?: object|null {credits_used: number}}``."""
    res = index.resolve(raw, "", record=False)
    if res.problem is not None:
        return f"$ref {res.problem.ref} (unresolved)"
    node = res.node
    if not isinstance(node, dict):
        return "any"
    node = index.view(node, res.pointer)
    variants = variants_of(node)
    if variants is not None:
        inner = " | ".join(schema_shape(index, v, depth + 1) for v in variants[1][:4])
        more = " | …" if len(variants[1]) > 4 else ""
        return f"{variants[0]}({inner}{more})" + ("|null" if node.get("nullable") is True else "")
    types = _typeset(node)
    text = _types_text(types) if types is not None else ("object" if "properties" in node else "any")
    enum = node.get("enum")
    if isinstance(enum, list):
        text += f" enum[{_values(enum[:5])}{', …' if len(enum) > 5 else ''}]"
    if isinstance(node.get("items"), (dict, list)):
        text += f" [{schema_shape(index, node['items'], depth + 1)}]" if depth < 3 else " […]"
    props = node.get("properties")
    if isinstance(props, dict) and props:
        if depth >= 3:
            return text + " {…}"
        required = _names(node.get("required"))
        inner_props = [
            f"{k}{'' if k in required else '?'}: {schema_shape(index, v, depth + 1)}"
            for k, v in list(props.items())[:8]
        ]
        text += " {" + ", ".join(inner_props) + (", …" if len(props) > 8 else "") + "}"
    return text if len(text) <= 300 else text[:299] + "…"


def _typeset(node: dict[str, Any]) -> frozenset[str] | None:
    kind = node.get("type")
    if isinstance(kind, str):
        types = {kind}
    elif isinstance(kind, list):
        types = {str(t) for t in kind}
    else:
        return None
    if node.get("nullable") is True:
        types.add("null")
    return frozenset(types)


def _effective(node: dict[str, Any]) -> frozenset[str] | None:
    types = _typeset(node)
    enum = node.get("enum")
    if isinstance(enum, list):
        values = frozenset(_json_type(v) for v in enum)
        if types is None:
            return values
        return frozenset(t for t in values if _covers(types, frozenset({t})))
    return types


def compare_types(ctx: Context, o: dict[str, Any], n: dict[str, Any], at: At) -> None:
    ot, nt = _typeset(o), _typeset(n)
    if ot == nt:
        return
    oe, ne = _effective(o), _effective(n)
    old_text, new_text = _types_text(ot), _types_text(nt)
    key = f"{old_text}->{new_text}"
    if at.direction != R.RESPONSE:
        if _covers(ne, oe):
            note = ""
            if isinstance(n.get("enum"), list) and oe == ne:
                note = f"; the enum still limits values to {_types_text(ne)}, so every old request stays valid"
            ctx.emit(
                R.REQUEST_TYPE_WIDENED,
                at,
                f"type widened from {old_text} to {new_text}{note}",
                key,
                expected=old_text,
                found=new_text,
            )
        else:
            what = (
                "no longer accepts null"
                if ot is not None and nt is not None and ot - nt == {"null"}
                else f"type changed from {old_text} to {new_text}"
            )
            ctx.emit(R.REQUEST_TYPE_CHANGED, at, what, key, expected=old_text, found=new_text)
        return
    if _covers(oe, ne):
        ctx.emit(
            R.RESPONSE_TYPE_NARROWED,
            at,
            f"type narrowed from {old_text} to {new_text}",
            key,
            expected=old_text,
            found=new_text,
        )
    elif ot is not None and nt is not None and nt - ot == {"null"}:
        ctx.emit(
            R.RESPONSE_NULLABLE_ADDED,
            at,
            f"{at.path or 'value'} may now be null",
            key,
            expected=old_text,
            found=new_text,
        )
    else:
        ctx.emit(
            R.RESPONSE_TYPE_CHANGED,
            at,
            f"type changed from {old_text} to {new_text}",
            key,
            expected=old_text,
            found=new_text,
        )


def compare_enum(ctx: Context, o: dict[str, Any], n: dict[str, Any], at: At) -> None:
    oe = [o["const"]] if "const" in o else o.get("enum")
    ne = [n["const"]] if "const" in n else n.get("enum")
    request = at.direction != R.RESPONSE
    if isinstance(oe, list) and isinstance(ne, list):
        old_h = {_data_hash(v): v for v in oe}
        new_h = {_data_hash(v): v for v in ne}
        removed = [old_h[h] for h in old_h if h not in new_h]
        added = [new_h[h] for h in new_h if h not in old_h]
        if removed:
            rule = R.REQUEST_ENUM_REMOVED if request else R.RESPONSE_ENUM_NARROWED
            ctx.emit(
                rule,
                at,
                f"enum value(s) removed: {_values(removed)}",
                "-" + json.dumps(sorted(map(_show, removed))),
                expected=_values(oe),
                found=_values(ne),
            )
        if added:
            rule = R.REQUEST_ENUM_ADDED if request else R.RESPONSE_ENUM_WIDENED
            ctx.emit(
                rule,
                at,
                f"enum value(s) added: {_values(added)}",
                "+" + json.dumps(sorted(map(_show, added))),
                expected=_values(oe),
                found=_values(ne),
            )
    elif isinstance(oe, list):
        rule = R.REQUEST_TYPE_WIDENED if request else R.RESPONSE_ENUM_WIDENED
        ctx.emit(
            rule,
            at,
            f"enum constraint dropped (was {_values(oe)}): any value of the type is allowed",
            "enum-dropped",
            expected=_values(oe),
            found="no enum",
        )
    elif isinstance(ne, list):
        rule = R.REQUEST_ENUM_REMOVED if request else R.RESPONSE_ENUM_NARROWED
        ctx.emit(
            rule,
            at,
            f"now restricted to the enum {_values(ne)}",
            "enum-added",
            expected="no enum",
            found=_values(ne),
        )


def compare_properties(ctx: Context, o: dict[str, Any], n: dict[str, Any], at: At) -> None:
    op = _dict(o.get("properties"))
    np_ = _dict(n.get("properties"))
    oreq = _names(o.get("required"))
    nreq = _names(n.get("required"))
    if not op and not np_:
        return
    request = at.direction != R.RESPONSE
    for name in sorted(set(op) | set(np_)):
        here = at.prop(name)
        if name not in np_:
            if request:
                ctx.emit(
                    R.REQUEST_PROPERTY_REMOVED,
                    here,
                    f"request field {name!r} removed",
                    "removed",
                    spec_pointer=here.old,
                )
            elif name in oreq:
                ctx.emit(
                    R.RESPONSE_PROPERTY_REMOVED,
                    here,
                    f"required response field {name!r} removed",
                    "removed",
                    spec_pointer=here.old,
                )
            else:
                ctx.emit(
                    R.RESPONSE_OPTIONAL_REMOVED,
                    here,
                    f"optional response field {name!r} removed",
                    "removed",
                    spec_pointer=here.old,
                )
            continue
        if name not in op:
            shape = schema_shape(ctx.new, np_[name])
            if request and name in nreq:
                ctx.emit(
                    R.REQUEST_REQUIRED_ADDED,
                    here,
                    f"new required request field {name!r}: {shape}",
                    "added-required",
                    found=shape,
                )
            elif request:
                ctx.emit(
                    R.REQUEST_PROPERTY_ADDED,
                    here,
                    f"new optional request field {name!r}: {shape}",
                    "added",
                    found=shape,
                )
            else:
                what = "required" if name in nreq else "optional"
                ctx.emit(
                    R.RESPONSE_PROPERTY_ADDED,
                    here,
                    f"new {what} response field {name!r}: {shape}",
                    "added",
                    found=shape,
                )
            continue
        was, now = name in oreq, name in nreq
        if request and now and not was:
            ctx.emit(R.REQUEST_REQUIRED_ADDED, here, f"request field {name!r} became required", "became-required")
        elif request and was and not now:
            ctx.emit(R.REQUEST_REQUIRED_REMOVED, here, f"request field {name!r} became optional", "became-optional")
        elif not request and was and not now:
            ctx.emit(
                R.RESPONSE_PROPERTY_OPTIONAL,
                here,
                f"response field {name!r} is no longer required",
                "became-optional",
            )
        elif not request and now and not was:
            ctx.emit(R.RESPONSE_PROPERTY_REQUIRED, here, f"response field {name!r} became required", "became-required")
        ctx.schema(op[name], np_[name], here)


def compare_additional(ctx: Context, o: dict[str, Any], n: dict[str, Any], at: At) -> None:
    oa, na = o.get("additionalProperties"), n.get("additionalProperties")
    if isinstance(oa, dict) and isinstance(na, dict):
        ctx.schema(oa, na, attrs.evolve(at.child(".*", "additionalProperties"), names=(*at.names, "*")))
        return
    if _data_hash(oa) == _data_hash(na):
        return
    closed_before = oa is False
    closed_now = na is False
    if closed_now and not closed_before:
        _constraint(ctx, at, True, f"additionalProperties closed (was {_opt(oa)})", "additionalProperties")
    elif closed_before and not closed_now:
        _constraint(ctx, at, False, f"additionalProperties opened (now {_opt(na)})", "additionalProperties")
    elif isinstance(na, dict) and not isinstance(oa, dict):
        _constraint(ctx, at, True, "additionalProperties now constrained by a schema", "additionalProperties")
    else:
        _constraint(ctx, at, False, "additionalProperties constraint dropped", "additionalProperties")


def _constraint(ctx: Context, at: At, narrowed: bool, message: str, key: str) -> None:
    if at.direction == R.RESPONSE:
        ctx.emit(R.RESPONSE_CONSTRAINT_CHANGED, at, message, key)
    elif narrowed:
        ctx.emit(R.REQUEST_CONSTRAINT_NARROWED, at, message, key)
    else:
        ctx.emit(R.REQUEST_CONSTRAINT_RELAXED, at, message, key)


def compare_constraints(ctx: Context, o: dict[str, Any], n: dict[str, Any], at: At) -> None:
    for k in (*LOWER_BOUNDS, *UPPER_BOUNDS):
        ov, nv = o.get(k), n.get(k)
        if ov == nv or not all(v is None or isinstance(v, (int, float)) for v in (ov, nv)):
            continue
        lower = k in LOWER_BOUNDS
        if ov is None:
            narrowed = True
        elif nv is None:
            narrowed = False
        else:
            narrowed = nv > ov if lower else nv < ov
        _constraint(ctx, at, narrowed, f"{k} changed from {_opt(ov)} to {_opt(nv)}", f"{k}:{ov}->{nv}")
    for k in ("exclusiveMinimum", "exclusiveMaximum", "uniqueItems"):
        ov, nv = o.get(k) is True, n.get(k) is True
        if ov != nv:
            _constraint(ctx, at, nv, f"{k} changed from {ov} to {nv}", f"{k}:{ov}->{nv}")
    for k in ("pattern", "format", "multipleOf"):
        ov, nv = o.get(k), n.get(k)
        if ov != nv:
            _constraint(ctx, at, nv is not None, f"{k} changed from {_opt(ov)} to {_opt(nv)}", f"{k}:{ov}->{nv}")


def compare_default(ctx: Context, o: dict[str, Any], n: dict[str, Any], at: At) -> None:
    if at.direction == R.RESPONSE or _data_hash(o.get("default")) == _data_hash(n.get("default")):
        return
    ov = _show(o["default"]) if "default" in o else "none"
    nv = _show(n["default"]) if "default" in n else "none"
    ctx.emit(R.DEFAULT_CHANGED, at, f"default changed from {ov} to {nv}", f"default:{ov}->{nv}", expected=ov, found=nv)
