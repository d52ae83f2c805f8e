# the mode table below keeps one line per mode, wider than the usual limit
# ruff: noqa: E501
"""The reference server's behaviours: two conformant flavours and one realistic defect per mode.

A mode is chosen per server (``--mode``) or per request (header ``X-Test-Mode``). A defect mode damages every
answer it is relevant to, unless the table says which fraction. The pointer names the place it damages: a JSON
pointer into the completion (``/...``), into a stream chunk (``/events/N/...``: chunk N of the stream), or a part
of the HTTP exchange (``/security``, ``/responses/200/content``, ``/requestBody``).

=========================  ======================================================================  ==========================================
mode                       what the server does                                                    damaged place
=========================  ======================================================================  ==========================================
conformant                 answers as the OpenAI reference describes (model echoed)                 (none)
openai-quirks              documented OpenAI behaviour a naive checker flags: logprobs content []   (none)
                           / refusal null (and the other way round), JSON content cut by
                           max_tokens (finish_reason length), a refusal for a json_schema request
                           saying "refuse", legacy function_call, dated model name, obfuscation
no-auth                    answers requests that carry no key (a wrong key is still refused)       /security
any-key                    answers requests whose key is not an accepted one                       /security
usage-arithmetic           usage.total_tokens is prompt + completion + 7                           /usage/total_tokens
created-string             ``created`` is a string of digits                                        /created
missing-id                 no ``id`` member (completions and chunks)                                /id (reported at / as `required`)
no-done                    streams end without ``data: [DONE]``                                     /events
chunk-object               stream chunks say ``object: "chat.completion"``                          /events/N/object
wrong-content-type         JSON answers sent as ``text/plain``                                      /responses/200/content
error-in-200               non-streamed answers are HTTP 200 with an ``{"error": {...}}`` body      / (choices, id... missing; /error extra)
image-body                 non-streamed answers are an image-generation body (object "image")       /object, /data
end-turn                   streams finish with ``finish_reason: "end_turn"`` (completions do not)   /events/N/choices/0/finish_reason
tool-args-not-json         tool-call arguments are not JSON (``{city: Paris}``)                     /choices/0/message/tool_calls/0/function/arguments
changing-chunk-ids         every chunk of a stream has a new id                                     /events/N/id
unrequested-usage          a usage chunk (``choices: []``) ends every stream, asked for or not      /events/N/usage
stall                      every 3rd completion request waits 20 s (--stall-seconds) first          response time
role-every-delta           ``role: "assistant"`` repeated in every delta of a stream                /events/N/choices/0/delta/role
stream-as-json             ``stream: true`` answered with a plain JSON completion                   /responses/200/content (stream asked)
json-as-stream             non-streamed requests answered with an event stream                      /responses/200/content (JSON asked)
stream-choice-count        streams carry only choice 0 whatever ``n`` is                            /choices (stream)
model-unrelated            ``model`` is "llama-3-8b" whatever was asked                             /model
early-finish               streams set finish_reason on the first content chunk, then go on         /events/N/choices/0/finish_reason
server-error               every 2nd valid completion request gets a 500 server_error               /responses/500
role-not-assistant         ``message.role`` (and the first ``delta.role``) is "user"                /choices/0/message/role
content-null-no-tools      ``message.content`` null with neither tool_calls nor refusal             /choices/0/message/content
undeclared-tool            calls a tool the request did not declare (also when it declared none)    /choices/0/message/tool_calls/0/function/name
tool-calls-finish-stop     tool calls come with ``finish_reason: "stop"``                           /choices/0/finish_reason
json-mode-prose            response_format json_object/json_schema answered with prose              /choices/0/message/content
choice-count               non-streamed answers carry one choice whatever ``n`` is                  /choices
no-validation              invalid requests (bad JSON, no messages, bad role) answered 200          /requestBody
bare-error                 error bodies are ``{"message": ...}``, not the OpenAI error object       /error
=========================  ======================================================================  ==========================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Mode:
    name: str
    conformant: bool
    pointer: str  # the damaged place (empty for the conformant flavours)
    summary: str


def _table() -> dict[str, Mode]:
    modes: dict[str, Mode] = {}
    table = (__doc__ or "").split("=\n", 1)[1]
    for line in table.splitlines():
        if not line or line.startswith(("=", " ")):
            continue  # a rule of the table, or the continuation of a summary
        name, summary, pointer = re.split(r"\s{2,}", line.strip())
        if name == "mode":
            continue  # the header
        modes[name] = Mode(name, pointer == "(none)", "" if pointer == "(none)" else pointer, summary)
    return modes


MODES: dict[str, Mode] = _table()
CONFORMANT_MODES = tuple(name for name, mode in MODES.items() if mode.conformant)
DEFECT_MODES = tuple(name for name, mode in MODES.items() if not mode.conformant)
