"""Why each kind of acknowledged finding is in the baseline (used by ``run --update-baseline``)."""

REASONS: dict[str, str] = {
    "resp-schema-violation": "published spec defect: the normalised spec (spec/overlay.yaml) corrects it "
    "(stream chunks with finish_reason null / delta without role; integer counts)",
    "resp-status-undocumented": "published spec documents no error responses (lint oas-error-response-missing)",
    "resp-schemathesis-check": "published spec allows requests the server rejects (numbers where integers are "
    "meant), or documents no 4xx for rejected ones",
    "doc-example-schema": "the seed doc page shows an image-generation response for a chat endpoint",
    "doc-example-undocumented-field": "the seed doc page's image-shaped example has members the spec lacks",
    "resp-undocumented-field": "member the published spec does not document",
    "resp-request-constraint-undocumented": "OpenAI documents this cross-field request constraint; the published spec "
    "cannot state it as a schema and does not say it in words",
}
