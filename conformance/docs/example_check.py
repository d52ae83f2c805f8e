"""Example responses against the response schema of the operation the samples before them call; when the page
predates a change of its spec, the finding says so."""

from __future__ import annotations

from typing import Any

from conformance.codesamples.lenient_json import ExampleSyntaxError, loads, loads_with_lines
from conformance.docs import rules
from conformance.docs.checker import _Checker, _show, _Slot
from conformance.docs.explain import _explain, _get
from conformance.docs.page import CodeBlock
from conformance.docs.shapes import known_shape
from conformance.docs.specs import OperationRef, SpecFailure
from conformance.docs.stale import Stale, find_stale
from conformance.oas import Validator, undocumented_fields


def check_example(checker: _Checker, block: CodeBlock, slot: _Slot | None) -> None:
    if block.stream:
        from conformance.docs.stream_check import check_stream

        check_stream(checker, block, slot)
        return
    try:
        value = loads(block.code)
    except ExampleSyntaxError as exc:
        checker.add(
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
        checker.add(
            rules.EXAMPLE_UNCHECKED,
            block.line,
            f"{op.label} in {op.spec.short} declares no 200 application/json response schema "
            f"(responses: {', '.join(statuses) or 'none'}), so the example is not checked",
        )
        return
    status, pointer, schema = response
    validator = checker._validator(op.spec, pointer, schema, slot.ref.line)
    if validator is None:
        return
    issues = _explain(validator, value)
    undocumented = list(undocumented_fields(validator.oas_schema, value)) if isinstance(value, dict | list) else []
    if not issues and not undocumented:
        return
    lines = _lines_of(block.code)
    note = _shape_note(value, validator)
    extra: dict[str, Any] = {"spec": op.spec.display, "operation": op.label, "status": status}
    accepts = checker._normalised_accepts(op, value, response=True) if issues else None
    if accepts:
        note += "; the normalised spec (with its declared corrections) accepts the example"
    stale = _stale_context(checker, op) if issues else None
    then_issues = _issues_then(stale, op, value) if stale else None
    for issue in issues:
        message = f"the response example {issue.message} (the {status} response schema of {op.label}){note}"
        if stale is not None and then_issues is not None and (issue.pointer, issue.keyword) not in then_issues:
            checker.add(
                rules.EXAMPLE_STALE,
                block.page_line(_line_for(lines, issue.pointer)),
                f"{message}; {stale.explain()}",
                pointer=issue.pointer,
                expected=issue.expected,
                found=issue.found,
                evidence=" ".join(v.commit for v in stale.since),
                normalised_accepts=accepts,
                extra={**extra, "matched_spec": stale.then.display},
            )
            continue
        checker.add(
            rules.EXAMPLE_SCHEMA,
            block.page_line(_line_for(lines, issue.pointer)),
            message,
            pointer=issue.pointer,
            expected=issue.expected,
            found=issue.found,
            normalised_accepts=accepts,
            extra=extra,
        )
    for field in undocumented:
        checker.add(
            rules.EXAMPLE_UNDOCUMENTED,
            block.page_line(_line_for(lines, field)),
            f"the response example has {field}, which the {status} response schema of {op.label} "
            f"does not declare{note if issues else ''}",
            pointer=field,
            found=_show(_get(value, field)),
            extra=extra,
        )


def _stale_context(checker: _Checker, op: OperationRef) -> Stale | None:
    """When the page predates a change of its spec (mirror history), the spec as it was then."""
    source = op.spec.source
    if source.display in checker._stale:
        return checker._stale[source.display]
    result: Stale | None = None
    if source.repo is not None and source.path is not None and source.ref is not None:
        result = find_stale(checker.store, checker.path, source.repo, source.ref, source.path, op)
    checker._stale[source.display] = result
    return result


def _issues_then(stale: Stale, op: OperationRef, value: Any) -> set[tuple[str, str]] | None:
    then_op = stale.then.operation(op.path, op.method)
    response = stale.then.response_schema(then_op) if then_op is not None else None
    if response is None:
        return None
    validator = stale.then.validator(response[1], response[2])
    if isinstance(validator, SpecFailure):
        return None
    return {(issue.pointer, issue.keyword) for issue in _explain(validator, value)}


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
