"""Readers of recorded traffic: VCR cassettes, HAR 1.2, the project's recordings, JSON Lines of exchanges.

:func:`read_file` recognises the format by content, not by name:

* a VCR cassette (vcrpy / pytest-recording, YAML or JSON): ``interactions: [{request, response}]``; bodies as
  ``body: {string: ...}`` (text or ``!!binary``, gzip/deflate when ``content-encoding`` says so),
  ``body: {base64_string: ...}``, a body stored parsed (``parsed_body``, or a mapping under ``body``, as
  pydantic-ai's serializer writes them);
* a HAR 1.2 file: ``{"log": {"entries": [...]}}`` (``content.encoding: base64`` understood);
* JSON Lines, one exchange per line: the project's own recordings (``conformance run --record`` and
  ``conformance proxy --record`` write ``Exchange.to_dict()``), or ``{"request": ..., "response": ...}``
  (see :func:`_from_pair` for the accepted shapes).

Files are read one at a time; JSON Lines are streamed line by line. A file that is none of these, or that
breaks its format, raises :class:`InputError` naming the file, the place and what was expected.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from gpt52.sse import ServerSentEvent, encode_event

from conformance.errors import InputError
from conformance.safeload import YAML_LOADER
from conformance.traffic.model import Recorded, json_bytes, parse_body_text

MAX_FILE_BYTES = 256 * 1024 * 1024  # a whole-file format (YAML, HAR) larger than this is refused
MAX_LINE_BYTES = 64 * 1024 * 1024  # one JSON Lines exchange
SUFFIXES = (".yaml", ".yml", ".json", ".har", ".jsonl", ".ndjson")
NOT_RECORDINGS = ("findings-", "state-", ".suite-config", "findings.json")
EXPECTED = (
    "a VCR cassette (YAML or JSON with `interactions`), a HAR 1.2 file (JSON with `log.entries`) or "
    'JSON Lines of exchanges (`conformance run --record`, or {"request", "response"} per line)'
)


def expand(paths: list[Path]) -> list[Path]:
    """Files named, and the recordings inside folders named (recursively, sorted); missing ones are an error."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            # a run's report folder also holds its findings and state: not recordings
            found = sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in SUFFIXES and not p.name.startswith(NOT_RECORDINGS)
            )
            if not found:
                raise InputError(f"{path}: expected recordings ({', '.join(SUFFIXES)}) in this folder, found none")
            files += found
        elif path.is_file():
            files.append(path)
        elif path.exists():
            raise InputError(f"{path}: expected a recording (a regular file) or a folder, found a special file")
        else:
            raise InputError(f"{path}: no such file or folder")
    return files


def _regular(path: Path) -> None:
    import stat

    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    if not stat.S_ISREG(mode):
        raise InputError(f"{path}: expected a recording (a regular file), found a special file")


def _lines(handle: Any, path: Path) -> Iterator[bytes]:
    """The lines of a JSON Lines file, each at most :data:`MAX_LINE_BYTES` (an endless line is refused)."""
    while True:
        line = handle.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            raise InputError(
                f"{path}: expected lines of at most {MAX_LINE_BYTES} bytes, found a longer one",
                hint="one exchange per line; a stream's events as a list",
            )
        yield line


def read_file(path: Path) -> Iterator[Recorded]:
    _regular(path)
    try:
        with path.open("rb") as handle:
            first = b""
            for line in _lines(handle, path):
                if line.strip():
                    first = line
                    break
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    if not first:
        raise InputError(f"{path}: expected {EXPECTED}, found an empty file")
    head = _json_line(first)
    if isinstance(head, dict) and ("request" in head or "response" in head or "operation" in head):
        yield from _read_jsonl(path)
        return
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InputError(
            f"{path}: {size} bytes; expected at most {MAX_FILE_BYTES} for a YAML or HAR file",
            hint="split it, or record JSON Lines (read line by line, any size)",
        )
    from conformance.safeload import UnsafeInput, check_shape, read_regular_file

    try:
        raw = read_regular_file(path, MAX_FILE_BYTES)
    except (OSError, UnsafeInput) as exc:
        raise InputError(f"{path}: cannot read the recording ({exc})") from None
    doc = _parse_document(path, raw)
    check_shape(doc, str(path), yaml_aliases=raw.lstrip()[:1] not in (b"{", b"["))
    if isinstance(doc, dict) and isinstance(doc.get("log"), dict):
        yield from _read_har(path, doc["log"])
    elif isinstance(doc, dict) and "interactions" in doc:
        yield from _read_vcr(path, doc)
    else:
        found = f"a {type(doc).__name__}" + (f" with keys {sorted(map(str, doc))[:6]}" if isinstance(doc, dict) else "")
        raise InputError(f"{path}: expected {EXPECTED}, found {found}")


def _json_line(line: bytes) -> Any:
    try:
        return json.loads(line)
    except (ValueError, RecursionError):
        return None


def _parse_document(path: Path, raw: bytes) -> Any:
    try:
        return _parse(path, raw)
    except RecursionError:
        raise InputError(f"{path}: expected {EXPECTED}, found nesting too deep to read") from None


def _parse(path: Path, raw: bytes) -> Any:
    text = raw.decode("utf-8", "replace")
    if text.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(text)
        except ValueError as exc:
            if path.suffix.lower() in (".json", ".har"):
                raise InputError(f"{path}: expected JSON ({EXPECTED}), found invalid JSON: {exc}") from None
    try:
        return yaml.load(text, Loader=YAML_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(
            f"{path}:{where}: expected {EXPECTED}, found text that is not valid YAML or JSON ({problem})"
        ) from None


# -- VCR --------------------------------------------------------------------------------------------------


def _vcr_headers(raw: Any, where: str) -> tuple[tuple[str, str], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise InputError(f"{where}: expected headers as a mapping of name to values, found {type(raw).__name__}")
    out: list[tuple[str, str]] = []
    for name, values in raw.items():
        for value in values if isinstance(values, list) else [values]:
            out.append((str(name), "" if value is None else str(value)))
    return tuple(out)


def _header(headers: tuple[tuple[str, str], ...], name: str) -> str:
    return next((v for k, v in headers if k.lower() == name), "")


def _maybe_base64(text: str) -> bytes | None:
    try:
        data = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    return data if data[:2] == b"\x1f\x8b" or data[:1] in (b"{", b"[") else None


def _vcr_response_body(response: dict[str, Any], headers: tuple[tuple[str, str], ...], where: str) -> bytes | None:
    if "parsed_body" in response:
        return json_bytes(response["parsed_body"])
    body = response.get("body")
    if body is None:
        return None
    if isinstance(body, dict) and ("string" in body or "base64_string" in body):
        if "base64_string" in body:
            try:
                return base64.b64decode(str(body["base64_string"]))
            except (binascii.Error, ValueError) as exc:
                raise InputError(f"{where}: response body.base64_string is not base64 ({exc})") from None
        value = body["string"]
        if isinstance(value, bytes):
            return value
        if value is None:
            return None
        if not isinstance(value, str):  # a serializer that stored the JSON body parsed under `string`
            return json_bytes(value)
        if _header(headers, "content-encoding") and (decoded := _maybe_base64(value)) is not None:
            return decoded
        return value.encode("utf-8", "surrogateescape")
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8", "surrogateescape")
    return json_bytes(body)  # a body stored parsed directly under `body`


def _vcr_request_text(request: dict[str, Any]) -> str | None:
    body = request.get("body")
    if isinstance(body, dict) and isinstance(body.get("string"), str):
        body = body["string"]
    return body if isinstance(body, str) and body else None


def _vcr_request_body(request: dict[str, Any], headers: tuple[tuple[str, str], ...]) -> tuple[Any, bool]:
    if "parsed_body" in request:
        return request["parsed_body"], True
    body = request.get("body")
    if isinstance(body, dict) and set(body) <= {"string", "base64_string"} and body:
        body = body.get("string") if "string" in body else _maybe_base64(str(body["base64_string"]))
    if body is None:
        return None, request.get("method", "").upper() in ("GET", "HEAD", "DELETE", "OPTIONS")
    if isinstance(body, dict | list):
        return body, True
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            return None, False  # a binary (compressed) request body: not readable here
    parsed = parse_body_text(body, _header(headers, "content-type"))
    return parsed, parsed is not None or request.get("method", "").upper() != "POST"


def _read_vcr(path: Path, doc: dict[str, Any]) -> Iterator[Recorded]:
    interactions = doc.get("interactions")
    if not isinstance(interactions, list):
        raise InputError(
            f"{path}: expected `interactions` to be a list (VCR cassette), found {type(interactions).__name__}"
        )
    for index, item in enumerate(interactions):
        where = f"{path}: interaction {index}"
        if not isinstance(item, dict) or not isinstance(item.get("request"), dict):
            raise InputError(
                f"{where}: expected a mapping with `request` and `response`, found "
                f"{type(item).__name__}" + (f" with keys {sorted(item)}" if isinstance(item, dict) else "")
            )
        request = item["request"]
        response = item.get("response")
        if not isinstance(request.get("uri"), str) or not isinstance(request.get("method"), str):
            raise InputError(
                f"{where}: expected request.uri and request.method (strings), found "
                f"{request.get('uri')!r} and {request.get('method')!r}"
            )
        req_headers = _vcr_headers(request.get("headers"), f"{where}: request.headers")
        req_body, complete = _vcr_request_body(request, req_headers)
        status: int | None = None
        resp_headers: tuple[tuple[str, str], ...] = ()
        resp_body: bytes | None = None
        error: str | None = None
        if isinstance(response, dict):
            raw_status = response.get("status")
            code = raw_status.get("code") if isinstance(raw_status, dict) else raw_status
            if not isinstance(code, int):
                raise InputError(f"{where}: expected response.status.code (a number), found {code!r}")
            status = code
            resp_headers = _vcr_headers(response.get("headers"), f"{where}: response.headers")
            resp_body = _vcr_response_body(response, resp_headers, where)
        else:
            error = "no response recorded"
        yield Recorded(
            f"{path.name}#{index}",
            request["method"],
            request["uri"],
            req_headers,
            req_body,
            complete,
            status,
            resp_headers,
            resp_body,
            error,
            _vcr_request_text(request),
        )


# -- HAR --------------------------------------------------------------------------------------------------


def _har_headers(raw: Any, where: str) -> tuple[tuple[str, str], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise InputError(f"{where}: expected a list of {{name, value}}, found {type(raw).__name__}")
    out = []
    for header in raw:
        if not isinstance(header, dict) or "name" not in header:
            raise InputError(f"{where}: expected {{name, value}}, found {json.dumps(header)[:80]}")
        out.append((str(header["name"]), str(header.get("value", ""))))
    return tuple(out)


def _read_har(path: Path, log: dict[str, Any]) -> Iterator[Recorded]:
    entries = log.get("entries")
    if not isinstance(entries, list):
        raise InputError(f"{path}: expected log.entries to be a list (HAR 1.2), found {type(entries).__name__}")
    for index, entry in enumerate(entries):
        where = f"{path}: log.entries[{index}]"
        request = entry.get("request") if isinstance(entry, dict) else None
        response = entry.get("response") if isinstance(entry, dict) else None
        if not isinstance(request, dict) or not isinstance(request.get("url"), str):
            raise InputError(
                f"{where}: expected request.url and request.method, found "
                f"{json.dumps(request)[:80] if request is not None else 'no request'}"
            )
        method = str(request.get("method") or "GET")
        req_headers = _har_headers(request.get("headers"), f"{where}.request.headers")
        post = request.get("postData")
        post_text = post.get("text") if isinstance(post, dict) and isinstance(post.get("text"), str) else None
        req_body: Any = None
        complete = method.upper() != "POST"
        if isinstance(post, dict) and isinstance(post.get("text"), str):
            req_body = parse_body_text(post["text"], str(post.get("mimeType") or ""))
            complete = req_body is not None or not post["text"]
        status: int | None = None
        resp_headers: tuple[tuple[str, str], ...] = ()
        body: bytes | None = None
        error: str | None = None
        if isinstance(response, dict) and isinstance(response.get("status"), int) and response["status"] > 0:
            status = response["status"]
            # HAR keeps the decoded text: a content-encoding header describes the wire, not `text`
            resp_headers = tuple(
                (k, v)
                for k, v in _har_headers(response.get("headers"), f"{where}.response.headers")
                if k.lower() != "content-encoding"
            )
            raw_content = response.get("content")
            content: dict[str, Any] = raw_content if isinstance(raw_content, dict) else {}
            text = content.get("text")
            size = content.get("size")
            if isinstance(text, str) and not (text == "" and isinstance(size, int) and size > 0):
                # (an empty text for a non-empty answer: the browser did not keep it, as Chrome does for streams)
                if str(content.get("encoding") or "").lower() == "base64":
                    try:
                        body = base64.b64decode(text)
                    except (binascii.Error, ValueError) as exc:
                        raise InputError(
                            f"{where}.response.content.text: expected base64 (encoding: base64), "
                            f"found text that does not decode ({exc})"
                        ) from None
                else:
                    body = text.encode("utf-8", "surrogateescape")
                if not any(k.lower() == "content-type" for k, _ in resp_headers) and content.get("mimeType"):
                    resp_headers += (("content-type", str(content["mimeType"])),)
        else:
            error = str(entry.get("_error") or "no response recorded (status 0: aborted or blocked)")
        yield Recorded(
            f"{path.name}#{index}",
            method,
            request["url"],
            req_headers,
            req_body,
            complete,
            status,
            resp_headers,
            body,
            error,
            post_text or None,
        )


# -- JSON Lines -------------------------------------------------------------------------------------------


def _read_jsonl(path: Path) -> Iterator[Recorded]:
    from conformance.safeload import check_shape

    with path.open("rb") as handle:
        for number, line in enumerate(_lines(handle, path), 1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                item = json.loads(line)
            except ValueError as exc:
                raise InputError(f"{where}: expected one JSON object per line, found invalid JSON ({exc})") from None
            except RecursionError:
                raise InputError(f"{where}: expected a JSON object, found nesting too deep to read") from None
            check_shape(item, where)
            if not isinstance(item, dict):
                raise InputError(f"{where}: expected a JSON object, found {type(item).__name__}")
            origin = f"{path.name}:{number}"
            if "operation" in item and "response_body" in item:
                yield _from_project(item, origin, where)
            elif "request" in item or "response" in item:
                yield _from_pair(item, origin, where)
            else:
                raise InputError(
                    f'{where}: expected a recorded exchange ({{"request", "response"}} or '
                    f"`conformance run --record`), found keys {sorted(item)[:8]}"
                )


def _from_project(item: dict[str, Any], origin: str, where: str) -> Recorded:
    try:
        kind = item.get("response_body_kind")
        raw = item.get("response_body")
        body = (json_bytes(raw) if raw is not None else b"") if kind == "json" else str(raw or "").encode()
        return Recorded(
            origin,
            str(item["method"]),
            str(item["url"]),
            tuple((str(k), str(v)) for k, v in (item.get("request_headers") or {}).items()),
            item.get("request_body"),
            bool(item.get("request_complete", True)),
            item.get("status"),
            tuple((str(k), str(v)) for k, v in (item.get("response_headers") or {}).items()),
            body,
            item.get("transport_error"),
            item.get("request_text"),
        )
    except (KeyError, AttributeError, TypeError) as exc:
        raise InputError(
            f"{where}: expected a recorded exchange (method, url, status, response_body...), "
            f"found {type(exc).__name__}: {exc}"
        ) from None


_ENVELOPE_REQUEST = {"method", "url", "headers", "body", "complete", "partial"}
_ENVELOPE_RESPONSE = {"status", "status_code", "headers", "body", "events", "chunks"}


def _pair_headers(raw: Any, where: str) -> tuple[tuple[str, str], ...]:
    if raw is None:
        return ()
    if isinstance(raw, dict):
        return tuple((str(k), ", ".join(map(str, v)) if isinstance(v, list) else str(v)) for k, v in raw.items())
    if isinstance(raw, list):
        return _har_headers(raw, where)
    raise InputError(f"{where}: expected headers as an object or a list of {{name, value}}, found {type(raw).__name__}")


def _from_pair(item: dict[str, Any], origin: str, where: str) -> Recorded:
    """``{"request": R, "response": S}``.

    R: ``null`` (not recorded), the JSON request body itself, or ``{method?, url?, headers?, body?,
    partial?}`` (``body`` parsed or as text). S: the JSON response body itself (status 200 assumed), or
    ``{status, headers?, body?, events?}`` where ``events`` is a stream as a list of chunks (objects or
    ``data:`` payload strings; a last ``"[DONE]"`` marks a terminated stream) and ``body`` may be a JSON
    value or the raw text (an SSE stream as one string is split into its events by the checks).
    """
    request = item.get("request")
    response = item.get("response")
    method, url = "POST", "https://recorded.invalid/v1/chat/completions"
    req_headers: tuple[tuple[str, str], ...] = ()
    req_body: Any = None
    req_text: str | None = None
    complete = False
    if isinstance(request, dict) and request and set(request) <= _ENVELOPE_REQUEST | {"query"}:
        method = str(request.get("method") or method)
        url = str(request.get("url") or url)
        req_headers = _pair_headers(request.get("headers"), f"{where}: request.headers")
        body = request.get("body")
        req_body = parse_body_text(body) if isinstance(body, str | bytes) else body
        req_text = body if isinstance(body, str) and body else None
        complete = req_body is not None and not request.get("partial") and request.get("complete", True) is not False
    elif request is not None:
        req_body, complete = request, True
    if not isinstance(response, dict):
        raise InputError(
            f"{where}: expected `response` to be an object (a body, or {{status, headers, body}}), "
            f"found {type(response).__name__}"
        )
    status: Any = 200
    resp_headers: tuple[tuple[str, str], ...] = ()
    resp_body: bytes | None
    if response and set(response) <= _ENVELOPE_RESPONSE and ("status" in response or "status_code" in response):
        status = response.get("status", response.get("status_code"))
        if not isinstance(status, int):
            raise InputError(f"{where}: expected response.status to be a number, found {status!r}")
        resp_headers = _pair_headers(response.get("headers"), f"{where}: response.headers")
        events = response.get("events", response.get("chunks"))
        body = response.get("body")
        if isinstance(events, list):
            resp_body = _sse(events)
            if not any(k.lower() == "content-type" for k, _ in resp_headers):
                resp_headers += (("content-type", "text/event-stream"),)
        elif isinstance(body, str):
            resp_body = body.encode("utf-8", "surrogateescape")
        else:
            resp_body = None if body is None else json_bytes(body)
    else:
        resp_body = json_bytes(response)
    return Recorded(
        origin, method, url, req_headers, req_body, complete, status, resp_headers, resp_body, request_text=req_text
    )


def _sse(events: list[Any]) -> bytes:
    """The event-stream body of recorded ``data`` payloads (a line end inside one becomes its next ``data:`` line)."""
    parts = []
    for event in events:
        data = event if isinstance(event, str) else json.dumps(event, ensure_ascii=False, separators=(",", ":"))
        parts.append(encode_event(ServerSentEvent(data.replace("\r\n", "\n").replace("\r", "\n"))))
    return "".join(parts).encode()
