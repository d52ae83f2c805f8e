"""Extract the request (method, URL, JSON body) that a code sample sends.

Understands the shapes the gateway's docs use: Python ``requests.post(url, json={...})``,
JavaScript ``fetch(url, {method, body: JSON.stringify({...})})``, cURL
``--request/--url/--data``, and a raw HTTP message.
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any

import attrs
import json5


@attrs.frozen
class SampleRequest:
    method: str | None
    url: str | None
    body: Any
    error: str | None = None  # what could not be understood


def _balanced(text: str, start: int) -> str | None:
    """The bracketed expression starting at ``text[start]`` (``{`` or ``[``), honouring strings."""
    opener = text[start]
    closer = {"{": "}", "[": "]", "(": ")"}[opener]
    depth = 0
    quote: str | None = None
    i = start
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if ch == quote:
                quote = None
        elif ch in "\"'`":
            quote = ch
        elif ch == opener:
            depth += 1
        elif ch == closer:
            depth -= 1
            if depth == 0:
                return text[start:i + 1]
        i += 1
    return None


def _parse_python(text: str) -> SampleRequest:
    call = re.search(r"requests\.(post|get|put|patch|delete)\(\s*(['\"])(.*?)\2", text, re.S)
    method = call.group(1).upper() if call else None
    url = call.group(3) if call else None
    match = re.search(r"\bjson\s*=\s*([\[{])", text)
    if not match:
        return SampleRequest(method, url, None, "no json= argument")
    literal = _balanced(text, match.start(1))
    if literal is None:
        return SampleRequest(method, url, None, "unbalanced json= literal")
    try:
        return SampleRequest(method, url, ast.literal_eval(literal))
    except (ValueError, SyntaxError) as exc:
        return SampleRequest(method, url, None, f"json= is not a Python literal: {exc}")


def _parse_js(text: str) -> SampleRequest:
    call = re.search(r"fetch\(\s*(['\"`])(.*?)\1", text, re.S)
    url = call.group(2) if call else None
    method_match = re.search(r"method\s*:\s*['\"](\w+)['\"]", text)
    method = method_match.group(1).upper() if method_match else ("GET" if call else None)
    match = re.search(r"JSON\.stringify\(\s*([\[{])", text)
    if not match:
        return SampleRequest(method, url, None, "no JSON.stringify(...) body")
    literal = _balanced(text, match.start(1))
    if literal is None:
        return SampleRequest(method, url, None, "unbalanced JSON.stringify literal")
    try:
        return SampleRequest(method, url, json5.loads(literal))
    except ValueError as exc:
        return SampleRequest(method, url, None, f"body is not a JSON5 literal: {exc}")


def _parse_curl(text: str) -> SampleRequest:
    method_match = re.search(r"(?:--request|-X)\s+['\"]?(\w+)", text)
    url_match = re.search(r"--url\s+(['\"]?)(\S+?)\1(?:\s|$)", text) or re.search(r"curl\s+(?:-\w\s+)*(['\"]?)(https?://\S+?)\1(?:\s|$)", text)
    url = url_match.group(2) if url_match else None
    data = re.search(r"(?:--data(?:-raw|-binary)?|-d)\s+'(.*?)'(?=\s*(?:\\\s*)?$|\s+-)", text, re.S)
    if data is None:
        data = re.search(r"(?:--data(?:-raw|-binary)?|-d)\s+\"((?:[^\"\\]|\\.)*)\"", text, re.S)
    method = method_match.group(1).upper() if method_match else ("POST" if data else "GET")
    if data is None:
        return SampleRequest(method, url, None, "no --data argument")
    try:
        return SampleRequest(method, url, json.loads(data.group(1)))
    except json.JSONDecodeError as exc:
        return SampleRequest(method, url, None, f"--data is not JSON: {exc.msg} at line {exc.lineno}")


def _parse_http(text: str) -> SampleRequest:
    head, _, body = text.replace("\r\n", "\n").partition("\n\n")
    first = head.splitlines()[0] if head else ""
    parts = first.split()
    method = parts[0].upper() if parts else None
    target = parts[1] if len(parts) > 1 else None
    host = re.search(r"^Host:\s*(\S+)", head, re.M | re.I)
    url = f"https://{host.group(1)}{target}" if host and target and target.startswith("/") else target
    if not body.strip():
        return SampleRequest(method, url, None, "no body")
    try:
        return SampleRequest(method, url, json.loads(body))
    except json.JSONDecodeError as exc:
        return SampleRequest(method, url, None, f"body is not JSON: {exc.msg} at line {exc.lineno}")


def parse_sample(lang: str, source: str) -> SampleRequest:
    """The request a sample in ``lang`` (Python, JavaScript, cURL, HTTP; case-insensitive) sends."""
    key = lang.strip().lower()
    if key in ("python", "py"):
        return _parse_python(source)
    if key in ("javascript", "js", "node", "node.js", "typescript"):
        return _parse_js(source)
    if key in ("curl", "shell", "bash", "sh"):
        return _parse_curl(source)
    if key in ("http",):
        return _parse_http(source)
    return SampleRequest(None, None, None, f"unknown sample language {lang!r}")
