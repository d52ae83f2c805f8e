"""The mock's ASGI application: a raw ASGI callable built from the spec.

Per request, in this order: route (404), method (405), ``Authorization: Bearer``
with an accepted key (401, see :mod:`conformance.mock.auth`), ``X-Mock-*`` headers
(400 for an unknown mode or a bad number), body size (413), JSON (400), the
request schema (400 naming the JSON path and what was expected), request
semantics the API enforces beyond the schema (400), then the mode: a
conformant, documented, drifted or faulty answer. Every error is an
OpenAI-style JSON error object ``{"error": {"message", "type", "param", "code"}}``.
One log line per request (``method path status mode ms``).

It is a plain ASGI callable rather than a framework app because the point of a
mock is to be cheap: routing is one dict lookup and the body is validated by a
compiled (Rust) validator prepared at startup. The HTTP plumbing (reading bodies, JSON, error objects,
the request log) is in :mod:`conformance.mock.wire`; the deviations of the drift modes in
:mod:`conformance.mock.deviations`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import random
import time
import traceback
from typing import Any, TextIO

import attrs
import orjson

from conformance.mock import chat
from conformance.mock.auth import DEFAULT_API_KEY, auth_problem
from conformance.mock.compiler import Maker
from conformance.mock.deviations import drift_chunk, drift_completion
from conformance.mock.generate import Entropy
from conformance.mock.modes import DEFAULT_MODE, MODES_BY_NAME
from conformance.mock.operations import ChatOperation, chat_operations
from conformance.mock.wire import (
    DEFAULT_MAX_BODY,
    JSON,
    JSON_CT,
    MAX_LATENCY_MS,
    MAX_NESTING,
    SSE_CT,
    TEXT_CT,
    Disconnected,
    NotJson,
    Receive,
    RequestLog,
    Scope,
    Send,
    dumps,
    error_body,
    int_header,
    lifespan,
    loads,
    pointer_to_param,
    read_body,
    respond,
    too_deep,
    too_large,
    violation_message,
)
from conformance.oas import Validator


@attrs.define
class _Route:
    op: ChatOperation
    validator: Validator
    completion: Maker
    chunk: Maker


@attrs.frozen
class MockOptions:
    """How the server behaves when a request does not say otherwise."""

    mode: str = DEFAULT_MODE
    seed: int = 0
    max_body: int = DEFAULT_MAX_BODY
    latency_ms: int = 200
    retry_after: int = 1
    #: the bearer keys accepted (``conformance mock`` adds ``--api-key`` and ``$AIMLAPI_KEY``: see mock/auth.py)
    api_keys: frozenset[bytes] = frozenset({DEFAULT_API_KEY.encode()})


class MockApp:
    """A spec-driven mock of the chat completions operation (both path aliases)."""

    def __init__(
        self,
        spec: JSON,
        options: MockOptions | None = None,
        *,
        documented: JSON | None = None,
        documented_error: str | None = None,
        log: TextIO | None = None,
    ) -> None:
        self.options = options or MockOptions()
        if self.options.mode not in MODES_BY_NAME:
            raise ValueError(f"unknown mock mode {self.options.mode!r}")
        self.routes: dict[str, _Route] = {}
        for op in chat_operations(spec):
            validator = Validator(op.request_raw, op.root, where=f"{op.where} request body")
            self.routes[op.path] = _Route(
                op,
                validator,
                chat.compile_completion(op.json_schema, root=op.root),
                chat.compile_chunk(op.stream_schema, root=op.root),
            )
        self.documented = documented
        self.documented_error = documented_error or "documented mode: no example response was loaded"
        self._log = RequestLog(log) if log is not None else None
        self._write = self._log.write if self._log is not None else None
        opts = self.options
        self._defaults = _Settings(
            opts.mode, opts.latency_ms if opts.mode == "latency" else 0, opts.retry_after, 202, opts.seed
        )
        self.requests = 0

    @property
    def paths(self) -> list[str]:
        return list(self.routes)

    def close(self) -> None:
        """Write out what the request log still holds."""
        if self._log is not None:
            self._log.flush()

    # -- ASGI ------------------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "lifespan":
                await lifespan(receive, send)
            return
        start = time.perf_counter()
        state = _State(self.options.mode)
        try:
            await self._handle(scope, receive, send, state)
        except Disconnected:
            state.status = 499
        except Exception as exc:  # a bug in the mock: answer with a JSON 500, log one line
            state.status = 500
            if self._write is not None:
                detail = (
                    traceback.format_exc() if os.environ.get("CONFORMANCE_DEBUG") else f"{type(exc).__name__}: {exc}\n"
                )
                self._write(f"mock internal error: {detail}")
            # if the response had already started this fails, and the front end closes the connection
            with contextlib.suppress(Exception):
                await respond(
                    send,
                    500,
                    error_body(
                        "Internal error in the mock server while answering this request; the server's log says "
                        "what failed.",
                        "server_error",
                        None,
                        "mock_internal_error",
                    ),
                )
        self.requests += 1
        if self._write is not None:
            ms = (time.perf_counter() - start) * 1000
            self._write(f"{scope['method']} {scope['path']} {state.status} {state.mode} {ms:.1f}ms\n")

    async def _handle(self, scope: Scope, receive: Receive, send: Send, state: _State) -> None:
        route = self.routes.get(scope["path"])
        method = scope["method"]
        if route is None:
            state.status = 404
            await respond(
                send,
                404,
                error_body(
                    f"Unknown request URL: {method} {scope['path']}. Expected one of: "
                    f"{', '.join('POST ' + p for p in self.routes)}.",
                    "invalid_request_error",
                    None,
                    "unknown_url",
                ),
            )
            return
        if method != "POST":
            state.status = 405
            await respond(
                send,
                405,
                error_body(
                    f"Method {method} not allowed for {scope['path']}: expected POST.",
                    "invalid_request_error",
                    None,
                    "method_not_allowed",
                ),
                headers=[(b"allow", b"POST")],
            )
            return
        auth = None
        length = None
        mock_headers: dict[bytes, bytes] = {}
        for key, value in scope["headers"]:
            if key == b"authorization":
                auth = value
            elif key == b"content-length":
                length = value
            elif key[:7] == b"x-mock-":
                mock_headers[key] = value
        problem = auth_problem(auth, self.options.api_keys)
        if problem is not None:
            state.status = 401
            await respond(
                send,
                401,
                error_body(problem, "invalid_request_error", None, "invalid_api_key"),
                headers=[(b"www-authenticate", b'Bearer realm="mock"')],
            )
            return
        try:
            settings = self._settings(mock_headers, state)
        except ValueError as exc:  # (message, header name): the message is sent, never the tuple
            state.status = 400
            await respond(
                send,
                400,
                error_body(
                    str(exc.args[0]),
                    "invalid_request_error",
                    exc.args[1] if len(exc.args) > 1 else None,
                    "invalid_mock_header",
                ),
            )
            return
        limit = self.options.max_body
        if length is not None and length.isdigit() and int(length) > limit:
            state.status = 413
            await respond(send, 413, too_large(int(length), limit), headers=[(b"connection", b"close")])
            return
        body = await read_body(receive, limit)
        if body is None:
            state.status = 413
            await respond(send, 413, too_large(None, limit), headers=[(b"connection", b"close")])
            return
        try:
            payload = loads(body)
        except NotJson as exc:
            state.status = 400
            await respond(
                send,
                400,
                error_body(
                    f"Invalid request body: expected a JSON object, found {exc}.",
                    "invalid_request_error",
                    None,
                    "invalid_json",
                ),
            )
            return
        if isinstance(payload, dict | list) and too_deep(payload, MAX_NESTING):
            state.status = 400
            await respond(
                send,
                400,
                error_body(
                    f"Invalid request body: expected JSON nested at most {MAX_NESTING} levels deep, found deeper "
                    "nesting.",
                    "invalid_request_error",
                    None,
                    "nesting_too_deep",
                ),
            )
            return
        if not route.validator.is_valid(payload):
            # the first (all of them can take seconds), a failed oneOf explained by its closest branch
            violations = route.validator.explain(payload, limit=1)
            state.status = 400
            await respond(
                send,
                400,
                error_body(
                    violation_message(violations),
                    "invalid_request_error",
                    pointer_to_param(violations[0].path),
                    "invalid_value",
                ),
            )
            return
        if settings.latency_ms:
            await asyncio.sleep(settings.latency_ms / 1000)
        await self._answer(route, payload, body, settings, send, state)

    def _settings(self, headers: dict[bytes, bytes], state: _State) -> _Settings:
        if not headers:
            return self._defaults
        mode = state.mode
        raw_mode = headers.get(b"x-mock-mode")
        if raw_mode is not None:
            mode = raw_mode.decode("latin-1").strip()
            if mode not in MODES_BY_NAME:
                raise ValueError(
                    f"Unknown mock mode {mode!r} in X-Mock-Mode: expected one of {', '.join(MODES_BY_NAME)}.",
                    "X-Mock-Mode",
                )
            state.mode = mode
        latency = int_header(headers, b"x-mock-latency-ms", 0, MAX_LATENCY_MS)
        if latency is None:
            latency = self.options.latency_ms if mode == "latency" else 0
        retry_after = int_header(headers, b"x-mock-retry-after", 0, 86_400)
        status = int_header(headers, b"x-mock-status", 100, 599)
        seed = int_header(headers, b"x-mock-seed", 0, 2**63 - 1)
        return _Settings(
            mode=mode,
            latency_ms=latency,
            retry_after=self.options.retry_after if retry_after is None else retry_after,
            status=202 if status is None else status,
            seed=self.options.seed if seed is None else seed,
        )

    # -- answers ---------------------------------------------------------------------------------
    async def _answer(
        self, route: _Route, payload: dict[str, Any], raw: bytes, settings: _Settings, send: Send, state: _State
    ) -> None:
        mode = settings.mode
        if mode == "rate-limit":
            state.status = 429
            await respond(
                send,
                429,
                error_body(
                    "Rate limit reached for requests. Please try again later.", "requests", None, "rate_limit_exceeded"
                ),
                headers=[
                    (b"retry-after", str(settings.retry_after).encode()),
                    (b"x-ratelimit-remaining-requests", b"0"),
                ],
            )
            return
        if mode in ("error-500", "error-502", "error-503"):
            status = int(mode[-3:])
            text = {
                500: "The server had an error while processing your request.",
                502: "Bad gateway: the upstream model server returned an invalid response.",
                503: "The engine is currently overloaded, please try again later.",
            }[status]
            extra = [(b"retry-after", str(settings.retry_after).encode())] if status == 503 else []
            state.status = status
            await respond(send, status, error_body(text, "server_error", None, None), headers=extra)
            return
        if mode == "documented":
            if self.documented is None:
                state.status = 500
                await respond(
                    send, 500, error_body(self.documented_error, "server_error", None, "documented_example_unavailable")
                )
                return
            state.status = 200
            await respond(send, 200, dumps(self.documented))
            return
        make_plan = functools.partial(
            chat.plan,
            payload,
            Entropy(settings.seed, _answer_key(payload)),
            now=int(time.time()),
            force_tool_call=mode == "content-null-with-tool-calls",
            content_null=mode == "content-null-with-tool-calls",
        )
        try:
            if _generates_from_request(payload):
                # values for the request's own schemas (response_format, tool parameters) may take up to the
                # generation budget: off the event loop, so that other clients keep being served meanwhile
                the_plan = await asyncio.to_thread(make_plan)
            else:
                the_plan = make_plan()
        except chat.RequestProblem as exc:
            state.status = 400
            await respond(send, 400, error_body(exc.message, "invalid_request_error", exc.param, exc.code))
            return
        status = route.op.success_status
        if mode == "undocumented-status":
            status = settings.status
        content_type = TEXT_CT if mode == "wrong-content-type" else None
        if the_plan.stream:
            await self._stream(route, the_plan, mode, status, content_type, send, state)
            return
        body = chat.completion(route.completion, the_plan)
        drift_completion(mode, body, the_plan)
        data = dumps(body)
        state.status = status
        if mode == "drop":
            head = [(b"content-type", JSON_CT), (b"content-length", str(len(data)).encode())]
            await send({"type": "http.response.start", "status": status, "headers": head})
            await send({"type": "http.response.body", "body": data[: max(1, len(data) // 2)], "more_body": True})
            return  # returning with the body incomplete makes the server close the connection
        await respond(send, status, data, content_type=content_type or route.op.json_media.encode())

    async def _stream(
        self,
        route: _Route,
        the_plan: chat.Plan,
        mode: str,
        status: int,
        content_type: bytes | None,
        send: Send,
        state: _State,
    ) -> None:
        schema = route.op.stream_schema
        maker = route.chunk
        strict = mode == "strict-spec"
        state.status = status
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", content_type or SSE_CT), (b"cache-control", b"no-cache")],
            }
        )
        groups = list(chat.chunk_choices(the_plan, strict=strict, stream_schema=schema))
        if mode == "stream-cut":
            groups = groups[: max(1, (len(groups) - 1) // 2)]
        elif mode == "drop":
            groups = groups[: max(1, len(groups) // 2)]
        for position, choices in enumerate(groups):
            event = chat.chunk(maker, the_plan, choices)
            drift_chunk(mode, event, the_plan, last=position == len(groups) - 1)
            await send({"type": "http.response.body", "body": b"data: " + dumps(event) + b"\n\n", "more_body": True})
        if mode == "drop":
            return  # the chunked body never ends: the server closes the connection mid-stream
        if mode == "stream-cut":
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        if the_plan.include_usage:
            event = chat.chunk(maker, the_plan, [], usage=True)
            drift_chunk(mode, event, the_plan, last=False)
            await send({"type": "http.response.body", "body": b"data: " + dumps(event) + b"\n\n", "more_body": True})
        await send({"type": "http.response.body", "body": b"data: [DONE]\n\n", "more_body": False})


def _generates_from_request(payload: dict[str, Any]) -> bool:
    """Whether answering builds values from schemas the request carries (JSON schema output or tools)."""
    fmt = payload.get("response_format")
    return bool(payload.get("tools")) or (isinstance(fmt, dict) and fmt.get("type") == "json_schema")


class _State:
    """What the log line needs about one request (a plain slotted class: made once per request)."""

    __slots__ = ("mode", "status")

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.status = 0


class _Settings:
    """The effective per-request settings: server options overridden by ``X-Mock-*`` headers."""

    __slots__ = ("latency_ms", "mode", "retry_after", "seed", "status")

    def __init__(self, mode: str, latency_ms: int, retry_after: int, status: int, seed: int) -> None:
        self.mode = mode
        self.latency_ms = latency_ms
        self.retry_after = retry_after
        self.status = status
        self.seed = seed


def self_check(app: MockApp) -> list[str]:
    """Problems with the mock's own conformant answers against the spec it serves (empty when fine)."""
    problems: list[str] = []
    for route in app.routes.values():
        schema = route.op.json_schema
        if schema is None:
            problems.append(
                f"{route.op.where}: the spec has no JSON schema for a 2xx response; answers are generic objects"
            )
            continue
        check = Validator(route.op.json_raw, route.op.root)
        for body in _sample_requests(route):
            try:
                the_plan = chat.plan(body, Entropy(0, b""), now=1_700_000_000)
            except chat.RequestProblem:
                continue
            violations = check.violations(chat.completion(route.completion, the_plan), limit=1)
            for violation in violations:
                problems.append(
                    f"{route.op.where}: the mock's answer breaks the served "
                    f"{route.op.success_status} schema at {violation.path or '/'}: expected "
                    f"{violation.expected}, found {violation.found}"
                )
    return problems


def _sample_requests(route: _Route) -> list[dict[str, Any]]:
    from conformance.mock.generate import Generator

    base = Generator(random.Random(0), root=route.op.root).value(route.op.request_schema)
    if not isinstance(base, dict):
        return []
    base = {k: v for k, v in base.items() if k in ("model", "messages")}
    return [
        base,
        {**base, "n": 2, "logprobs": True, "top_logprobs": 2},
        {
            **base,
            "tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}],
            "tool_choice": "required",
        },
    ]


def build_app(spec: JSON, options: MockOptions | None = None, **kwargs: Any) -> MockApp:
    return MockApp(spec, options, **kwargs)


_STREAM_KEYS = ("stream", "stream_options")


def _answer_key(payload: dict[str, Any]) -> bytes:
    """What the answer depends on: the request without its streaming options, canonically encoded,
    so that a streamed request gets the same text as the same request not streamed."""
    if any(key in payload for key in _STREAM_KEYS):
        payload = {k: v for k, v in payload.items() if k not in _STREAM_KEYS}
    try:
        return orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # integers over 64 bits
        return json.dumps(payload, sort_keys=True).encode()


__all__ = ["DEFAULT_MAX_BODY", "MockApp", "MockOptions", "build_app", "error_body", "pointer_to_param", "self_check"]
