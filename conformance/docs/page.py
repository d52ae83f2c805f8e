"""A GitBook page parsed into what the checks need: spec references, model list, code samples, examples.

Markdown is read with markdown-it-py (fences, lists, headings, HTML blocks, each
with its line range); GitBook's ``{% ... %}`` tags with :mod:`conformance.docs.tags`
on the same text with fenced code blanked out (a ``{%`` inside a code sample is
code, not a tag). All lines are 1-based page lines.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import attrs

from conformance.codesamples import normalise_language
from conformance.docs.detect import detect_language
from conformance.docs.stream import looks_like_sse
from conformance.docs.tags import Block, TagProblem, scan_tags
from conformance.safeload import UnsafeInput, read_regular_file

__all__ = ["CodeBlock", "ModelItem", "Page", "SpecRef", "parse_page", "read_page"]

SPEC_TAGS = ("openapi-operation", "openapi", "swagger")
JSON_LANGUAGES = frozenset({"json", "json5", "jsonc", "javascript-json", "hjson"})
_LINK = re.compile(r"\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_BARE = re.compile(r"(https?://\S+|\.{0,2}/?[\w./-]+\.(?:json|ya?ml))")
_SUMMARY = re.compile(r"<summary[^>]*>(.*?)</summary>", re.S | re.I)
_TAG_TEXT = re.compile(r"\{%.*?%\}", re.S)
_HTML = re.compile(r"<[^>]+>")


class PageReadError(Exception):
    """The page file cannot be read as UTF-8 text."""


@attrs.frozen
class SpecRef:
    """One ``{% openapi-operation %}`` (or ``openapi``/``swagger``) block: which spec, which operation."""

    tag: str
    line: int
    spec_name: str | None
    path: str | None
    method: str | None
    link: str | None
    link_line: int

    def label(self) -> str:
        return f"{(self.method or '?').upper()} {self.path or '?'}"


@attrs.frozen
class ModelItem:
    id: str
    line: int


@attrs.frozen
class CodeBlock:
    """A fenced code block: ``line`` is the page line of its first code line."""

    line: int
    fence_line: int
    info: str
    language: str | None  # canonical sample language, if it is one
    tab: str | None
    label: str | None  # nearest <summary> or heading before it
    code: str
    is_example: bool
    stream: bool = False  # an example made of Server-Sent Events (``data: {...}`` lines)
    #: the language the fence label or tab names, when the code reads as another one (``language`` is the code's)
    label_language: str | None = None

    def page_line(self, code_line: int) -> int:
        """Page line of a 1-based line within the code."""
        return self.line + max(code_line, 1) - 1


@attrs.frozen
class Page:
    """Everything the checks read from one page."""

    path: str
    display: str
    text: str
    spec_refs: tuple[SpecRef, ...]
    models: tuple[ModelItem, ...]
    models_line: int | None
    samples: tuple[CodeBlock, ...]
    examples: tuple[CodeBlock, ...]
    problems: tuple[TagProblem, ...]
    title: str | None = None


MAX_PAGE_BYTES = 16 * 1024 * 1024


@lru_cache(maxsize=1)
def _markdown() -> Any:
    from markdown_it import MarkdownIt

    # block structure only: inline parsing (emphasis, links...) is most of the cost and nothing here needs it
    return MarkdownIt("commonmark").disable(["inline", "text_join"])


def read_page(path: Path) -> str:
    """The page's text; :class:`PageReadError` says why it cannot be read."""
    try:
        raw = read_regular_file(path, MAX_PAGE_BYTES)  # no /dev/zero, no named pipe, no endless file
    except UnsafeInput as exc:
        raise PageReadError(f"cannot read the page: {exc}") from None
    except OSError as exc:
        raise PageReadError(f"cannot read the page ({exc.strerror or exc})") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise PageReadError(
            f"expected UTF-8 text, found an undecodable byte at line {line} (offset {exc.start})"
        ) from None


def _inline_text(token: Any) -> str:
    return str(token.content or "")


_CODE_SPAN = re.compile(r"(`+)\s*([^`]+?)\s*\1")


def _model_id(inline: Any) -> str | None:
    text = _TAG_TEXT.sub(" ", _inline_text(inline))
    code = _CODE_SPAN.search(text)
    if code:
        return code.group(2)
    text = _HTML.sub(" ", text).replace("*", " ").strip()
    words = text.split()
    return words[0].strip("`,;") if words else None


def parse_page(text: str, path: str = "<page>", display: str | None = None) -> Page:
    """Parse the page text; never raises (what is not understood goes to ``Page.problems``)."""
    tokens = _markdown().parse(text)
    lines = text.split("\n")
    masked = list(lines)
    fences: list[tuple[Any, str | None]] = []
    label: str | None = None
    title: str | None = None
    list_items: list[tuple[int, Any]] = []
    pending_heading = False
    pending_item: int | None = None
    for token in tokens:
        if token.type == "fence" and token.map:
            start, end = token.map
            for index in range(start + 1, min(end, len(masked))):
                masked[index] = " " * len(masked[index])  # same length: tag offsets stay page offsets
            fences.append((token, label))
        elif token.type == "html_block":
            summary = _SUMMARY.search(token.content)
            if summary:
                label = _HTML.sub("", summary.group(1)).strip()
        elif token.type == "heading_open":
            pending_heading = True
        elif token.type == "list_item_open" and token.map:
            pending_item = token.map[0] + 1
        elif token.type == "inline":
            if pending_heading:
                label = _TAG_TEXT.sub("", _inline_text(token)).strip()
                if title is None and label:
                    title = label
                pending_heading = False
            if pending_item is not None:
                list_items.append((pending_item, token))
                pending_item = None
    blocks, problems = scan_tags("\n".join(masked))
    problems = list(problems)

    spec_refs = _spec_refs(blocks, text, problems)
    tabs = [b for b in blocks if b.name == "tab"]
    models, models_line = _models(blocks, list_items, text)

    samples: list[CodeBlock] = []
    examples: list[CodeBlock] = []
    for token, near_label in fences:
        fence_line = token.map[0] + 1
        info = (token.info or "").strip()
        first = info.split()[0].lower() if info else ""
        tab = next((b.open.get("title") for b in reversed(tabs) if b.contains_line(fence_line)), None)
        language = normalise_language(first) or (normalise_language(tab) if not first or first == "text" else None)
        code = str(token.content)
        label_language = None
        detected = detect_language(code) if language is not None else None
        if detected is not None and detected != language:
            label_language, language = language, detected  # the code says what it is, whatever the label
        elif language == "curl" and "curl" not in code:
            language = None
        is_json = first in JSON_LANGUAGES or (not first and code.lstrip().startswith(("{", "[")))
        stream = looks_like_sse(code)
        is_example = stream or (
            is_json and (tab is None or "response" in (near_label or "").lower() or "response" in (tab or "").lower())
        )
        block = CodeBlock(
            line=fence_line + 1,
            fence_line=fence_line,
            info=info,
            language=language,
            tab=tab,
            label=near_label,
            code=code,
            is_example=is_example,
            stream=stream,
            label_language=label_language,
        )
        if is_example:
            examples.append(block)
        elif language is not None:
            samples.append(block)
    return Page(
        path=path,
        display=display or path,
        text=text,
        spec_refs=tuple(spec_refs),
        models=tuple(models),
        models_line=models_line,
        samples=tuple(samples),
        examples=tuple(examples),
        problems=tuple(sorted(problems, key=lambda p: (p.line, p.column))),
        title=title,
    )


def _spec_refs(blocks: list[Block], text: str, problems: list[TagProblem]) -> list[SpecRef]:
    refs: list[SpecRef] = []
    for block in blocks:
        if block.name not in SPEC_TAGS:
            continue
        tag = block.open
        link = tag.get("src")
        link_line = tag.line
        if not link:
            inner = block.inner(text)
            inner_start = tag.end
            found = _LINK.search(inner) or _BARE.search(inner)
            if found:
                link = found.group(1)
                link_line = text.count("\n", 0, inner_start + found.start(1)) + 1
        method = tag.get("method")
        refs.append(
            SpecRef(
                tag=block.name,
                line=tag.line,
                spec_name=tag.get("spec"),
                path=tag.get("path"),
                method=method.lower() if method else None,
                link=link,
                link_line=link_line,
            )
        )
    return refs


def _models(blocks: list[Block], items: list[tuple[int, Any]], text: str) -> tuple[list[ModelItem], int | None]:
    """The model ids in the first hint that mentions models and holds a list."""
    for block in blocks:
        if block.name != "hint":
            continue
        inside = [(line, inline) for line, inline in items if block.contains_line(line)]
        if not inside or "model" not in block.inner(text).lower():
            continue
        models: list[ModelItem] = []
        for line, inline in inside:
            model = _model_id(inline)
            if model:
                models.append(ModelItem(model, line))
        if models:
            return models, block.open.line
    return [], None
