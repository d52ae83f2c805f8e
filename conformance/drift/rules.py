"""Every drift rule: id, level, direction, what it means for a client.

Levels: ``error`` is *breaking* (a client built on the old spec fails or is
rejected), ``warning`` may break some clients or changes behaviour, ``info`` is
compatible. The direction says which side of the wire the change is on, because
what breaks a client differs: a narrower request breaks callers, a wider
response breaks parsers.
"""

from __future__ import annotations

import attrs

from conformance.findings import Level, Rule, Source, rule

REQUEST = "request"
RESPONSE = "response"
BOTH = "both"
SPEC = "spec"


@attrs.frozen
class DriftRule:
    rule: Rule
    direction: str
    client: str  # what the change does to a client built on the old spec (one line, for the docs table)

    @property
    def id(self) -> str:
        return self.rule.id


DRIFT_RULES: dict[str, DriftRule] = {}


def _drift(id: str, level: Level, direction: str, summary: str, client: str, fix: str = "") -> Rule:
    registered = rule(id, level, Source.DRIFT, summary, fix)
    DRIFT_RULES[id] = DriftRule(registered, direction, client)
    return registered


# -- operations ---------------------------------------------------------------------------------
OPERATION_REMOVED = _drift(
    "drift-operation-removed",
    Level.ERROR,
    BOTH,
    "a path or method was removed",
    "every call to it fails (404/405); the generated function disappears on regeneration",
    "move callers to the replacement operation before accepting the new version",
)
OPERATION_ADDED = _drift(
    "drift-operation-added",
    Level.INFO,
    BOTH,
    "a path or method was added",
    "nothing breaks; a new function appears on regeneration",
)
OPERATION_ID_CHANGED = _drift(
    "drift-operation-id-changed",
    Level.WARNING,
    BOTH,
    "an operation's operationId changed",
    "the generated module/function is renamed on regeneration; imports of the old name break",
    "update imports after regenerating",
)
DEPRECATED = _drift(
    "drift-deprecated",
    Level.WARNING,
    BOTH,
    "an operation, parameter or property was marked deprecated",
    "still works today; plan to stop using it before it is removed",
    "stop sending or reading it",
)
SERVER_CHANGED = _drift(
    "drift-server-changed",
    Level.WARNING,
    SPEC,
    "the server URL(s) changed",
    "a client whose base URL comes from the spec talks to a different host",
    "check the client's base_url",
)
AUTH_CHANGED = _drift(
    "drift-auth-changed",
    Level.ERROR,
    REQUEST,
    "the authentication an operation requires changed (scheme, header, or requirement)",
    "requests authenticated the old way are rejected (401/403)",
    "send credentials the new way",
)
AUTH_REMOVED = _drift(
    "drift-auth-removed",
    Level.WARNING,
    REQUEST,
    "the spec no longer documents any authentication for an operation",
    "old clients still send credentials and work; a client regenerated from the new spec sends none",
    "keep authentication in the overlay until upstream documents it again",
)
AUTH_RELAXED = _drift(
    "drift-auth-relaxed",
    Level.INFO,
    REQUEST,
    "authentication became optional or gained an alternative",
    "nothing breaks; the old credentials still work",
)

# -- request ------------------------------------------------------------------------------------
REQUEST_REQUIRED_ADDED = _drift(
    "drift-request-required-added",
    Level.ERROR,
    REQUEST,
    "a request field or parameter is newly required (new, or existing and made required)",
    "requests without it are rejected (400); the generated model gains a required argument",
    "send the field",
)
REQUEST_PROPERTY_ADDED = _drift(
    "drift-request-property-added",
    Level.INFO,
    REQUEST,
    "an optional request field or parameter was added",
    "nothing breaks; a new optional argument appears on regeneration",
)
REQUEST_PROPERTY_REMOVED = _drift(
    "drift-request-property-removed",
    Level.WARNING,
    REQUEST,
    "a request field or parameter is no longer documented",
    "clients that send it may be rejected or see it silently ignored",
    "stop sending the field or confirm the server still honours it",
)
REQUEST_REQUIRED_REMOVED = _drift(
    "drift-request-required-removed", Level.INFO, REQUEST, "a required request field became optional", "nothing breaks"
)
REQUEST_ENUM_REMOVED = _drift(
    "drift-request-enum-value-removed",
    Level.ERROR,
    REQUEST,
    "a request enum lost values (or an enum now restricts a free value)",
    "requests using the removed values are rejected; the generated enum loses members",
    "switch to a value that is still allowed",
)
REQUEST_ENUM_ADDED = _drift(
    "drift-request-enum-value-added",
    Level.INFO,
    REQUEST,
    "a request enum gained values",
    "nothing breaks; new enum members on regeneration",
)
REQUEST_TYPE_CHANGED = _drift(
    "drift-request-type-changed",
    Level.ERROR,
    REQUEST,
    "a request field's type was narrowed or replaced (incl. no longer nullable)",
    "requests sending the old type are rejected; the generated argument type changes",
    "send the new type",
)
REQUEST_TYPE_WIDENED = _drift(
    "drift-request-type-widened",
    Level.INFO,
    REQUEST,
    "a request field accepts more (a type added, nullable, a type or enum constraint dropped)",
    "nothing breaks; old requests are still valid",
)
REQUEST_VARIANT_REMOVED = _drift(
    "drift-request-variant-removed",
    Level.ERROR,
    REQUEST,
    "a oneOf/anyOf alternative of a request field was removed",
    "requests using that shape are rejected; its generated class disappears",
    "use one of the remaining shapes",
)
REQUEST_VARIANT_ADDED = _drift(
    "drift-request-variant-added",
    Level.INFO,
    REQUEST,
    "a oneOf/anyOf alternative was added to a request field",
    "nothing breaks; a new union member",
)
REQUEST_CONSTRAINT_NARROWED = _drift(
    "drift-request-constraint-narrowed",
    Level.ERROR,
    REQUEST,
    "a request constraint tightened (minimum, maximum, length, items, pattern, additionalProperties)",
    "requests near the old limits are rejected",
    "keep values inside the new limits",
)
REQUEST_CONSTRAINT_RELAXED = _drift(
    "drift-request-constraint-relaxed", Level.INFO, REQUEST, "a request constraint loosened", "nothing breaks"
)
REQUEST_BODY_REQUIRED = _drift(
    "drift-request-body-required",
    Level.ERROR,
    REQUEST,
    "the request body became required",
    "calls without a body are rejected",
)
REQUEST_CONTENT_TYPE_REMOVED = _drift(
    "drift-request-content-type-removed",
    Level.ERROR,
    REQUEST,
    "a request content type is no longer accepted",
    "requests sent with it are rejected (415)",
    "send one of the remaining content types",
)
REQUEST_CONTENT_TYPE_ADDED = _drift(
    "drift-request-content-type-added", Level.INFO, REQUEST, "a request content type was added", "nothing breaks"
)
DEFAULT_CHANGED = _drift(
    "drift-default-changed",
    Level.WARNING,
    REQUEST,
    "the documented default of a request field changed",
    "callers that omit the field get different behaviour",
    "send the value explicitly",
)

# -- response -----------------------------------------------------------------------------------
RESPONSE_PROPERTY_REMOVED = _drift(
    "drift-response-property-removed",
    Level.ERROR,
    RESPONSE,
    "a required response field was removed",
    "the generated from_dict raises KeyError; code reading the field breaks",
    "stop reading the field; regenerate",
)
RESPONSE_OPTIONAL_REMOVED = _drift(
    "drift-response-optional-property-removed",
    Level.WARNING,
    RESPONSE,
    "an optional response field was removed",
    "parsing still works; the field is always UNSET, code relying on it gets nothing",
)
RESPONSE_PROPERTY_OPTIONAL = _drift(
    "drift-response-property-optional",
    Level.ERROR,
    RESPONSE,
    "a required response field became optional",
    "the generated from_dict raises KeyError when it is absent; handle UNSET",
    "regenerate and handle the field being absent",
)
RESPONSE_NULLABLE_ADDED = _drift(
    "drift-response-nullable-added",
    Level.ERROR,
    RESPONSE,
    "a response field became nullable",
    "null now arrives where the client expects a value (TypeError/AttributeError at use)",
    "regenerate and handle None",
)
RESPONSE_PROPERTY_ADDED = _drift(
    "drift-response-property-added",
    Level.INFO,
    RESPONSE,
    "a response field was added",
    "nothing breaks; the old client keeps it in additional_properties until regenerated",
)
RESPONSE_PROPERTY_REQUIRED = _drift(
    "drift-response-property-required",
    Level.INFO,
    RESPONSE,
    "an optional response field became required",
    "nothing breaks",
)
RESPONSE_ENUM_WIDENED = _drift(
    "drift-response-enum-value-added",
    Level.ERROR,
    RESPONSE,
    "a response enum gained values",
    "the generated enum class raises ValueError on the new value",
    "regenerate the client",
)
RESPONSE_ENUM_NARROWED = _drift(
    "drift-response-enum-value-removed", Level.INFO, RESPONSE, "a response enum lost values", "nothing breaks"
)
RESPONSE_TYPE_CHANGED = _drift(
    "drift-response-type-changed",
    Level.ERROR,
    RESPONSE,
    "a response field's type was widened or replaced (a type the client does not expect may arrive)",
    "the generated parser fails or returns the wrong type",
    "regenerate and handle the new type",
)
RESPONSE_TYPE_NARROWED = _drift(
    "drift-response-type-narrowed",
    Level.INFO,
    RESPONSE,
    "a response field's type was narrowed (or is no longer nullable)",
    "nothing breaks",
)
RESPONSE_VARIANT_ADDED = _drift(
    "drift-response-variant-added",
    Level.WARNING,
    RESPONSE,
    "a oneOf/anyOf alternative was added to a response field",
    "a shape the old client cannot parse may arrive",
    "regenerate the client",
)
RESPONSE_VARIANT_REMOVED = _drift(
    "drift-response-variant-removed",
    Level.INFO,
    RESPONSE,
    "a oneOf/anyOf alternative of a response field was removed",
    "nothing breaks",
)
RESPONSE_CONSTRAINT_CHANGED = _drift(
    "drift-response-constraint-changed",
    Level.INFO,
    RESPONSE,
    "a response constraint (minimum, length, items, pattern, ...) changed",
    "nothing breaks: generated clients do not validate response constraints",
)
RESPONSE_CONTENT_TYPE_REMOVED = _drift(
    "drift-response-content-type-removed",
    Level.ERROR,
    RESPONSE,
    "a response content type was removed",
    "a client that asks for or parses it (e.g. a stream) breaks",
    "switch to a remaining content type",
)
RESPONSE_CONTENT_TYPE_ADDED = _drift(
    "drift-response-content-type-added", Level.INFO, RESPONSE, "a response content type was added", "nothing breaks"
)
RESPONSE_SUCCESS_STATUS_CHANGED = _drift(
    "drift-response-success-status-changed",
    Level.ERROR,
    RESPONSE,
    "the success status code changed (e.g. 201 -> 200) or no success response is documented any more",
    "the generated client parses only the old status and returns None for the new one",
    "regenerate the client",
)
RESPONSE_STATUS_REMOVED = _drift(
    "drift-response-status-removed",
    Level.WARNING,
    RESPONSE,
    "a documented response status was removed",
    "the generated client no longer parses that status (returns None / raises on unexpected status)",
)
RESPONSE_STATUS_ADDED = _drift(
    "drift-response-status-added",
    Level.INFO,
    RESPONSE,
    "a response status was documented",
    "nothing breaks; parsed after regeneration",
)

# -- anything else ------------------------------------------------------------------------------
SCHEMA_CHANGED = _drift(
    "drift-schema-changed",
    Level.WARNING,
    BOTH,
    "a schema keyword changed that no finer rule classifies (not, discriminator, readOnly, ...)",
    "may change validation or the generated model; review by hand",
)
REF_BROKEN = _drift(
    "drift-ref-broken",
    Level.ERROR,
    SPEC,
    "a $ref points nowhere in the new spec; that part cannot be compared or generated",
    "the generator refuses or drops the model; the rest of the spec is still compared",
    "report it upstream; an overlay can replace the reference",
)
REF_CYCLE = _drift(
    "drift-ref-cycle",
    Level.ERROR,
    SPEC,
    "a $ref chain loops back to itself without ever reaching a schema",
    "the generator cannot build that model; the rest of the spec is still compared",
    "report it upstream; an overlay can replace the reference",
)
SPEC_UNLOADABLE = _drift(
    "drift-spec-unloadable",
    Level.ERROR,
    SPEC,
    "a version of the spec cannot be read at all (not JSON/YAML, not OpenAPI 3.x)",
    "nothing can be generated from it; history steps skip to the next readable version",
)
UNUSED_SCHEMA_CHANGED = _drift(
    "drift-unused-schema-changed",
    Level.INFO,
    SPEC,
    "a component schema that no operation uses was added, removed or changed",
    "nothing a client sends or reads changes today; a later version may start using it",
)
DOC_CHANGED = _drift(
    "drift-doc-changed",
    Level.INFO,
    BOTH,
    "descriptions, summaries or titles changed (no contract change)",
    "nothing breaks; docstrings change on regeneration",
)
EXAMPLE_CHANGED = _drift(
    "drift-example-changed",
    Level.INFO,
    BOTH,
    "examples, code samples or x- extensions changed (no contract change)",
    "nothing breaks",
)

#: documentation-only rules: left out of the drift fingerprint so that doc churn raises no alert
DOC_RULES = frozenset({DOC_CHANGED.id, EXAMPLE_CHANGED.id})
#: left out of the drift fingerprint too: changes to schemas no operation uses raise no alert
QUIET_RULES = DOC_RULES | {UNUSED_SCHEMA_CHANGED.id}
