"""A compiled validator for one OpenAPI 3.0 schema, and the one explainer of what an instance gets wrong.

:meth:`Validator.explain` is what every stage shows a person: each failed
``anyOf``/``oneOf`` is replaced by what its closest branch says (the branch
whose errors lie deepest in the instance, then the one with fewest errors), and
each :class:`Violation` carries a sentence (:attr:`Violation.text`) naming the
place, the value found and what the schema allows.
"""

from __future__ import annotations

from typing import Any

import attrs
import jsonschema_rs

from conformance.oas.describe import short_json, value_class
from conformance.oas.jsonschema import compile_draft7, linked_json_schema, to_json_schema
from conformance.oas.pointer import join_pointer, pointer_unescape, resolve_pointer
from conformance.oas.refs import MAX_INLINE_NODES, deref, inlined_size

JSON = Any


def _shown(value: Any) -> str:
    return short_json(value, 160)


@attrs.frozen
class Violation:
    """One way an instance fails a schema: where in the instance, which schema keyword, what."""

    path: str  # JSON pointer into the instance
    schema_path: str
    message: str
    expected: str
    found: str
    found_class: str = ""  # JSON type of the offending value ("missing" for a missing member)
    #: the value of the failing keyword in the schema (for ``enum``, ``const`` and ``type``), for :attr:`text`
    allowed: JSON = attrs.field(default=None, eq=False, repr=False)

    @property
    def keyword(self) -> str:
        return self.schema_path.rsplit("/", 1)[-1]

    @property
    def text(self) -> str:
        """The violation as a sentence for a person: place, value found, what the schema allows."""
        if self.found_class == "missing":
            parent, _, member = self.path.rpartition("/")
            return f'lacks the required property "{pointer_unescape(member)}"' + (f" in {parent}" if parent else "")
        return sentence(self.keyword, self.path, self.message, self.found, self.found_class, self.allowed)


class Validator:
    """A compiled validator for one OpenAPI 3.0 schema (jsonschema-rs), with full error paths."""

    def __init__(self, oas_schema: JSON, spec: JSON | None = None, *, where: str = "") -> None:
        self._raw = oas_schema
        self._spec = spec
        self._where = where
        self._oas: JSON = None
        size = inlined_size(spec, oas_schema) if spec is not None else 0
        if spec is None:
            self._oas = oas_schema
            self.json_schema = to_json_schema(oas_schema)
        elif size is None or size > MAX_INLINE_NODES:
            # recursive, or too large to inline: keep the references (see MAX_INLINE_NODES)
            self.json_schema = linked_json_schema(oas_schema, spec, where=where)
        else:
            try:
                self._oas = deref(spec, oas_schema, where=where)
                self.json_schema = to_json_schema(self._oas)
            except RecursionError:  # a chain of references deeper than Python's stack: keep them
                self._oas = None
                self.json_schema = linked_json_schema(oas_schema, spec, where=where)
        self._compiled = compile_draft7(self.json_schema)
        self._expected: dict[tuple[Any, ...], tuple[str, str, str, JSON]] = {}

    @property
    def oas_schema(self) -> JSON:
        """The OpenAPI schema with references inlined (a recursive one keeps its back references as ``$ref``)."""
        if self._oas is None:
            try:
                self._oas = deref(self._spec, self._raw, where=self._where, keep_cycles=True)
            except RecursionError:  # a chain of references longer than Python's stack: keep them as they are
                self._oas = self._raw
        return self._oas

    def is_valid(self, instance: JSON) -> bool:
        return bool(self._compiled.is_valid(instance))

    def violations(self, instance: JSON, limit: int | None = None) -> list[Violation]:
        """Every way ``instance`` fails, sorted by place; with ``limit=1`` only the first one met.

        jsonschema-rs builds every error before yielding the first: an array of
        50,000 bad items costs seconds. ``limit=1`` stops at the first error
        (what a server answering a bad request needs); a larger ``limit`` caps
        what is described, not what is built.
        """
        if self._compiled.is_valid(instance):
            return []
        if limit == 1:
            try:
                self._compiled.validate(instance)
            except jsonschema_rs.ValidationError as first:
                return [self._violation(first)]
            return []
        out: list[Violation] = []
        for error in self._compiled.iter_errors(instance):
            if limit is not None and len(out) >= limit:
                break
            out.append(self._violation(error))
        return sorted(out, key=lambda v: (v.path, v.schema_path))

    def leaves(self, instance: JSON) -> list[Violation]:
        """Like :meth:`violations`, with each failed ``anyOf``/``oneOf`` replaced by what its closest branch says.

        The closest branch is the one whose errors lie deepest in the instance (it matched the
        value's shape furthest), then the one with fewest errors. A combinator is kept as it is when
        even its closest branch fails at the combinator's own place (nothing more precise to say).
        So ``{"usage": {"total_tokens": "x"}}`` against a nullable ``Usage`` reports a type error at
        ``/usage/total_tokens``, not "not valid under any of the schemas" at ``/usage``; a missing
        member counts as lying where the member should be, so ``{"usage": {}}`` reports the missing
        ``/usage/total_tokens`` too.
        """
        if self._compiled.is_valid(instance):
            return []
        out: list[Violation] = []
        for error in self._compiled.iter_errors(instance):
            self._flatten(error, out, 0)
        unique = {(v.path, v.schema_path, v.message): v for v in out}
        return sorted(unique.values(), key=lambda v: (v.path, v.schema_path))

    def explain(self, instance: JSON, limit: int | None = None) -> list[Violation]:
        """What a person is shown: :meth:`leaves` (each failed ``anyOf``/``oneOf`` explained by its closest
        branch), each with its :attr:`Violation.text`; with ``limit=1`` only the first error met, explained the
        same way (cheap on huge instances: what a server answering a bad request needs)."""
        if limit != 1:
            found = self.leaves(instance)
            return found if limit is None else found[:limit]
        if self._compiled.is_valid(instance):
            return []
        out: list[Violation] = []
        try:
            self._compiled.validate(instance)
        except jsonschema_rs.ValidationError as first:
            self._flatten(first, out, 0)
        return out[:1]

    def _flatten(self, error: Any, out: list[Violation], depth: int) -> None:
        branches = getattr(error.kind, "context", None)
        if depth < 16 and isinstance(branches, list) and branches:
            here = len(error.instance_path)

            def score(branch: list[Any]) -> tuple[int, int]:
                if not branch:
                    return (10**6, 0)
                return (min(_depth(e) for e in branch), -len(branch))

            best = max(branches, key=score)
            if best and score(best)[0] > here:
                for sub in best:
                    self._flatten(sub, out, depth + 1)
                return
        out.append(self._violation(error))

    def _violation(self, error: Any) -> Violation:
        ipath = join_pointer(*error.instance_path)
        schema_path = tuple(error.schema_path)
        cached = self._expected.get(schema_path)
        if cached is None:
            keyword = str(schema_path[-1]) if schema_path else ""
            fragment = _schema_fragment(self.json_schema, list(schema_path))
            cached = self._expected[schema_path] = (
                join_pointer(*schema_path),
                keyword,
                _expected_text(keyword, fragment),
                fragment if keyword in ("enum", "const", "type") else None,
            )
        spath, keyword, expected, fragment = cached
        missing = getattr(error.kind, "property", None) if keyword == "required" else None
        if isinstance(missing, str):
            # a missing member is reported where it should be, not at its parent
            return Violation(
                ipath + join_pointer(missing),
                spath,
                str(error.message),
                f"required member {missing!r}",
                "missing",
                "missing",
            )
        instance = error.instance
        return Violation(ipath, spath, str(error.message), expected, _shown(instance), value_class(instance), fragment)


def _schema_fragment(schema: JSON, path: list[Any]) -> JSON:
    node = schema
    for token in path:
        try:
            node = node[token] if not isinstance(node, list) else node[int(token)]
        except (KeyError, IndexError, TypeError, ValueError):
            return None
    return node


def _expected_text(keyword: str, fragment: JSON) -> str:
    if keyword in (
        "type",
        "enum",
        "const",
        "required",
        "minimum",
        "maximum",
        "minItems",
        "maxItems",
        "pattern",
        "format",
        "additionalProperties",
        "minLength",
        "maxLength",
    ):
        return f"{keyword}: {_shown(fragment)}"
    if keyword in ("oneOf", "anyOf"):
        return f"{keyword} of {len(fragment) if isinstance(fragment, list) else '?'} schemas"
    return keyword


_REQUIRED = jsonschema_rs.ValidationErrorKind.Required


def _depth(error: Any) -> int:
    """How deep in the instance an error lies; a missing member lies where the member should be."""
    return len(error.instance_path) + (1 if isinstance(error.kind, _REQUIRED) else 0)


def sentence(keyword: str, path: str, message: str, found: str, kind: str, fragment: JSON) -> str:
    """A violation in words: ``has /p = "x"; the schema allows only "a", "b"``, ``has /p = 1 (integer); the
    schema expects string``, else ``at /p: <the validator's message>`` (``found`` is the value as shown,
    ``kind`` its JSON type, ``fragment`` the schema keyword's value)."""
    at = f" {path}" if path else ""
    if keyword in ("enum", "const") and fragment is not None:
        allowed = fragment if isinstance(fragment, list) else [fragment]
        shown = ", ".join(short_json(v, 1000) for v in allowed[:8]) + (", …" if len(allowed) > 8 else "")
        return f"has{at} = {found}; the schema allows only {shown}"
    if keyword == "type" and fragment is not None:
        expected_types = fragment if isinstance(fragment, list) else [fragment]
        return f"has{at} = {found} ({kind}); the schema expects {' or '.join(map(str, expected_types))}"
    return f"at{at or ' /'}: {message}"


def value_at(instance: JSON, pointer: str, default: Any = None) -> Any:
    """The value at ``pointer`` in ``instance``, ``default`` where there is none."""
    try:
        return resolve_pointer(instance, pointer)
    except KeyError:
        return default
