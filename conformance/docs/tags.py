"""GitBook's ``{% name key="value" %}`` tags: a small scanner and a block matcher.

GitBook pages are Markdown with Liquid-like tags that Markdown parsers see as
plain text. :func:`scan_tags` finds every tag with its line and column and
parses its attributes (``key="v"``, ``key='v'``, ``key=v``, bare ``flag``);
:func:`match_blocks` pairs ``{% name %}`` with ``{% endname %}``. Neither ever
raises on any input: what they do not understand becomes a :class:`TagProblem`
that says what and where.
"""

from __future__ import annotations

import bisect
import re

import attrs

__all__ = ["KNOWN_BLOCKS", "Block", "Tag", "TagProblem", "match_blocks", "parse_tags", "scan_tags"]

#: Tags that GitBook always closes with ``{% end<name> %}``; an unclosed one is a problem.
KNOWN_BLOCKS = frozenset(
    {
        "hint",
        "tabs",
        "tab",
        "code",
        "columns",
        "column",
        "openapi-operation",
        "openapi",
        "openapi-schemas",
        "openapi-webhook",
        "swagger",
        "swagger-description",
        "swagger-parameter",
        "swagger-response",
        "content-ref",
        "stepper",
        "step",
        "updates",
        "update",
        "if",
        "for",
    }
)
MAX_TAG_LENGTH = 4000

_NAME = re.compile(r"-?[ \t\r\n]*([A-Za-z][\w-]*)")
_ATTR = re.compile(
    r"""[ \t\r\n]*(?P<key>[A-Za-z_][\w:.-]*)"""
    r"""(?:[ \t\r\n]*=[ \t\r\n]*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s"'=]+)))?"""
)


@attrs.frozen
class TagProblem:
    """Something in the tags that was not understood; ``line``/``column`` are 1-based."""

    line: int
    column: int
    message: str


@attrs.frozen
class Tag:
    """One ``{% ... %}``; ``closing`` for ``{% endname %}`` (then ``name`` is without ``end``)."""

    name: str
    attrs: tuple[tuple[str, str], ...]
    line: int
    column: int
    end_line: int
    start: int  # offsets into the text: the tag is text[start:end]
    end: int
    closing: bool = False

    def get(self, key: str, default: str | None = None) -> str | None:
        for name, value in self.attrs:
            if name == key:
                return value
        return default


@attrs.frozen
class Block:
    """A tag and its matching end tag (``close`` is None for a tag without one)."""

    open: Tag
    close: Tag | None

    @property
    def name(self) -> str:
        return self.open.name

    @property
    def first_line(self) -> int:
        return self.open.line

    @property
    def last_line(self) -> int:
        return self.close.end_line if self.close else self.open.end_line

    def contains_line(self, line: int) -> bool:
        return self.open.end_line <= line <= (self.close.line if self.close else self.open.end_line)

    def inner(self, text: str) -> str:
        return text[self.open.end : self.close.start] if self.close else ""


def _line_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in re.finditer(r"\n", text)]


def _position(starts: list[int], offset: int) -> tuple[int, int]:
    index = bisect.bisect_right(starts, offset) - 1
    return index + 1, offset - starts[index] + 1


def _find_close(text: str, begin: int) -> int:
    """Offset just after the ``%}`` closing the tag that starts at ``begin``, or -1."""
    pos = begin + 2
    limit = min(len(text), begin + MAX_TAG_LENGTH)
    quote = ""
    while pos < limit:
        ch = text[pos]
        if quote:
            if ch == quote:
                quote = ""
            elif ch == "\n":  # attribute values never span lines: an unterminated quote
                return -1
        elif ch in "\"'" and pos > begin + 2 and text[pos - 1] in "= \t":
            quote = ch
        elif ch == "%" and pos + 1 < len(text) and text[pos + 1] == "}":
            return pos + 2
        elif ch == "{" and text.startswith("{%", pos):
            return -1
        pos += 1
    return -1


def parse_tags(text: str) -> tuple[list[Tag], list[TagProblem]]:
    """Every ``{% ... %}`` in ``text`` with its position and attributes, plus what was not understood."""
    tags: list[Tag] = []
    problems: list[TagProblem] = []
    if "{%" not in text:
        return tags, problems
    starts = _line_starts(text)
    pos = text.find("{%")
    while pos != -1:
        line, col = _position(starts, pos)
        close = _find_close(text, pos)
        if close == -1:
            snippet = text[pos : pos + 40].split("\n", 1)[0]
            problems.append(TagProblem(line, col, f"tag {snippet!r} is not closed with '%}}'"))
            pos = text.find("{%", pos + 2)
            continue
        body = text[pos + 2 : close - 2]
        name_match = _NAME.match(body)
        end_line = _position(starts, close - 1)[0]
        if name_match is None:
            problems.append(TagProblem(line, col, f"tag {text[pos:close][:60]!r} has no name"))
            pos = text.find("{%", close)
            continue
        name = name_match.group(1)
        rest = body[name_match.end() :].rstrip(" \t\r\n-")
        pairs: list[tuple[str, str]] = []
        apos = 0
        while apos < len(rest):
            match = _ATTR.match(rest, apos)
            if match is None or match.end() == apos:
                leftover = rest[apos:].strip()
                if leftover:
                    problems.append(
                        TagProblem(line, col, f"{{% {name} %}}: attribute syntax not understood near {leftover[:40]!r}")
                    )
                break
            value = match.group("dq")
            if value is None:
                value = match.group("sq")
            if value is None:
                value = match.group("bare")
            pairs.append((match.group("key"), value if value is not None else ""))
            apos = match.end()
        closing = name.startswith("end") and len(name) > 3
        tags.append(
            Tag(
                name=name[3:] if closing else name,
                attrs=tuple(pairs),
                line=line,
                column=col,
                end_line=end_line,
                start=pos,
                end=close,
                closing=closing,
            )
        )
        pos = text.find("{%", close)
    return tags, problems


def match_blocks(tags: list[Tag]) -> tuple[list[Block], list[TagProblem]]:
    """Pair opening and end tags; report end tags without opener and known blocks never closed."""
    blocks: list[Block] = []
    problems: list[TagProblem] = []
    stack: list[Tag] = []
    for tag in tags:
        if not tag.closing:
            stack.append(tag)
            continue
        depth = next((i for i in range(len(stack) - 1, -1, -1) if stack[i].name == tag.name), None)
        if depth is None:
            problems.append(
                TagProblem(tag.line, tag.column, f"{{% end{tag.name} %}} has no matching {{% {tag.name} %}} before it")
            )
            continue
        while len(stack) > depth + 1:
            inner = stack.pop()
            if inner.name in KNOWN_BLOCKS:
                problems.append(
                    TagProblem(
                        inner.line,
                        inner.column,
                        f"{{% {inner.name} %}} is not closed before {{% end{tag.name} %}} at line {tag.line}",
                    )
                )
            blocks.append(Block(inner, None))
        blocks.append(Block(stack.pop(), tag))
    for tag in stack:
        if tag.name in KNOWN_BLOCKS:
            problems.append(
                TagProblem(tag.line, tag.column, f"{{% {tag.name} %}} is never closed (expected {{% end{tag.name} %}})")
            )
        blocks.append(Block(tag, None))
    blocks.sort(key=lambda b: b.open.start)
    return blocks, problems


def scan_tags(text: str) -> tuple[list[Block], list[TagProblem]]:
    """Tags paired into blocks, in page order, with every problem found on the way."""
    tags, problems = parse_tags(text)
    blocks, more = match_blocks(tags)
    return blocks, sorted([*problems, *more], key=lambda p: (p.line, p.column, p.message))
