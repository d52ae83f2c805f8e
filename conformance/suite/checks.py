"""Checks over one exchange: everything a server's response can get wrong against the spec.

Each check reads an :class:`~conformance.suite.exchange.Exchange` and yields
findings. Schema checks run against the published spec and decide, **for each
violation**, whether the normalised spec (with its declared corrections) accepts
the instance at that place: if it does the spec is to blame (source ``spec``),
otherwise the server (source ``server``). One server defect in a body never
turns the spec's known defects in the same body into server findings, and a
server defect is never folded into a spec finding (the fingerprint carries the
fault and the kind of violation).

What a schema cannot state lives in :mod:`conformance.suite.semantics` (one
answer) and :mod:`conformance.suite.streams` (event streams).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import attrs
from gpt52.sse import decode_stream

from conformance.findings import Finding, Level, Source
from conformance.locations import STREAM_SUFFIX, ExchangePath
from conformance.oas import OperationIndex, Validator, Violation, deref, undocumented_fields
from conformance.oas.operations import response_for, status_keys
from conformance.suite.exchange import Exchange
from conformance.suite.rules import (
    AUTH_NOT_ENFORCED,
    BUDGET,
    CLIENT_PARSE,
    CONTENT_TYPE,
    ERROR_IN_SUCCESS,
    ERROR_SHAPE,
    INVALID_ACCEPTED,
    NOT_JSON,
    SCHEMA,
    SCHEMATHESIS_FAILURE,
    SERVER_ERROR,
    SLOW,
    STATUS,
    STREAM_MODE,
    TRANSPORT,
    UNDOCUMENTED,
)

__all__ = [
    "AUTH_NOT_ENFORCED",
    "BUDGET",
    "INVALID_ACCEPTED",
    "SCHEMATHESIS_FAILURE",
    "CheckContext",
    "SpecView",
    "check_exchange",
    "check_probe",
    "parse_sse",
]


def parse_sse(raw: bytes) -> tuple[list[str], bool]:
    """The ``data`` of an event stream's events before ``data: [DONE]``, and whether it came (``gpt52.sse``)."""
    stream = decode_stream(raw)
    return [event.data for event in stream.events], stream.done


def _documented(statuses: set[str], status: int) -> bool:
    return any(key in statuses for key in status_keys(status))


@attrs.frozen
class OperationSpec:
    """What one spec says about one operation, ready for checking."""

    label: str
    responses: dict[str, dict[str, Any]]  # status -> response object (refs inlined)

    def media(self, status: int) -> dict[str, Any]:
        response = response_for(self.responses, status)
        return dict(response.get("content") or {}) if response is not None else {}


class SpecView:
    """One spec (published or normalised), with compiled validators cached per schema location."""

    def __init__(self, spec: dict[str, Any], name: str) -> None:
        self.spec = spec
        self.name = name
        self.index = OperationIndex(spec)
        self.base_paths = self.index.base_paths
        self.ops: dict[tuple[str, str], OperationSpec] = {}
        for op in self.index.operations:
            responses = {str(k): deref(spec, v, where=name) for k, v in (op.op.get("responses") or {}).items()}
            self.ops[(op.method.upper(), op.path)] = OperationSpec(op.label, responses)
        self._validators: dict[tuple[str, str, int, str], Validator | None] = {}

    def find(self, method: str, url: str, target_base: str = "") -> OperationSpec | None:
        """The operation a request went to; ``target_base`` is the path prefix of the target's base URL."""
        found = self.index.find(method, url, target_base)
        return self.ops.get((found.method.upper(), found.path)) if found is not None else None

    def validator(self, op: OperationSpec, status: int, media_type: str) -> Validator | None:
        key = (op.label, media_type, status, self.name)
        if key not in self._validators:
            schema = (op.media(status).get(media_type) or {}).get("schema")
            self._validators[key] = Validator(schema, self.spec, where=self.name) if isinstance(schema, dict) else None
        return self._validators[key]


@attrs.define
class CheckContext:
    published: SpecView
    normalised: SpecView
    strict: bool = False
    client_parse: bool = True
    checked_against: str = "published"  # which view is "the spec" for this run
    target_base: str = ""  # path prefix of the target's base URL (http://host/gateway -> /gateway)
    max_response_ms: float | None = None

    @property
    def primary(self) -> SpecView:
        return self.published if self.checked_against == "published" else self.normalised

    def find(self, view: SpecView, ex: Exchange) -> OperationSpec | None:
        return view.find(ex.method, ex.url, self.target_base)


def finding(
    kind: Any,
    ex: Exchange,
    message: str,
    *,
    pointer: str = "",
    expected: str | None = None,
    found: str | None = None,
    source: Source | None = None,
    level: Level | None = None,
    where: str = "",
    detail: str = "",
    normalised_accepts: bool | None = None,
    extra: dict[str, Any] | None = None,
) -> Finding:
    """A finding about ``ex``; ``detail`` is the kind of violation that goes into the fingerprint."""
    if where not in ("", STREAM_SUFFIX):
        raise ValueError(f"where: expected '' or {STREAM_SUFFIX!r}, found {where!r}")
    made: Finding = kind.finding(
        ExchangePath(ex.operation, pointer, stream=where == STREAM_SUFFIX),
        message,
        expected=expected,
        found=found,
        evidence=ex.curl(),
        level=level,
        kind=detail,
        fault=source,
        normalised_accepts=normalised_accepts,
        extra=extra,
    )
    return made


def check_transport(ex: Exchange, ctx: CheckContext) -> Iterator[Finding]:
    if ex.transport_error and ex.transport_error.startswith("ReadTimeout"):
        yield finding(
            SLOW,
            ex,
            f"no answer after {ex.elapsed_ms / 1000:.1f} s (the read timed out)",
            expected="an answer" + (f" within {ctx.max_response_ms / 1000:.1f} s" if ctx.max_response_ms else ""),
            found=f"nothing after {ex.elapsed_ms / 1000:.1f} s",
            detail="timeout",
        )
        return
    if ex.transport_error:
        yield finding(
            TRANSPORT,
            ex,
            f"{ex.method} {ex.url}: {ex.transport_error}",
            expected="a complete HTTP response",
            found=ex.transport_error,
            detail=ex.transport_error.split(":", 1)[0],
        )
    if ctx.max_response_ms is not None and ex.elapsed_ms > ctx.max_response_ms:
        yield finding(
            SLOW,
            ex,
            f"the answer took {ex.elapsed_ms / 1000:.1f} s (limit {ctx.max_response_ms / 1000:.1f} s)",
            expected=f"at most {ctx.max_response_ms / 1000:.1f} s",
            found=f"{ex.elapsed_ms / 1000:.1f} s",
        )


def wants_stream(ex: Exchange) -> bool | None:
    """Whether the request asked for a stream; None when the request is not known."""
    if not ex.request_complete or not isinstance(ex.request_body, dict):
        return None
    return ex.request_body.get("stream") is True


def check_status_and_type(ex: Exchange, ctx: CheckContext) -> Iterator[Finding]:
    if ex.status is None:
        return
    op = ctx.find(ctx.primary, ex)
    if op is None:
        yield finding(
            STATUS,
            ex,
            f"{ex.method} {urlsplit(ex.url).path} is not an operation of the spec",
            expected="a documented path",
            found=urlsplit(ex.url).path,
            detail="path",
        )
        return
    if ex.status >= 500:
        # whatever the spec documents: a 5xx is the server's fault (schemathesis' not_a_server_error agrees)
        yield finding(
            SERVER_ERROR,
            ex,
            f"status {ex.status} for {op.label}: {_error_text(ex)}",
            pointer=f"/responses/{ex.status}",
            expected="an answer (2xx) or a rejection (4xx)",
            found=str(ex.status),
            detail=str(ex.status),
        )
        return
    statuses = set(op.responses)
    if not _documented(statuses, ex.status):
        other = ctx.find(ctx.normalised, ex) if ctx.primary is ctx.published else None
        fixed = other is not None and _documented(set(other.responses), ex.status)
        yield finding(
            STATUS,
            ex,
            f"status {ex.status} is not documented for {op.label}",
            pointer=f"/responses/{ex.status}",
            expected=f"one of {sorted(statuses)}",
            found=str(ex.status),
            source=Source.SPEC if fixed else Source.SERVER,
            detail=str(ex.status),
            normalised_accepts=fixed,
        )
        return
    stream = wants_stream(ex)
    if 200 <= ex.status < 300 and stream is not None:
        sent_stream = ex.content_type == "text/event-stream"
        if stream != sent_stream and ex.content_type in ("application/json", "text/event-stream"):
            yield finding(
                STREAM_MODE,
                ex,
                ("`stream: true` answered with " + ex.content_type)
                if stream
                else "a request without `stream: true` answered with an event stream",
                pointer="/stream",
                expected="text/event-stream" if stream else "application/json",
                found=ex.content_type,
                detail="stream" if stream else "json",
            )
            return
    media = op.media(ex.status)
    if media and ex.content_type not in media:
        yield finding(
            CONTENT_TYPE,
            ex,
            f"status {ex.status} answered with Content-Type {ex.content_type or '(none)'!r}",
            pointer=f"/responses/{ex.status}/content",
            expected=f"one of {sorted(media)}",
            found=ex.content_type or "(none)",
            detail=ex.content_type or "none",
        )


def _error_text(ex: Exchange) -> str:
    try:
        body = ex.json_body()
        message = body["error"]["message"]
        return str(message)[:120]
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return ex.response_body[:80].decode("utf-8", "replace") or "(empty body)"


def check_json_body(ex: Exchange, ctx: CheckContext) -> Iterator[Finding]:
    if ex.status is None or ex.content_type != "application/json":
        return
    try:
        body = ex.json_body()
    except (ValueError, UnicodeDecodeError) as exc:
        yield finding(
            NOT_JSON,
            ex,
            f"status {ex.status} body is not JSON ({exc})",
            expected="JSON",
            found=ex.response_body[:80].decode("utf-8", "replace"),
        )
        return
    if 200 <= ex.status < 300 and isinstance(body, dict) and "error" in body and "choices" not in body:
        yield finding(
            ERROR_IN_SUCCESS,
            ex,
            f"status {ex.status} carries an error: {json.dumps(body)[:120]}",
            pointer="/error",
            expected="a chat completion",
            found=json.dumps(body.get("error"))[:80],
        )
        return
    yield from schema_findings(ex, ctx, body, "application/json", where="")
    if ex.status == 200 and isinstance(body, dict):
        from conformance.suite.semantics import semantic_checks

        yield from semantic_checks(ex, body)
    if ex.status >= 400:
        yield from error_shape(ex, body)
    if ctx.client_parse:
        yield from client_parse(ex, body)


def _covers(fault: str, place: str) -> bool:
    """Whether a violation at ``fault`` concerns the value at ``place`` (same, inside it, or around it)."""
    return fault == place or fault.startswith(place + "/") or place.startswith(fault + "/")


def normalised_accepts(v: Violation, normalised: list[Violation] | None) -> bool:
    """The normalised spec accepts the instance at ``v``'s place when none of its own violations concern it."""
    if normalised is None:
        return False
    return not any(_covers(n.path, v.path) for n in normalised)


def schema_findings(
    ex: Exchange, ctx: CheckContext, body: Any, media_type: str, where: str, prefix: str = ""
) -> Iterator[Finding]:
    """Schema violations of ``body``, each with its own fault (``prefix`` locates a stream event)."""
    assert ex.status is not None
    op = ctx.find(ctx.primary, ex)
    if op is None:
        return
    validator = ctx.primary.validator(op, ex.status, media_type)
    if validator is None:
        return
    violations = validator.leaves(body)
    fixed: list[Violation] | None = None
    other: Validator | None = None
    by_published = ctx.primary is ctx.published
    if by_published:
        other_op = ctx.find(ctx.normalised, ex)
        other = ctx.normalised.validator(other_op, ex.status, media_type) if other_op else None
    if violations and other is not None:
        fixed = other.leaves(body)
    for v in violations:
        accepts = by_published and normalised_accepts(v, fixed)
        yield finding(
            SCHEMA,
            ex,
            f"{ctx.primary.name} schema for {ex.status} {media_type}: {v.text}",
            pointer=prefix + (v.path or "/"),
            expected=v.expected,
            found=v.found,
            source=Source.SPEC if accepts else Source.SERVER,
            where=where,
            detail=f"{v.keyword}:{v.found_class}",
            normalised_accepts=accepts,
            extra={"keyword": v.keyword, "schema_path": v.schema_path},
        )
    undocumented = set(undocumented_fields(validator.oas_schema, body))
    if not undocumented:
        return
    still = set(undocumented_fields(other.oas_schema, body)) if other is not None else undocumented
    for pointer in sorted(undocumented):
        accepts = by_published and pointer not in still
        yield finding(
            UNDOCUMENTED,
            ex,
            f"{pointer} is not documented in the {ctx.primary.name} {ex.status} {media_type} schema",
            pointer=prefix + pointer,
            expected="only documented members",
            found=pointer.rsplit("/", 1)[-1],
            level=Level.ERROR if ctx.strict else None,
            where=where,
            source=Source.SPEC if accepts else Source.SERVER,
            detail="undocumented",
            normalised_accepts=accepts,
        )


def error_shape(ex: Exchange, body: Any, where: str = "") -> Iterator[Finding]:
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or not isinstance(error.get("message"), str):
        yield finding(
            ERROR_SHAPE,
            ex,
            f"status {ex.status} body is not an OpenAI-style error",
            pointer="/error",
            expected='{"error": {"message": str, "type", "param", "code"}}',
            found=json.dumps(body)[:120],
            where=where,
        )
        return
    for key in ("type", "param", "code"):
        if key in error and error[key] is not None and not isinstance(error[key], str | int):
            yield finding(
                ERROR_SHAPE,
                ex,
                f"error.{key} has an unexpected type",
                pointer=f"/error/{key}",
                expected="a string or null",
                found=json.dumps(error[key])[:80],
                where=where,
            )


@functools.lru_cache(maxsize=1)
def _client_models() -> dict[str, Callable[[Any], Any]] | None:
    """What a user of the client reads: its default (lenient) decoding, as ``Gpt52`` does for every answer."""
    try:
        from gpt52.decode import decode_chunk, decode_completion
        from gpt52_client.models import ErrorResponse
    except ImportError:
        return None
    return {"completion": decode_completion, "chunk": decode_chunk, "error": ErrorResponse.from_dict}


def client_parse(ex: Exchange, body: Any, kind: str | None = None, where: str = "") -> Iterator[Finding]:
    models = _client_models()
    if models is None or ex.status is None:
        return
    kind = kind or ("completion" if ex.status == 200 else "error" if ex.status >= 400 else None)
    if kind is None:
        return
    try:
        models[kind](body)
    except Exception as exc:  # any failure to parse is the finding
        yield finding(
            CLIENT_PARSE,
            ex,
            f"gpt52 cannot read the {kind} even leniently: {type(exc).__name__}: {exc}",
            pointer="/",
            expected=f"a body the client's {kind} decoding reads",
            found=json.dumps(body)[:120],
            where=where,
            detail=f"{kind}:{type(exc).__name__}",
        )


def check_stream(ex: Exchange, ctx: CheckContext) -> Iterator[Finding]:
    from conformance.suite.streams import stream_checks

    yield from stream_checks(ex, ctx)


CHECKS: tuple[Callable[[Exchange, CheckContext], Iterator[Finding]], ...] = (
    check_transport,
    check_status_and_type,
    check_json_body,
    check_stream,
)


def check_exchange(ex: Exchange, ctx: CheckContext) -> list[Finding]:
    findings: list[Finding] = []
    for check in CHECKS:
        findings.extend(check(ex, ctx))
    return findings


def check_probe(ex: Exchange, ctx: CheckContext) -> list[Finding]:
    """A request outside the spec (wrong method, unknown path): it must fail with a JSON error body."""
    findings = list(check_transport(ex, ctx))
    if ex.status is None:
        return findings
    if ex.status < 400:
        findings.append(
            finding(
                STATUS,
                ex,
                f"{ex.method} {urlsplit(ex.url).path} is not in the spec but was answered {ex.status}",
                expected="404 or 405",
                found=str(ex.status),
                detail="probe",
            )
        )
        return findings
    if ex.status >= 500 and ex.status != 501:  # 501 Not Implemented is a right answer to an unknown method
        findings.append(
            finding(
                SERVER_ERROR,
                ex,
                f"status {ex.status} for a request outside the spec: {_error_text(ex)}",
                expected="404 or 405",
                found=str(ex.status),
                detail=f"probe:{ex.status}",
            )
        )
    try:
        body = ex.json_body()
    except (ValueError, UnicodeDecodeError):
        findings.append(
            finding(
                NOT_JSON,
                ex,
                f"status {ex.status} error body is not JSON",
                expected="an OpenAI-style JSON error",
                found=ex.response_body[:80].decode("utf-8", "replace"),
            )
        )
        return findings
    findings.extend(error_shape(ex, body))
    return findings
