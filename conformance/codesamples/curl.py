"""cURL command lines and raw HTTP requests."""

from __future__ import annotations

import re
import shlex
from typing import Any

from conformance.codesamples.base import ExtractedRequest, SampleError, _parse_body_text

_CURL_DATA = {"-d", "--data", "--data-raw", "--data-binary", "--data-ascii", "--json"}
_CURL_WITH_ARG = {
    "-H",
    "--header",
    "-u",
    "--user",
    "-o",
    "--output",
    "-A",
    "--user-agent",
    "-e",
    "--referer",
    "-b",
    "--cookie",
    "-c",
    "--cookie-jar",
    "-m",
    "--max-time",
    "--connect-timeout",
    "-x",
    "--proxy",
    "-w",
    "--write-out",
    "--retry",
    "-T",
    "--upload-file",
    "--cacert",
    "--cert",
    "--key",
    "-r",
    "--range",
    "-y",
    "-Y",
    "-z",
    "--oauth2-bearer",
    "--resolve",
}


def _curl(code: str) -> ExtractedRequest:
    joined = re.sub(r"\\\r?\n", " ", code)
    start = re.search(r"(?<![\w-])curl(?![\w-])", joined)
    if start is None:
        raise SampleError("no curl command found in the sample")
    call_line = code.count("\n", 0, code.find("curl")) + 1
    try:
        words = shlex.split(joined[start.end() :], comments=False, posix=True)
    except ValueError as exc:
        raise SampleError(f"the curl command does not parse as shell words: {exc}", call_line) from None
    method: str | None = None
    url: str | None = None
    data: list[str] = []
    data_flag = ""
    i = 0
    while i < len(words):
        word = words[i]
        if word in ("|", "&&", ";", ">", "||"):
            break
        value: str | None = None
        flag = word
        if word.startswith("--") and "=" in word:
            flag, value = word.split("=", 1)
        elif word.startswith("-") and not word.startswith("--") and len(word) > 2 and word[:2] in ("-X", "-d", "-H"):
            flag, value = word[:2], word[2:]

        takes = flag in ("-X", "--request", "--url") or flag in _CURL_DATA or flag in _CURL_WITH_ARG
        if takes and value is None:
            i += 1
            if i >= len(words):
                raise SampleError(f"curl option {flag} has no value", call_line)
            value = words[i]
        if flag in ("-X", "--request"):
            method = value
        elif flag == "--url":
            url = value
        elif flag in _CURL_DATA:
            data.append(value or "")
            data_flag = flag
        elif flag in ("-G", "--get"):
            method = method or "GET"
        elif flag in ("-I", "--head"):
            method = method or "HEAD"
        elif flag in ("-F", "--form"):
            raise SampleError("the curl command sends a multipart form (-F), not a JSON body", call_line)
        elif takes:
            pass  # an option with a value this check does not need (headers, auth, output...)
        elif not word.startswith("-") and url is None:
            url = word
        i += 1
    if url is None:
        raise SampleError("the curl command has no URL", call_line)
    has_body = bool(data)
    body: Any = None
    body_line = call_line
    if has_body:
        flag_at = max(code.find(data_flag + " "), code.find(data_flag + "="), code.find(data_flag + "'"))
        body_line = code.count("\n", 0, flag_at) + 1 if flag_at >= 0 else call_line
        if len(data) > 1:
            raise SampleError("the curl command sends several --data parts; only one JSON body is read", body_line)
        if data[0].startswith("@"):
            raise SampleError(f"the curl command reads its body from a file ({data[0]})", body_line)
        body = _parse_body_text(data[0], body_line, "the curl --data body")
    return ExtractedRequest(
        "curl", (method or ("POST" if has_body else "GET")).upper(), url, has_body, body, call_line, body_line
    )


# -- raw HTTP -----------------------------------------------------------------------------------------
_REQUEST_LINE = re.compile(r"^([A-Za-z]+)\s+(\S+)(?:\s+HTTP/[\d.]+)?\s*$")


def _http(code: str) -> ExtractedRequest:
    lines = code.splitlines()
    index = 0
    while index < len(lines) and not lines[index].strip():
        index += 1
    if index == len(lines):
        raise SampleError("the HTTP sample is empty")
    request = _REQUEST_LINE.match(lines[index].strip())
    if request is None:
        raise SampleError(f"expected a request line like 'POST /path HTTP/1.1', found {lines[index][:60]!r}", index + 1)
    call_line = index + 1
    method, target = request.group(1).upper(), request.group(2)
    host = ""
    index += 1
    while index < len(lines) and lines[index].strip():
        name, sep, value = lines[index].partition(":")
        if not sep:
            raise SampleError(f"expected a header 'Name: value', found {lines[index][:60]!r}", index + 1)
        if name.strip().lower() == "host":
            host = value.strip()
        index += 1
    body_text = "\n".join(lines[index + 1 :]).strip() if index < len(lines) else ""
    if target.startswith(("http://", "https://")):
        url = target
    elif host:
        url = f"https://{host}{target}"
    else:
        raise SampleError("the HTTP sample has a relative target and no Host header", call_line)
    body_line = index + 2
    while body_line <= len(lines) and not lines[body_line - 1].strip():
        body_line += 1
    has_body = bool(body_text)
    body = _parse_body_text(body_text, body_line, "the HTTP body") if has_body else None
    return ExtractedRequest("http", method, url, has_body, body, call_line, body_line if has_body else call_line)
