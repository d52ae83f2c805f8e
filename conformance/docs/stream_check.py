"""Check a streamed (SSE) example response: every chunk against the operation's ``text/event-stream`` schema.

Identical violations across chunks are merged into one finding that says in how many
chunks (of how many) it occurs and where it first does; ``[DONE]`` ends the stream and
``event:`` names are kept for the message. A chunk that is not JSON is one
``doc-example-unparsable`` finding at its line; the rest of the stream is still checked.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from conformance.docs import rules
from conformance.docs.stream import STREAM_MEDIA, parse_events, stream_schema
from conformance.oas import undocumented_fields

if TYPE_CHECKING:
    from conformance.docs.checker import _Checker, _Slot
    from conformance.docs.page import CodeBlock

__all__ = ["check_stream"]


def check_stream(checker: _Checker, block: CodeBlock, slot: _Slot | None) -> None:
    from conformance.docs.checker import _show
    from conformance.docs.explain import _explain, _get

    parsed = parse_events(block.code)
    for line, what in parsed.problems:
        checker.add(rules.EXAMPLE_UNPARSABLE, block.page_line(line), f"the streamed example response: {what}")
    chunks = [e for e in parsed.events if not e.done]
    for event in chunks:
        if event.error is not None:
            exc = event.error
            checker.add(
                rules.EXAMPLE_UNPARSABLE,
                block.page_line(event.line + exc.line - 1),
                f"a chunk of the streamed example response is not JSON: {exc.reason} "
                f"(line {exc.line}, column {exc.column} of the chunk's data)",
            )
    values = [e for e in chunks if e.error is None]
    if slot is None or slot.op is None or not values:
        return
    op = slot.op
    found = stream_schema(op)
    if found is None:
        checker.add(
            rules.EXAMPLE_UNCHECKED,
            block.line,
            f"{op.label} in {op.spec.short} declares no 2xx {STREAM_MEDIA} response schema, so the "
            f"streamed example ({len(values)} chunk(s)) is not checked",
        )
        return
    status, pointer, schema = found
    validator = checker._validator(op.spec, pointer, schema, slot.ref.line)
    if validator is None:
        return
    # (pointer, keyword, message) -> (chunks it occurs in, first event, the issue)
    merged: dict[tuple[str, str, str], list[Any]] = {}
    undocumented: dict[str, list[Any]] = defaultdict(list)
    for index, event in enumerate(values):
        for issue in _explain(validator, event.value):
            key = (issue.pointer, issue.keyword, issue.expected or issue.message)
            entry = merged.setdefault(key, [0, event, issue, index, []])
            entry[0] += 1
            if issue.found is not None and issue.found not in entry[4]:
                entry[4].append(issue.found)
        if isinstance(event.value, dict | list):
            for field in undocumented_fields(validator.oas_schema, event.value):
                undocumented[field].append(event)
    total = len(values)
    extra: dict[str, Any] = {
        "spec": op.spec.display,
        "operation": op.label,
        "status": status,
        "media": STREAM_MEDIA,
        "chunks": total,
    }
    done = "" if parsed.done else "; the stream shows no data: [DONE] end marker"
    for (ptr, _keyword, _expected), (count, event, issue, index, values) in merged.items():
        name = f" ({event.name!r} events)" if event.name else ""
        also = f"; values found: {', '.join(values[:5])}" if len(values) > 1 else ""
        checker.add(
            rules.EXAMPLE_SCHEMA,
            block.page_line(event.line),
            f"{count} of {total} streamed chunk(s){name}: the chunk {issue.message} (the {status} "
            f"{STREAM_MEDIA} schema of {op.label}; first in chunk {index + 1}{also}){done}",
            pointer=ptr,
            expected=issue.expected,
            found=", ".join(values[:5]) or issue.found,
            extra={**extra, "count": count, "first_chunk": index + 1},
        )
    for field, events in undocumented.items():
        first = events[0]
        checker.add(
            rules.EXAMPLE_UNDOCUMENTED,
            block.page_line(first.line),
            f"{len(events)} of {total} streamed chunk(s) have {field}, which the {status} {STREAM_MEDIA} "
            f"schema of {op.label} does not declare",
            pointer=field,
            found=_show(_get(first.value, field)),
            extra={**extra, "count": len(events)},
        )
