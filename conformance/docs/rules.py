"""The doc-check rules: one registry line each (id, level, why, fix). Importing this module registers them.

Ids are stable: released ids never change meaning and are never reused.
"""

from __future__ import annotations

from conformance.findings import Level, Rule, Source, rule

PAGE_UNREADABLE = rule(
    "doc-page-unreadable",
    Level.ERROR,
    Source.DOC,
    "The page file cannot be read as UTF-8 text, so nothing on it can be checked.",
    "Save the page as UTF-8.",
)
TAG_INVALID = rule(
    "doc-tag-invalid",
    Level.WARNING,
    Source.DOC,
    "A GitBook {% ... %} tag is malformed or unbalanced; GitBook may render the page wrongly.",
    "Close the tag with '%}' and pair every {% name %} with {% endname %}.",
)
SPEC_REF_INVALID = rule(
    "doc-spec-ref-invalid",
    Level.ERROR,
    Source.DOC,
    "An API-schema block does not name a usable spec file, path and method.",
    "Give the block spec=, path= and method= and a link to the raw spec file.",
)
SPEC_UNAVAILABLE = rule(
    "doc-spec-unavailable",
    Level.ERROR,
    Source.DOC,
    "The spec file the page links to does not exist or cannot be fetched: the page shows no schema.",
    "Fix the link (spec folders and file names are case-sensitive) or publish the spec file.",
)
SPEC_INVALID = rule(
    "doc-spec-invalid",
    Level.ERROR,
    Source.SPEC,
    "The linked spec is not valid JSON/OpenAPI 3, or a schema in it cannot be compiled.",
    "Fix the spec file so that it parses and its $refs resolve.",
)
OPERATION_MISSING = rule(
    "doc-operation-missing",
    Level.ERROR,
    Source.DOC,
    "The spec has no operation for the path and method the API-schema block names.",
    "Point the block at an operation the spec defines.",
)
EXAMPLE_UNPARSABLE = rule(
    "doc-example-unparsable",
    Level.ERROR,
    Source.DOC,
    "The example response is not JSON, JSON5 or a Python literal; users cannot use it.",
    "Make the example valid JSON.",
)
EXAMPLE_SCHEMA = rule(
    "doc-example-schema",
    Level.ERROR,
    Source.DOC,
    "The example response violates the operation's 200 application/json schema.",
    "Replace the example with a real response of this operation, or fix the spec's response schema.",
)
EXAMPLE_STALE = rule(
    "doc-example-stale",
    Level.WARNING,
    Source.DOC,
    "The example response matched the spec when the page was last edited; a later spec change broke it.",
    "Refresh the example with a current response (the spec change named in the finding is why it fails).",
)
EXAMPLE_UNDOCUMENTED = rule(
    "doc-example-undocumented-field",
    Level.WARNING,
    Source.DOC,
    "The example response has a field that the 200 schema does not declare.",
    "Document the field in the spec's response schema, or drop it from the example.",
)
EXAMPLE_UNCHECKED = rule(
    "doc-example-unchecked",
    Level.INFO,
    Source.DOC,
    "The operation declares no 200 application/json schema, so its example response cannot be checked.",
    "Declare the 200 application/json response in the spec.",
)
SAMPLE_UNPARSED = rule(
    "doc-sample-unparsed",
    Level.WARNING,
    Source.DOC,
    "The request a code sample sends (method, URL, JSON body) could not be read, so it is not checked.",
    "Write the body as a literal in the call (json={...}, JSON.stringify({...}), --data '{...}').",
)
SAMPLE_URL = rule(
    "doc-sample-url",
    Level.ERROR,
    Source.DOC,
    "A code sample's URL is not one of the spec's servers followed by one of its paths.",
    "Use the server URL and path the spec declares.",
)
SAMPLE_METHOD = rule(
    "doc-sample-method",
    Level.ERROR,
    Source.DOC,
    "A code sample sends a method the spec does not define for its path.",
    "Use the operation's method.",
)
SAMPLE_BODY_SCHEMA = rule(
    "doc-sample-body-schema",
    Level.ERROR,
    Source.DOC,
    "A code sample's request body violates the operation's request schema; copying it fails.",
    "Fix the sample's body (or the request schema, if the sample is right).",
)
SAMPLE_BODY_UNDOCUMENTED = rule(
    "doc-sample-body-undocumented",
    Level.WARNING,
    Source.DOC,
    "A code sample's request body sends a field the request schema does not declare.",
    "Document the field in the request schema, or drop it from the sample.",
)
SAMPLE_MODEL_UNLISTED = rule(
    "doc-sample-model-unlisted",
    Level.WARNING,
    Source.DOC,
    "A code sample calls a model that the page's model list does not name.",
    "Use one of the page's models in the sample, or add the model to the list.",
)
MODEL_NOT_IN_SPEC = rule(
    "doc-model-not-in-spec",
    Level.ERROR,
    Source.DOC,
    "The page lists a model id that the spec's request `model` enum does not accept.",
    "Add the id to the spec's model enum, or remove it from the page.",
)
MODEL_NOT_ON_PAGE = rule(
    "doc-model-not-on-page",
    Level.WARNING,
    Source.DOC,
    "The spec's request `model` enum accepts an id that the page's model list does not name.",
    "List the id on the page, or remove it from the spec's enum.",
)
SAMPLE_DIFFERS = rule(
    "doc-sample-differs-from-spec",
    Level.WARNING,
    Source.DOC,
    "A page code sample sends a different request than the spec's x-codeSamples entry in the same language.",
    "Make the page sample and the spec's x-codeSamples send the same request.",
)
SAMPLE_NOT_IN_SPEC = rule(
    "doc-sample-not-in-spec",
    Level.INFO,
    Source.DOC,
    "The spec's x-codeSamples for the operation have no sample in this page sample's language.",
    "Add the sample to the operation's x-codeSamples.",
)
SAMPLE_LANGUAGE = rule(
    "doc-sample-language",
    Level.WARNING,
    Source.DOC,
    "A code sample's fence label (or tab) names one language and the code is another; it was read as the "
    "code's language.",
    "Label the fence with the sample's real language (```bash for cURL, ```javascript, ```python).",
)
INTERNAL_ERROR = rule(
    "doc-check-internal-error",
    Level.ERROR,
    Source.DOC,
    "The checker failed on this page (a bug); the rest of the run went on.",
    "Report it with the page attached.",
)

ALL: tuple[Rule, ...] = (
    PAGE_UNREADABLE,
    TAG_INVALID,
    SPEC_REF_INVALID,
    SPEC_UNAVAILABLE,
    SPEC_INVALID,
    OPERATION_MISSING,
    EXAMPLE_UNPARSABLE,
    EXAMPLE_SCHEMA,
    EXAMPLE_STALE,
    EXAMPLE_UNDOCUMENTED,
    EXAMPLE_UNCHECKED,
    SAMPLE_UNPARSED,
    SAMPLE_URL,
    SAMPLE_METHOD,
    SAMPLE_BODY_SCHEMA,
    SAMPLE_BODY_UNDOCUMENTED,
    SAMPLE_MODEL_UNLISTED,
    MODEL_NOT_IN_SPEC,
    MODEL_NOT_ON_PAGE,
    SAMPLE_DIFFERS,
    SAMPLE_NOT_IN_SPEC,
    SAMPLE_LANGUAGE,
    INTERNAL_ERROR,
)
