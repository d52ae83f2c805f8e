"""Code samples: the request each sends (URL, method, body) against the operation it calls, and against the
spec's ``x-codeSamples`` in the same language."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from conformance.codesamples import ExtractedRequest, SampleError, extract_request, normalise_language
from conformance.docs import rules
from conformance.docs.checker import _Checker, _show, _Slot
from conformance.docs.explain import _explain, _get
from conformance.docs.page import CodeBlock
from conformance.docs.specs import OperationRef
from conformance.findings import describe
from conformance.oas import path_ends_with, pointer_escape, undocumented_fields

LANGUAGE_NAMES = {"python": "Python", "javascript": "JavaScript", "curl": "cURL", "http": "HTTP"}
MAX_DIFFS = 5


def _find_key_line(code: str, start_line: int, key: str) -> int | None:
    """The 1-based line of ``key:`` (quoted or not) at or after ``start_line`` in a sample."""
    pattern = re.compile(r"""(?:"|'|\b)""" + re.escape(key) + r"""(?:"|'|\b)\s*:""")
    for number, line in enumerate(code.split("\n")[start_line - 1 :], start=start_line):
        if pattern.search(line):
            return number
    return None


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


def _slot_for(checker: _Checker, request: ExtractedRequest) -> tuple[_Slot | None, str | None]:
    """The block whose operation the request calls, and the spec path it matched (if a spec is loaded)."""
    url_path = urlsplit(request.url).path or "/"
    method = request.method.lower()
    ranked: list[tuple[int, int, _Slot, str | None]] = []
    for order, slot in enumerate(checker.slots):
        if slot.op is not None:
            called = _match_url(slot.op, request.url)
            if isinstance(called, str):
                same = called == slot.ref.path
                ranked.append((0 if same and slot.ref.method == method else 1 if same else 2, order, slot, called))
                continue
        if slot.ref.path and path_ends_with(url_path, slot.ref.path):
            ranked.append((0 if slot.ref.method == method else 1, order, slot, None))
    if not ranked:
        return None, None
    ranked.sort(key=lambda r: (r[0], r[1]))
    _, _, slot, matched = ranked[0]
    return slot, matched


def _match_url(op: OperationRef, url: str) -> str | list[str]:
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


def check_sample(checker: _Checker, block: CodeBlock) -> _Slot | None:
    language = block.language or ""
    name = LANGUAGE_NAMES.get(language, language)
    if block.label_language is not None:
        said = LANGUAGE_NAMES.get(block.label_language, block.label_language)
        checker.add(
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
        checker.add(
            rules.SAMPLE_UNPARSED,
            block.page_line(exc.line),
            f"the {name} sample's request could not be read: {exc.message}",
        )
        return None
    _check_sample_model(checker, block, name, request)
    slot, matched = _slot_for(checker, request)
    call_line = block.page_line(request.line)
    labels = ", ".join(s.ref.label() for s in checker.slots)
    if slot is None:
        if len(checker.slots) == 1 and checker.slots[0].op is not None:
            slot = checker.slots[0]
            op = slot.op
            assert op is not None
            reasons = _match_url(op, request.url)
            checker.add(
                rules.SAMPLE_URL,
                call_line,
                f"the {name} sample calls {request.url}, which is not an operation of "
                f"{op.spec.short}: {'; '.join(reasons) if isinstance(reasons, list) else reasons}",
                expected=" or ".join(s.rstrip("/") + (slot.ref.path or "") for s in op.spec.servers(op)),
                found=request.url,
            )
        else:
            checker.add(
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
        f.rule_id == rules.SAMPLE_URL.id and f.location == checker.at(call_line) for f in checker.findings
    ):
        reasons = _match_url(op, request.url)
        checker.add(
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
        checker.add(
            rules.SAMPLE_METHOD,
            call_line,
            f"the {name} sample sends {request.method} {request.url}; {op.spec.short} defines "
            f"{' '.join(m.upper() for m in methods) or 'no method'} for {path}",
            expected=" ".join(m.upper() for m in methods),
            found=request.method,
        )
        target = op.spec.operation(path, op.method) or op
    _check_body(checker, block, name, request, target, slot)
    _compare_with_spec(checker, block, name, request, target)
    return slot


def _check_body(
    checker: _Checker, block: CodeBlock, name: str, request: ExtractedRequest, op: OperationRef, slot: _Slot
) -> None:
    schema_info = op.spec.request_schema(op)
    if schema_info is None:
        return
    pointer, schema, required = schema_info
    body_line = block.page_line(request.body_line)
    extra: dict[str, Any] = {"spec": op.spec.display, "operation": op.label}
    if not request.has_body:
        if required:
            checker.add(
                rules.SAMPLE_BODY_SCHEMA,
                block.page_line(request.line),
                f"the {name} sample sends no body; {op.label} requires a JSON request body",
                expected="a JSON body",
                found="no body",
                extra=extra,
            )
        return
    validator = checker._validator(op.spec, pointer, schema, slot.ref.line)
    if validator is None:
        return
    issues = _explain(validator, request.body)
    accepts = checker._normalised_accepts(op, request.body, response=False) if issues else None
    suffix = "; the normalised spec (with its declared corrections) accepts the body" if accepts else ""
    for issue in issues:
        key = issue.pointer.rsplit("/", 1)[-1] if issue.pointer else ""
        line = _find_key_line(block.code, request.body_line, key) if key and not key.isdigit() else None
        checker.add(
            rules.SAMPLE_BODY_SCHEMA,
            block.page_line(line) if line else body_line,
            f"the {name} sample's request body {issue.message} (request schema of {op.label}){suffix}",
            pointer=issue.pointer,
            expected=issue.expected,
            found=issue.found,
            normalised_accepts=accepts,
            extra=extra,
        )
    if isinstance(request.body, dict | list):
        for field in undocumented_fields(validator.oas_schema, request.body):
            key = field.rsplit("/", 1)[-1]
            line = _find_key_line(block.code, request.body_line, key)
            checker.add(
                rules.SAMPLE_BODY_UNDOCUMENTED,
                block.page_line(line) if line else body_line,
                f"the {name} sample's request body sends {field}, which the request schema of "
                f"{op.label} does not declare",
                pointer=field,
                found=_show(_get(request.body, field)),
                normalised_accepts=accepts,
                extra=extra,
            )


def _check_sample_model(checker: _Checker, block: CodeBlock, name: str, request: ExtractedRequest) -> None:
    model = request.body.get("model") if isinstance(request.body, dict) else None
    ids = [m.id for m in checker.page.models]
    if not isinstance(model, str) or not ids or model in ids:
        return
    line = _find_key_line(block.code, request.body_line, "model") or request.body_line
    checker.add(
        rules.SAMPLE_MODEL_UNLISTED,
        block.page_line(line),
        f"the {name} sample calls model `{model}`, which the page's model list does not name",
        pointer="/model",
        expected=describe(ids),
        found=model,
    )


def _compare_with_spec(
    checker: _Checker, block: CodeBlock, name: str, request: ExtractedRequest, op: OperationRef
) -> None:
    line = block.page_line(request.line)
    node = op.node
    samples = node.get("x-codeSamples", node.get("x-code-samples"))
    if not isinstance(samples, list) or not samples:
        checker.add(
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
        checker.add(
            rules.SAMPLE_NOT_IN_SPEC,
            line,
            f"the x-codeSamples of {op.label} in {op.spec.short} have no {name} sample "
            f"(they have: {', '.join(languages)})",
        )
        return
    try:
        theirs = extract_request(request.language, same[0]["source"])
    except SampleError as exc:
        checker.add(
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
        checker.add(
            rules.SAMPLE_DIFFERS,
            line,
            f"the {name} sample differs from the spec's {name} x-codeSample for {op.label}: {shown}",
            expected=theirs.summary(),
            found=request.summary(),
            extra={"spec": op.spec.display, "differences": len(diffs)},
        )
