"""One schema pair: follow ``$ref`` on both sides, guard recursion, then hand the pair to the variant matching
and the keyword comparisons; when only documentation differs, find where."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import attrs

from conformance.drift import rules as R
from conformance.drift.canon import NAME_MAPS, SET_KEYS, _data_hash, is_doc_key
from conformance.drift.context import JSON, At, Context, _opt, _show
from conformance.drift.keywords import (
    HANDLED,
    compare_additional,
    compare_constraints,
    compare_default,
    compare_enum,
    compare_properties,
    compare_types,
)
from conformance.drift.variants import compare_variants, variants_of
from conformance.oas import join_pointer


def compare_schemas(ctx: Context, o_raw: JSON, n_raw: JSON, at: At) -> None:
    ro = ctx.old.resolve(o_raw, at.old)
    rn = ctx.new.resolve(n_raw, at.new)
    if ro.problem or rn.problem:
        ctx.ref_problem(ro.problem, rn.problem, at)
        return
    o, n = ro.node, rn.node
    at = at.moved(ro.pointer, rn.pointer, rn.name or ro.name)
    if not isinstance(o, dict) or not isinstance(n, dict):
        if o is None or n is None or _data_hash(o) == _data_hash(n):
            return
        ctx.emit(R.SCHEMA_CHANGED, at, f"schema changed from {_show(o)} to {_show(n)}", "schema")
        return
    co, fo = ctx.old.fp(o)
    cn, fn = ctx.new.fp(n)
    if fo == fn:
        return
    if co == cn:
        _docs_only(ctx, o, n, at)
        return
    pair = (id(o), id(n))
    if pair in ctx.active:
        return
    ctx.active.add(pair)
    try:
        _compare(ctx, ctx.old.view(o, at.old), ctx.new.view(n, at.new), at)
    finally:
        ctx.active.discard(pair)


def _compare(ctx: Context, o: dict[str, Any], n: dict[str, Any], at: At) -> None:
    ov, nv = variants_of(o), variants_of(n)
    if ov is not None or nv is not None:
        okw = ov[0] if ov else None
        nkw = nv[0] if nv else None
        compare_variants(ctx, ov[1] if ov else [o], nv[1] if nv else [n], at, okw, nkw)
        if ov is None or nv is None:
            return
    compare_types(ctx, o, n, at)
    compare_enum(ctx, o, n, at)
    compare_properties(ctx, o, n, at)
    oi, ni = o.get("items"), n.get("items")
    if oi is not None and ni is not None:
        ctx.schema(oi, ni, attrs.evolve(at.child("[]", "items"), names=(*at.names, "[]")))
    compare_additional(ctx, o, n, at)
    compare_constraints(ctx, o, n, at)
    compare_default(ctx, o, n, at)
    if o.get("deprecated") is not True and n.get("deprecated") is True:
        ctx.emit(R.DEPRECATED, at, f"{at.path or 'schema'} deprecated", "deprecated")
    others = sorted(
        k
        for k in set(o) | set(n)
        if k not in HANDLED and not is_doc_key(k) and _data_hash(o.get(k)) != _data_hash(n.get(k))
    )
    for k in others:
        ctx.emit(
            R.SCHEMA_CHANGED,
            at,
            f"{k} changed from {_opt(o.get(k))} to {_opt(n.get(k))}",
            k,
            expected=_opt(o.get(k)),
            found=_opt(n.get(k)),
        )
    _doc_keys(ctx, o, n, at)


def _doc_keys(ctx: Context, o: dict[str, Any], n: dict[str, Any], at: At) -> None:
    for k in set(o) | set(n):
        if is_doc_key(k) and _data_hash(o.get(k)) != _data_hash(n.get(k)):
            ctx.doc(at, k)


def _docs_only(ctx: Context, o: JSON, n: JSON, at: At) -> None:
    """Contracts are equal: find which documentation changed, anywhere below."""
    if isinstance(o, dict) and isinstance(n, dict):
        ro, rn = ctx.old.resolve(o, at.old, record=False), ctx.new.resolve(n, at.new, record=False)
        o, n = ro.node, rn.node
        if not isinstance(o, dict) or not isinstance(n, dict) or ctx.old.fp(o)[1] == ctx.new.fp(n)[1]:
            return
        pair = (id(o), id(n))
        if pair in ctx.active:
            return
        ctx.active.add(pair)
        try:
            _doc_keys(ctx, o, n, at)
            for k in sorted(set(o) & set(n)):
                if is_doc_key(k):
                    continue
                ov, nv = o[k], n[k]
                if k in NAME_MAPS and isinstance(ov, dict) and isinstance(nv, dict):
                    for name in sorted(set(ov) & set(nv)):
                        token = f".{name}" if k == "properties" else f".{k}.{name}"
                        sub = At(
                            at.direction,
                            (at.path + token).lstrip("."),
                            at.old + join_pointer(k, name),
                            at.new + join_pointer(k, name),
                        )
                        _docs_only(ctx, ov[name], nv[name], sub)
                elif isinstance(ov, dict) and isinstance(nv, dict):
                    token = "[]" if k == "items" else f".{k}"
                    _docs_only(
                        ctx,
                        ov,
                        nv,
                        At(at.direction, at.path + token, at.old + join_pointer(k), at.new + join_pointer(k)),
                    )
                elif isinstance(ov, list) and isinstance(nv, list):
                    for i, j in _pair_by_contract(ctx, ov, nv, k in SET_KEYS):
                        _docs_only(
                            ctx,
                            ov[i],
                            nv[j],
                            At(
                                at.direction,
                                f"{at.path}.{k}[{j}]",
                                at.old + join_pointer(k, i),
                                at.new + join_pointer(k, j),
                            ),
                        )
        finally:
            ctx.active.discard(pair)


def _pair_by_contract(ctx: Context, ov: list[Any], nv: list[Any], as_set: bool) -> list[tuple[int, int]]:
    if not as_set:
        return [(i, i) for i in range(min(len(ov), len(nv)))]
    pending: dict[int, list[int]] = defaultdict(list)
    for j, v in enumerate(nv):
        pending[ctx.new.fp(v)[0]].append(j)
    pairs = []
    for i, v in enumerate(ov):
        bucket = pending.get(ctx.old.fp(v)[0])
        if bucket:
            pairs.append((i, bucket.pop(0)))
    return pairs
