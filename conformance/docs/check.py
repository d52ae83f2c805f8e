"""Check one doc page against the specs it embeds.

For every API-schema block the operation is looked up in the linked spec; then,
in page order, each code sample's request (URL, method, body) is checked against
the operation it calls and compared with the spec's ``x-codeSamples``, and each
example response against the 200 application/json schema of the operation the
samples before it call. The model list is checked against the request ``model``
enum both ways. Every problem is a :class:`~conformance.findings.Finding` with
``page:line`` and a JSON pointer; nothing on a page can crash the run.
"""

from __future__ import annotations

import json
import re
import traceback
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import attrs

from conformance.codesamples import ExtractedRequest, SampleError, extract_request, normalise_language
from conformance.codesamples.lenient_json import ExampleSyntaxError, loads, loads_with_lines
from conformance.docs import rules
from conformance.docs.page import CodeBlock, Page, PageReadError, SpecRef, parse_page, read_page
from conformance.docs.shapes import known_shape
from conformance.docs.specs import (
    LoadedSpec,
    OperationRef,
    SpecFailure,
    SpecStore,
    model_enum,
    parse_link,
)
from conformance.docs.stale import Stale, find_stale
from conformance.findings import Finding, Level, Rule, describe
from conformance.schema import (
    Validator,
    compile_draft7,
    join_pointer,
    pointer_escape,
    resolve_pointer,
    undocumented_fields,
)

__all__ = ["PageResult", "check_page", "check_text"]

LANGUAGE_NAMES = {"python": "Python", "javascript": "JavaScript", "curl": "cURL", "http": "HTTP"}
SKIP_NO_SPEC = "no API-schema block ({% openapi-operation %} or {% swagger %})"
SKIP_EMPTY = "the page is empty"
MAX_DIFFS = 5
#: why a page's API-schema blocks did not resolve, by the rule that said so
UNRESOLVED_KINDS = {
    rules.SPEC_UNAVAILABLE.id: "the linked spec does not exist or cannot be fetched",
    rules.SPEC_REF_INVALID.id: "the API-schema block names no usable spec link, path or method",
    rules.SPEC_INVALID.id: "the linked spec is not a usable OpenAPI document",
    rules.OPERATION_MISSING.id: "the linked spec has no such operation",
}


@attrs.frozen
class PageResult:
    """The outcome for one page: its findings, or why it was skipped, and what was checked."""

    page: str
    path: str
    findings: tuple[Finding, ...] = ()
    skipped_reason: str | None = None
    operations: tuple[str, ...] = ()
    samples: int = 0
    examples: int = 0
    models: tuple[str, ...] = ()
    #: the page has API-schema blocks but none names a spec operation that could be loaded: why
    unresolved_reason: str | None = None
    unresolved_kind: str | None = None

    @property
    def checked(self) -> bool:
        return self.skipped_reason is None

    @property
    def status(self) -> str:
        """``validated`` (checked against a spec), ``unresolved`` (its spec link does not resolve) or ``skipped``."""
        if self.skipped_reason is not None:
            return "skipped"
        return "unresolved" if self.unresolved_reason is not None else "validated"

    @property
    def has_errors(self) -> bool:
        return any(f.level >= Level.ERROR for f in self.findings)

    def count(self, level: Level) -> int:
        return sum(1 for f in self.findings if f.level == level)

    def to_dict(self) -> dict[str, Any]:
        return {
            "page": self.page,
            "path": self.path,
            "skipped_reason": self.skipped_reason,
            "status": self.status,
            "unresolved_reason": self.unresolved_reason,
            "operations": list(self.operations),
            "samples": self.samples,
            "examples": self.examples,
            "models": list(self.models),
            "counts": {level.label: self.count(level) for level in (Level.ERROR, Level.WARNING, Level.INFO)},
        }


@attrs.define
class _Slot:
    """An API-schema block and, when its spec loaded and has it, the operation."""

    ref: SpecRef
    op: OperationRef | None


@attrs.frozen
class _Issue:
    pointer: str
    keyword: str
    message: str
    expected: str | None
    found: str | None


def check_page(
    path: str | Path,
    *,
    store: SpecStore | None = None,
    catalog_root: str | Path | None = None,
    mirror: str | None = None,
    display: str | None = None,
) -> PageResult:
    """Check the page file at ``path``; ``display`` is how locations name it (default: the path as given).

    Specs are loaded through ``store`` (made here when not given: catalog root, then
    the fetcher with ``mirror``/``SPEC_MIRROR``, raw URL otherwise).
    """
    page_path = Path(path)
    shown = display or str(path)
    if store is None:
        from conformance.fetch import Fetcher

        store = SpecStore(
            catalog_root=Path(catalog_root) if catalog_root else None,
            fetcher_factory=lambda: Fetcher.from_env(mirror=mirror),
        )
    try:
        text = read_page(page_path)
    except PageReadError as exc:
        finding = rules.PAGE_UNREADABLE.finding(f"{shown}:1", f"{shown}: {exc}")
        return PageResult(
            page=shown, path=str(page_path), findings=(finding,), skipped_reason=f"the page cannot be read ({exc})"
        )
    return check_text(text, path=page_path, display=shown, store=store)


def check_text(text: str, *, path: Path, display: str, store: SpecStore) -> PageResult:
    """Check page ``text`` (read from ``path``, which relative spec links are resolved against)."""
    try:
        return _Checker(parse_page(text, str(path), display), store, path).run()
    except Exception as exc:  # a bug must not end a catalog run: report it as a finding
        where = traceback.extract_tb(exc.__traceback__)[-1]
        finding = rules.INTERNAL_ERROR.finding(
            f"{display}:1",
            f"checking the page failed: {type(exc).__name__}: {exc}",
            evidence=f"{Path(where.filename).name}:{where.lineno}",
        )
        return PageResult(
            page=display,
            path=str(path),
            findings=(finding,),
            unresolved_kind="the check failed",
            unresolved_reason=finding.message,
        )


def _find_key_line(code: str, start_line: int, key: str) -> int | None:
    """The 1-based line of ``key:`` (quoted or not) at or after ``start_line`` in a sample."""
    pattern = re.compile(r"""(?:"|'|\b)""" + re.escape(key) + r"""(?:"|'|\b)\s*:""")
    for number, line in enumerate(code.split("\n")[start_line - 1 :], start=start_line):
        if pattern.search(line):
            return number
    return None


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "integer" if isinstance(value, int) else "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _explain(validator: Validator, instance: Any) -> list[_Issue]:
    """Violations as issues; a failed oneOf/anyOf is explained by its closest alternative."""
    issues: list[_Issue] = []
    for violation in validator.violations(instance):
        keyword = violation.schema_path.rsplit("/", 1)[-1]
        if keyword in ("oneOf", "anyOf") and "not valid under any" in violation.message:
            closest = _closest_alternative(validator.json_schema, violation.schema_path, instance, violation.path)
            if closest:
                issues.extend(closest)
                continue
        issues.append(
            _issue(
                keyword,
                violation.path,
                violation.message,
                violation.expected,
                violation.found,
                _fragment(validator.json_schema, violation.schema_path),
                instance,
            )
        )
    return issues


def _fragment(schema: Any, pointer: str) -> Any:
    try:
        return resolve_pointer(schema, pointer)
    except KeyError:
        return None


def _closest_alternative(schema: Any, schema_path: str, instance: Any, path: str, depth: int = 0) -> list[_Issue]:
    branches = _fragment(schema, schema_path)
    try:
        sub = resolve_pointer(instance, path)
    except KeyError:
        return []
    if not isinstance(branches, list) or not branches or depth > 3:
        return []
    best: list[Any] | None = None
    best_schema: Any = None
    for branch in branches:
        try:
            errors = list(compile_draft7(branch).iter_errors(sub))
        except Exception:  # an alternative we cannot compile is not a candidate
            continue
        if best is None or len(errors) < len(best):
            best, best_schema = errors, branch
    if not best:
        return []
    issues: list[_Issue] = []
    for error in best:
        pointer = path + join_pointer(*error.instance_path)
        spath = join_pointer(*error.schema_path)
        keyword = str(error.schema_path[-1]) if error.schema_path else ""
        if keyword in ("oneOf", "anyOf") and "not valid under any" in str(error.message):
            deeper = _closest_alternative(best_schema, spath, sub, join_pointer(*error.instance_path), depth + 1)
            if deeper:
                issues.extend(attrs.evolve(issue, pointer=path + issue.pointer) for issue in deeper)
                continue
        issues.append(
            _issue(
                keyword,
                pointer,
                str(error.message),
                keyword,
                describe(error.instance),
                _fragment(best_schema, spath),
                instance,
            )
        )
    return issues


def _issue(
    keyword: str, pointer: str, message: str, expected: str | None, found: str | None, fragment: Any, instance: Any
) -> _Issue:
    at = f" {pointer}" if pointer else ""
    if keyword == "required":
        match = re.match(r'^"(.*)" is a required property$', message)
        if match:
            name = match.group(1)
            member = "/" + pointer_escape(name)
            # validators report a missing member at its parent or at the member itself: accept both
            if pointer.endswith(member) and _get(instance, pointer, _ABSENT) is _ABSENT:
                pointer = pointer[: -len(member)]
            at = f" {pointer}" if pointer else ""
            return _Issue(
                pointer + member,
                keyword,
                f'lacks the required property "{name}"' + (f" in{at}" if at else ""),
                f"required: {describe(fragment)}" if fragment is not None else expected,
                "absent",
            )
    if keyword in ("enum", "const") and fragment is not None:
        allowed = fragment if isinstance(fragment, list) else [fragment]
        shown = ", ".join(json.dumps(v, ensure_ascii=False) for v in allowed[:8]) + (", …" if len(allowed) > 8 else "")
        return _Issue(
            pointer,
            keyword,
            f"has{at} = {found}; the schema allows only {shown}",
            f"{keyword}: {describe(fragment)}",
            found,
        )
    if keyword == "type" and fragment is not None:
        try:
            value = resolve_pointer(instance, pointer)
            kind = _json_type(value)
        except KeyError:
            kind = "?"
        expected_types = fragment if isinstance(fragment, list) else [fragment]
        return _Issue(
            pointer,
            keyword,
            f"has{at} = {found} ({kind}); the schema expects {' or '.join(map(str, expected_types))}",
            f"type: {describe(fragment)}",
            found,
        )
    return _Issue(pointer, keyword, f"at{at or ' /'}: {message}", expected, found)


def _json_diff(page: Any, spec: Any, pointer: str = "") -> list[str]:
    if isinstance(page, dict) and isinstance(spec, dict):
        out: list[str] = []
        for key in sorted(set(page) | set(spec), key=str):
            child = f"{pointer}/{pointer_escape(str(key))}"
            if key not in spec:
                out.append(f"{child} only on the page ({_show(page[key])})")
            elif key not in page:
                out.append(f"{child} only in the spec ({_show(spec[key])})")
            else:
                out += _json_diff(page[key], spec[key], child)
        return out
    if isinstance(page, list) and isinstance(spec, list):
        out = []
        if len(page) != len(spec):
            out.append(f"{pointer or '/'} has {len(page)} item(s) on the page, {len(spec)} in the spec")
        for index, (a, b) in enumerate(zip(page, spec, strict=False)):
            out += _json_diff(a, b, f"{pointer}/{index}")
        return out
    if page != spec or type(page) is not type(spec):
        return [f"{pointer or '/'}: page {_show(page)}, spec {_show(spec)}"]
    return []


def _compare_requests(page: ExtractedRequest, spec: ExtractedRequest) -> list[str]:
    diffs: list[str] = []
    if page.method != spec.method:
        diffs.append(f"method: page {page.method}, spec {spec.method}")
    if page.url.rstrip("/") != spec.url.rstrip("/"):
        diffs.append(f"URL: page {page.url}, spec {spec.url}")
    if page.has_body != spec.has_body:
        diffs.append(
            "body: "
            + (
                "the page sends one, the spec's sample none"
                if page.has_body
                else "the spec's sample sends one, the page none"
            )
        )
    elif page.has_body:
        diffs += [f"body {d}" for d in _json_diff(page.body, spec.body)]
    return diffs


class _Checker:
    def __init__(self, page: Page, store: SpecStore, path: Path) -> None:
        self.page = page
        self.store = store
        self.path = path
        self.findings: list[Finding] = []
        self._seen: set[tuple[str, str, str, str]] = set()
        self.slots: list[_Slot] = []
        self._stale: dict[str, Stale | None] = {}

    # -- plumbing -----------------------------------------------------------------------------------
    def at(self, line: int) -> str:
        return f"{self.page.display}:{line}"

    def add(self, rule: Rule, line: int, message: str, **kwargs: Any) -> None:
        location = self.at(line)
        key = (rule.id, location, kwargs.get("pointer", ""), message)
        if key in self._seen:
            return
        self._seen.add(key)
        self.findings.append(rule.finding(location, message, **kwargs))

    def run(self) -> PageResult:
        page = self.page
        for problem in page.problems:
            self.add(rules.TAG_INVALID, problem.line, f"line {problem.line} column {problem.column}: {problem.message}")
        models = tuple(m.id for m in page.models)
        if not page.spec_refs:
            reason = SKIP_EMPTY if not page.text.strip() else SKIP_NO_SPEC
            return PageResult(
                page=page.display, path=page.path, findings=tuple(self.findings), skipped_reason=reason, models=models
            )
        for ref in page.spec_refs:
            self.slots.append(_Slot(ref, self._operation(ref)))
        self._check_models()
        current: _Slot | None = None
        events: list[tuple[int, int, CodeBlock]] = [(s.line, 0, s) for s in page.samples]
        events += [(e.line, 1, e) for e in page.examples]
        for _, kind, block in sorted(events, key=lambda e: (e[0], e[1])):
            if kind == 0:
                slot = self._check_sample(block)
                if slot is not None:
                    current = slot
            else:
                target = current if current is not None else next((s for s in self.slots if s.op), None)
                self._check_example(block, target)
        operations = tuple(
            f"{slot.ref.label()} ({slot.op.spec.display})" if slot.op else f"{slot.ref.label()} (not loaded)"
            for slot in self.slots
        )
        why, unresolved = self._unresolved()
        return PageResult(
            page=page.display,
            path=page.path,
            findings=tuple(self.findings),
            operations=operations,
            samples=len(page.samples),
            examples=len(page.examples),
            models=models,
            unresolved_reason=unresolved,
            unresolved_kind=why,
        )

    def _unresolved(self) -> tuple[str | None, str | None]:
        """When no API-schema block resolved to an operation: the kind of failure and the first message."""
        if any(slot.op is not None for slot in self.slots):
            return None, None
        for f in self.findings:
            kind = UNRESOLVED_KINDS.get(f.rule_id)
            if kind is not None:
                return kind, f.message
        return "the spec could not be used", "no API-schema block resolved to an operation"

    # -- spec references ----------------------------------------------------------------------------
    def _operation(self, ref: SpecRef) -> OperationRef | None:
        block = f"{{% {ref.tag} %}} at line {ref.line}"
        if not ref.path or not ref.method:
            missing = " and ".join(k for k, v in (("path=", ref.path), ("method=", ref.method)) if not v)
            self.add(rules.SPEC_REF_INVALID, ref.line, f"{block} lacks {missing}", found=f"spec={ref.spec_name!r}")
            return None
        if not ref.link:
            self.add(
                rules.SPEC_REF_INVALID,
                ref.line,
                f"{block} has no link to a spec file",
                expected="[OpenAPI name](https://raw.githubusercontent.com/<owner>/<repo>/<ref>/<path>.json)",
            )
            return None
        source = parse_link(ref.link, self.path)
        if isinstance(source, str):
            self.add(rules.SPEC_REF_INVALID, ref.link_line, f"{block} ({ref.label()}): {source}", found=ref.link)
            return None
        loaded = self.store.load(source)
        if isinstance(loaded, SpecFailure):
            self.add(
                loaded.rule,
                ref.link_line,
                f"{block} ({ref.label()}): {loaded.message}",
                hint=loaded.hint,
                found=ref.link,
            )
            return None
        op = loaded.operation(ref.path, ref.method)
        if op is None:
            available = [f"{m.upper()} {p}" for p in loaded.paths() for m in loaded.methods(p)]
            shown = ", ".join(available[:8]) + (", …" if len(available) > 8 else "")
            self.add(
                rules.OPERATION_MISSING,
                ref.line,
                f"{block} names {ref.label()}, which {loaded.short} does not define",
                expected=shown or "(the spec has no operations)",
                found=ref.label(),
                pointer=join_pointer("paths", ref.path, ref.method),
            )
            return None
        return op

    def _validator(self, spec: LoadedSpec, pointer: str, schema: Any, line: int) -> Validator | None:
        validator = spec.validator(pointer, schema)
        if isinstance(validator, SpecFailure):
            self.add(
                validator.rule,
                line,
                validator.message,
                hint=validator.hint,
                pointer=pointer,
                extra={"spec": spec.display},
            )
            return None
        return validator

    # -- models -------------------------------------------------------------------------------------
    def _check_models(self) -> None:
        page = self.page
        if not page.models:
            return
        ids = [m.id for m in page.models]
        enums: dict[tuple[str, tuple[str, ...], bool], list[OperationRef]] = {}
        for slot in self.slots:
            op = slot.op
            request = op.spec.request_schema(op) if op is not None else None
            if op is None or request is None:
                continue
            enum = model_enum(request[1], op.spec.spec)
            if enum is not None:
                enums.setdefault((op.spec.display, tuple(enum[0]), enum[1]), []).append(op)
        for (_, values, open_ended), ops in enums.items():
            spec = ops[0].spec
            labels = ", ".join(dict.fromkeys(op.label for op in ops))
            extra = {"spec": spec.display, "operation": labels}
            if not open_ended:
                for model in page.models:
                    if model.id not in values:
                        self.add(
                            rules.MODEL_NOT_IN_SPEC,
                            model.line,
                            f"the page lists model `{model.id}`, which the request `model` enum of {labels} "
                            f"in {spec.short} does not accept",
                            pointer="/model",
                            expected=describe(list(values)),
                            found=model.id,
                            extra=extra,
                        )
            for value in values:
                if value not in ids:
                    self.add(
                        rules.MODEL_NOT_ON_PAGE,
                        page.models_line or page.models[0].line,
                        f"the request `model` enum of {labels} in {spec.short} accepts `{value}`, which the "
                        "page's model list does not name",
                        pointer="/model",
                        expected=value,
                        found=describe(ids),
                        extra=extra,
                    )

    # -- code samples -------------------------------------------------------------------------------
    def _slot_for(self, request: ExtractedRequest) -> tuple[_Slot | None, str | None]:
        """The block whose operation the request calls, and the spec path it matched (if a spec is loaded)."""
        url_path = urlsplit(request.url).path or "/"
        method = request.method.lower()
        ranked: list[tuple[int, int, _Slot, str | None]] = []
        for order, slot in enumerate(self.slots):
            if slot.op is not None:
                called = self._match_url(slot.op, request.url)
                if isinstance(called, str):
                    same = called == slot.ref.path
                    ranked.append((0 if same and slot.ref.method == method else 1 if same else 2, order, slot, called))
                    continue
            if slot.ref.path and _path_ends_with(url_path, slot.ref.path):
                ranked.append((0 if slot.ref.method == method else 1, order, slot, None))
        if not ranked:
            return None, None
        ranked.sort(key=lambda r: (r[0], r[1]))
        _, _, slot, matched = ranked[0]
        return slot, matched

    def _match_url(self, op: OperationRef, url: str) -> str | list[str]:
        """The spec path the URL calls (a str), else the reasons it matches none (a list)."""
        spec = op.spec
        parts = urlsplit(url)
        reasons: list[str] = []
        servers = spec.servers(op)
        for server in servers:
            try:
                sparts = urlsplit(server)
            except ValueError:
                continue
            if sparts.scheme and (sparts.scheme.lower(), sparts.netloc.lower()) != (
                (parts.scheme or "").lower(),
                parts.netloc.lower(),
            ):
                continue
            prefix = sparts.path.rstrip("/")
            if not parts.path.startswith(prefix):
                continue
            rest = parts.path[len(prefix) :] or "/"
            matched = spec.match_path(rest)
            if matched is not None:
                return matched
            reasons.append(f"path {rest} is not in the spec's paths")
        if not reasons:
            reasons.append(f"it is not under the spec's server(s) {', '.join(servers)}")
        return reasons

    def _check_sample(self, block: CodeBlock) -> _Slot | None:
        language = block.language or ""
        name = LANGUAGE_NAMES.get(language, language)
        if block.label_language is not None:
            said = LANGUAGE_NAMES.get(block.label_language, block.label_language)
            self.add(
                rules.SAMPLE_LANGUAGE,
                block.fence_line,
                f"the code block is labelled {said} ({block.info or block.tab or 'tab'}) but the code is "
                f"{name}; it was read as {name}",
                expected=name,
                found=said,
            )
        try:
            request = extract_request(language, block.code)
        except SampleError as exc:
            self.add(
                rules.SAMPLE_UNPARSED,
                block.page_line(exc.line),
                f"the {name} sample's request could not be read: {exc.message}",
            )
            return None
        self._check_sample_model(block, name, request)
        slot, matched = self._slot_for(request)
        call_line = block.page_line(request.line)
        labels = ", ".join(s.ref.label() for s in self.slots)
        if slot is None:
            if len(self.slots) == 1 and self.slots[0].op is not None:
                slot = self.slots[0]
                op = slot.op
                assert op is not None
                reasons = self._match_url(op, request.url)
                self.add(
                    rules.SAMPLE_URL,
                    call_line,
                    f"the {name} sample calls {request.url}, which is not an operation of "
                    f"{op.spec.short}: {'; '.join(reasons) if isinstance(reasons, list) else reasons}",
                    expected=" or ".join(s.rstrip("/") + (slot.ref.path or "") for s in op.spec.servers(op)),
                    found=request.url,
                )
            else:
                self.add(
                    rules.SAMPLE_URL,
                    call_line,
                    f"the {name} sample calls {request.url}, which matches none of the operations the page "
                    f"embeds ({labels})",
                    expected=labels,
                    found=request.url,
                )
                return None
        op = slot.op
        if op is None:
            return slot  # the block's spec is not available: reported on the block already
        if matched is None and not any(
            f.rule_id == rules.SAMPLE_URL.id and f.location == self.at(call_line) for f in self.findings
        ):
            reasons = self._match_url(op, request.url)
            self.add(
                rules.SAMPLE_URL,
                call_line,
                f"the {name} sample calls {request.url}, which is not an operation of {op.spec.short}: "
                f"{'; '.join(reasons) if isinstance(reasons, list) else reasons}",
                expected=" or ".join(s.rstrip("/") + op.path for s in op.spec.servers(op)),
                found=request.url,
            )
        path = matched or op.path
        methods = op.spec.methods(path)
        target = op.spec.operation(path, request.method.lower())
        if target is None:
            self.add(
                rules.SAMPLE_METHOD,
                call_line,
                f"the {name} sample sends {request.method} {request.url}; {op.spec.short} defines "
                f"{' '.join(m.upper() for m in methods) or 'no method'} for {path}",
                expected=" ".join(m.upper() for m in methods),
                found=request.method,
            )
            target = op.spec.operation(path, op.method) or op
        self._check_body(block, name, request, target, slot)
        self._compare_with_spec(block, name, request, target)
        return slot

    def _check_body(
        self, block: CodeBlock, name: str, request: ExtractedRequest, op: OperationRef, slot: _Slot
    ) -> None:
        schema_info = op.spec.request_schema(op)
        if schema_info is None:
            return
        pointer, schema, required = schema_info
        body_line = block.page_line(request.body_line)
        extra: dict[str, Any] = {"spec": op.spec.display, "operation": op.label}
        if not request.has_body:
            if required:
                self.add(
                    rules.SAMPLE_BODY_SCHEMA,
                    block.page_line(request.line),
                    f"the {name} sample sends no body; {op.label} requires a JSON request body",
                    expected="a JSON body",
                    found="no body",
                    extra=extra,
                )
            return
        validator = self._validator(op.spec, pointer, schema, slot.ref.line)
        if validator is None:
            return
        issues = _explain(validator, request.body)
        accepts = self._normalised_accepts(op, request.body, response=False) if issues else None
        if accepts is not None:
            extra = {**extra, "normalised_accepts": accepts}
        suffix = "; the normalised spec (with its declared corrections) accepts the body" if accepts else ""
        for issue in issues:
            key = issue.pointer.rsplit("/", 1)[-1] if issue.pointer else ""
            line = _find_key_line(block.code, request.body_line, key) if key and not key.isdigit() else None
            self.add(
                rules.SAMPLE_BODY_SCHEMA,
                block.page_line(line) if line else body_line,
                f"the {name} sample's request body {issue.message} (request schema of {op.label}){suffix}",
                pointer=issue.pointer,
                expected=issue.expected,
                found=issue.found,
                extra=extra,
            )
        if isinstance(request.body, dict | list):
            for field in undocumented_fields(validator.oas_schema, request.body):
                key = field.rsplit("/", 1)[-1]
                line = _find_key_line(block.code, request.body_line, key)
                self.add(
                    rules.SAMPLE_BODY_UNDOCUMENTED,
                    block.page_line(line) if line else body_line,
                    f"the {name} sample's request body sends {field}, which the request schema of "
                    f"{op.label} does not declare",
                    pointer=field,
                    found=_show(_get(request.body, field)),
                    extra=extra,
                )

    def _check_sample_model(self, block: CodeBlock, name: str, request: ExtractedRequest) -> None:
        model = request.body.get("model") if isinstance(request.body, dict) else None
        ids = [m.id for m in self.page.models]
        if not isinstance(model, str) or not ids or model in ids:
            return
        line = _find_key_line(block.code, request.body_line, "model") or request.body_line
        self.add(
            rules.SAMPLE_MODEL_UNLISTED,
            block.page_line(line),
            f"the {name} sample calls model `{model}`, which the page's model list does not name",
            pointer="/model",
            expected=describe(ids),
            found=model,
        )

    def _compare_with_spec(self, block: CodeBlock, name: str, request: ExtractedRequest, op: OperationRef) -> None:
        line = block.page_line(request.line)
        node = op.node
        samples = node.get("x-codeSamples", node.get("x-code-samples"))
        if not isinstance(samples, list) or not samples:
            self.add(
                rules.SAMPLE_NOT_IN_SPEC,
                line,
                f"{op.label} in {op.spec.short} has no x-codeSamples, so the {name} sample is not compared",
            )
            return
        same: list[dict[str, Any]] = []
        languages: list[str] = []
        for sample in samples:
            if not isinstance(sample, dict):
                continue
            label = str(sample.get("lang") or sample.get("label") or "?")
            languages.append(label)
            if normalise_language(label) == request.language and isinstance(sample.get("source"), str):
                same.append(sample)
        if not same:
            self.add(
                rules.SAMPLE_NOT_IN_SPEC,
                line,
                f"the x-codeSamples of {op.label} in {op.spec.short} have no {name} sample "
                f"(they have: {', '.join(languages)})",
            )
            return
        try:
            theirs = extract_request(request.language, same[0]["source"])
        except SampleError as exc:
            self.add(
                rules.SAMPLE_DIFFERS,
                line,
                f"the spec's {name} x-codeSample for {op.label} cannot be read ({exc.message}), so the page's "
                "sample cannot be compared with it",
                extra={"spec": op.spec.display},
            )
            return
        diffs = _compare_requests(request, theirs)
        if diffs:
            shown = "; ".join(diffs[:MAX_DIFFS]) + (
                f"; and {len(diffs) - MAX_DIFFS} more" if len(diffs) > MAX_DIFFS else ""
            )
            self.add(
                rules.SAMPLE_DIFFERS,
                line,
                f"the {name} sample differs from the spec's {name} x-codeSample for {op.label}: {shown}",
                expected=theirs.summary(),
                found=request.summary(),
                extra={"spec": op.spec.display, "differences": len(diffs)},
            )

    # -- example responses --------------------------------------------------------------------------
    def _check_example(self, block: CodeBlock, slot: _Slot | None) -> None:
        if block.stream:
            from conformance.docs.stream_check import check_stream

            check_stream(self, block, slot)
            return
        try:
            value = loads(block.code)
        except ExampleSyntaxError as exc:
            self.add(
                rules.EXAMPLE_UNPARSABLE,
                block.page_line(exc.line),
                f"the example response is not JSON, JSON5 or a Python literal: {exc.reason} "
                f"(line {exc.line}, column {exc.column} of the example)",
                found=block.code.split("\n")[exc.line - 1][max(exc.column - 20, 0) : exc.column + 40]
                if exc.line <= block.code.count("\n") + 1
                else None,
            )
            return
        if slot is None or slot.op is None:
            return
        op = slot.op
        response = op.spec.response_schema(op)
        if response is None:
            statuses = sorted(str(s) for s in (op.node.get("responses") or {}))
            self.add(
                rules.EXAMPLE_UNCHECKED,
                block.line,
                f"{op.label} in {op.spec.short} declares no 200 application/json response schema "
                f"(responses: {', '.join(statuses) or 'none'}), so the example is not checked",
            )
            return
        status, pointer, schema = response
        validator = self._validator(op.spec, pointer, schema, slot.ref.line)
        if validator is None:
            return
        issues = _explain(validator, value)
        undocumented = list(undocumented_fields(validator.oas_schema, value)) if isinstance(value, dict | list) else []
        if not issues and not undocumented:
            return
        lines = _lines_of(block.code)
        note = self._shape_note(value, validator)
        extra: dict[str, Any] = {"spec": op.spec.display, "operation": op.label, "status": status}
        accepts = self._normalised_accepts(op, value, response=True) if issues else None
        if accepts is not None:
            extra["normalised_accepts"] = accepts
        if accepts:
            note += "; the normalised spec (with its declared corrections) accepts the example"
        stale = self._stale_context(op) if issues else None
        then_issues = self._issues_then(stale, op, value) if stale else None
        for issue in issues:
            message = f"the response example {issue.message} (the {status} response schema of {op.label}){note}"
            if stale is not None and then_issues is not None and (issue.pointer, issue.keyword) not in then_issues:
                self.add(
                    rules.EXAMPLE_STALE,
                    block.page_line(_line_for(lines, issue.pointer)),
                    f"{message}; {stale.explain()}",
                    pointer=issue.pointer,
                    expected=issue.expected,
                    found=issue.found,
                    evidence=" ".join(v.commit for v in stale.since),
                    extra={**extra, "matched_spec": stale.then.display},
                )
                continue
            self.add(
                rules.EXAMPLE_SCHEMA,
                block.page_line(_line_for(lines, issue.pointer)),
                message,
                pointer=issue.pointer,
                expected=issue.expected,
                found=issue.found,
                extra=extra,
            )
        for field in undocumented:
            self.add(
                rules.EXAMPLE_UNDOCUMENTED,
                block.page_line(_line_for(lines, field)),
                f"the response example has {field}, which the {status} response schema of {op.label} "
                f"does not declare{note if issues else ''}",
                pointer=field,
                found=_show(_get(value, field)),
                extra={k: v for k, v in extra.items() if k != "normalised_accepts"},
            )

    def _normalised_accepts(self, op: OperationRef, value: Any, *, response: bool) -> bool | None:
        """Whether the normalised spec accepts ``value`` for this operation; None when it does not apply."""
        normalised = self.store.normalised_for(op.spec.source)
        other = normalised.operation(op.path, op.method) if normalised is not None else None
        if normalised is None or other is None:
            return None
        if response:
            found = normalised.response_schema(other)
            located = (found[1], found[2]) if found else None
        else:
            request = normalised.request_schema(other)
            located = (request[0], request[1]) if request else None
        if located is None:
            return None
        validator = normalised.validator(*located)
        return None if isinstance(validator, SpecFailure) else validator.is_valid(value)

    def _stale_context(self, op: OperationRef) -> Stale | None:
        """When the page predates a change of its spec (mirror history), the spec as it was then."""
        source = op.spec.source
        if source.display in self._stale:
            return self._stale[source.display]
        result: Stale | None = None
        if source.repo is not None and source.path is not None and source.ref is not None:
            result = find_stale(self.store, self.path, source.repo, source.ref, source.path, op)
        self._stale[source.display] = result
        return result

    @staticmethod
    def _issues_then(stale: Stale, op: OperationRef, value: Any) -> set[tuple[str, str]] | None:
        then_op = stale.then.operation(op.path, op.method)
        response = stale.then.response_schema(then_op) if then_op is not None else None
        if response is None:
            return None
        validator = stale.then.validator(response[1], response[2])
        if isinstance(validator, SpecFailure):
            return None
        return {(issue.pointer, issue.keyword) for issue in _explain(validator, value)}

    @staticmethod
    def _shape_note(value: Any, validator: Validator) -> str:
        shape = known_shape(value)
        if shape is None:
            return ""
        schema = validator.oas_schema
        props = schema.get("properties") if isinstance(schema, dict) else None
        obj = props.get("object") if isinstance(props, dict) else None
        allowed = obj.get("enum") if isinstance(obj, dict) else None
        if isinstance(allowed, list) and shape[0] in allowed:
            return ""
        return f"; the example looks like {shape[1]}, not this operation's response"


_ABSENT = object()


def _get(value: Any, pointer: str, default: Any = None) -> Any:
    try:
        return resolve_pointer(value, pointer)
    except KeyError:
        return default


def _show(value: Any, limit: int = 120) -> str:
    """A JSON rendering for messages: strings keep their quotes, long values are cut."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _lines_of(code: str) -> dict[str, int]:
    try:
        return loads_with_lines(code)[1]
    except ExampleSyntaxError:
        return {}


def _line_for(lines: dict[str, int], pointer: str) -> int:
    """The line of the value at ``pointer``, else of its nearest ancestor present in the example."""
    while True:
        if pointer in lines:
            return lines[pointer]
        if not pointer:
            return 1
        pointer = pointer.rsplit("/", 1)[0]


def _path_ends_with(url_path: str, spec_path: str) -> bool:
    regex = re.sub(r"\\\{[^}/]*\\\}", "[^/]+", re.escape(spec_path.rstrip("/")))
    return re.search(regex + r"/?\Z", url_path) is not None


def pages_with_errors(results: Iterable[PageResult]) -> int:
    return sum(1 for r in results if r.has_errors)
