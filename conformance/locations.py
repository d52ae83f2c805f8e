"""Where a finding is: a small tagged union, one variant per kind of place.

* :class:`SpecPointer` — a place in a spec document (a file or a label such as ``spec``) and a JSON pointer;
* :class:`DocLine` — a doc page, the line of the block in it, and a pointer into the block's value;
* :class:`OperationPath` — one or more operations of a spec (a drift across alias routes names them all) and a
  path in their contract;
* :class:`ExchangePath` — one observed HTTP exchange of an operation (sent by ``run``, recorded, or proxied): the
  operation, a path in its response or request, whether it streamed, and the recording it came from;
* :class:`RunScope` — the run as a whole (a spent budget, a target that stalled or refused).

Every variant has ``kind`` (the tag written to JSON), ``label`` (the short text shown to people and hashed into
fingerprints) and ``pointer``. :func:`location_from_text` reads the text form that older callers and older reports
use; it decides the kind from the fault of the rule that made the finding, not from the text alone.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import attrs

HTTP_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
STREAM_SUFFIX = " [stream]"
REQUEST_SUFFIX = " [request]"


class _Tagged:
    """``to_dict``: the tag (``kind``) and every field, in order (tuples as lists), as reports write a location."""

    kind: ClassVar[str]

    def to_dict(self) -> dict[str, Any]:
        fields = attrs.asdict(self)  # type: ignore[arg-type]
        return {"kind": self.kind, **{k: list(v) if isinstance(v, tuple) else v for k, v in fields.items()}}


@attrs.frozen
class SpecPointer(_Tagged):
    """A place in a spec document: its file (or label) and a JSON pointer."""

    kind: ClassVar[str] = "spec"
    file: str
    pointer: str = ""

    @property
    def label(self) -> str:
        return self.file


@attrs.frozen
class DocLine(_Tagged):
    """A doc page, the line of the checked block (``None``: the page as a whole) and a pointer into its value."""

    kind: ClassVar[str] = "doc"
    page: str
    line: int | None = None
    pointer: str = ""

    @property
    def label(self) -> str:
        return f"{self.page}:{self.line}" if self.line is not None else self.page


@attrs.frozen
class OperationPath(_Tagged):
    """Operations of a spec (``POST /v1/chat/completions``; several when alias routes change alike) and a path."""

    kind: ClassVar[str] = "operation"
    operations: tuple[str, ...]
    pointer: str = ""
    stream: bool = False

    @property
    def label(self) -> str:
        return ", ".join(self.operations) + (STREAM_SUFFIX if self.stream else "")


@attrs.frozen
class ExchangePath(_Tagged):
    """One observed exchange of an operation: a path in its response (``request``: in its request body), streamed
    or not, and where it was recorded (``""`` when it was sent by this run). The recording is not part of the
    label: the same defect in two recordings is one finding."""

    kind: ClassVar[str] = "exchange"
    operation: str
    pointer: str = ""
    stream: bool = False
    recorded_in: str = ""
    request: bool = False

    @property
    def label(self) -> str:
        return self.operation + (STREAM_SUFFIX if self.stream else "") + (REQUEST_SUFFIX if self.request else "")


@attrs.frozen
class RunScope(_Tagged):
    """The run as a whole (``suite``): budget, wall time, a target that stalled or refused."""

    kind: ClassVar[str] = "run"
    scope: str
    pointer: str = ""

    @property
    def label(self) -> str:
        return self.scope


Location = SpecPointer | DocLine | OperationPath | ExchangePath | RunScope
#: the kinds about HTTP operations: their findings' pointers are normalised and their fault is fingerprinted
OPERATION_KINDS = frozenset({OperationPath.kind, ExchangePath.kind})


def _operations(text: str) -> tuple[tuple[str, ...], bool] | None:
    """``POST /a, POST /b [stream]`` as operations and the stream flag; ``None`` when the text names none."""
    stream = text.endswith(STREAM_SUFFIX)
    body = text[: -len(STREAM_SUFFIX)] if stream else text
    parts = tuple(part.strip() for part in body.split(", "))
    if not parts or any(part.split(" ", 1)[0] not in HTTP_METHODS or " " not in part for part in parts):
        return None
    return parts, stream


_PAGE_LINE = re.compile(r"^(?P<page>.+):(?P<line>\d+)$")


def location_from_text(text: str, pointer: str, fault: str) -> Location:
    """The typed location for the text form ``text`` of a finding whose fault is ``fault`` (a :class:`Fault` value).

    A doc rule's text is ``page`` or ``page:line``; a server's or client's is an operation (an exchange) or the
    run (``suite``); a spec's or drift's is an operation list or a file/label.
    """
    if fault == "doc":
        match = _PAGE_LINE.match(text)
        if match:
            return DocLine(match["page"], int(match["line"]), pointer)
        return DocLine(text, None, pointer)
    ops = _operations(text)
    if fault in ("server", "client"):
        if text.endswith(REQUEST_SUFFIX) and _operations(text[: -len(REQUEST_SUFFIX)]) is not None:
            return ExchangePath(text[: -len(REQUEST_SUFFIX)], pointer, request=True)
        if ops is not None and len(ops[0]) == 1:
            return ExchangePath(ops[0][0], pointer, ops[1])
        if ops is None:
            return RunScope(text, pointer)
    if ops is not None:
        return OperationPath(ops[0], pointer, ops[1])
    return SpecPointer(text, pointer)


def location_from_dict(data: dict[str, Any]) -> Location:
    """The inverse of ``to_dict`` (a report or a worker's raw findings)."""
    kind = data.get("kind")
    pointer = str(data.get("pointer") or "")
    if kind == SpecPointer.kind:
        return SpecPointer(str(data["file"]), pointer)
    if kind == DocLine.kind:
        line = data.get("line")
        return DocLine(str(data["page"]), int(line) if line is not None else None, pointer)
    if kind == OperationPath.kind:
        return OperationPath(tuple(str(o) for o in data["operations"]), pointer, bool(data.get("stream")))
    if kind == ExchangePath.kind:
        return ExchangePath(
            str(data["operation"]),
            pointer,
            bool(data.get("stream")),
            str(data.get("recorded_in") or ""),
            bool(data.get("request")),
        )
    if kind == RunScope.kind:
        return RunScope(str(data["scope"]), pointer)
    raise ValueError(f"unknown location kind {kind!r}; expected spec, doc, operation, exchange or run")


def with_pointer(location: Location, pointer: str) -> Location:
    """The same place with another pointer."""
    return attrs.evolve(location, pointer=pointer)
