"""``oneOf``/``anyOf`` alternatives matched by content, not position: first identical contracts, then the same
discriminating label (``role=user``, or the type), then the most similar property sets."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import attrs

from conformance.drift import rules as R
from conformance.drift.canon import SpecIndex
from conformance.drift.context import JSON, At, Context, _show
from conformance.oas import join_pointer


def variants_of(node: dict[str, Any]) -> tuple[str, list[Any]] | None:
    for kw in ("oneOf", "anyOf"):
        value = node.get(kw)
        if isinstance(value, list):
            return kw, value
    return None


def _discriminated_apart(old: str | None, new: str | None) -> bool:
    """Two alternatives told apart by the same property with different values (role=tool, role=developer)."""
    if old is None or new is None or "=" not in old or "=" not in new:
        return False
    return old.split("=", 1)[0] == new.split("=", 1)[0] and old != new


def _count(values: Iterable[str | None]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for v in values:
        if v is not None:
            out[v] += 1
    return out


def _label(index: SpecIndex, raw: JSON, pointer: str) -> str | None:
    node = index.resolve(raw, pointer, record=False).node
    if not isinstance(node, dict):
        return None
    props = node.get("properties")
    if isinstance(props, dict):
        for name in sorted(props):
            p = index.resolve(props[name], "", record=False).node
            if isinstance(p, dict):
                enum = p.get("enum")
                if "const" in p:
                    return f"{name}={_show(p['const'], 40)}"
                if isinstance(enum, list) and len(enum) == 1:
                    return f"{name}={_show(enum[0], 40)}"
    kind = node.get("type")
    if isinstance(kind, str) and kind != "object":
        items = node.get("items")
        if kind == "array" and isinstance(items, dict):
            inner = _label(index, items, pointer + "/items")
            return f"array<{inner}>" if inner else "array"
        return kind
    title = node.get("title")
    return title if isinstance(title, str) else None


def compare_variants(ctx: Context, ov: list[Any], nv: list[Any], at: At, okw: str | None, nkw: str | None) -> None:
    """Match alternatives by content; ``okw``/``nkw`` is None where that side is a single plain schema."""
    kw = nkw or okw or "oneOf"
    request = at.direction != R.RESPONSE
    left_o = list(range(len(ov)))
    left_n = list(range(len(nv)))
    pairs: list[tuple[int, int]] = []
    # 1. identical contracts
    by_fp: dict[int, list[int]] = defaultdict(list)
    for j in left_n:
        by_fp[ctx.new.fp(nv[j])[0]].append(j)
    for i in list(left_o):
        bucket = by_fp.get(ctx.old.fp(ov[i])[0])
        if bucket:
            j = bucket.pop(0)
            pairs.append((i, j))
            left_o.remove(i)
            left_n.remove(j)
    # 2. the same discriminating label (unique on both sides)
    olabels = {i: _label(ctx.old, ov[i], at.old) for i in range(len(ov))}
    nlabels = {j: _label(ctx.new, nv[j], at.new) for j in range(len(nv))}
    ocount = _count(olabels.values())
    ncount = _count(nlabels.values())
    for i in list(left_o):
        label = olabels[i]
        if label is None or ocount.get(label) != 1 or ncount.get(label) != 1:
            continue
        match = next((j for j in left_n if nlabels[j] == label), None)
        if match is not None:
            pairs.append((i, match))
            left_o.remove(i)
            left_n.remove(match)
    # 3. the most similar property sets
    scored = sorted(((_similarity(ctx, ov[i], nv[j]), i, j) for i in left_o for j in left_n), reverse=True)
    for score, i, j in scored:
        if score < 0.5:
            break
        if _discriminated_apart(olabels[i], nlabels[j]):
            continue
        if i in left_o and j in left_n:
            pairs.append((i, j))
            left_o.remove(i)
            left_n.remove(j)

    def token(label: str | None, index: int) -> str:
        return f".{kw}[{label if label is not None else '#' + str(index + 1)}]"

    for i, j in sorted(pairs, key=lambda p: p[1]):
        label = nlabels[j] or olabels[i]
        sub = At(
            at.direction,
            at.path + token(label, j),
            at.old if okw is None else at.old + join_pointer(okw, i),
            at.new if nkw is None else at.new + join_pointer(nkw, j),
            at.names,
            at.schema,
        )
        ctx.schema(ov[i], nv[j], sub)
    for i in left_o:
        where = attrs.evolve(at, path=at.path + token(olabels[i], i))
        what = f"{kw} alternative {olabels[i] or '#' + str(i + 1)} removed"
        if nkw is None:
            what += f" ({kw} replaced by a single schema)"
        ctx.emit(
            R.REQUEST_VARIANT_REMOVED if request else R.RESPONSE_VARIANT_REMOVED,
            where,
            what,
            f"-{olabels[i] or i}",
            spec_pointer=at.old,
        )
    for j in left_n:
        where = attrs.evolve(at, path=at.path + token(nlabels[j], j))
        what = f"{kw} alternative {nlabels[j] or '#' + str(j + 1)} added"
        ctx.emit(
            R.REQUEST_VARIANT_ADDED if request else R.RESPONSE_VARIANT_ADDED,
            where,
            what,
            f"+{nlabels[j] or j}",
            spec_pointer=at.new + (join_pointer(nkw, j) if nkw else ""),
        )


def _similarity(ctx: Context, o_raw: JSON, n_raw: JSON) -> float:
    o = ctx.old.resolve(o_raw, "", record=False).node
    n = ctx.new.resolve(n_raw, "", record=False).node
    if not isinstance(o, dict) or not isinstance(n, dict):
        return 0.0
    op, np_ = o.get("properties"), n.get("properties")
    if isinstance(op, dict) and isinstance(np_, dict) and (op or np_):
        return len(set(op) & set(np_)) / len(set(op) | set(np_))
    if o.get("type") is not None and o.get("type") == n.get("type"):
        return 0.5
    return 0.0
