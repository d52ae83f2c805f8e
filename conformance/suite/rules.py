"""Every rule of the conformance suite, in one place (``conformance rules`` lists them; docs/suite.md explains them)."""

from __future__ import annotations

from conformance.findings import Level, Source, rule

TRANSPORT = rule(
    "resp-transport-error",
    Level.ERROR,
    Source.SERVER,
    "the exchange failed at the transport level (refused, reset, truncated body, timeout)",
    "check the server's availability and that it sends complete bodies",
)
SLOW = rule(
    "resp-slow",
    Level.ERROR,
    Source.SERVER,
    "an answer took longer than --max-response-time (default 30 s)",
    "answer within the time clients wait, or raise --max-response-time",
)
STATUS = rule(
    "resp-status-undocumented",
    Level.ERROR,
    Source.SERVER,
    "the response status code is not documented for the operation",
    "document the status in the spec, or fix the server",
)
SERVER_ERROR = rule(
    "resp-server-error",
    Level.ERROR,
    Source.SERVER,
    "a 5xx answer: whatever the spec documents, a server error is never a correct answer",
    "fix the server (a request the spec accepts must be answered; an invalid one rejected with 4xx)",
)
CONTENT_TYPE = rule(
    "resp-content-type-undocumented",
    Level.ERROR,
    Source.SERVER,
    "the response Content-Type is not one the spec documents for that status",
    "send a documented media type (application/json, text/event-stream)",
)
STREAM_MODE = rule(
    "resp-stream-mode-mismatch",
    Level.ERROR,
    Source.SERVER,
    "`stream: true` answered with plain JSON, or a request without it answered with an event stream",
    "stream exactly when the request says `stream: true`",
)
NOT_JSON = rule(
    "resp-body-not-json",
    Level.ERROR,
    Source.SERVER,
    "a response documented as JSON does not parse as JSON",
    "send valid JSON",
)
ERROR_IN_SUCCESS = rule(
    "resp-error-in-success",
    Level.ERROR,
    Source.SERVER,
    "a 2xx answer carries an `error` object instead of a completion",
    "answer failures with a 4xx/5xx status, not 200",
)
SCHEMA = rule(
    "resp-schema-violation",
    Level.ERROR,
    Source.SERVER,
    "the response body violates the documented schema",
    "fix the server, or (source spec) correct the spec",
)
UNDOCUMENTED = rule(
    "resp-undocumented-field",
    Level.WARNING,
    Source.SERVER,
    "the response carries a member the spec does not document (error with --strict)",
    "document the member in the spec, or stop sending it",
)
USAGE = rule(
    "resp-usage-arithmetic",
    Level.ERROR,
    Source.SERVER,
    "usage.total_tokens is not prompt_tokens + completion_tokens",
    "fix the usage accounting",
)
CHOICES = rule(
    "resp-choice-count",
    Level.ERROR,
    Source.SERVER,
    "the number of choices (or their indexes) does not match the request's `n`, streams included",
    "return exactly n choices indexed 0..n-1",
)
ROLE = rule(
    "resp-message-role",
    Level.ERROR,
    Source.SERVER,
    "the answer's message.role (or the first delta's role) is not `assistant`",
    "answer as the assistant",
)
EMPTY_MESSAGE = rule(
    "resp-message-empty",
    Level.ERROR,
    Source.SERVER,
    "a message with neither content, refusal, tool calls nor a function call",
    "send the content (an empty string is fine), a refusal or the calls",
)
MODEL = rule(
    "resp-model-mismatch",
    Level.WARNING,
    Source.SERVER,
    "the answer's `model` is unrelated to the requested one (a dated or provider-resolved name of the "
    "same model is fine)",
    "answer with the model that was asked for, or say why in the docs",
)
TOOL_FINISH = rule(
    "resp-tool-calls-finish-reason",
    Level.ERROR,
    Source.SERVER,
    "finish_reason is `tool_calls` but no tool call is present, or tool calls come with another finish_reason",
    "set finish_reason to tool_calls exactly when the message calls tools",
)
TOOL_UNDECLARED = rule(
    "resp-tool-call-undeclared",
    Level.ERROR,
    Source.SERVER,
    "a tool call names a function the request did not declare",
    "only call declared tools",
)
TOOL_ARGUMENTS = rule(
    "resp-tool-arguments-not-json",
    Level.ERROR,
    Source.SERVER,
    "a tool call's arguments (assembled across deltas in a stream) are not a JSON text",
    "send the arguments as a JSON object text",
)
TOOL_CHOICE = rule(
    "resp-tool-choice-ignored",
    Level.ERROR,
    Source.SERVER,
    "tool_choice required a tool call (or named one) but the response calls none (or another)",
    "honour tool_choice",
)
JSON_MODE = rule(
    "resp-json-mode-content",
    Level.ERROR,
    Source.SERVER,
    "response_format asked for JSON but the message content is not JSON (or violates the schema); "
    "content cut by max_tokens (finish_reason length) or replaced by a refusal is fine",
    "return content that satisfies response_format",
)
ERROR_SHAPE = rule(
    "resp-error-shape",
    Level.ERROR,
    Source.SERVER,
    'an error response is not in the OpenAI error shape {"error": {message, type, param, code}}',
    "return the documented error body",
)
CLIENT_PARSE = rule(
    "resp-client-parse",
    Level.ERROR,
    Source.SERVER,
    "the regenerated typed client cannot read a response the suite received, even in its default (lenient) decoding",
    "fix the spec (if the response is right) or the server",
)
STREAM_TERMINATION = rule(
    "resp-stream-not-terminated",
    Level.ERROR,
    Source.SERVER,
    "an event stream ended without `data: [DONE]` (or without a final finish_reason)",
    "finish every stream with a final chunk and data: [DONE]",
)
STREAM_SHAPE = rule(
    "resp-stream-chunk-shape",
    Level.ERROR,
    Source.SERVER,
    "stream chunks break the streaming protocol: a role repeated after the first delta, "
    "finish_reason before a choice's last chunk, ids that change, usage missing when asked for or "
    "sent when not asked for, an unparsable event",
    "send chunks as OpenAI does: the official SDK's accumulator relies on it",
)

AUTH_NOT_ENFORCED = rule(
    "resp-auth-not-enforced",
    Level.ERROR,
    Source.SERVER,
    "a request without a key, or with an invalid one, was answered with success",
    "answer 401 when the key is missing, malformed or unknown",
)
INVALID_ACCEPTED = rule(
    "resp-invalid-request-accepted",
    Level.ERROR,
    Source.SERVER,
    "a request that is not valid (bad JSON, schema violation) was answered with success",
    "reject invalid requests with 400 and an error body",
)
SCHEMATHESIS_FAILURE = rule(
    "resp-schemathesis-check",
    Level.ERROR,
    Source.SERVER,
    "a schemathesis check failed (server error, negative data accepted, positive data rejected, ...)",
    "see the check's message",
)
REQUEST_CONSTRAINT = rule(
    "resp-request-constraint-undocumented",
    Level.WARNING,
    Source.SPEC,
    "a schema-valid request was rejected for a constraint OpenAI documents but the spec does not "
    "state (e.g. tool_choice naming a tool that is not in tools)",
    "state the constraint in the spec's description (it cannot be a schema keyword)",
)
BUDGET = rule(
    "suite-budget-spent",
    Level.WARNING,
    Source.SERVER,
    "the request budget was spent; the remaining cases were skipped (the verdict is partial)",
    "raise --max-requests for a fuller run",
)
TARGET_REFUSED = rule(
    "suite-target-refused",
    Level.ERROR,
    Source.SERVER,
    "most requests were refused (401/403) or never answered: the run stopped, this is not a conformance verdict",
    "check the key (--api-key-env) and the target URL",
)
WALL_TIME = rule(
    "suite-wall-time-spent",
    Level.WARNING,
    Source.SERVER,
    "the run's wall-time bound was reached; the remaining cases were skipped (the verdict is partial)",
    "raise --max-run-time, or fix the server's slow answers",
)
STALLED = rule(
    "suite-target-stalled",
    Level.WARNING,
    Source.SERVER,
    "the target stalled on many requests; the run stopped early so that its wall time stays bounded "
    "(the verdict is partial; each stall is a resp-slow finding)",
    "fix the server's stalls, or raise --max-response-time if its answers are legitimately slow",
)
