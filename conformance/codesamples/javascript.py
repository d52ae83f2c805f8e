"""JavaScript ``fetch(URL, {...})`` samples; object literals read as JSON5, ``const`` names followed."""

from __future__ import annotations

import re

from conformance.codesamples.base import ExtractedRequest, SampleError, _api_call, _parse_body_text
from conformance.codesamples.lenient_json import ExampleSyntaxError, loads

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
