"""Read the HTTP request a doc code sample sends: method, URL and JSON body.

Four forms, as the pages and the specs' ``x-codeSamples`` write them:

* Python ``requests`` (or ``httpx``): ``requests.post(URL, headers=..., json={...})``,
  ``data=json.dumps({...})``, ``requests.request("POST", URL, ...)``; read with :mod:`ast`,
  names bound to literals at module level are followed;
* JavaScript ``fetch(URL, {method, headers, body: JSON.stringify({...})})``; the object
  literal is read as JSON5 (comments, single quotes, unquoted keys, trailing commas);
  ``const`` names bound to literals are followed;
* cURL: ``curl [-X METHOD] [--url] URL [-d|--data|--data-raw|--data-binary|--json BODY]``;
* raw HTTP: ``POST /path HTTP/1.1`` + ``Host:`` header + body.

:func:`extract_request` returns an :class:`ExtractedRequest` or raises
:class:`SampleError` saying what it could not read and at which line of the sample.
"""

from __future__ import annotations

import ast
import re
import shlex
from typing import Any
from urllib.parse import urlsplit

import attrs

from conformance.docs.lenient_json import ExampleSyntaxError, loads

__all__ = ["LANGUAGES", "ExtractedRequest", "SampleError", "extract_request", "normalise_language"]

#: Canonical sample languages and the names fences, tabs and x-codeSamples use for them.
LANGUAGES = {
    "python": ("python", "py", "python3", "requests"),
    "javascript": ("javascript", "js", "node", "nodejs", "node.js", "typescript", "ts", "jsx", "fetch"),
    "curl": ("curl", "bash", "sh", "shell", "console", "zsh", "shell-session"),
    "http": ("http", "raw http"),
}
_ALIASES = {alias: lang for lang, aliases in LANGUAGES.items() for alias in aliases}


def normalise_language(name: str | None) -> str | None:
    """``"JavaScript"`` -> ``"javascript"``, ``"cURL"`` -> ``"curl"``; None when not a sample language."""
    if not name:
        return None
    return _ALIASES.get(name.strip().lower())


class SampleError(ValueError):
    """The sample's request could not be read; ``line`` is 1-based within the sample."""

    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@attrs.frozen
class ExtractedRequest:
    """What a sample sends. ``body`` is meaningful only when ``has_body``; lines are 1-based in the sample."""

    language: str
    method: str
    url: str
    has_body: bool
    body: Any
    line: int
    body_line: int

    def summary(self) -> str:
        return f"{self.method} {self.url}"


def extract_request(language: str, code: str) -> ExtractedRequest:
    """Dispatch on the canonical language (see :data:`LANGUAGES`)."""
    readers = {"python": _python, "javascript": _javascript, "curl": _curl, "http": _http}
    reader = readers.get(language)
    if reader is None:
        raise SampleError(f"samples in {language!r} are not read (only Python, JavaScript, cURL, HTTP)")
    try:
        request = reader(code)
    except SampleError:
        from conformance.docs.sdk import read_sdk

        sdk = read_sdk(language, code)  # the OpenAI SDK's client.chat.completions.create(...) and the like
        if sdk is None:
            raise
        request = sdk
    try:
        parts = urlsplit(request.url)
    except ValueError as exc:
        raise SampleError(f"the URL {request.url[:80]!r} is not a valid URL ({exc})", request.line) from None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SampleError(f"the URL {request.url[:80]!r} is not an absolute http(s) URL", request.line)
    return request


def _json_value(value: Any, what: str, line: int) -> Any:
    """A Python literal as JSON: tuples become lists; sets, bytes and non-string keys are errors."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise SampleError(f"{what} has a key that is not a string ({key!r})", line)
            out[key] = _json_value(item, what, line)
        return out
    if isinstance(value, list | tuple):
        return [_json_value(item, what, line) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise SampleError(f"{what} holds a {type(value).__name__}, which JSON cannot send", line)


def _parse_body_text(text: str, line: int, what: str) -> Any:
    try:
        return loads(text)
    except ExampleSyntaxError as exc:
        raise SampleError(
            f"{what} is not JSON: {exc.reason} (line {exc.line} of the body)", line + exc.line - 1
        ) from None


# -- Python -------------------------------------------------------------------------------------------
_PY_METHODS = {"get", "post", "put", "patch", "delete", "head", "options"}
_PY_CLIENTS = {"requests", "httpx"}


def _python(code: str) -> ExtractedRequest:
    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        raise SampleError(f"Python sample does not parse: {exc.msg}", exc.lineno or 1) from None
    env: dict[str, ast.expr] = {}
    for statement in tree.body:
        if (
            isinstance(statement, ast.Assign)
            and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)
        ):
            env[statement.targets[0].id] = statement.value
    found: list[ExtractedRequest | SampleError] = []
    calls = sorted((n for n in ast.walk(tree) if isinstance(n, ast.Call)), key=lambda n: (n.lineno, n.col_offset))
    for node in calls:
        try:
            request = _python_call(node, env)
        except SampleError as exc:
            found.append(exc)
            continue
        if request is not None:
            found.append(request)
    return _api_call(
        found, "no requests.<method>(...) or httpx.<method>(...) call found in the Python sample", "python", code
    )


def _python_call(node: ast.Call, env: dict[str, ast.expr]) -> ExtractedRequest | None:
    """The request one call sends, when it is a requests/httpx call."""
    if not isinstance(node.func, ast.Attribute):
        return None
    owner = node.func.value
    if not (isinstance(owner, ast.Name) and owner.id in _PY_CLIENTS):
        return None
    verb = node.func.attr
    args = list(node.args)
    if verb == "request":
        if not args:
            raise SampleError("requests.request(...) without a method", node.lineno)
        method = _py_string(args.pop(0), env, "the method")
    elif verb in _PY_METHODS:
        method = verb
    else:
        return None
    keywords = {k.arg: k.value for k in node.keywords if k.arg}
    url_node = args[0] if args else keywords.get("url")
    if url_node is None:
        raise SampleError(f"{owner.id}.{verb}(...) has no URL", node.lineno)
    url = _py_string(url_node, env, "the URL")
    has_body, body, body_line = False, None, node.lineno
    if "json" in keywords:
        has_body, body_line = True, keywords["json"].lineno
        body = _py_literal(keywords["json"], env, "the json= body")
    elif "data" in keywords or "content" in keywords or len(args) > 1:
        data_node = keywords.get("data") or keywords.get("content") or args[1]
        has_body, body_line = True, data_node.lineno
        body = _py_data(data_node, env)
    return ExtractedRequest("python", method.upper(), url, has_body, body, node.lineno, body_line)


_MEDIA = re.compile(r"\.(?:png|jpe?g|gif|webp|bmp|svg|tiff?|mp3|wav|ogg|flac|m4a|mp4|webm|mov|pdf|txt|csv)$", re.I)


def is_download(request: ExtractedRequest, others: list[ExtractedRequest]) -> bool:
    """A GET without a body that fetches a media file, or goes to another host than the sample's other calls:
    an input being downloaded (an image to describe), not the API call the page documents."""
    if request.method != "GET" or request.has_body:
        return False
    parts = urlsplit(request.url)
    if _MEDIA.search(parts.path):
        return True
    hosts = {urlsplit(o.url).netloc for o in others if o is not request and (o.method != "GET" or o.has_body)}
    return bool(hosts) and parts.netloc not in hosts


def _api_call(calls: list[ExtractedRequest | SampleError], none: str, language: str, code: str) -> ExtractedRequest:
    """The sample's API call: the first request that is not a download; an SDK call beats downloads.

    A call that cannot be read is the answer (its error) unless another call is the API call.
    """
    found = [c for c in calls if isinstance(c, ExtractedRequest)]
    api = [r for r in found if not is_download(r, found)]
    for call in calls:
        if isinstance(call, SampleError):
            if not api:
                raise call
        elif call in api:
            return call
    if found:
        from conformance.docs.sdk import read_sdk

        sdk = read_sdk(language, code)
        if sdk is not None:
            return sdk  # type: ignore[no-any-return]
        urls = ", ".join(r.url for r in found[:3])
        raise SampleError(f"the sample only downloads {urls} (an input, not an API call of the page)", found[0].line)
    raise SampleError(none)


def _resolve(node: ast.expr, env: dict[str, ast.expr], seen: frozenset[str] = frozenset()) -> ast.expr:
    while isinstance(node, ast.Name) and node.id in env and node.id not in seen:
        seen = seen | {node.id}
        node = env[node.id]
    return node


def _py_string(node: ast.expr, env: dict[str, ast.expr], what: str) -> str:
    node = _resolve(node, env)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _py_string(node.left, env, what) + _py_string(node.right, env, what)
    if isinstance(node, ast.JoinedStr):
        parts: list[str] = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            elif isinstance(value, ast.FormattedValue):
                parts.append(_py_string(value.value, env, what))
        return "".join(parts)
    raise SampleError(f"{what} is not a string literal (found {ast.unparse(node)[:60]!r})", getattr(node, "lineno", 1))


def _py_literal(node: ast.expr, env: dict[str, ast.expr], what: str) -> Any:
    node = _resolve(node, env)

    def substitute(inner: ast.expr) -> ast.expr:
        class Inline(ast.NodeTransformer):
            def visit_Name(self, name: ast.Name) -> ast.AST:
                target = _resolve(name, env)
                return target if target is not name else name

        return ast.fix_missing_locations(Inline().visit(inner))  # type: ignore[no-any-return]

    line = getattr(node, "lineno", 1)
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        try:
            value = ast.literal_eval(substitute(node))
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            raise SampleError(f"{what} is not a literal (found {ast.unparse(node)[:60]!r})", line) from None
    return _json_value(value, what, line)


def _py_data(node: ast.expr, env: dict[str, ast.expr]) -> Any:
    node = _resolve(node, env)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "dumps" and node.args:
        return _py_literal(node.args[0], env, "the json.dumps(...) body")
    text = _py_string(node, env, "the data= body")
    return _parse_body_text(text, getattr(node, "lineno", 1), "the data= body")


# -- JavaScript ---------------------------------------------------------------------------------------
_JS_CONST = re.compile(r"\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*")
_JS_FETCH = re.compile(r"(?<![\w$.])fetch\s*\(")
_CLOSERS = {"(": ")", "[": "]", "{": "}"}


_JS_STRING = {"'": re.compile(r"'(?:[^'\\\n]|\\.)*'?"), '"': re.compile(r'"(?:[^"\\\n]|\\.)*"?')}
_JS_TEMPLATE_STOP = re.compile(r"[`\\]|\$\{")
_JS_BRACKETS = re.compile(r"[\"'`/(){}\[\]]")
_JS_SPLIT_STOPS: dict[str, re.Pattern[str]] = {}


def _js_skip(text: str, pos: int) -> int:
    """If a string, template or comment starts at ``pos``, the offset after it; else ``pos``."""
    ch = text[pos]
    if ch in _JS_STRING:
        match = _JS_STRING[ch].match(text, pos)
        return match.end() if match else pos + 1
    if ch == "`":
        i = pos + 1
        while True:
            stop = _JS_TEMPLATE_STOP.search(text, i)
            if stop is None:
                return len(text)
            if stop.group() == "`":
                return stop.end()
            i = stop.end() + 1 if stop.group() == "\\" else _js_match(text, stop.start() + 1) + 1
    if text.startswith("//", pos):
        end = text.find("\n", pos)
        return len(text) if end == -1 else end
    if text.startswith("/*", pos):
        end = text.find("*/", pos + 2)
        return len(text) if end == -1 else end + 2
    return pos


def _js_match(text: str, open_pos: int) -> int:
    """Offset of the bracket closing the one at ``open_pos`` (strings and comments skipped)."""
    stack = [_CLOSERS[text[open_pos]]]
    i = open_pos + 1
    while True:
        found = _JS_BRACKETS.search(text, i)
        if found is None:
            break
        i = found.start()
        ch = text[i]
        if ch in "\"'`/":
            skipped = _js_skip(text, i)
            i = skipped if skipped != i else i + 1
            continue
        if ch in _CLOSERS:
            stack.append(_CLOSERS[ch])
        else:
            if ch != stack[-1]:
                raise SampleError(f"unbalanced {ch!r}", text.count("\n", 0, i) + 1)
            stack.pop()
            if not stack:
                return i
        i += 1
    raise SampleError(f"{text[open_pos]!r} is never closed", text.count("\n", 0, open_pos) + 1)


def _js_split(text: str, start: int, end: int, seps: str = ",") -> list[tuple[int, int]]:
    """Top-level pieces of ``text[start:end]`` separated by ``seps``, as (start, end) offsets."""
    stops = _JS_SPLIT_STOPS.get(seps)
    if stops is None:
        stops = _JS_SPLIT_STOPS[seps] = re.compile("[" + re.escape("\"'`/({[" + seps) + "]")
    pieces: list[tuple[int, int]] = []
    i = piece = start
    while i < end:
        found = stops.search(text, i, end)
        if found is None:
            break
        i = found.start()
        ch = text[i]
        if ch in "\"'`/":
            skipped = _js_skip(text, i)
            i = skipped if skipped != i else i + 1
            continue
        if ch in _CLOSERS:
            i = _js_match(text, i) + 1
            continue
        pieces.append((piece, i))
        piece = i + 1
        i += 1
    if text[piece:end].strip():
        pieces.append((piece, end))
    return pieces


def _strip_js(text: str) -> str:
    """The expression without surrounding whitespace and comments."""
    text = text.strip()
    while text.startswith(("//", "/*")):
        text = text[_js_skip(text, 0) :].strip()
    return text


class _Js:
    def __init__(self, code: str) -> None:
        self.code = code
        self.consts: dict[str, tuple[int, int]] = {}
        for match in _JS_CONST.finditer(code):
            end = self._expression_end(match.end())
            self.consts.setdefault(match.group(1), (match.end(), end))

    def line(self, offset: int) -> int:
        return self.code.count("\n", 0, offset) + 1

    _EXPRESSION_STOPS = re.compile(r"[\"'`/(\[{;\n)\]}]")

    def _expression_end(self, pos: int) -> int:
        code = self.code
        i = pos
        while True:
            found = self._EXPRESSION_STOPS.search(code, i)
            if found is None:
                return len(code)
            i = found.start()
            ch = code[i]
            if ch in "\"'`/":
                if code.startswith("//", i):
                    return i
                skipped = _js_skip(code, i)
                i = skipped if skipped != i else i + 1
                continue
            if ch in _CLOSERS:
                try:
                    i = _js_match(code, i) + 1
                except SampleError:
                    return len(code)
                continue
            return i

    def expr(self, start: int, end: int, seen: frozenset[str] = frozenset()) -> tuple[str, int]:
        """The expression text (names bound by const/let/var followed) and its offset."""
        text = _strip_js(self.code[start:end])
        offset = self.code.find(text, start) if text else start
        if re.fullmatch(r"[A-Za-z_$][\w$]*", text) and text in self.consts and text not in seen:
            s, e = self.consts[text]
            return self.expr(s, e, seen | {text})
        return text, offset

    def string(self, start: int, end: int, what: str) -> str:
        text, offset = self.expr(start, end)
        parts = _js_split(text, 0, len(text), "+")
        if len(parts) > 1:
            return "".join(self.string(offset + s, offset + e, what) for s, e in parts)
        if len(text) >= 2 and text[0] in "\"'`" and text[-1] == text[0]:
            if text[0] == "`":
                body = text[1:-1]
                return re.sub(r"\$\{\s*([A-Za-z_$][\w$]*)\s*\}", lambda m: self._name_string(m.group(1), what), body)
            try:
                value = loads(text)
            except ExampleSyntaxError:
                value = None
            if isinstance(value, str):
                return value
        if re.fullmatch(r"[A-Za-z_$][\w$]*", text):
            return self._name_string(text, what)
        raise SampleError(f"{what} is not a string literal (found {text[:60]!r})", self.line(offset))

    def _name_string(self, name: str, what: str) -> str:
        if name in self.consts:
            s, e = self.consts[name]
            return self.string(s, e, what)
        raise SampleError(f"{what} uses {name!r}, which the sample does not define")

    def props(self, start: int, end: int) -> dict[str, tuple[int, int]]:
        text, offset = self.expr(start, end)
        if not text.startswith("{"):
            raise SampleError(f"fetch options are not an object literal (found {text[:60]!r})", self.line(offset))
        close = _js_match(self.code, offset)
        out: dict[str, tuple[int, int]] = {}
        for s, e in _js_split(self.code, offset + 1, close):
            piece = self.code[s:e]
            colon = _js_split(self.code, s, e, ":")
            if len(colon) >= 2:
                key = _strip_js(self.code[colon[0][0] : colon[0][1]]).strip("\"'")
                out[key] = (colon[1][0], e)
            else:
                name = _strip_js(piece)
                if name in self.consts:
                    out[name] = self.consts[name]
        return out


def _javascript(code: str) -> ExtractedRequest:
    js = _Js(code)
    found: list[ExtractedRequest | SampleError] = []
    for candidate in _JS_FETCH.finditer(code):
        line_start = code.rfind("\n", 0, candidate.start()) + 1
        if "//" not in code[line_start : candidate.start()]:
            try:
                found.append(_js_fetch(js, code, candidate))
            except SampleError as exc:
                found.append(exc)
    return _api_call(found, "no fetch(...) call found in the JavaScript sample", "javascript", code)


def _js_fetch(js: _Js, code: str, match: re.Match[str]) -> ExtractedRequest:
    open_paren = match.end() - 1
    close = _js_match(code, open_paren)
    args = _js_split(code, open_paren + 1, close)
    call_line = js.line(match.start())
    if not args:
        raise SampleError("fetch() without a URL", call_line)
    url = js.string(args[0][0], args[0][1], "the fetch URL")
    method, has_body, body, body_line = "GET", False, None, call_line
    if len(args) > 1:
        props = js.props(args[1][0], args[1][1])
        if "method" in props:
            method = js.string(*props["method"], "the method")
        if "body" in props:
            has_body = True
            text, offset = js.expr(*props["body"])
            body_line = js.line(offset)
            stringify = re.match(r"JSON\.stringify\s*\(", text)
            if stringify:
                paren = offset + stringify.end() - 1
                inner = _js_split(code, paren + 1, _js_match(code, paren))
                if not inner:
                    raise SampleError("JSON.stringify() without an argument", body_line)
                value_text, value_offset = js.expr(*inner[0])
                body_line = js.line(value_offset)
                body = _parse_body_text(value_text, body_line, "the JSON.stringify(...) argument")
            else:
                body = _parse_body_text(js.string(*props["body"], "the body"), body_line, "the body")
    return ExtractedRequest("javascript", method.upper(), url, has_body, body, call_line, body_line)


# -- cURL ---------------------------------------------------------------------------------------------
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
