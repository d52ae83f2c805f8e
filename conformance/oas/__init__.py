"""The OpenAPI core every stage uses.

- :mod:`~conformance.oas.pointer`: JSON pointers (:class:`Pointer`, escape, join, resolve);
- :mod:`~conformance.oas.refs`: the one ``$ref`` resolver (cycles, missing and external targets as values);
- :mod:`~conformance.oas.merge`: the one ``allOf`` merge;
- :mod:`~conformance.oas.nullable`: the OpenAPI 3.0 nullable-reference idiom;
- :mod:`~conformance.oas.jsonschema`: OpenAPI 3.0 schemas as JSON Schema, compiled offline;
- :mod:`~conformance.oas.validate`: the validator and the explainer of violations;
- :mod:`~conformance.oas.undocumented`: members a schema does not declare;
- :mod:`~conformance.oas.operations`: the operation model with path matching, and schema walks;
- :mod:`~conformance.oas.describe`: short renderings of values for messages.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from conformance.oas.describe import short_json, value_class
from conformance.oas.merge import merge_all_of
from conformance.oas.nullable import is_nullable_ref, nullable_ref, wrapped_ref
from conformance.oas.operations import (
    HTTP_METHODS,
    Operation,
    OperationIndex,
    SchemaNode,
    all_schemas,
    json_media,
    operations,
    path_ends_with,
    schema_roots,
    walk_schema,
)
from conformance.oas.pointer import Pointer, join_pointer, pointer_escape, pointer_unescape, resolve_pointer
from conformance.oas.refs import (
    MAX_INLINE_NODES,
    MAX_INLINE_REF_DEPTH,
    RefProblem,
    Resolved,
    Resolver,
    deref,
    inlined_size,
)

if TYPE_CHECKING:
    from conformance.oas.jsonschema import (
        DRAFT7,
        compile_draft7,
        compile_offline,
        linked_json_schema,
        schema_for_instance,
        to_json_schema,
    )
    from conformance.oas.undocumented import undocumented_fields
    from conformance.oas.validate import Validator, Violation

# the modules built on jsonschema-rs load on first use: a module that needs only pointers, references or value
# descriptions (findings does) does not pay for the compiled-schema library
_WHERE = {
    "DRAFT7": "conformance.oas.jsonschema",
    "Validator": "conformance.oas.validate",
    "Violation": "conformance.oas.validate",
    "compile_draft7": "conformance.oas.jsonschema",
    "compile_offline": "conformance.oas.jsonschema",
    "linked_json_schema": "conformance.oas.jsonschema",
    "schema_for_instance": "conformance.oas.jsonschema",
    "to_json_schema": "conformance.oas.jsonschema",
    "undocumented_fields": "conformance.oas.undocumented",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "DRAFT7",
    "HTTP_METHODS",
    "MAX_INLINE_NODES",
    "MAX_INLINE_REF_DEPTH",
    "Operation",
    "OperationIndex",
    "Pointer",
    "RefProblem",
    "Resolved",
    "Resolver",
    "SchemaNode",
    "Validator",
    "Violation",
    "all_schemas",
    "compile_draft7",
    "compile_offline",
    "deref",
    "inlined_size",
    "is_nullable_ref",
    "join_pointer",
    "json_media",
    "linked_json_schema",
    "merge_all_of",
    "nullable_ref",
    "operations",
    "path_ends_with",
    "pointer_escape",
    "pointer_unescape",
    "resolve_pointer",
    "schema_for_instance",
    "schema_roots",
    "short_json",
    "to_json_schema",
    "undocumented_fields",
    "value_class",
    "walk_schema",
    "wrapped_ref",
]
