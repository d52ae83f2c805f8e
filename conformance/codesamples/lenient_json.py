"""Tolerant JSON for doc examples: JSON, JSON5 and Python literals, with line numbers.

Doc pages show response examples in whatever form their authors pasted: strict
JSON, JSON5 (comments, single quotes, unquoted keys, trailing commas, hex,
``Infinity``) or a Python ``repr`` of a dict (``None``, ``True``, ``False``).
:func:`loads` reads all of them; anything else raises
:class:`ExampleSyntaxError`, which says what was found and at which line and
column, and never anything else (no ``RecursionError``, no ``IndexError``).

The parser is iterative (no recursion limit) and tokenises with one compiled
regular expression; strict JSON takes the :func:`json.loads` fast path.
:func:`loads_with_lines` also returns, for every JSON pointer in the value, the
line where that member (its key, for object members) starts, so that a finding
about ``/object`` can name the line of ``"object": "image"``.
"""

from __future__ import annotations

import bisect
import json
import math
import re
from typing import Any

from conformance.oas import pointer_escape

__all__ = ["ExampleSyntaxError", "loads", "loads_with_lines"]


class ExampleSyntaxError(ValueError):
    """Text that is not JSON, JSON5 or a Python literal; ``line``/``column`` are 1-based."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(f"{message} at line {line} column {column}")
        self.reason = message
        self.line = line
        self.column = column


_TOKEN = re.compile(
    r"""
    (?P<ws>[\s\ufeff]+)
  | (?P<comment>//[^\n\r\u2028\u2029]*|/\*.*?\*/|\#[^\n\r]*)
  | (?P<string>"(?:[^"\\\n\r]|\\(?:\r\n|[\s\S]))*"|'(?:[^'\\\n\r]|\\(?:\r\n|[\s\S]))*')
  | (?P<number>[+-]?(?:Infinity|NaN|0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?))
  | (?P<punct>[{}\[\]:,])
  | (?P<ident>[^\W\d][\w$]*|\$[\w$]*)
    """,
    re.VERBOSE | re.DOTALL,
)
_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|x([0-9a-fA-F]{2})|(\r\n|[\s\S]))")
_SIMPLE_ESCAPES = {
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "0": "\0",
    "\n": "",
    "\r": "",
    "\r\n": "",
    "\u2028": "",
    "\u2029": "",
}
_WORDS: dict[str, Any] = {"true": True, "false": False, "null": None, "True": True, "False": False, "None": None}

# parser states
_VALUE, _VALUE_OR_END, _KEY_OR_END, _COLON, _AFTER = range(5)
_EXPECTED = {
    _VALUE: "a value",
    _VALUE_OR_END: "a value or ']'",
    _KEY_OR_END: "a property name or '}'",
    _COLON: "':'",
    _AFTER: "',' or a closing bracket",
}


class _Lines:
    """Offset -> (line, column), 1-based."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer(r"\r\n|[\n\r]", text)]

    def at(self, offset: int) -> tuple[int, int]:
        index = bisect.bisect_right(self.starts, offset) - 1
        return index + 1, offset - self.starts[index] + 1


_SURROGATE = re.compile("[\ud800-\udfff]")


def _unescape(body: str, offset: int, lines: _Lines) -> str:
    if "\\" not in body:
        return body

    def replace(match: re.Match[str]) -> str:
        hex4, hex8, hex2, other = match.groups()
        if hex4 is not None:
            return chr(int(hex4, 16))
        if hex8 is not None:
            code = int(hex8, 16)
            if code > 0x10FFFF:
                line, col = lines.at(offset + match.start())
                raise ExampleSyntaxError(f"escape \\U{hex8} is beyond U+10FFFF", line, col)
            return chr(code)
        if hex2 is not None:
            return chr(int(hex2, 16))
        if other in ("u", "x", "U"):
            line, col = lines.at(offset + match.start())
            raise ExampleSyntaxError(f"incomplete \\{other} escape in a string", line, col)
        return _SIMPLE_ESCAPES.get(other, other)

    text = _ESCAPE.sub(replace, body)
    if _SURROGATE.search(text):
        # join escaped surrogate pairs into one character, as json.loads does
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
    return text


def _number(text: str) -> int | float:
    sign = -1 if text.startswith("-") else 1
    body = text.lstrip("+-")
    if body == "Infinity":
        return sign * math.inf
    if body == "NaN":
        return math.nan
    if body[:2] in ("0x", "0X"):
        return sign * int(body, 16)
    if any(ch in body for ch in ".eE"):
        return float(text)
    return int(text)


def _describe_token(kind: str | None, text: str) -> str:
    if kind is None:
        return "the end of the text"
    if len(text) > 30:
        text = text[:29] + "…"
    return f"{text!r}"


def loads(text: str) -> Any:
    """Parse JSON, JSON5 or a Python literal; raise :class:`ExampleSyntaxError` otherwise."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        pass
    return _parse(text, None)


def loads_with_lines(text: str) -> tuple[Any, dict[str, int]]:
    """Like :func:`loads`, plus ``{json pointer: 1-based line}`` for every value in the result."""
    lines: dict[str, int] = {}
    return _parse(text, lines), lines


def _parse(text: str, track: dict[str, int] | None) -> Any:
    lines = _Lines(text)
    # stack frames: [container, pointer, pending key]
    stack: list[list[Any]] = []
    root: Any = None
    have_root = False
    state = _VALUE
    pos = 0
    end = len(text)
    key_line = 0
    while True:
        kind: str | None = None
        token = ""
        start = pos
        while pos < end:
            match = _TOKEN.match(text, pos)
            if match is None:
                line, col = lines.at(pos)
                if text.startswith("/*", pos):
                    raise ExampleSyntaxError("unterminated /* comment", line, col)
                if text[pos] in "\"'":
                    raise ExampleSyntaxError("unterminated string", line, col)
                if state != _AFTER:
                    expected = _EXPECTED[state]
                elif not stack:
                    expected = "the end of the text"
                else:
                    expected = "',' or " + ("']'" if isinstance(stack[-1][0], list) else "'}'")
                raise ExampleSyntaxError(f"expected {expected}, found {text[pos]!r}", line, col)
            start, pos = match.start(), match.end()
            group = match.lastgroup
            if group in ("ws", "comment"):
                continue
            kind, token = group, match.group()
            break
        else:
            start = end

        if state in (_VALUE, _VALUE_OR_END):
            value: Any
            if kind == "punct" and token == "]" and state == _VALUE_OR_END:
                stack.pop()
                state = _AFTER
                continue
            if kind == "punct" and token in "{[":
                value = {} if token == "{" else []
            elif kind == "string":
                value = _unescape(token[1:-1], start + 1, lines)
            elif kind == "number":
                try:
                    value = _number(token)
                except ValueError:
                    line, col = lines.at(start)
                    raise ExampleSyntaxError(
                        f"number {_describe_token(kind, token)} is out of range", line, col
                    ) from None
            elif kind == "ident" and token in _WORDS:
                value = _WORDS[token]
            else:
                line, col = lines.at(start)
                raise ExampleSyntaxError(
                    f"expected {_EXPECTED[state]}, found {_describe_token(kind, token)}", line, col
                )
            if stack:
                frame = stack[-1]
                container, parent = frame[0], frame[1]
                if isinstance(container, list):
                    pointer = f"{parent}/{len(container)}"
                    container.append(value)
                    value_line = lines.at(start)[0]
                else:
                    pointer = f"{parent}/{pointer_escape(frame[2])}"
                    container[frame[2]] = value
                    value_line = key_line
            else:
                root, have_root, pointer = value, True, ""
                value_line = lines.at(start)[0]
            if track is not None:
                track[pointer] = value_line
            if isinstance(value, dict):
                stack.append([value, pointer, None])
                state = _KEY_OR_END
            elif isinstance(value, list):
                stack.append([value, pointer, None])
                state = _VALUE_OR_END
            else:
                state = _AFTER
        elif state == _KEY_OR_END:
            if kind == "punct" and token == "}":
                stack.pop()
                state = _AFTER
            elif kind == "string":
                stack[-1][2] = _unescape(token[1:-1], start + 1, lines)
                key_line = lines.at(start)[0]
                state = _COLON
            elif kind == "ident" or (kind == "number" and token in ("Infinity", "NaN")):
                stack[-1][2] = token
                key_line = lines.at(start)[0]
                state = _COLON
            else:
                line, col = lines.at(start)
                raise ExampleSyntaxError(
                    f"expected {_EXPECTED[state]}, found {_describe_token(kind, token)}", line, col
                )
        elif state == _COLON:
            if kind == "punct" and token == ":":
                state = _VALUE
            else:
                line, col = lines.at(start)
                raise ExampleSyntaxError(
                    f"expected ':' after a property name, found {_describe_token(kind, token)}", line, col
                )
        else:  # _AFTER
            if not stack:
                if kind is None and have_root:
                    return root
                line, col = lines.at(start)
                raise ExampleSyntaxError(
                    f"expected the end of the text, found {_describe_token(kind, token)}", line, col
                )
            container = stack[-1][0]
            if kind == "punct" and token == ",":
                state = _VALUE_OR_END if isinstance(container, list) else _KEY_OR_END
            elif kind == "punct" and (
                (token == "}" and isinstance(container, dict)) or (token == "]" and isinstance(container, list))
            ):
                stack.pop()
                state = _AFTER
            else:
                closer = "']'" if isinstance(container, list) else "'}'"
                line, col = lines.at(start)
                raise ExampleSyntaxError(f"expected ',' or {closer}, found {_describe_token(kind, token)}", line, col)
