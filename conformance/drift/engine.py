"""The semantic diff: two specs in, classified drift findings out.

What is compared is what a client sees: operations (path + method), their
parameters, request bodies, responses, content types, authentication and the
server URLs, with every ``$ref`` followed. Component schemas that no operation
reaches are not compared (they cannot affect a client of these operations).

* Reordering never counts: object keys, and ``enum``/``required``/``type``/
  ``oneOf``/``anyOf``/``allOf`` lists, are compared as sets.
* ``oneOf``/``anyOf`` alternatives are matched by content, not by position:
  first identical contracts, then the same discriminating label (a property
  with a single allowed value such as ``role=user``, or the type), then the most
  similar property sets. A variant whose description or ``deprecated`` flag
  changed is the same variant, not a removed one.
* Documentation (descriptions, titles, examples, ``x-codeSamples``, any ``x-``
  extension) is compared separately and reported at info level, one finding per
  operation and kind.
* The same change under path aliases (``/v1/chat/completions`` and
  ``/chat/completions``) is one finding naming both locations.
* A broken ``$ref`` is a finding naming the reference; the rest still compares.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import attrs

from conformance.drift import rules as R
from conformance.drift.canon import (
    ANNOTATIONS,
    DOC_KEYS,
    NAME_MAPS,
    SET_KEYS,
    RefProblem,
    SpecIndex,
    _data_hash,
    is_doc_key,
)
from conformance.drift.collapse import group_opened, raw_changes
from conformance.findings import Finding, Level, Rule, sort_findings
from conformance.schema import join_pointer

JSON = Any
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
JSON_TYPE = "application/json"
_VERSION_PREFIX = re.compile(r"^/v\d+(?=/)")
_PARAM = re.compile(r"\{[^}/]*\}")

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


def alias_family(path: str) -> str:
    """Paths that name the same operation: a leading ``/v<N>`` and parameter names do not count."""
    return _PARAM.sub("{}", _VERSION_PREFIX.sub("", path))


def _opt(value: Any) -> str:
    return "absent" if value is None else _show(value)


def _show(value: Any, limit: int = 120) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _values(values: Iterable[Any]) -> str:
    return ", ".join(_show(v, 60) for v in values)


def _json_type(value: Any) -> str:
    from conformance.schema import value_class

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


@attrs.frozen
class At:
    """Where the walk is: direction, logical path, JSON pointers on both sides, property names, schema name."""

    direction: str
    path: str
    old: str
    new: str
    names: tuple[str, ...] = ()
    schema: str | None = None

    def prop(self, name: str) -> At:
        sep = "." if self.path else ""
        return attrs.evolve(
            self,
            path=f"{self.path}{sep}{name}",
            old=self.old + join_pointer("properties", name),
            new=self.new + join_pointer("properties", name),
            names=(*self.names, name),
        )

    def child(self, token: str, old_key: str | int, new_key: str | int | None = None) -> At:
        return attrs.evolve(
            self,
            path=self.path + token,
            old=self.old + join_pointer(old_key),
            new=self.new + join_pointer(old_key if new_key is None else new_key),
        )

    def moved(self, old: str, new: str, schema: str | None) -> At:
        return attrs.evolve(self, old=old, new=new, schema=schema or self.schema)


@attrs.frozen
class Change:
    """One classified change inside an operation (or the document), before it becomes a finding."""

    rule: Rule
    pointer: str
    message: str
    key: str
    expected: str | None = None
    found: str | None = None
    level: Level | None = None
    spec_pointer: str = ""
    names: tuple[str, ...] = ()
    schema: str | None = None
    direction: str = ""
    hint: str | None = None


def _variants(node: dict[str, Any]) -> tuple[str, list[Any]] | None:
    for kw in ("oneOf", "anyOf"):
        value = node.get(kw)
        if isinstance(value, list):
            return kw, value
    return None


class Differ:
    """Compare two indexed specs; :meth:`run` returns the findings."""

    def __init__(self, old: SpecIndex, new: SpecIndex, *, evidence: str | None = None) -> None:
        self.old = old
        self.new = new
        self.evidence = evidence
        self._changes: list[Change] = []
        self._docs: dict[str, list[str]] = defaultdict(list)
        self._active: set[tuple[int, int]] = set()

    # -- recording -------------------------------------------------------------------------
    def emit(
        self,
        rule: Rule,
        at: At,
        message: str,
        key: str,
        *,
        expected: str | None = None,
        found: str | None = None,
        level: Level | None = None,
        hint: str | None = None,
        spec_pointer: str | None = None,
    ) -> None:
        self._changes.append(
            Change(
                rule,
                at.path,
                message,
                key,
                expected,
                found,
                level,
                at.new if spec_pointer is None else spec_pointer,
                at.names,
                at.schema,
                at.direction,
                hint,
            )
        )

    def doc(self, at: At, key: str) -> None:
        if key in ANNOTATIONS:
            return
        kind = R.EXAMPLE_CHANGED.id if key in ("example", "examples") or key.startswith("x-") else R.DOC_CHANGED.id
        where = f"{at.path}.{key}" if at.path else key
        self._docs[kind].append(where)

    def _flush(self) -> list[Change]:
        out = self._changes
        for kind, places in sorted(self._docs.items()):
            rule = R.DOC_CHANGED if kind == R.DOC_CHANGED.id else R.EXAMPLE_CHANGED
            unique = sorted(set(places))
            shown = ", ".join(unique[:6]) + (f", … ({len(unique) - 6} more)" if len(unique) > 6 else "")
            what = "descriptions/titles" if rule is R.DOC_CHANGED else "examples/code samples/extensions"
            out.append(Change(rule, "", f"{what} changed at {len(unique)} place(s): {shown}", "\n".join(unique)))
        self._changes = []
        self._docs = defaultdict(list)
        return out

    # -- entry -----------------------------------------------------------------------------
    def run(self) -> list[Finding]:
        findings: list[Finding] = []
        findings += self._to_findings(self._document(), [])
        findings += self._ref_findings()
        old_ops = self._operations(self.old.spec)
        new_ops = self._operations(self.new.spec)
        # operation pairs grouped: identical pairs within one alias family are diffed once
        groups: dict[tuple[Any, ...], list[tuple[str, str]]] = defaultdict(list)
        for key in sorted(set(old_ops) | set(new_ops)):
            method, path = key
            o = old_ops.get(key)
            n = new_ops.get(key)
            ofp = self.old.fp(o[0]) if o else None
            nfp = self.new.fp(n[0]) if n else None
            groups[(method, alias_family(path), ofp, nfp, o is None, n is None)].append(key)
        for (_method, _family, _ofp, _nfp, added, removed), keys in sorted(groups.items(), key=lambda kv: kv[1]):
            first = keys[0]
            locations = [f"{m.upper()} {p}" for m, p in keys]
            if added:
                changes = [Change(R.OPERATION_ADDED, "", "operation added", "added", direction=R.BOTH)]
            elif removed:
                changes = self._removed_operation(first, old_ops, new_ops)
            else:
                changes = self._operation(first, old_ops[first], new_ops[first])
            findings += self._to_findings(changes, locations)
        findings += self._unused_schemas()
        return sort_findings(group_opened(_merge_aliases(findings)))

    def _unused_schemas(self) -> list[Finding]:
        """Component schemas no operation of either version uses: compared, every change at info level."""
        used = self.old.used_schemas() | self.new.used_schemas()
        old = _dict(_dict(self.old.spec.get("components")).get("schemas"))
        new = _dict(_dict(self.new.spec.get("components")).get("schemas"))
        out: list[Finding] = []
        for name in sorted((set(old) | set(new)) - used):
            pointer = join_pointer("components", "schemas", name)
            where = [f"schema {name}"]
            note = "unused component schema"
            if name not in new:
                change = Change(
                    R.UNUSED_SCHEMA_CHANGED,
                    "",
                    f"{note} {name!r} removed",
                    "removed",
                    spec_pointer=pointer,
                    direction=R.SPEC,
                    schema=name,
                )
                out += self._to_findings([change], where)
                continue
            if name not in old:
                shape = self.shape(self.new, new[name])
                change = Change(
                    R.UNUSED_SCHEMA_CHANGED,
                    "",
                    f"{note} {name!r} added: {shape}",
                    "added",
                    spec_pointer=pointer,
                    direction=R.SPEC,
                    schema=name,
                    found=shape,
                )
                out += self._to_findings([change], where)
                continue
            texts = raw_changes(old[name], new[name], "")
            if not texts:
                continue  # same contract text (documentation aside)
            shown = "; ".join(texts[:3]) + (f"; and {len(texts) - 3} more" if len(texts) > 3 else "")
            digest = hashlib.sha256("\n".join(texts).encode())
            change = Change(
                R.UNUSED_SCHEMA_CHANGED,
                "",
                f"{note} {name!r} changed: {shown}",
                f"changed:{digest.hexdigest()[:12]}",
                spec_pointer=pointer,
                direction=R.SPEC,
                schema=name,
            )
            out += self._to_findings([change], where)
        return out

    def _to_findings(self, changes: Sequence[Change], locations: list[str]) -> list[Finding]:
        out = []
        location = ", ".join(sorted(locations, key=lambda loc: (len(loc), loc))) if locations else "spec"
        for c in changes:
            extra: dict[str, Any] = {
                "direction": c.direction or R.DRIFT_RULES[c.rule.id].direction,
                "change": c.key,
                "locations": sorted(locations),
            }
            if c.spec_pointer:
                extra["spec_pointer"] = c.spec_pointer
            if c.names:
                extra["names"] = list(c.names)
            if c.schema:
                extra["schema"] = c.schema
            out.append(
                c.rule.finding(
                    location,
                    c.message,
                    pointer=c.pointer,
                    expected=c.expected,
                    found=c.found,
                    level=c.level,
                    hint=c.hint,
                    evidence=self.evidence,
                    extra=extra,
                )
            )
        return out

    # -- document level --------------------------------------------------------------------
    def _document(self) -> list[Change]:
        at = At(R.SPEC, "servers", "/servers", "/servers")
        old = _server_urls(self.old.spec.get("servers"))
        new = _server_urls(self.new.spec.get("servers"))
        if old != new:
            self.emit(
                R.SERVER_CHANGED,
                at,
                f"server URL(s) changed from {_values(old) or 'none'} to {_values(new) or 'none'}",
                f"{sorted(old)}->{sorted(new)}",
                expected=_values(old),
                found=_values(new),
            )
        return self._flush()

    def _operations(self, spec: dict[str, Any]) -> dict[tuple[str, str], tuple[dict[str, Any], str, Any]]:
        out: dict[tuple[str, str], tuple[dict[str, Any], str, Any]] = {}
        paths = spec.get("paths")
        if not isinstance(paths, dict):
            return out
        for path, item in paths.items():
            if not isinstance(item, dict):
                continue
            for method in HTTP_METHODS:
                op = item.get(method)
                if isinstance(op, dict):
                    out[(method, path)] = (op, join_pointer("paths", path, method), item)
        return out

    def _removed_operation(
        self, key: tuple[str, str], old_ops: dict[Any, Any], new_ops: dict[Any, Any]
    ) -> list[Change]:
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

    # -- operations ------------------------------------------------------------------------
    def _operation(
        self, key: tuple[str, str], old: tuple[dict[str, Any], str, Any], new: tuple[dict[str, Any], str, Any]
    ) -> list[Change]:
        o, optr, oitem = old
        n, nptr, nitem = new
        at = At(R.BOTH, "", optr, nptr)
        self._security(o, n, at)  # document-level security and schemes count even when the operation is unchanged
        if self.old.fp(o) == self.new.fp(n) and self.old.fp(oitem) == self.new.fp(nitem):
            return self._flush()
        if o.get("deprecated") is not True and n.get("deprecated") is True:
            self.emit(R.DEPRECATED, at, "operation deprecated", "deprecated")
        if o.get("operationId") != n.get("operationId"):
            self.emit(
                R.OPERATION_ID_CHANGED,
                at,
                f"operationId changed from {o.get('operationId')!r} to {n.get('operationId')!r}",
                f"{o.get('operationId')}->{n.get('operationId')}",
                expected=str(o.get("operationId")),
                found=str(n.get("operationId")),
            )
        self._servers(o, n, oitem, nitem, at)
        self._parameters(o, n, oitem, nitem, at)
        self._request_body(o, n, at)
        self._responses(o, n, at)
        for k in sorted(set(o) | set(n)):
            if (is_doc_key(k) or k == "tags") and _data_hash(o.get(k)) != _data_hash(n.get(k)):
                self.doc(at, k)
        return self._flush()

    def _servers(self, o: dict[str, Any], n: dict[str, Any], oitem: Any, nitem: Any, at: At) -> None:
        def urls(op: dict[str, Any], item: Any) -> list[str] | None:
            for holder in (op, item):
                if isinstance(holder, dict) and "servers" in holder:
                    return sorted(_server_urls(holder["servers"]))
            return None

        old, new = urls(o, oitem), urls(n, nitem)
        if old != new:
            self.emit(
                R.SERVER_CHANGED,
                attrs.evolve(at, path="servers"),
                f"operation server URL(s) changed from {_values(old or ['(document servers)'])} to "
                f"{_values(new or ['(document servers)'])}",
                f"{old}->{new}",
            )

    def _security(self, o: dict[str, Any], n: dict[str, Any], at: At) -> None:
        old = self._effective_security(self.old, o)
        new = self._effective_security(self.new, n)
        if old == new:
            return
        where = attrs.evolve(at, path="security", direction=R.REQUEST)
        old_text = _security_text(old)
        new_text = _security_text(new)
        if not new:
            self.emit(
                R.AUTH_REMOVED,
                where,
                f"authentication no longer documented (was {old_text})",
                f"{old_text}->none",
                expected=old_text,
                found="none",
            )
        elif frozenset() in new or old <= new:
            self.emit(
                R.AUTH_RELAXED,
                where,
                f"authentication relaxed: {old_text} -> {new_text}",
                f"{old_text}->{new_text}",
                expected=old_text,
                found=new_text,
            )
        else:
            self.emit(
                R.AUTH_CHANGED,
                where,
                f"authentication changed: {old_text} -> {new_text}",
                f"{old_text}->{new_text}",
                expected=old_text,
                found=new_text,
            )

    def _effective_security(self, index: SpecIndex, op: dict[str, Any]) -> frozenset[frozenset[str]]:
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

    def _parameters(self, o: dict[str, Any], n: dict[str, Any], oitem: Any, nitem: Any, at: At) -> None:
        old = self._params(self.old, o, oitem, at.old)
        new = self._params(self.new, n, nitem, at.new)
        req = attrs.evolve(at, direction=R.REQUEST)
        for key in sorted(set(old) | set(new)):
            where, name = key
            path = f"request.{where}.{name}"
            if key not in new:
                _, ptr = old[key]
                self.emit(
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
                    self.emit(
                        R.REQUEST_REQUIRED_ADDED,
                        attrs.evolve(req, path=path, names=(name,)),
                        f"new required {where} parameter {name!r}",
                        "added-required",
                        spec_pointer=nptr,
                    )
                else:
                    self.emit(
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
                self.emit(
                    R.REQUEST_REQUIRED_ADDED, here, f"{where} parameter {name!r} became required", "became-required"
                )
            elif p_old.get("required") is True and p_new.get("required") is not True:
                self.emit(
                    R.REQUEST_REQUIRED_REMOVED, here, f"{where} parameter {name!r} became optional", "became-optional"
                )
            if p_old.get("deprecated") is not True and p_new.get("deprecated") is True:
                self.emit(R.DEPRECATED, here, f"{where} parameter {name!r} deprecated", "deprecated")
            for k in sorted(set(p_old) | set(p_new)):
                if is_doc_key(k) and _data_hash(p_old.get(k)) != _data_hash(p_new.get(k)):
                    self.doc(here, k)
            if "schema" in p_old or "schema" in p_new:
                self.schema(p_old.get("schema"), p_new.get("schema"), here.child("", "schema"))

    def _params(
        self, index: SpecIndex, op: dict[str, Any], item: Any, base: str
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

    def _request_body(self, o: dict[str, Any], n: dict[str, Any], at: At) -> None:
        ro = self.old.resolve(o.get("requestBody"), at.old + "/requestBody")
        rn = self.new.resolve(n.get("requestBody"), at.new + "/requestBody")
        here = At(R.REQUEST, "request.body", ro.pointer, rn.pointer)
        if ro.problem or rn.problem:
            self._ref_problem(ro.problem, rn.problem, here)
            return
        ob = ro.node if isinstance(ro.node, dict) else None
        nb = rn.node if isinstance(rn.node, dict) else None
        if ob is None and nb is None:
            return
        if nb is None:
            self.emit(R.REQUEST_PROPERTY_REMOVED, here, "request body no longer documented", "body-removed")
            return
        if ob is None:
            rule = R.REQUEST_BODY_REQUIRED if nb.get("required") is True else R.REQUEST_PROPERTY_ADDED
            self.emit(rule, here, "request body added" + (" (required)" if nb.get("required") else ""), "body-added")
            return
        if ob.get("required") is not True and nb.get("required") is True:
            self.emit(R.REQUEST_BODY_REQUIRED, here, "request body became required", "body-required")
        for k in sorted(set(ob) | set(nb)):
            if is_doc_key(k) and _data_hash(ob.get(k)) != _data_hash(nb.get(k)):
                self.doc(here, k)
        self._content(ob.get("content"), nb.get("content"), here)

    def _content(self, old: Any, new: Any, at: At) -> None:
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
                self.emit(rule, here, f"content type {ctype} removed", f"-{ctype}", spec_pointer=here.old)
                continue
            if ctype not in old:
                rule = R.REQUEST_CONTENT_TYPE_ADDED if request else R.RESPONSE_CONTENT_TYPE_ADDED
                self.emit(rule, here, f"content type {ctype} added", f"+{ctype}")
                continue
            om, nm = old[ctype], new[ctype]
            if not isinstance(om, dict) or not isinstance(nm, dict):
                continue
            if self.old.fp(om) == self.new.fp(nm):
                continue
            for k in sorted(set(om) | set(nm)):
                if is_doc_key(k) and _data_hash(om.get(k)) != _data_hash(nm.get(k)):
                    self.doc(here, k)
            if "schema" in om or "schema" in nm:
                self.schema(om.get("schema"), nm.get("schema"), here.child("", "schema"))

    def _responses(self, o: dict[str, Any], n: dict[str, Any], at: At) -> None:
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
                self.emit(
                    R.RESPONSE_SUCCESS_STATUS_CHANGED,
                    here,
                    f"success status changed from {gone[0]} to {came[0]}",
                    f"{gone[0]}->{came[0]}",
                    expected=gone[0],
                    found=came[0],
                )
                pairs.append((gone[0], came[0]))
            else:
                self.emit(
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
                self.emit(
                    R.RESPONSE_STATUS_REMOVED,
                    here,
                    f"response {status} no longer documented",
                    f"-{status}",
                    spec_pointer=here.old,
                )
        for status in sorted(set(map(str, new)) - paired_new):
            here = At(R.RESPONSE, f"response.{status}", at.old, at.new + join_pointer("responses", status))
            self.emit(R.RESPONSE_STATUS_ADDED, here, f"response {status} documented", f"+{status}")
        old = {str(k): v for k, v in old.items()}
        new = {str(k): v for k, v in new.items()}
        for ostatus, status in sorted(pairs, key=lambda p: p[1]):
            here = At(
                R.RESPONSE,
                f"response.{status}",
                at.old + join_pointer("responses", ostatus),
                at.new + join_pointer("responses", status),
            )
            ro = self.old.resolve(old[ostatus], here.old)
            rn = self.new.resolve(new[status], here.new)
            here = here.moved(ro.pointer, rn.pointer, None)
            if ro.problem or rn.problem:
                self._ref_problem(ro.problem, rn.problem, here)
                continue
            orsp, nrsp = ro.node, rn.node
            if not isinstance(orsp, dict) or not isinstance(nrsp, dict) or self.old.fp(orsp) == self.new.fp(nrsp):
                continue
            for k in sorted(set(orsp) | set(nrsp)):
                if is_doc_key(k) and _data_hash(orsp.get(k)) != _data_hash(nrsp.get(k)):
                    self.doc(here, k)
            self._content(orsp.get("content"), nrsp.get("content"), here)
            self._headers(orsp.get("headers"), nrsp.get("headers"), here)

    def _headers(self, old: Any, new: Any, at: At) -> None:
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
                self.emit(
                    R.RESPONSE_OPTIONAL_REMOVED,
                    here,
                    f"response header {name!r} removed",
                    "removed",
                    spec_pointer=here.old,
                )
            elif name not in old:
                self.emit(R.RESPONSE_PROPERTY_ADDED, here, f"response header {name!r} added", "added")
            else:
                oh = self.old.resolve(old[name], here.old).node
                nh = self.new.resolve(new[name], here.new).node
                if isinstance(oh, dict) and isinstance(nh, dict):
                    self.schema(oh.get("schema"), nh.get("schema"), here.child("", "schema"))

    def _ref_problem(self, old: RefProblem | None, new: RefProblem | None, at: At) -> None:
        """A side cannot be followed: that subtree is not compared (:meth:`_ref_findings` names the reference)."""

    def _ref_findings(self) -> list[Finding]:
        """Every broken reference an operation reaches, in the new spec (and fixed ones from the old)."""
        # keyed by site, not pointer: the same problem inside reordered alternatives is no change
        old = {(p.kind, p.ref, p.site): p for p in self.old.reachable_problems()}
        new = {(p.kind, p.ref, p.site): p for p in self.new.reachable_problems()}
        out: list[Finding] = []
        for key, problem in sorted(new.items()):
            if key in old:
                continue  # not a change: the old spec had the same broken reference at the same place
            rule = R.REF_CYCLE if problem.kind == "cycle" else R.REF_BROKEN
            location, pointer = _split_pointer(problem.pointer)
            out += self._ref_finding(
                rule,
                location,
                pointer,
                f"{problem.detail}; that part is compared as an opaque reference",
                f"{problem.kind}:{problem.ref}",
                None,
                problem.hint or None,
                problem.ref,
            )
        for key, problem in sorted(old.items()):
            if key in new:
                continue
            rule = R.REF_CYCLE if problem.kind == "cycle" else R.REF_BROKEN
            location, pointer = _split_pointer(problem.pointer)
            out += self._ref_finding(
                rule,
                location,
                pointer,
                f"fixed: in the old spec {problem.detail}",
                f"fixed-{problem.kind}:{problem.ref}",
                Level.INFO,
                None,
                problem.ref,
            )
        return out

    def _ref_finding(
        self,
        rule: Rule,
        location: str,
        pointer: str,
        message: str,
        key: str,
        level: Level | None,
        hint: str | None,
        ref: str,
    ) -> list[Finding]:
        change = Change(
            rule, pointer, message, key, found=ref, level=level, spec_pointer=pointer, hint=hint, direction=R.SPEC
        )
        return self._to_findings([change], [location] if location != "spec" else [])

    # -- schemas ---------------------------------------------------------------------------
    def schema(self, o_raw: JSON, n_raw: JSON, at: At) -> None:
        ro = self.old.resolve(o_raw, at.old)
        rn = self.new.resolve(n_raw, at.new)
        if ro.problem or rn.problem:
            self._ref_problem(ro.problem, rn.problem, at)
            return
        o, n = ro.node, rn.node
        at = at.moved(ro.pointer, rn.pointer, rn.name or ro.name)
        if not isinstance(o, dict) or not isinstance(n, dict):
            if o is None or n is None or _data_hash(o) == _data_hash(n):
                return
            self.emit(R.SCHEMA_CHANGED, at, f"schema changed from {_show(o)} to {_show(n)}", "schema")
            return
        co, fo = self.old.fp(o)
        cn, fn = self.new.fp(n)
        if fo == fn:
            return
        if co == cn:
            self._docs_only(o, n, at)
            return
        pair = (id(o), id(n))
        if pair in self._active:
            return
        self._active.add(pair)
        try:
            self._compare(self.old.view(o, at.old), self.new.view(n, at.new), at)
        finally:
            self._active.discard(pair)

    def _compare(self, o: dict[str, Any], n: dict[str, Any], at: At) -> None:
        ov, nv = _variants(o), _variants(n)
        if ov is not None or nv is not None:
            okw = ov[0] if ov else None
            nkw = nv[0] if nv else None
            self._variant_lists(ov[1] if ov else [o], nv[1] if nv else [n], at, okw, nkw)
            if ov is None or nv is None:
                return
        self._types(o, n, at)
        self._enum(o, n, at)
        self._properties(o, n, at)
        oi, ni = o.get("items"), n.get("items")
        if oi is not None and ni is not None:
            self.schema(oi, ni, attrs.evolve(at.child("[]", "items"), names=(*at.names, "[]")))
        self._additional(o, n, at)
        self._constraints(o, n, at)
        self._default(o, n, at)
        if o.get("deprecated") is not True and n.get("deprecated") is True:
            self.emit(R.DEPRECATED, at, f"{at.path or 'schema'} deprecated", "deprecated")
        others = sorted(
            k
            for k in set(o) | set(n)
            if k not in HANDLED and not is_doc_key(k) and _data_hash(o.get(k)) != _data_hash(n.get(k))
        )
        for k in others:
            self.emit(
                R.SCHEMA_CHANGED,
                at,
                f"{k} changed from {_opt(o.get(k))} to {_opt(n.get(k))}",
                k,
                expected=_opt(o.get(k)),
                found=_opt(n.get(k)),
            )
        self._doc_keys(o, n, at)

    def _doc_keys(self, o: dict[str, Any], n: dict[str, Any], at: At) -> None:
        for k in set(o) | set(n):
            if is_doc_key(k) and _data_hash(o.get(k)) != _data_hash(n.get(k)):
                self.doc(at, k)

    def _docs_only(self, o: JSON, n: JSON, at: At) -> None:
        """Contracts are equal: find which documentation changed, anywhere below."""
        if isinstance(o, dict) and isinstance(n, dict):
            ro, rn = self.old.resolve(o, at.old, record=False), self.new.resolve(n, at.new, record=False)
            o, n = ro.node, rn.node
            if not isinstance(o, dict) or not isinstance(n, dict) or self.old.fp(o)[1] == self.new.fp(n)[1]:
                return
            pair = (id(o), id(n))
            if pair in self._active:
                return
            self._active.add(pair)
            try:
                self._doc_keys(o, n, at)
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
                            self._docs_only(ov[name], nv[name], sub)
                    elif isinstance(ov, dict) and isinstance(nv, dict):
                        token = "[]" if k == "items" else f".{k}"
                        self._docs_only(
                            ov,
                            nv,
                            At(at.direction, at.path + token, at.old + join_pointer(k), at.new + join_pointer(k)),
                        )
                    elif isinstance(ov, list) and isinstance(nv, list):
                        for i, j in self._pair_by_contract(ov, nv, k in SET_KEYS):
                            self._docs_only(
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
                self._active.discard(pair)

    def _pair_by_contract(self, ov: list[Any], nv: list[Any], as_set: bool) -> list[tuple[int, int]]:
        if not as_set:
            return [(i, i) for i in range(min(len(ov), len(nv)))]
        pending: dict[int, list[int]] = defaultdict(list)
        for j, v in enumerate(nv):
            pending[self.new.fp(v)[0]].append(j)
        pairs = []
        for i, v in enumerate(ov):
            bucket = pending.get(self.old.fp(v)[0])
            if bucket:
                pairs.append((i, bucket.pop(0)))
        return pairs

    # -- variants --------------------------------------------------------------------------
    def _label(self, index: SpecIndex, raw: JSON, pointer: str) -> str | None:
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
                inner = self._label(index, items, pointer + "/items")
                return f"array<{inner}>" if inner else "array"
            return kind
        title = node.get("title")
        return title if isinstance(title, str) else None

    def _variant_lists(self, ov: list[Any], nv: list[Any], at: At, okw: str | None, nkw: str | None) -> None:
        """Match alternatives by content; ``okw``/``nkw`` is None where that side is a single plain schema."""
        kw = nkw or okw or "oneOf"
        request = at.direction != R.RESPONSE
        left_o = list(range(len(ov)))
        left_n = list(range(len(nv)))
        pairs: list[tuple[int, int]] = []
        # 1. identical contracts
        by_fp: dict[int, list[int]] = defaultdict(list)
        for j in left_n:
            by_fp[self.new.fp(nv[j])[0]].append(j)
        for i in list(left_o):
            bucket = by_fp.get(self.old.fp(ov[i])[0])
            if bucket:
                j = bucket.pop(0)
                pairs.append((i, j))
                left_o.remove(i)
                left_n.remove(j)
        # 2. the same discriminating label (unique on both sides)
        olabels = {i: self._label(self.old, ov[i], at.old) for i in range(len(ov))}
        nlabels = {j: self._label(self.new, nv[j], at.new) for j in range(len(nv))}
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
        scored = sorted(((self._similarity(ov[i], nv[j]), i, j) for i in left_o for j in left_n), reverse=True)
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
            self.schema(ov[i], nv[j], sub)
        for i in left_o:
            where = attrs.evolve(at, path=at.path + token(olabels[i], i))
            what = f"{kw} alternative {olabels[i] or '#' + str(i + 1)} removed"
            if nkw is None:
                what += f" ({kw} replaced by a single schema)"
            self.emit(
                R.REQUEST_VARIANT_REMOVED if request else R.RESPONSE_VARIANT_REMOVED,
                where,
                what,
                f"-{olabels[i] or i}",
                spec_pointer=at.old,
            )
        for j in left_n:
            where = attrs.evolve(at, path=at.path + token(nlabels[j], j))
            what = f"{kw} alternative {nlabels[j] or '#' + str(j + 1)} added"
            self.emit(
                R.REQUEST_VARIANT_ADDED if request else R.RESPONSE_VARIANT_ADDED,
                where,
                what,
                f"+{nlabels[j] or j}",
                spec_pointer=at.new + (join_pointer(nkw, j) if nkw else ""),
            )

    def _similarity(self, o_raw: JSON, n_raw: JSON) -> float:
        o = self.old.resolve(o_raw, "", record=False).node
        n = self.new.resolve(n_raw, "", record=False).node
        if not isinstance(o, dict) or not isinstance(n, dict):
            return 0.0
        op, np_ = o.get("properties"), n.get("properties")
        if isinstance(op, dict) and isinstance(np_, dict) and (op or np_):
            return len(set(op) & set(np_)) / len(set(op) | set(np_))
        if o.get("type") is not None and o.get("type") == n.get("type"):
            return 0.5
        return 0.0

    def shape(self, index: SpecIndex, raw: JSON, depth: int = 0) -> str:
        """A compact rendering of a schema: ``object|null {usage?: object|null {credits_used: number}}``."""
        res = index.resolve(raw, "", record=False)
        if res.problem is not None:
            return f"$ref {res.problem.ref} (unresolved)"
        node = res.node
        if not isinstance(node, dict):
            return "any"
        node = index.view(node, res.pointer)
        variants = _variants(node)
        if variants is not None:
            inner = " | ".join(self.shape(index, v, depth + 1) for v in variants[1][:4])
            more = " | …" if len(variants[1]) > 4 else ""
            return f"{variants[0]}({inner}{more})" + ("|null" if node.get("nullable") is True else "")
        types = self._typeset(node)
        text = _types_text(types) if types is not None else ("object" if "properties" in node else "any")
        enum = node.get("enum")
        if isinstance(enum, list):
            text += f" enum[{_values(enum[:5])}{', …' if len(enum) > 5 else ''}]"
        if isinstance(node.get("items"), (dict, list)):
            text += f" [{self.shape(index, node['items'], depth + 1)}]" if depth < 3 else " […]"
        props = node.get("properties")
        if isinstance(props, dict) and props:
            if depth >= 3:
                return text + " {…}"
            required = _names(node.get("required"))
            inner_props = [
                f"{k}{'' if k in required else '?'}: {self.shape(index, v, depth + 1)}"
                for k, v in list(props.items())[:8]
            ]
            text += " {" + ", ".join(inner_props) + (", …" if len(props) > 8 else "") + "}"
        return text if len(text) <= 300 else text[:299] + "…"

    # -- keywords --------------------------------------------------------------------------
    def _typeset(self, node: dict[str, Any]) -> frozenset[str] | None:
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

    def _effective(self, node: dict[str, Any]) -> frozenset[str] | None:
        types = self._typeset(node)
        enum = node.get("enum")
        if isinstance(enum, list):
            values = frozenset(_json_type(v) for v in enum)
            if types is None:
                return values
            return frozenset(t for t in values if _covers(types, frozenset({t})))
        return types

    def _types(self, o: dict[str, Any], n: dict[str, Any], at: At) -> None:
        ot, nt = self._typeset(o), self._typeset(n)
        if ot == nt:
            return
        oe, ne = self._effective(o), self._effective(n)
        old_text, new_text = _types_text(ot), _types_text(nt)
        key = f"{old_text}->{new_text}"
        if at.direction != R.RESPONSE:
            if _covers(ne, oe):
                note = ""
                if isinstance(n.get("enum"), list) and oe == ne:
                    note = f"; the enum still limits values to {_types_text(ne)}, so every old request stays valid"
                self.emit(
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
                self.emit(R.REQUEST_TYPE_CHANGED, at, what, key, expected=old_text, found=new_text)
            return
        if _covers(oe, ne):
            self.emit(
                R.RESPONSE_TYPE_NARROWED,
                at,
                f"type narrowed from {old_text} to {new_text}",
                key,
                expected=old_text,
                found=new_text,
            )
        elif ot is not None and nt is not None and nt - ot == {"null"}:
            self.emit(
                R.RESPONSE_NULLABLE_ADDED,
                at,
                f"{at.path or 'value'} may now be null",
                key,
                expected=old_text,
                found=new_text,
            )
        else:
            self.emit(
                R.RESPONSE_TYPE_CHANGED,
                at,
                f"type changed from {old_text} to {new_text}",
                key,
                expected=old_text,
                found=new_text,
            )

    def _enum(self, o: dict[str, Any], n: dict[str, Any], at: At) -> None:
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
                self.emit(
                    rule,
                    at,
                    f"enum value(s) removed: {_values(removed)}",
                    "-" + json.dumps(sorted(map(_show, removed))),
                    expected=_values(oe),
                    found=_values(ne),
                )
            if added:
                rule = R.REQUEST_ENUM_ADDED if request else R.RESPONSE_ENUM_WIDENED
                self.emit(
                    rule,
                    at,
                    f"enum value(s) added: {_values(added)}",
                    "+" + json.dumps(sorted(map(_show, added))),
                    expected=_values(oe),
                    found=_values(ne),
                )
        elif isinstance(oe, list):
            rule = R.REQUEST_TYPE_WIDENED if request else R.RESPONSE_ENUM_WIDENED
            self.emit(
                rule,
                at,
                f"enum constraint dropped (was {_values(oe)}): any value of the type is allowed",
                "enum-dropped",
                expected=_values(oe),
                found="no enum",
            )
        elif isinstance(ne, list):
            rule = R.REQUEST_ENUM_REMOVED if request else R.RESPONSE_ENUM_NARROWED
            self.emit(
                rule,
                at,
                f"now restricted to the enum {_values(ne)}",
                "enum-added",
                expected="no enum",
                found=_values(ne),
            )

    def _properties(self, o: dict[str, Any], n: dict[str, Any], at: At) -> None:
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
                    self.emit(
                        R.REQUEST_PROPERTY_REMOVED,
                        here,
                        f"request field {name!r} removed",
                        "removed",
                        spec_pointer=here.old,
                    )
                elif name in oreq:
                    self.emit(
                        R.RESPONSE_PROPERTY_REMOVED,
                        here,
                        f"required response field {name!r} removed",
                        "removed",
                        spec_pointer=here.old,
                    )
                else:
                    self.emit(
                        R.RESPONSE_OPTIONAL_REMOVED,
                        here,
                        f"optional response field {name!r} removed",
                        "removed",
                        spec_pointer=here.old,
                    )
                continue
            if name not in op:
                shape = self.shape(self.new, np_[name])
                if request and name in nreq:
                    self.emit(
                        R.REQUEST_REQUIRED_ADDED,
                        here,
                        f"new required request field {name!r}: {shape}",
                        "added-required",
                        found=shape,
                    )
                elif request:
                    self.emit(
                        R.REQUEST_PROPERTY_ADDED,
                        here,
                        f"new optional request field {name!r}: {shape}",
                        "added",
                        found=shape,
                    )
                else:
                    what = "required" if name in nreq else "optional"
                    self.emit(
                        R.RESPONSE_PROPERTY_ADDED,
                        here,
                        f"new {what} response field {name!r}: {shape}",
                        "added",
                        found=shape,
                    )
                continue
            was, now = name in oreq, name in nreq
            if request and now and not was:
                self.emit(R.REQUEST_REQUIRED_ADDED, here, f"request field {name!r} became required", "became-required")
            elif request and was and not now:
                self.emit(
                    R.REQUEST_REQUIRED_REMOVED, here, f"request field {name!r} became optional", "became-optional"
                )
            elif not request and was and not now:
                self.emit(
                    R.RESPONSE_PROPERTY_OPTIONAL,
                    here,
                    f"response field {name!r} is no longer required",
                    "became-optional",
                )
            elif not request and now and not was:
                self.emit(
                    R.RESPONSE_PROPERTY_REQUIRED, here, f"response field {name!r} became required", "became-required"
                )
            self.schema(op[name], np_[name], here)

    def _additional(self, o: dict[str, Any], n: dict[str, Any], at: At) -> None:
        oa, na = o.get("additionalProperties"), n.get("additionalProperties")
        if isinstance(oa, dict) and isinstance(na, dict):
            self.schema(oa, na, attrs.evolve(at.child(".*", "additionalProperties"), names=(*at.names, "*")))
            return
        if _data_hash(oa) == _data_hash(na):
            return
        closed_before = oa is False
        closed_now = na is False
        if closed_now and not closed_before:
            self._constraint(at, True, f"additionalProperties closed (was {_opt(oa)})", "additionalProperties")
        elif closed_before and not closed_now:
            self._constraint(at, False, f"additionalProperties opened (now {_opt(na)})", "additionalProperties")
        elif isinstance(na, dict) and not isinstance(oa, dict):
            self._constraint(at, True, "additionalProperties now constrained by a schema", "additionalProperties")
        else:
            self._constraint(at, False, "additionalProperties constraint dropped", "additionalProperties")

    def _constraint(self, at: At, narrowed: bool, message: str, key: str) -> None:
        if at.direction == R.RESPONSE:
            self.emit(R.RESPONSE_CONSTRAINT_CHANGED, at, message, key)
        elif narrowed:
            self.emit(R.REQUEST_CONSTRAINT_NARROWED, at, message, key)
        else:
            self.emit(R.REQUEST_CONSTRAINT_RELAXED, at, message, key)

    def _constraints(self, o: dict[str, Any], n: dict[str, Any], at: At) -> None:
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
            self._constraint(at, narrowed, f"{k} changed from {_opt(ov)} to {_opt(nv)}", f"{k}:{ov}->{nv}")
        for k in ("exclusiveMinimum", "exclusiveMaximum", "uniqueItems"):
            ov, nv = o.get(k) is True, n.get(k) is True
            if ov != nv:
                self._constraint(at, nv, f"{k} changed from {ov} to {nv}", f"{k}:{ov}->{nv}")
        for k in ("pattern", "format", "multipleOf"):
            ov, nv = o.get(k), n.get(k)
            if ov != nv:
                self._constraint(at, nv is not None, f"{k} changed from {_opt(ov)} to {_opt(nv)}", f"{k}:{ov}->{nv}")

    def _default(self, o: dict[str, Any], n: dict[str, Any], at: At) -> None:
        if at.direction == R.RESPONSE or _data_hash(o.get("default")) == _data_hash(n.get("default")):
            return
        ov = _show(o["default"]) if "default" in o else "none"
        nv = _show(n["default"]) if "default" in n else "none"
        self.emit(
            R.DEFAULT_CHANGED, at, f"default changed from {ov} to {nv}", f"default:{ov}->{nv}", expected=ov, found=nv
        )


def _discriminated_apart(old: str | None, new: str | None) -> bool:
    """Two alternatives told apart by the same property with different values (role=tool, role=developer)."""
    if old is None or new is None or "=" not in old or "=" not in new:
        return False
    return old.split("=", 1)[0] == new.split("=", 1)[0] and old != new


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _names(value: Any) -> set[str]:
    return {v for v in value if isinstance(v, str)} if isinstance(value, list) else set()


def _count(values: Iterable[str | None]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for v in values:
        if v is not None:
            out[v] += 1
    return out


def _split_pointer(pointer: str) -> tuple[str, str]:
    """``/paths/~1v1~1x/post/responses/...`` -> (``POST /v1/x``, ``/responses/...``); else (``spec``, pointer)."""
    parts = pointer.split("/")
    if len(parts) >= 4 and parts[1] == "paths" and parts[3] in HTTP_METHODS:
        path = parts[2].replace("~1", "/").replace("~0", "~")
        return f"{parts[3].upper()} {path}", "/" + "/".join(parts[4:]) if len(parts) > 4 else ""
    return "spec", pointer


def _server_urls(servers: Any) -> frozenset[str]:
    if not isinstance(servers, list):
        return frozenset()
    return frozenset(str(s.get("url")) for s in servers if isinstance(s, dict) and "url" in s)


def _security_text(options: frozenset[frozenset[str]]) -> str:
    if not options:
        return "none"
    return " or ".join(sorted("+".join(sorted(o)) or "anonymous" for o in options))


def _merge_aliases(findings: list[Finding]) -> list[Finding]:
    """The same change reported under several operations of one alias family becomes one finding."""
    groups: dict[tuple[Any, ...], list[Finding]] = defaultdict(list)
    order: list[tuple[Any, ...]] = []
    for f in findings:
        locations = f.get("locations") or [f.location]
        families = {(loc.split(" ", 1)[0], alias_family(loc.split(" ", 1)[-1])) for loc in locations}
        key = (f.rule_id, f.level, f.pointer, f.message, f.get("change"), tuple(sorted(families)))
        if key not in groups:
            order.append(key)
        groups[key].append(f)
    out = []
    for key in order:
        group = groups[key]
        if len(group) == 1:
            out.append(group[0])
            continue
        locations = sorted({loc for f in group for loc in (f.get("locations") or [f.location])})
        extra = dict(group[0].extra)
        extra["locations"] = locations
        location = ", ".join(sorted(locations, key=lambda loc: (len(loc), loc)))
        out.append(attrs.evolve(group[0], location=location, extra=tuple(sorted(extra.items()))))
    return out


def diff_specs(
    old: dict[str, Any] | SpecIndex, new: dict[str, Any] | SpecIndex, *, evidence: str | None = None
) -> list[Finding]:
    """Every drift finding from ``old`` to ``new`` (dicts or already indexed specs; nothing is copied)."""
    old_index = old if isinstance(old, SpecIndex) else SpecIndex(old, "old")
    new_index = new if isinstance(new, SpecIndex) else SpecIndex(new, "new")
    return Differ(old_index, new_index, evidence=evidence).run()


__all__ = ["DOC_KEYS", "At", "Change", "Differ", "alias_family", "diff_specs"]
