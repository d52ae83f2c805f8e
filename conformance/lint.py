"""Lint rules over an OpenAPI 3.0 document. Each rule is a registered id with a level and a fix.

``lint(spec, location)`` runs every rule and returns findings; it never stops
at the first problem.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from conformance.codesamples import SampleError, extract_request, normalise_language
from conformance.errors import SpecError
from conformance.findings import Finding, Level, Source, describe, rule
from conformance.lint_structure import EXTERNAL_REF as EXTERNAL_REF
from conformance.lint_structure import INVALID as INVALID
from conformance.lint_structure import check_structure, responses_without_description
from conformance.oas import (
    Resolver,
    Validator,
    all_schemas,
    is_nullable_ref,
    join_pointer,
    operations,
    schema_for_instance,
    wrapped_ref,
)

RESPONSE_DESCRIPTION = rule(
    "oas-response-description-missing",
    Level.ERROR,
    Source.SPEC,
    "a response object has no `description` (required by OpenAPI 3.0; generators refuse it)",
    "add a `description` to the response",
)
SECURITY_UNUSED = rule(
    "oas-security-scheme-unused",
    Level.WARNING,
    Source.SPEC,
    "a security scheme is declared but no operation (nor the document) applies it",
    "add a `security` requirement at the top level or on each operation",
)
NO_ERROR_RESPONSE = rule(
    "oas-error-response-missing",
    Level.WARNING,
    Source.SPEC,
    "an operation documents no error response (4XX, 5XX or default)",
    "document the error responses and their body shape",
)
NULLABLE_NO_TYPE = rule(
    "oas-nullable-without-type",
    Level.WARNING,
    Source.SPEC,
    "`nullable: true` on a schema without `type`: ajv refuses to compile it and Stoplight "
    "Prism then silently validates nothing",
    "give the schema a `type`, or drop `nullable`",
)
INTEGER_AS_NUMBER = rule(
    "oas-integer-typed-as-number",
    Level.WARNING,
    Source.SPEC,
    "a value that is an integer by meaning (timestamp, index, token count) is typed `number`",
    "use `type: integer`",
)
DUPLICATE_ALIAS = rule(
    "oas-duplicate-path-alias",
    Level.INFO,
    Source.SPEC,
    "two paths carry identical operations; a generated client gets every model twice",
    "describe the operation once (shared `$ref` components) or mark the alias",
)
EXAMPLE_INVALID = rule(
    "oas-example-invalid",
    Level.ERROR,
    Source.SPEC,
    "an `example` value violates its own schema",
    "fix the example or the schema",
)
CODE_SAMPLE_INVALID = rule(
    "oas-code-sample-invalid",
    Level.ERROR,
    Source.SPEC,
    "an `x-codeSamples` request body violates the request schema, or cannot be read",
    "fix the code sample",
)
INLINE_OBJECT = rule(
    "oas-inline-object-schema",
    Level.INFO,
    Source.SPEC,
    "an inline object schema that a generator must name by its position",
    "move the schema to `components/schemas` under a name people recognise",
)
STREAM_UNSATISFIABLE = rule(
    "oas-stream-chunk-unsatisfiable",
    Level.WARNING,
    Source.SPEC,
    "the event-stream chunk schema forbids what every real stream sends "
    "(finish_reason null before the last chunk, role only in the first delta)",
    "make `finish_reason` nullable and `delta.role`/`delta.content` optional",
)

CONTENT_NOT_NULLABLE = rule(
    "oas-message-content-not-nullable",
    Level.WARNING,
    Source.SPEC,
    "`message.content` is required and not nullable although a message that calls tools carries `content: null`",
    "make `content` nullable",
)

INTEGER_NAMES = re.compile(
    r"^(created|index|n|seed|top_logprobs|start_index|end_index|expires_at|.*_at|timestamp|"
    r".*tokens|max_tokens|max_completion_tokens)$"
)
ERROR_STATUS = re.compile(r"^([45]\d\d|[45]XX|default)$")


def check_response_description(spec: dict[str, Any], location: str) -> Iterator[Finding]:
    for pointer, label in responses_without_description(spec):
        status = pointer.rsplit("/", 1)[-1]
        yield RESPONSE_DESCRIPTION.finding(
            location,
            f"{label}: response {status} has no `description`",
            pointer=pointer,
            expected="a `description` string (required)",
            found="no `description` key",
        )


def check_security(spec: dict[str, Any], location: str) -> Iterator[Finding]:
    schemes = (spec.get("components") or {}).get("securitySchemes") or {}
    used: set[str] = set()
    for requirement in spec.get("security") or []:
        used.update(requirement)
    for op in operations(spec):
        for requirement in op.op.get("security") or []:
            used.update(requirement)
    for name in schemes:
        if name not in used:
            yield SECURITY_UNUSED.finding(
                location,
                f"security scheme {name!r} is declared but applied to no operation",
                pointer=join_pointer("components", "securitySchemes", name),
                expected=f"`security: [{{{name}: []}}]` at the top level or on operations",
                found="no `security` requirement anywhere",
            )


def check_error_responses(spec: dict[str, Any], location: str) -> Iterator[Finding]:
    for op in operations(spec):
        statuses = [str(s) for s in (op.op.get("responses") or {})]
        if not any(ERROR_STATUS.match(s) for s in statuses):
            yield NO_ERROR_RESPONSE.finding(
                location,
                f"{op.label} documents no error response",
                pointer=op.pointer + "/responses",
                expected="at least one of 4XX, 5XX or default",
                found=f"only {statuses}",
            )


def check_nullable(spec: dict[str, Any], location: str) -> Iterator[Finding]:
    for node in all_schemas(spec):
        if node.schema.get("nullable") is True and "type" not in node.schema and not is_nullable_ref(node.schema):
            yield NULLABLE_NO_TYPE.finding(
                location,
                "`nullable: true` without `type`",
                pointer=node.pointer,
                expected="a `type` beside `nullable`",
                found=describe(node.schema),
            )


def check_integers(spec: dict[str, Any], location: str) -> Iterator[Finding]:
    for node in all_schemas(spec):
        if node.name and node.schema.get("type") == "number" and INTEGER_NAMES.match(node.name):
            yield INTEGER_AS_NUMBER.finding(
                location,
                f"{node.name!r} is an integer by meaning but typed `number`",
                pointer=node.pointer,
                expected="type: integer",
                found="type: number",
            )


def _strip_alias_noise(op: dict[str, Any]) -> str:
    cleaned = {k: v for k, v in op.items() if k not in ("operationId", "x-codeSamples", "summary", "description")}
    return json.dumps(cleaned, sort_keys=True)


def check_aliases(spec: dict[str, Any], location: str) -> Iterator[Finding]:
    seen: dict[tuple[str, str], str] = {}
    for op in operations(spec):
        key = (op.method, _strip_alias_noise(op.op))
        if key in seen:
            first = seen[key]
            if "$ref" in key[1] and '"properties"' not in key[1]:
                continue  # aliases that share components do not duplicate models
            yield DUPLICATE_ALIAS.finding(
                location,
                f"{op.label} repeats {op.method.upper()} {first} with inline schemas",
                pointer=op.pointer,
                expected="one set of models shared through components",
                found=f"identical inline operation at {first}",
            )
        else:
            seen[key] = op.path


def check_examples(spec: dict[str, Any], location: str) -> Iterator[Finding]:
    for node in all_schemas(spec):
        if "example" not in node.schema:
            continue
        example = node.schema["example"]
        try:  # only what the example reaches: linear however many components the schema's references lead to
            validator = Validator(schema_for_instance(spec, node.schema, example))
        except (ValueError, RecursionError):  # a bad pattern, or references nested past the stack
            continue
        for violation in validator.violations(example):
            yield EXAMPLE_INVALID.finding(
                location,
                f"example violates its schema at {violation.path or '/'}: {violation.message}",
                pointer=node.pointer + "/example" + violation.path,
                expected=violation.expected,
                found=violation.found,
            )


def _validator(schema: dict[str, Any], spec: dict[str, Any], location: str) -> Validator | None:
    """A compiled validator, or None when the schema cannot be compiled (a broken $ref, a bad pattern)."""
    try:
        return Validator(schema, spec, where=location)
    except (SpecError, ValueError):
        return None


def check_code_samples(spec: dict[str, Any], location: str) -> Iterator[Finding]:
    for op in operations(spec):
        body = ((op.op.get("requestBody") or {}).get("content") or {}).get("application/json") or {}
        schema = body.get("schema")
        if not isinstance(schema, dict):
            continue
        validator: Validator | None = None
        for index, sample in enumerate(op.op.get("x-codeSamples") or []):
            pointer = op.pointer + join_pointer("x-codeSamples", index)
            if not isinstance(sample, dict):
                continue
            try:
                lang = str(sample.get("lang", ""))
                request = extract_request(normalise_language(lang) or lang, str(sample.get("source", "")))
            except SampleError as exc:
                yield CODE_SAMPLE_INVALID.finding(
                    location,
                    f"{sample.get('lang')} sample: cannot read the request body ({exc})",
                    pointer=pointer,
                    level=Level.WARNING,
                )
                continue
            if not request.has_body:
                continue
            validator = validator or _validator(schema, spec, location)
            if validator is None:
                break  # the request schema itself is broken: oas-invalid says where
            for violation in validator.violations(request.body):
                yield CODE_SAMPLE_INVALID.finding(
                    location,
                    f"{sample.get('lang')} sample sends a body that violates the request schema at "
                    f"{violation.path or '/'}: {violation.message}",
                    pointer=pointer,
                    expected=violation.expected,
                    found=violation.found,
                )


def _generated_name(pointer: str) -> str:
    tokens = [
        t
        for t in pointer.split("/")
        if t
        and t
        not in (
            "paths",
            "content",
            "schema",
            "properties",
            "application~1json",
            "post",
            "responses",
            "requestBody",
            "text~1event-stream",
        )
    ]
    words: list[str] = []
    for token in tokens:
        token = token.replace("~1", "_").replace("~0", "_")
        if token == "items":
            words.append("Item")
        elif token.isdigit():
            words.append(f"Type{token}")
        else:
            words.extend(w.capitalize() for w in re.split(r"[^A-Za-z0-9]+", token) if w)
    return "".join(words)


def check_inline_objects(spec: dict[str, Any], location: str) -> Iterator[Finding]:
    for node in all_schemas(spec):
        if node.root.startswith("/components/") and node.depth == 0:
            continue
        if node.schema.get("type") == "object" and node.schema.get("properties") and "$ref" not in node.schema:
            name = _generated_name(node.pointer)
            yield INLINE_OBJECT.finding(
                location,
                f"inline object schema; a generator names it by position (about {len(name)} "
                f"characters: {name[:60]}{'…' if len(name) > 60 else ''})",
                pointer=node.pointer,
                expected="a named schema under components/schemas",
                found="an inline object with properties",
            )


def _follow(spec: dict[str, Any], node: Any, pointer: str) -> tuple[dict[str, Any], str]:
    """Follow local ``$ref`` (and ``allOf: [$ref]`` wrappers) from ``node`` at ``pointer`` to the schema that
    really holds the keywords, and the pointer where it lives; ``({}, "")`` when a reference points nowhere."""
    resolver = Resolver(spec)
    for _ in range(64):
        wrapped = wrapped_ref(node) if isinstance(node, dict) and "$ref" not in node else None
        step = {"$ref": wrapped} if wrapped is not None else node
        res = resolver.resolve(step, pointer)
        if res.problem is not None:
            if res.problem.kind != "missing":
                break  # an external reference or a loop: the schema at hand is as far as it goes
            return {}, ""
        if res.node is step:
            break
        node, pointer = res.node, res.pointer
    return (node, pointer) if isinstance(node, dict) else ({}, "")


def _member(spec: dict[str, Any], schema: Any, pointer: str, *keys: str) -> tuple[dict[str, Any], str]:
    """Step through keys (``properties``, a name, ``items``...), following references at every step."""
    node, where = _follow(spec, schema, pointer)
    for key in keys:
        child = node.get(key)
        if not isinstance(child, dict):
            return {}, ""
        node, where = _follow(spec, child, where + join_pointer(key))
    return node, where


def _choice(spec: dict[str, Any], media: Any, base: str) -> tuple[dict[str, Any], str]:
    """The schema of ``choices[]`` in a response body, and where it lives."""
    if not isinstance(media, dict):
        return {}, ""
    return _member(spec, media.get("schema"), base, "properties", "choices", "items")


def _nullable_site(spec: dict[str, Any], site: dict[str, Any], pointer: str) -> bool:
    """Whether a property accepts null: ``nullable`` where it is declared or on the schema it refers to."""
    return site.get("nullable") is True or _follow(spec, site, pointer)[0].get("nullable") is True


def check_stream_chunks(spec: dict[str, Any], location: str) -> Iterator[Finding]:
    reported: set[str] = set()  # both path aliases may share one chunk schema: report it once, where it is
    for op in operations(spec):
        for status, response in (op.op.get("responses") or {}).items():
            if not isinstance(response, dict):
                continue
            media = (response.get("content") or {}).get("text/event-stream")
            base = op.pointer + join_pointer("responses", str(status), "content", "text/event-stream", "schema")
            choice, where = _choice(spec, media, base)
            props = choice.get("properties") or {}
            finish = props.get("finish_reason")
            at = where + "/properties/finish_reason"
            if (
                isinstance(finish, dict)
                and "finish_reason" in (choice.get("required") or [])
                and not _nullable_site(spec, finish, at)
                and at not in reported
            ):
                reported.add(at)
                yield STREAM_UNSATISFIABLE.finding(
                    location,
                    "every chunk must carry a non-null finish_reason; real streams send null until the last chunk",
                    pointer=at,
                    expected="finish_reason nullable (null until the last chunk)",
                    found="required, not nullable",
                )
            delta, delta_at = _follow(spec, props.get("delta"), where + "/properties/delta")
            required = [r for r in (delta.get("required") or []) if r in ("role", "content")]
            if required and delta_at not in reported:
                reported.add(delta_at)
                yield STREAM_UNSATISFIABLE.finding(
                    location,
                    f"every delta must carry {required}; real streams send `role` only in the first "
                    "delta and no `content` in the last",
                    pointer=delta_at,
                    expected="role and content optional in a delta",
                    found=f"required: {required}",
                )


def check_message_content(spec: dict[str, Any], location: str) -> Iterator[Finding]:
    reported: set[str] = set()
    for op in operations(spec):
        media = (((op.op.get("responses") or {}).get("200") or {}).get("content") or {}).get("application/json") or {}
        base = op.pointer + join_pointer("responses", "200", "content", "application/json", "schema")
        choice, where = _choice(spec, media, base)
        message, message_at = _follow(
            spec, (choice.get("properties") or {}).get("message"), where + "/properties/message"
        )
        props = message.get("properties") or {}
        content = props.get("content")
        at = message_at + "/properties/content"
        if (
            "tool_calls" in props
            and "content" in (message.get("required") or [])
            and isinstance(content, dict)
            and not _nullable_site(spec, content, at)
            and at not in reported
        ):
            reported.add(at)
            yield CONTENT_NOT_NULLABLE.finding(
                location,
                "a tool-calling message must have a string `content`, but real ones carry null",
                pointer=at,
                expected="content nullable",
                found=f"type {content.get('type')!r}, required, not nullable",
            )


CHECKS: tuple[Callable[[dict[str, Any], str], Iterator[Finding]], ...] = (
    check_structure,
    check_response_description,
    check_security,
    check_error_responses,
    check_nullable,
    check_integers,
    check_aliases,
    check_examples,
    check_code_samples,
    check_inline_objects,
    check_stream_chunks,
    check_message_content,
)


def lint(spec: dict[str, Any], location: str) -> list[Finding]:
    findings: list[Finding] = []
    for check in CHECKS:
        findings.extend(check(spec, location))
    return findings
