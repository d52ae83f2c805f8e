"""Checks over one exchange: everything a server's response can get wrong against the spec.

Each check reads an :class:`~conformance.suite.exchange.Exchange` and yields
findings. Schema checks run against the published spec and say, for each
finding, whether the normalised spec (with its declared corrections) accepts the
same response: if it does the spec is to blame (source ``spec``), otherwise the
server (source ``server``).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import attrs

from conformance.findings import Finding, Level, Source, rule
from conformance.oaswalk import operations
from conformance.schema import Validator, deref, undocumented_fields
from conformance.suite.exchange import Exchange

TRANSPORT = rule("resp-transport-error", Level.ERROR, Source.SERVER,
                 "the exchange failed at the transport level (refused, reset, truncated body, timeout)",
                 "check the server's availability and that it sends complete bodies")
STATUS = rule("resp-status-undocumented", Level.ERROR, Source.SERVER,
              "the response status code is not documented for the operation",
              "document the status in the spec, or fix the server")
CONTENT_TYPE = rule("resp-content-type-undocumented", Level.ERROR, Source.SERVER,
                    "the response Content-Type is not one the spec documents for that status",
                    "send a documented media type (application/json, text/event-stream)")
NOT_JSON = rule("resp-body-not-json", Level.ERROR, Source.SERVER,
                "a response documented as JSON does not parse as JSON", "send valid JSON")
SCHEMA = rule("resp-schema-violation", Level.ERROR, Source.SERVER,
              "the response body violates the documented schema",
              "fix the server, or (source spec) correct the spec")
UNDOCUMENTED = rule("resp-undocumented-field", Level.WARNING, Source.SERVER,
                    "the response carries a member the spec does not document (error with --strict)",
                    "document the member in the spec, or stop sending it")
USAGE = rule("resp-usage-arithmetic", Level.ERROR, Source.SERVER,
             "usage.total_tokens is not prompt_tokens + completion_tokens", "fix the usage accounting")
CHOICES = rule("resp-choice-count", Level.ERROR, Source.SERVER,
               "the number of choices (or their indexes) does not match the request's `n`",
               "return exactly n choices indexed 0..n-1")
TOOL_FINISH = rule("resp-tool-calls-finish-reason", Level.ERROR, Source.SERVER,
                   "finish_reason is `tool_calls` but no tool call is present, or tool calls come with another "
                   "finish_reason", "set finish_reason to tool_calls exactly when the message calls tools")
TOOL_UNDECLARED = rule("resp-tool-call-undeclared", Level.ERROR, Source.SERVER,
                       "a tool call names a function the request did not declare, or its arguments are not JSON",
                       "only call declared tools with JSON arguments")
TOOL_CHOICE = rule("resp-tool-choice-ignored", Level.ERROR, Source.SERVER,
                   "tool_choice required a tool call (or named one) but the response calls none (or another)",
                   "honour tool_choice")
JSON_MODE = rule("resp-json-mode-content", Level.ERROR, Source.SERVER,
                 "response_format asked for JSON but the message content is not JSON (or violates the schema)",
                 "return content that satisfies response_format")
ERROR_SHAPE = rule("resp-error-shape", Level.ERROR, Source.SERVER,
                   "an error response is not in the OpenAI error shape {\"error\": {message, type, param, code}}",
                   "return the documented error body")
CLIENT_PARSE = rule("resp-client-parse", Level.ERROR, Source.SERVER,
                    "the regenerated typed client cannot parse a response the suite received",
                    "fix the spec (if the response is right) or the server")
STREAM_TERMINATION = rule("resp-stream-not-terminated", Level.ERROR, Source.SERVER,
                          "an event stream ended without `data: [DONE]` (or without a final finish_reason)",
                          "finish every stream with a final chunk and data: [DONE]")
STREAM_SHAPE = rule("resp-stream-chunk-shape", Level.ERROR, Source.SERVER,
                    "stream chunks break the streaming protocol: role outside the first delta, finish_reason "
                    "before the last chunk, ids that change, usage missing when asked for, an unparsable event",
                    "send chunks as OpenAI-compatible servers do")

AUTH_NOT_ENFORCED = rule("resp-auth-not-enforced", Level.ERROR, Source.SERVER,
                         "a request without a valid bearer key was answered with success",
                         "answer 401 when the key is missing or malformed")
INVALID_ACCEPTED = rule("resp-invalid-request-accepted", Level.ERROR, Source.SERVER,
                        "a request that is not valid (bad JSON, schema violation) was answered with success",
                        "reject invalid requests with 400 and an error body")
SCHEMATHESIS_FAILURE = rule("resp-schemathesis-check", Level.ERROR, Source.SERVER,
                            "a schemathesis check failed (server error, negative data accepted, positive data "
                            "rejected, ...)", "see the check's message")
BUDGET = rule("suite-budget-spent", Level.INFO, Source.SERVER,
              "the live request budget was spent; the remaining cases were skipped",
              "raise --max-requests for a fuller run")



def _documented(statuses: set[str], status: int) -> bool:
    return str(status) in statuses or f"{str(status)[0]}XX" in statuses or "default" in statuses


@attrs.frozen
class OperationSpec:
    """What one spec says about one operation, ready for checking."""

    label: str
    responses: dict[str, dict[str, Any]]  # status -> response object (refs inlined)

    def media(self, status: int) -> dict[str, Any]:
        for key in (str(status), f"{str(status)[0]}XX", "default"):
            if key in self.responses:
                return dict(self.responses[key].get("content") or {})
        return {}


class SpecView:
    """One spec (published or normalised), with compiled validators cached per schema location."""

    def __init__(self, spec: dict[str, Any], name: str) -> None:
        self.spec = spec
        self.name = name
        self.base_paths = sorted({urlsplit(s.get("url", "")).path.rstrip("/") for s in spec.get("servers") or []
                                  if isinstance(s, dict)} | {""}, key=len, reverse=True)
        self.ops: dict[tuple[str, str], OperationSpec] = {}
        for op in operations(spec):
            responses = {str(k): deref(spec, v, where=name) for k, v in (op.op.get("responses") or {}).items()}
            self.ops[(op.method.upper(), op.path)] = OperationSpec(op.label, responses)
        self._validators: dict[tuple[str, str, int, str], Validator | None] = {}

    def find(self, method: str, url: str) -> OperationSpec | None:
        path = urlsplit(url).path
        for base in self.base_paths:
            candidate = (path[len(base):] or "/") if base and path.startswith(base) else path
            found = self.ops.get((method.upper(), candidate))
            if found:
                return found
        return None

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

    @property
    def primary(self) -> SpecView:
        return self.published if self.checked_against == "published" else self.normalised


def _finding(kind: Any, ex: Exchange, message: str, *, pointer: str = "", expected: str | None = None,
             found: str | None = None, source: Source | None = None, level: Level | None = None,
             where: str = "", extra: dict[str, Any] | None = None) -> Finding:
    finding: Finding = kind.finding(f"{ex.operation}{where}", message, pointer=pointer, expected=expected,
                                    found=found, evidence=ex.curl(), level=level, extra=extra)
    if source is not None and source != finding.source:
        finding = attrs.evolve(finding, source=source)
    return finding


def _blame(ctx: CheckContext, op_label: str, normalised_accepts: bool) -> Source:
    return Source.SPEC if (ctx.checked_against == "published" and normalised_accepts) else Source.SERVER


def check_transport(ex: Exchange, ctx: CheckContext) -> Iterator[Finding]:
    if ex.transport_error:
        yield _finding(TRANSPORT, ex, f"{ex.method} {ex.url}: {ex.transport_error}",
                       expected="a complete HTTP response", found=ex.transport_error)


def check_status_and_type(ex: Exchange, ctx: CheckContext) -> Iterator[Finding]:
    if ex.status is None:
        return
    op = ctx.primary.find(ex.method, ex.url)
    if op is None:
        yield _finding(STATUS, ex, f"{ex.method} {urlsplit(ex.url).path} is not an operation of the spec",
                       expected="a documented path", found=urlsplit(ex.url).path)
        return
    statuses = set(op.responses)
    other = ctx.normalised if ctx.primary is ctx.published else ctx.published
    other_op = other.find(ex.method, ex.url)
    if not _documented(statuses, ex.status):
        fixed = other_op is not None and _documented(set(other_op.responses), ex.status) and other is ctx.normalised
        yield _finding(STATUS, ex, f"status {ex.status} is not documented for {op.label}",
                       pointer=f"/responses/{ex.status}", expected=f"one of {sorted(statuses)}",
                       found=str(ex.status), source=_blame(ctx, op.label, fixed),
                       extra={"normalised_accepts": fixed})
        return
    media = op.media(ex.status)
    if media and ex.content_type not in media:
        yield _finding(CONTENT_TYPE, ex, f"status {ex.status} answered with Content-Type "
                       f"{ex.content_type or '(none)'!r}", pointer=f"/responses/{ex.status}/content",
                       expected=f"one of {sorted(media)}", found=ex.content_type or "(none)")


def _request(ex: Exchange) -> dict[str, Any]:
    return ex.request_body if isinstance(ex.request_body, dict) else {}


def check_json_body(ex: Exchange, ctx: CheckContext) -> Iterator[Finding]:
    if ex.status is None or ex.content_type != "application/json":
        return
    try:
        body = ex.json_body()
    except (ValueError, UnicodeDecodeError) as exc:
        yield _finding(NOT_JSON, ex, f"status {ex.status} body is not JSON ({exc})", expected="JSON",
                       found=ex.response_body[:80].decode("utf-8", "replace"))
        return
    yield from _schema_findings(ex, ctx, body, "application/json", where="")
    if ex.status == 200 and isinstance(body, dict):
        yield from semantic_checks(ex, body)
    if ex.status >= 400:
        yield from _error_shape(ex, ctx, body)
    if ctx.client_parse:
        yield from _client_parse(ex, body)


def _schema_findings(ex: Exchange, ctx: CheckContext, body: Any, media_type: str, where: str) -> Iterator[Finding]:
    assert ex.status is not None
    op = ctx.primary.find(ex.method, ex.url)
    if op is None:
        return
    validator = ctx.primary.validator(op, ex.status, media_type)
    if validator is None:
        return
    violations = validator.violations(body)
    normalised_accepts = True
    if violations and ctx.primary is ctx.published:
        other_op = ctx.normalised.find(ex.method, ex.url)
        other = ctx.normalised.validator(other_op, ex.status, media_type) if other_op else None
        normalised_accepts = other is not None and other.is_valid(body)
    for v in violations:
        yield _finding(SCHEMA, ex, f"{ctx.primary.name} schema for {ex.status} {media_type}: "
                       f"{v.message} at {v.path or '/'}", pointer=v.path or "/", expected=v.expected, found=v.found,
                       source=_blame(ctx, op.label, normalised_accepts), where=where,
                       extra={"normalised_accepts": normalised_accepts, "keyword": v.schema_path.rsplit("/", 1)[-1],
                              "schema_path": v.schema_path})
    for pointer in sorted(set(undocumented_fields(validator.oas_schema, body))):
        yield _finding(UNDOCUMENTED, ex, f"{pointer} is not documented in the {ex.status} {media_type} schema",
                       pointer=pointer, expected="only documented members", found=pointer.rsplit("/", 1)[-1],
                       level=Level.ERROR if ctx.strict else None, where=where)


def _tools(request: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for tool in request.get("tools") or []:
        if isinstance(tool, dict) and isinstance(tool.get("function"), dict):
            names.add(str(tool["function"].get("name")))
    return names


def semantic_checks(ex: Exchange, body: dict[str, Any]) -> Iterator[Finding]:
    """What a schema cannot state: arithmetic, counts, tool calls, JSON modes."""
    request = _request(ex)
    usage = body.get("usage")
    counts = ("prompt_tokens", "completion_tokens", "total_tokens")
    if (isinstance(usage, dict) and all(isinstance(usage.get(k), int | float) for k in counts)
            and usage["total_tokens"] != usage["prompt_tokens"] + usage["completion_tokens"]):
        yield _finding(USAGE, ex, "usage does not add up", pointer="/usage/total_tokens",
                       expected=f"{usage['prompt_tokens']} + {usage['completion_tokens']} = "
                       f"{usage['prompt_tokens'] + usage['completion_tokens']}",
                       found=str(usage["total_tokens"]))
    choices = body.get("choices")
    if not isinstance(choices, list):
        return
    n = request.get("n")
    wanted: int = n if isinstance(n, int) else 1
    indexes = [c.get("index") for c in choices if isinstance(c, dict)]
    if len(choices) != wanted or sorted(i for i in indexes if isinstance(i, int | float)) != list(range(wanted)):
        yield _finding(CHOICES, ex, f"request asked for n={wanted}", pointer="/choices",
                       expected=f"{wanted} choice(s) indexed 0..{wanted - 1}",
                       found=f"{len(choices)} choice(s), indexes {indexes}")
    declared = _tools(request)
    tool_choice = request.get("tool_choice")
    for i, choice in enumerate(choices):
        if not isinstance(choice, dict):
            continue
        raw_message = choice.get("message")
        message: dict[str, Any] = raw_message if isinstance(raw_message, dict) else {}
        calls = message.get("tool_calls") or []
        finish = choice.get("finish_reason")
        if bool(calls) != (finish == "tool_calls"):
            yield _finding(TOOL_FINISH, ex, f"choice {i}: finish_reason {finish!r} with {len(calls)} tool call(s)",
                           pointer=f"/choices/{i}/finish_reason",
                           expected="tool_calls" if calls else "not tool_calls (no tool call present)",
                           found=str(finish))
        for j, call in enumerate(calls if isinstance(calls, list) else []):
            function = call.get("function") if isinstance(call, dict) else None
            if not isinstance(function, dict):
                continue
            if function.get("name") not in declared:
                yield _finding(TOOL_UNDECLARED, ex, f"choice {i} calls {function.get('name')!r}",
                               pointer=f"/choices/{i}/message/tool_calls/{j}/function/name",
                               expected=f"one of the declared tools {sorted(declared)}",
                               found=str(function.get("name")))
            try:
                json.loads(function.get("arguments") or "")
            except (ValueError, TypeError):
                yield _finding(TOOL_UNDECLARED, ex, f"choice {i}: tool call arguments are not JSON",
                               pointer=f"/choices/{i}/message/tool_calls/{j}/function/arguments",
                               expected="a JSON text", found=str(function.get("arguments"))[:80])
        if declared and (tool_choice == "required" or isinstance(tool_choice, dict)):
            named = tool_choice.get("function", {}).get("name") if isinstance(tool_choice, dict) else None
            names = [c.get("function", {}).get("name") for c in calls if isinstance(c, dict)]
            if not calls or (named and named not in names):
                yield _finding(TOOL_CHOICE, ex, f"choice {i}: tool_choice {json.dumps(tool_choice)} not honoured",
                               pointer=f"/choices/{i}/message/tool_calls",
                               expected=f"a call to {named}" if named else "at least one tool call",
                               found=f"{names or 'no tool call'}")
        yield from _json_mode(ex, request, message, i)


def _json_mode(ex: Exchange, request: dict[str, Any], message: dict[str, Any], i: int) -> Iterator[Finding]:
    fmt = request.get("response_format")
    if not isinstance(fmt, dict) or fmt.get("type") not in ("json_object", "json_schema"):
        return
    if message.get("tool_calls"):
        return
    content = message.get("content")
    try:
        value = json.loads(content) if isinstance(content, str) else None
    except ValueError:
        value = None
    if value is None or (fmt["type"] == "json_object" and not isinstance(value, dict)):
        yield _finding(JSON_MODE, ex, f"choice {i}: response_format {fmt['type']} but content is not a JSON object",
                       pointer=f"/choices/{i}/message/content", expected="a JSON object",
                       found=str(content)[:80])
        return
    schema = (fmt.get("json_schema") or {}).get("schema") if fmt["type"] == "json_schema" else None
    if isinstance(schema, dict):
        try:
            import jsonschema_rs

            errors = list(jsonschema_rs.validator_for(schema).iter_errors(value))
        except Exception as exc:  # the request's own schema may be broken; that is not the server's fault
            errors = []
            del exc
        for error in errors[:5]:
            yield _finding(JSON_MODE, ex, f"choice {i}: content violates the requested json_schema: {error.message}",
                           pointer=f"/choices/{i}/message/content", expected="content valid against the json_schema",
                           found=str(content)[:80])


def _error_shape(ex: Exchange, ctx: CheckContext, body: Any) -> Iterator[Finding]:
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or not isinstance(error.get("message"), str):
        yield _finding(ERROR_SHAPE, ex, f"status {ex.status} body is not an OpenAI-style error",
                       pointer="/error", expected='{"error": {"message": str, "type", "param", "code"}}',
                       found=json.dumps(body)[:120])
        return
    for key in ("type", "param", "code"):
        if key in error and error[key] is not None and not isinstance(error[key], str | int):
            yield _finding(ERROR_SHAPE, ex, f"error.{key} has an unexpected type", pointer=f"/error/{key}",
                           expected="a string or null", found=json.dumps(error[key])[:80])


@functools.lru_cache(maxsize=1)
def _client_models() -> dict[str, Callable[[Any], Any]] | None:
    try:
        from gpt52_client.models import ChatCompletion, ChatCompletionChunk, ErrorResponse
    except ImportError:
        return None
    return {"completion": ChatCompletion.from_dict, "chunk": ChatCompletionChunk.from_dict,
            "error": ErrorResponse.from_dict}


def _client_parse(ex: Exchange, body: Any, kind: str | None = None, where: str = "") -> Iterator[Finding]:
    models = _client_models()
    if models is None or ex.status is None:
        return
    kind = kind or ("completion" if ex.status == 200 else "error" if ex.status >= 400 else None)
    if kind is None:
        return
    try:
        models[kind](body)
    except Exception as exc:  # any failure to parse is the finding
        yield _finding(CLIENT_PARSE, ex, f"gpt52_client cannot parse the {kind}: {type(exc).__name__}: {exc}",
                       pointer="/", expected=f"a body the generated {kind} model reads",
                       found=json.dumps(body)[:120], where=where)


def parse_sse(raw: bytes) -> tuple[list[str], bool]:
    """The ``data:`` payloads of an event stream, and whether it ended with ``[DONE]``."""
    payloads: list[str] = []
    done = False
    text = raw.decode("utf-8", "replace").replace("\r\n", "\n")
    for block in text.split("\n\n"):
        data = "\n".join(line[5:].lstrip(" ") for line in block.split("\n") if line.startswith("data:"))
        if not data:
            continue
        if data.strip() == "[DONE]":
            done = True
            break
        payloads.append(data)
    return payloads, done


def check_stream(ex: Exchange, ctx: CheckContext) -> Iterator[Finding]:
    if ex.status != 200 or ex.content_type != "text/event-stream":
        return
    request = _request(ex)
    payloads, done = parse_sse(ex.response_body)
    chunks: list[dict[str, Any]] = []
    for index, payload in enumerate(payloads):
        try:
            chunk = json.loads(payload)
        except ValueError:
            yield _finding(STREAM_SHAPE, ex, f"event {index} is not JSON", pointer=f"/events/{index}",
                           expected="a JSON chunk", found=payload[:80], where=" [stream]")
            continue
        if isinstance(chunk, dict) and "error" in chunk and "choices" not in chunk:
            yield from _error_shape(ex, ctx, chunk)
            continue
        chunks.append(chunk if isinstance(chunk, dict) else {})
        yield from _schema_findings(ex, ctx, chunk, "text/event-stream", where=" [stream]")
        if ctx.client_parse:
            yield from _client_parse(ex, chunk, "chunk", where=" [stream]")
    finishes = [choice.get("finish_reason") for c in chunks for choice in (c.get("choices") or [])
                if isinstance(choice, dict)]
    if not done:
        yield _finding(STREAM_TERMINATION, ex, f"the stream ended after {len(payloads)} event(s) without "
                       "data: [DONE]", pointer="/events", expected="data: [DONE] as the last event",
                       found="end of body", where=" [stream]")
    if chunks and not any(f for f in finishes):
        yield _finding(STREAM_TERMINATION, ex, "no chunk carries a finish_reason", pointer="/events",
                       expected="a final chunk with finish_reason", found="none", where=" [stream]")
    yield from _stream_protocol(ex, request, chunks)


def _stream_protocol(ex: Exchange, request: dict[str, Any], chunks: list[dict[str, Any]]) -> Iterator[Finding]:
    ids = {c.get("id") for c in chunks}
    if len(ids) > 1:
        yield _finding(STREAM_SHAPE, ex, "chunk ids change within one stream", pointer="/events/*/id",
                       expected="one id", found=str(sorted(map(str, ids)))[:80], where=" [stream]")
    # per choice index: role only in its first delta, finish_reason null until its last chunk
    per_index: dict[int, list[tuple[int, dict[str, Any]]]] = {}
    for number, chunk in enumerate(chunks):
        for choice in chunk.get("choices") or []:
            if isinstance(choice, dict):
                raw_index = choice.get("index")
                index: int = raw_index if isinstance(raw_index, int) else 0
                per_index.setdefault(index, []).append((number, choice))
    for index, entries in sorted(per_index.items()):
        first_number, first = entries[0]
        if not (first.get("delta") or {}).get("role"):
            yield _finding(STREAM_SHAPE, ex, f"choice {index}: the first delta carries no role",
                           pointer=f"/events/{first_number}/choices/{index}/delta",
                           expected='role "assistant" in the first delta', found="no role", where=" [stream]")
        for number, choice in entries[1:]:
            role = (choice.get("delta") or {}).get("role")
            if role not in (None, "assistant"):
                yield _finding(STREAM_SHAPE, ex, f"choice {index}: chunk {number} changes the role to {role!r}",
                               pointer=f"/events/{number}/choices/{index}/delta/role",
                               expected="no role after the first delta", found=str(role), where=" [stream]")
        early = [(n, c.get("finish_reason")) for n, c in entries[:-1] if c.get("finish_reason") is not None]
        if early:
            yield _finding(STREAM_SHAPE, ex, f"choice {index}: finish_reason set before its last chunk "
                           f"(chunks {[n for n, _ in early[:5]]})",
                           pointer=f"/events/{early[0][0]}/choices/{index}/finish_reason",
                           expected="null until the choice's last chunk", found=str(early[0][1]),
                           where=" [stream]", level=Level.WARNING)
    options = request.get("stream_options")
    if isinstance(options, dict) and options.get("include_usage") and chunks:
        usage = chunks[-1].get("usage")
        if not isinstance(usage, dict):
            yield _finding(STREAM_SHAPE, ex, "stream_options.include_usage was set but the last chunk has no usage",
                           pointer="/events/-1/usage", expected="usage on the last chunk", found="none",
                           where=" [stream]")
        elif usage.get("total_tokens") != (usage.get("prompt_tokens") or 0) + (usage.get("completion_tokens") or 0):
            yield _finding(USAGE, ex, "stream usage does not add up", pointer="/events/-1/usage/total_tokens",
                           expected="prompt_tokens + completion_tokens", found=str(usage.get("total_tokens")),
                           where=" [stream]")


CHECKS: tuple[Callable[[Exchange, CheckContext], Iterator[Finding]], ...] = (
    check_transport, check_status_and_type, check_json_body, check_stream,
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
        findings.append(_finding(STATUS, ex, f"{ex.method} {urlsplit(ex.url).path} is not in the spec but was "
                                 f"answered {ex.status}", expected="404 or 405", found=str(ex.status)))
        return findings
    try:
        body = ex.json_body()
    except (ValueError, UnicodeDecodeError):
        findings.append(_finding(NOT_JSON, ex, f"status {ex.status} error body is not JSON",
                                 expected="an OpenAI-style JSON error", found=ex.response_body[:80].decode(
                                     "utf-8", "replace")))
        return findings
    findings.extend(_error_shape(ex, ctx, body))
    return findings
