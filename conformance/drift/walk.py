"""The walk over what a client sees: document servers, operations, security, parameters, request bodies,
content types, responses and headers; every schema met is handed to the context's :meth:`schema`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from conformance.drift import rules as R
from conformance.drift.canon import SpecIndex, _data_hash, is_doc_key
from conformance.drift.context import JSON_TYPE, At, Change, Context, _dict, _values, alias_family
from conformance.findings import Level
from conformance.oas import OperationIndex, join_pointer


def compare_document(ctx: Context) -> list[Change]:
    at = At(R.SPEC, "servers", "/servers", "/servers")
    old = _server_urls(ctx.old.spec.get("servers"))
    new = _server_urls(ctx.new.spec.get("servers"))
    if old != new:
        ctx.emit(
            R.SERVER_CHANGED,
            at,
            f"server URL(s) changed from {_values(old) or 'none'} to {_values(new) or 'none'}",
            f"{sorted(old)}->{sorted(new)}",
            expected=_values(old),
            found=_values(new),
        )
    return ctx.flush()


def operations(spec: dict[str, Any]) -> dict[tuple[str, str], tuple[dict[str, Any], str, Any]]:
    index = OperationIndex(spec)
    return {(o.method, o.path): (o.op, o.pointer, index.path_item(o.path)) for o in index.operations}


def removed_operation(key: tuple[str, str], old_ops: dict[Any, Any], new_ops: dict[Any, Any]) -> list[Change]:
    method, path = key
    op = old_ops[key][0]
    family = alias_family(path)
    alive = sorted(p for m, p in new_ops if m == method and alias_family(p) == family)
    hint = f"the same operation is still published at {', '.join(alive)}; point the client there" if alive else None
    level = Level.WARNING if op.get("deprecated") is True else None
    message = "operation removed" + (" (it was deprecated)" if level else " without deprecation")
    return [
        Change(
            R.OPERATION_REMOVED,
            "",
            message,
            "removed",
            expected=f"{method.upper()} {path}",
            found="absent",
            level=level,
            direction=R.BOTH,
            hint=hint,
        )
    ]


def compare_operation(
    ctx: Context, key: tuple[str, str], old: tuple[dict[str, Any], str, Any], new: tuple[dict[str, Any], str, Any]
) -> list[Change]:
    o, optr, oitem = old
    n, nptr, nitem = new
    at = At(R.BOTH, "", optr, nptr)
    _security(ctx, o, n, at)  # document-level security and schemes count even when the operation is unchanged
    if ctx.old.fp(o) == ctx.new.fp(n) and ctx.old.fp(oitem) == ctx.new.fp(nitem):
        return ctx.flush()
    if o.get("deprecated") is not True and n.get("deprecated") is True:
        ctx.emit(R.DEPRECATED, at, "operation deprecated", "deprecated")
    if o.get("operationId") != n.get("operationId"):
        ctx.emit(
            R.OPERATION_ID_CHANGED,
            at,
            f"operationId changed from {o.get('operationId')!r} to {n.get('operationId')!r}",
            f"{o.get('operationId')}->{n.get('operationId')}",
            expected=str(o.get("operationId")),
            found=str(n.get("operationId")),
        )
    _servers(ctx, o, n, oitem, nitem, at)
    _parameters(ctx, o, n, oitem, nitem, at)
    _request_body(ctx, o, n, at)
    _responses(ctx, o, n, at)
    for k in sorted(set(o) | set(n)):
        if (is_doc_key(k) or k == "tags") and _data_hash(o.get(k)) != _data_hash(n.get(k)):
            ctx.doc(at, k)
    return ctx.flush()


def _servers(ctx: Context, o: dict[str, Any], n: dict[str, Any], oitem: Any, nitem: Any, at: At) -> None:
    def urls(op: dict[str, Any], item: Any) -> list[str] | None:
        for holder in (op, item):
            if isinstance(holder, dict) and "servers" in holder:
                return sorted(_server_urls(holder["servers"]))
        return None

    old, new = urls(o, oitem), urls(n, nitem)
    if old != new:
        ctx.emit(
            R.SERVER_CHANGED,
            attrs.evolve(at, path="servers"),
            f"operation server URL(s) changed from {_values(old or ['(document servers)'])} to "
            f"{_values(new or ['(document servers)'])}",
            f"{old}->{new}",
        )


def _security(ctx: Context, o: dict[str, Any], n: dict[str, Any], at: At) -> None:
    old = _effective_security(ctx.old, o)
    new = _effective_security(ctx.new, n)
    if old == new:
        return
    where = attrs.evolve(at, path="security", direction=R.REQUEST)
    old_text = _security_text(old)
    new_text = _security_text(new)
    if not new:
        ctx.emit(
            R.AUTH_REMOVED,
            where,
            f"authentication no longer documented (was {old_text})",
            f"{old_text}->none",
            expected=old_text,
            found="none",
        )
    elif frozenset() in new or old <= new:
        ctx.emit(
            R.AUTH_RELAXED,
            where,
            f"authentication relaxed: {old_text} -> {new_text}",
            f"{old_text}->{new_text}",
            expected=old_text,
            found=new_text,
        )
    else:
        ctx.emit(
            R.AUTH_CHANGED,
            where,
            f"authentication changed: {old_text} -> {new_text}",
            f"{old_text}->{new_text}",
            expected=old_text,
            found=new_text,
        )


def _effective_security(index: SpecIndex, op: dict[str, Any]) -> frozenset[frozenset[str]]:
    requirements = op["security"] if "security" in op else index.spec.get("security")
    if not isinstance(requirements, list):
        return frozenset()
    schemes = (index.spec.get("components") or {}).get("securitySchemes") or {}
    options = set()
    for requirement in requirements:
        if not isinstance(requirement, dict):
            continue
        parts = set()
        for name in requirement:
            res = index.resolve(schemes.get(name), "")
            scheme = res.node if isinstance(res.node, dict) else {}
            kind = scheme.get("type", "?")
            detail = {
                "http": scheme.get("scheme", "").lower(),
                "apiKey": f"{scheme.get('in')}:{scheme.get('name')}",
                "oauth2": "oauth2",
                "openIdConnect": scheme.get("openIdConnectUrl", ""),
            }.get(kind, "")
            parts.add(f"{kind}:{detail}")
        options.add(frozenset(parts))
    return frozenset(options)


def _parameters(ctx: Context, o: dict[str, Any], n: dict[str, Any], oitem: Any, nitem: Any, at: At) -> None:
    old = _params(ctx.old, o, oitem, at.old)
    new = _params(ctx.new, n, nitem, at.new)
    req = attrs.evolve(at, direction=R.REQUEST)
    for key in sorted(set(old) | set(new)):
        where, name = key
        path = f"request.{where}.{name}"
        if key not in new:
            _, ptr = old[key]
            ctx.emit(
                R.REQUEST_PROPERTY_REMOVED,
                attrs.evolve(req, path=path, names=(name,)),
                f"{where} parameter {name!r} removed",
                "removed",
                spec_pointer=ptr,
            )
            continue
        p_new, nptr = new[key]
        if key not in old:
            if p_new.get("required") is True:
                ctx.emit(
                    R.REQUEST_REQUIRED_ADDED,
                    attrs.evolve(req, path=path, names=(name,)),
                    f"new required {where} parameter {name!r}",
                    "added-required",
                    spec_pointer=nptr,
                )
            else:
                ctx.emit(
                    R.REQUEST_PROPERTY_ADDED,
                    attrs.evolve(req, path=path, names=(name,)),
                    f"new optional {where} parameter {name!r}",
                    "added",
                    spec_pointer=nptr,
                )
            continue
        p_old, optr = old[key]
        here = At(R.REQUEST, path, optr, nptr, (name,))
        if p_old.get("required") is not True and p_new.get("required") is True:
            ctx.emit(R.REQUEST_REQUIRED_ADDED, here, f"{where} parameter {name!r} became required", "became-required")
        elif p_old.get("required") is True and p_new.get("required") is not True:
            ctx.emit(R.REQUEST_REQUIRED_REMOVED, here, f"{where} parameter {name!r} became optional", "became-optional")
        if p_old.get("deprecated") is not True and p_new.get("deprecated") is True:
            ctx.emit(R.DEPRECATED, here, f"{where} parameter {name!r} deprecated", "deprecated")
        for k in sorted(set(p_old) | set(p_new)):
            if is_doc_key(k) and _data_hash(p_old.get(k)) != _data_hash(p_new.get(k)):
                ctx.doc(here, k)
        if "schema" in p_old or "schema" in p_new:
            ctx.schema(p_old.get("schema"), p_new.get("schema"), here.child("", "schema"))


def _params(
    index: SpecIndex, op: dict[str, Any], item: Any, base: str
) -> dict[tuple[str, str], tuple[dict[str, Any], str]]:
    out: dict[tuple[str, str], tuple[dict[str, Any], str]] = {}
    sources = [
        ((item or {}).get("parameters") if isinstance(item, dict) else None, base.rsplit("/", 1)[0]),
        (op.get("parameters"), base),
    ]
    for params, ptr in sources:
        if not isinstance(params, list):
            continue
        for i, raw in enumerate(params):
            res = index.resolve(raw, f"{ptr}/parameters/{i}")
            p = res.node
            if isinstance(p, dict) and isinstance(p.get("name"), str):
                out[(str(p.get("in", "query")), p["name"])] = (p, res.pointer)
    return out


def _request_body(ctx: Context, o: dict[str, Any], n: dict[str, Any], at: At) -> None:
    ro = ctx.old.resolve(o.get("requestBody"), at.old + "/requestBody")
    rn = ctx.new.resolve(n.get("requestBody"), at.new + "/requestBody")
    here = At(R.REQUEST, "request.body", ro.pointer, rn.pointer)
    if ro.problem or rn.problem:
        ctx.ref_problem(ro.problem, rn.problem, here)
        return
    ob = ro.node if isinstance(ro.node, dict) else None
    nb = rn.node if isinstance(rn.node, dict) else None
    if ob is None and nb is None:
        return
    if nb is None:
        ctx.emit(R.REQUEST_PROPERTY_REMOVED, here, "request body no longer documented", "body-removed")
        return
    if ob is None:
        rule = R.REQUEST_BODY_REQUIRED if nb.get("required") is True else R.REQUEST_PROPERTY_ADDED
        ctx.emit(rule, here, "request body added" + (" (required)" if nb.get("required") else ""), "body-added")
        return
    if ob.get("required") is not True and nb.get("required") is True:
        ctx.emit(R.REQUEST_BODY_REQUIRED, here, "request body became required", "body-required")
    for k in sorted(set(ob) | set(nb)):
        if is_doc_key(k) and _data_hash(ob.get(k)) != _data_hash(nb.get(k)):
            ctx.doc(here, k)
    _content(ctx, ob.get("content"), nb.get("content"), here)


def _content(ctx: Context, old: Any, new: Any, at: At) -> None:
    old = old if isinstance(old, dict) else {}
    new = new if isinstance(new, dict) else {}
    request = at.direction == R.REQUEST
    for ctype in sorted(set(old) | set(new)):
        token = "" if ctype == JSON_TYPE else f"[{ctype}]"
        here = At(
            at.direction,
            at.path + token,
            at.old + join_pointer("content", ctype),
            at.new + join_pointer("content", ctype),
        )
        if ctype not in new:
            rule = R.REQUEST_CONTENT_TYPE_REMOVED if request else R.RESPONSE_CONTENT_TYPE_REMOVED
            ctx.emit(rule, here, f"content type {ctype} removed", f"-{ctype}", spec_pointer=here.old)
            continue
        if ctype not in old:
            rule = R.REQUEST_CONTENT_TYPE_ADDED if request else R.RESPONSE_CONTENT_TYPE_ADDED
            ctx.emit(rule, here, f"content type {ctype} added", f"+{ctype}")
            continue
        om, nm = old[ctype], new[ctype]
        if not isinstance(om, dict) or not isinstance(nm, dict):
            continue
        if ctx.old.fp(om) == ctx.new.fp(nm):
            continue
        for k in sorted(set(om) | set(nm)):
            if is_doc_key(k) and _data_hash(om.get(k)) != _data_hash(nm.get(k)):
                ctx.doc(here, k)
        if "schema" in om or "schema" in nm:
            ctx.schema(om.get("schema"), nm.get("schema"), here.child("", "schema"))


def _responses(ctx: Context, o: dict[str, Any], n: dict[str, Any], at: At) -> None:
    old = _dict(o.get("responses"))
    new = _dict(n.get("responses"))

    def success(codes: Iterable[Any]) -> list[str]:
        return sorted(str(c) for c in codes if str(c).startswith("2"))

    gone, came = success(set(old) - set(new)), success(set(new) - set(old))
    pairs = [(str(s), str(s)) for s in set(old) & set(new)]
    reported = ""
    if gone and not success(set(old) & set(new)):
        reported = gone[0]
        here = At(
            R.RESPONSE,
            f"response.{gone[0]}",
            at.old + join_pointer("responses", gone[0]),
            at.new + join_pointer("responses", came[0] if came else gone[0]),
        )
        if came:
            ctx.emit(
                R.RESPONSE_SUCCESS_STATUS_CHANGED,
                here,
                f"success status changed from {gone[0]} to {came[0]}",
                f"{gone[0]}->{came[0]}",
                expected=gone[0],
                found=came[0],
            )
            pairs.append((gone[0], came[0]))
        else:
            ctx.emit(
                R.RESPONSE_SUCCESS_STATUS_CHANGED,
                here,
                f"success response {gone[0]} no longer documented, and no other success response is",
                f"{gone[0]}->none",
                expected=gone[0],
                found="none",
                spec_pointer=here.old,
            )
    paired_old = {a for a, _ in pairs}
    paired_new = {b for _, b in pairs}
    for status in sorted(set(map(str, old)) - paired_old):
        here = At(R.RESPONSE, f"response.{status}", at.old + join_pointer("responses", status), at.new)
        if status != reported:
            ctx.emit(
                R.RESPONSE_STATUS_REMOVED,
                here,
                f"response {status} no longer documented",
                f"-{status}",
                spec_pointer=here.old,
            )
    for status in sorted(set(map(str, new)) - paired_new):
        here = At(R.RESPONSE, f"response.{status}", at.old, at.new + join_pointer("responses", status))
        ctx.emit(R.RESPONSE_STATUS_ADDED, here, f"response {status} documented", f"+{status}")
    old = {str(k): v for k, v in old.items()}
    new = {str(k): v for k, v in new.items()}
    for ostatus, status in sorted(pairs, key=lambda p: p[1]):
        here = At(
            R.RESPONSE,
            f"response.{status}",
            at.old + join_pointer("responses", ostatus),
            at.new + join_pointer("responses", status),
        )
        ro = ctx.old.resolve(old[ostatus], here.old)
        rn = ctx.new.resolve(new[status], here.new)
        here = here.moved(ro.pointer, rn.pointer, None)
        if ro.problem or rn.problem:
            ctx.ref_problem(ro.problem, rn.problem, here)
            continue
        orsp, nrsp = ro.node, rn.node
        if not isinstance(orsp, dict) or not isinstance(nrsp, dict) or ctx.old.fp(orsp) == ctx.new.fp(nrsp):
            continue
        for k in sorted(set(orsp) | set(nrsp)):
            if is_doc_key(k) and _data_hash(orsp.get(k)) != _data_hash(nrsp.get(k)):
                ctx.doc(here, k)
        _content(ctx, orsp.get("content"), nrsp.get("content"), here)
        _headers(ctx, orsp.get("headers"), nrsp.get("headers"), here)


def _headers(ctx: Context, old: Any, new: Any, at: At) -> None:
    old = old if isinstance(old, dict) else {}
    new = new if isinstance(new, dict) else {}
    for name in sorted(set(old) | set(new)):
        here = At(
            R.RESPONSE,
            f"{at.path}.headers.{name}",
            at.old + join_pointer("headers", name),
            at.new + join_pointer("headers", name),
            (name,),
        )
        if name not in new:
            ctx.emit(
                R.RESPONSE_OPTIONAL_REMOVED,
                here,
                f"response header {name!r} removed",
                "removed",
                spec_pointer=here.old,
            )
        elif name not in old:
            ctx.emit(R.RESPONSE_PROPERTY_ADDED, here, f"response header {name!r} added", "added")
        else:
            oh = ctx.old.resolve(old[name], here.old).node
            nh = ctx.new.resolve(new[name], here.new).node
            if isinstance(oh, dict) and isinstance(nh, dict):
                ctx.schema(oh.get("schema"), nh.get("schema"), here.child("", "schema"))


def _server_urls(servers: Any) -> frozenset[str]:
    if not isinstance(servers, list):
        return frozenset()
    return frozenset(str(s.get("url")) for s in servers if isinstance(s, dict) and "url" in s)


def _security_text(options: frozenset[frozenset[str]]) -> str:
    if not options:
        return "none"
    return " or ".join(sorted("+".join(sorted(o)) or "anonymous" for o in options))
