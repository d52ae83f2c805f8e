"""The mock's behaviours, one named mode each: what it does and where a check should see it.

A mode is chosen per server (``conformance mock --mode NAME``) or per request
(header ``X-Mock-Mode: NAME``). Kinds:

* ``conformant``: what an OpenAI-compatible server does (the default);
* ``stream``: a streaming variant (``strict-spec`` follows the published chunk schema literally);
* ``documented``: replays the example response of a doc page;
* ``drift``: one realistic deviation from the spec at one JSON path (``content-null-with-tool-calls``
  deviates from the published spec only: it is what OpenAI sends, which the normalised spec accepts);
* ``fault``: transport or availability faults (latency, 429, 5xx, drops, cut streams).

Drift modes change a response that would otherwise be conformant; ``pointer``
is the JSON pointer of the member that deviates in a non-streamed response
(``stream_pointer`` in each chunk of a streamed one). ``None`` means the
deviation is not in the body (a header or the status code).
"""

from __future__ import annotations

from typing import Literal

import attrs

Kind = Literal["conformant", "stream", "documented", "drift", "fault"]
KINDS: tuple[Kind, ...] = ("conformant", "stream", "documented", "drift", "fault")


@attrs.frozen
class Mode:
    """One behaviour of the mock server."""

    name: str
    kind: Kind
    description: str
    #: what a conformance check should report for this mode (rule family, keyword, where)
    expects: str = ""
    #: JSON pointer of the deviating member in a non-streamed 200 body (``None``: not in the body)
    pointer: str | None = None
    #: JSON pointer of the deviating member in the affected chunk(s) of a streamed body
    stream_pointer: str | None = None
    #: the JSON Schema keyword the published spec trips on (``required``, ``type``, ``enum``...), if any
    keyword: str | None = None


MODES: tuple[Mode, ...] = (
    Mode(
        "conformant",
        "conformant",
        "valid, realistic responses generated from the spec's 200 schemas (the default); streams send "
        "role only in the first delta and finish_reason null until the last chunk, as OpenAI-compatible "
        "servers do",
        expects="no findings for JSON bodies; streamed chunks break the PUBLISHED chunk schema "
        "(finish_reason null, delta without role/content), which the normalised spec accepts: "
        "a spec defect",
    ),
    Mode(
        "strict-spec",
        "stream",
        "streams that satisfy the published chunk schema literally: finish_reason non-null and role+content "
        "in every delta (non-streamed requests behave as conformant)",
        expects="no findings against the published spec; shows which stream findings are spec defects",
    ),
    Mode(
        "documented",
        "documented",
        "replays the example response of a doc page (default: the seed page; --page PAGE), whatever it says",
        expects="the seed page's example is an image response (object 'image', no choices): schema findings "
        "at /object (enum) and the root (required 'choices'), plus undocumented /data",
        pointer="/object",
        keyword="enum",
    ),
    Mode(
        "missing-required",
        "drift",
        "drops a required member: 'usage' from the completion (chunks: 'model')",
        expects="schema violation, keyword 'required' at the root, missing member /usage",
        pointer="/usage",
        stream_pointer="/model",
        keyword="required",
    ),
    Mode(
        "wrong-type",
        "drift",
        "sends 'created' as a string (\"1733832000\") instead of a number",
        expects="schema violation, keyword 'type' at /created",
        pointer="/created",
        stream_pointer="/created",
        keyword="type",
    ),
    Mode(
        "enum-outside",
        "drift",
        'sends finish_reason "stopped", a value outside the spec\'s enum',
        expects="schema violation, keyword 'enum' at /choices/0/finish_reason",
        pointer="/choices/0/finish_reason",
        stream_pointer="/choices/0/finish_reason",
        keyword="enum",
    ),
    Mode(
        "content-null-with-tool-calls",
        "drift",
        "calls the request's first declared tool (unless tool_choice says otherwise) with message.content "
        "null (chunks: delta.content null), as OpenAI does; a request without tools gets the conformant answer",
        expects="a deviation from the PUBLISHED spec only (keyword 'type' at /choices/0/message/content: a "
        "non-nullable string there); the normalised spec accepts it, so it is the spec's fault, never "
        "the server's",
        pointer="/choices/0/message/content",
        stream_pointer="/choices/0/delta/content",
        keyword="type",
    ),
    Mode(
        "extra-field",
        "drift",
        'adds an undocumented member \'meta\' ({"usage": {"credits_used", "usd_spent"}}), as the '
        "sibling spec gpt-5-2.json documents (chunks: on the last chunk)",
        expects="undocumented field at /meta (the schema does not declare it; not a schema violation)",
        pointer="/meta",
        stream_pointer="/meta",
        keyword=None,
    ),
    Mode(
        "wrong-object",
        "drift",
        'sends object "chat.completions" (chunks: "chat.completion")',
        expects="schema violation, keyword 'enum' at /object",
        pointer="/object",
        stream_pointer="/object",
        keyword="enum",
    ),
    Mode(
        "wrong-content-type",
        "drift",
        "sends the (valid) body with Content-Type text/plain instead of application/json (streams too)",
        expects="content type not documented for the 200 response (header Content-Type), body itself valid",
    ),
    Mode(
        "undocumented-status",
        "drift",
        "answers 202 (or X-Mock-Status) with a valid body: a status code the spec does not document",
        expects="status code not documented for the operation (202)",
    ),
    Mode(
        "latency",
        "fault",
        "waits before answering (--latency-ms, header X-Mock-Latency-Ms; default 200 ms), then conformant",
        expects="no findings; exercises client timeouts",
    ),
    Mode(
        "rate-limit",
        "fault",
        "429 with Retry-After (header X-Mock-Retry-After, default 1 s) and an OpenAI-style error body",
        expects="status 429 (undocumented in the published spec)",
    ),
    Mode(
        "error-500",
        "fault",
        "500 with an OpenAI-style server_error body",
        expects="status 500 (undocumented in the published spec)",
    ),
    Mode(
        "error-502",
        "fault",
        "502 with an OpenAI-style server_error body",
        expects="status 502 (undocumented in the published spec)",
    ),
    Mode(
        "error-503",
        "fault",
        "503 with Retry-After and an OpenAI-style server_error body",
        expects="status 503 (undocumented in the published spec)",
    ),
    Mode(
        "drop",
        "fault",
        "sends the status line, headers and part of the body, then closes the connection",
        expects="transport error (truncated body); no schema finding",
    ),
    Mode(
        "stream-cut",
        "fault",
        "a stream that ends cleanly at the HTTP level after some content chunks, without the final chunk "
        "and without data: [DONE] (non-streamed requests behave as conformant)",
        expects="stream ended before [DONE] and without a finish_reason",
    ),
)

MODES_BY_NAME: dict[str, Mode] = {mode.name: mode for mode in MODES}
DEFAULT_MODE = "conformant"


def list_modes(kind: Kind | None = None) -> list[Mode]:
    """Every mode (or every mode of one kind), in a stable order."""
    return [mode for mode in MODES if kind is None or mode.kind == kind]


def get_mode(name: str) -> Mode:
    """The mode called ``name``; ``KeyError`` with the known names otherwise."""
    try:
        return MODES_BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown mock mode {name!r}; expected one of {', '.join(MODES_BY_NAME)}") from None
