"""Structural validation of an OpenAPI document for lint: references first, then openapi-spec-validator.

Three promises, each a defect once:

* nothing is fetched or read: every ``$ref`` that leaves the document is a
  finding (``oas-external-ref``), removed before validation, and the validator
  gets reference handlers that refuse every scheme;
* a reference that points nowhere, or a chain of references that loops
  without reaching a schema, is a finding naming the chain (not "maximum
  recursion depth exceeded");
* linear work on large specs: the validator's visit bookkeeping uses sets
  (its own lists make it quadratic), and it validates each schema where it is
  declared instead of again through every reference chain that reaches it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from conformance.findings import Finding, Level, Source, describe, rule
from conformance.oas import Resolver, join_pointer, operations, pointer_unescape, resolve_pointer, schema_roots

INVALID = rule(
    "oas-invalid",
    Level.ERROR,
    Source.SPEC,
    "the document is not valid OpenAPI 3.0 (structural validation)",
    "make the document validate against the OpenAPI 3.0 schema",
)
EXTERNAL_REF = rule(
    "oas-external-ref",
    Level.WARNING,
    Source.SPEC,
    "a `$ref` points outside the document (a URL or another file); lint never fetches or reads it, "
    "so what it names goes unchecked, and generators that do fetch it reach that host or file",
    "bundle the referenced schema into `components` and refer to it with a local `#/...` reference",
)


def _refs(spec: dict[str, Any]) -> list[tuple[str, str]]:
    """(pointer of the ``$ref`` member, the ref) for every ``$ref`` string in the document."""
    found: list[tuple[str, str]] = []
    stack: list[tuple[Any, str]] = [(spec, "")]
    while stack:
        node, pointer = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                found.append((pointer + "/$ref", ref))
            stack.extend(
                (value, pointer + join_pointer(key)) for key, value in node.items() if isinstance(value, dict | list)
            )
        elif isinstance(node, list):
            stack.extend(
                (value, pointer + join_pointer(index))
                for index, value in enumerate(node)
                if isinstance(value, dict | list)
            )
    return sorted(found)


def _ref_problems(spec: dict[str, Any], refs: list[tuple[str, str]]) -> Iterator[tuple[str, str, str]]:
    """(pointer, ref, problem) for local references that point nowhere or only to themselves.

    A schema that is nothing but a reference to a reference ... back to itself
    (``A: {$ref: B}, B: {$ref: A}``) has no meaning; a recursive schema (one
    that refers to itself from inside ``properties`` or ``items``) is fine.
    """
    reported: set[str] = set()
    resolver = Resolver(spec)
    for pointer, ref in refs:
        if not ref.startswith("#"):
            continue
        problem = resolver.resolve({"$ref": ref}, pointer).problem
        if problem is None:
            continue
        if problem.kind == "missing" and problem.ref == ref:
            yield pointer, ref, "points nowhere in this document"
        elif problem.kind == "cycle":
            loop = list(problem.chain[problem.chain.index(problem.ref) :])
            holder = "#" + pointer[: -len("/$ref")]
            if holder in loop:  # start where the reported reference sits
                at = loop.index(holder)
                loop = loop[at:] + loop[:at]
            if min(loop) not in reported:
                reported.add(min(loop))
                yield pointer, ref, "makes a $ref cycle with no schema in it: " + " -> ".join([*loop, loop[0]])


def _headline(message: str, limit: int = 300) -> str:
    """The validator's first paragraph (it appends the failing schema and instance), shortened."""
    first = message.split("\n\n", 1)[0].strip()
    return first if len(first) <= limit else first[: limit // 2 - 2] + " … " + first[-(limit // 2 - 2) :]


class _NoFetch(dict[str, Any]):
    """Reference handlers for the structural validator that fetch nothing, for any scheme.

    openapi-spec-validator resolves ``http://``, ``https://`` and ``file://``
    references (and hands other schemes to ``urlopen``); lint must reach no host
    and read no file, so every scheme maps to a refusal. External references are
    removed from the copy that is validated beforehand: this is the guard.
    """

    def __contains__(self, key: object) -> bool:
        return True

    def __getitem__(self, key: str) -> Any:
        return _refuse

    def get(self, key: str, default: Any = None) -> Any:
        return _refuse


class _Refused(Exception):
    pass


def _refuse(uri: str) -> Any:
    raise _Refused(f"external reference {uri!r} not fetched")


def responses_without_description(spec: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for op in operations(spec):
        for status, response in (op.op.get("responses") or {}).items():
            if isinstance(response, dict) and "$ref" not in response and "description" not in response:
                yield op.pointer + join_pointer("responses", str(status)), op.label


class _Patch:
    """Temporary in-place replacements in the document, undone on exit (a copy of a 50 MB spec costs more
    than the validation)."""

    def __init__(self) -> None:
        self._undo: list[tuple[Any, Any, Any]] = []

    def replace(self, holder: Any, key: Any, value: Any) -> None:
        self._undo.append((holder, key, holder[key]))
        holder[key] = value

    def __enter__(self) -> _Patch:
        return self

    def __exit__(self, *exc: object) -> None:
        for holder, key, value in reversed(self._undo):
            holder[key] = value
        self._undo.clear()


def _is_ref(node: Any) -> bool:
    return isinstance(node, dict) and isinstance(node.get("$ref"), str)


def _cut_schema_refs(spec: dict[str, Any], patch: _Patch) -> None:
    """Replace each schema-position ``$ref`` (outside ``allOf``) by ``{}``: the validator checks every target
    where it is declared (components, operations), and following chains of references from each place that
    uses them makes its work grow with the square of the chain. ``allOf`` members stay: the validator reads
    their properties to check ``required``."""
    for pointer, root in list(schema_roots(spec)):
        if _is_ref(root):
            parent_pointer, _, key = pointer.rpartition("/")
            patch.replace(resolve_pointer(spec, parent_pointer), key, {})
            continue
        stack = [root]
        while stack:
            schema = stack.pop()
            holders: list[tuple[Any, Any]] = []
            props = schema.get("properties")
            if isinstance(props, dict):
                holders.extend((props, name) for name in props)
            holders.extend((schema, key) for key in ("items", "additionalProperties", "not") if key in schema)
            for combo in ("anyOf", "oneOf"):
                branches = schema.get(combo)
                if isinstance(branches, list):
                    holders.extend((branches, index) for index in range(len(branches)))
            for holder, key in holders:
                child = holder[key]
                if _is_ref(child):
                    patch.replace(holder, key, {})
                elif isinstance(child, dict):
                    stack.append(child)
            for member in schema.get("allOf") or []:
                if isinstance(member, dict) and not _is_ref(member):
                    stack.append(member)


def _remove_external(spec: dict[str, Any], refs: list[tuple[str, str]], patch: _Patch) -> list[str]:
    """Empty every object holding an external reference; the pointers of those objects."""
    external = [pointer[: -len("/$ref")] for pointer, ref in refs if not ref.startswith("#")]
    for where in external:
        if not where:
            continue
        parent_pointer, _, key = where.rpartition("/")
        parent = resolve_pointer(spec, parent_pointer) if parent_pointer else spec
        token = pointer_unescape(key)
        patch.replace(parent, int(token) if isinstance(parent, list) else token, {})
    return external


def _validator_class() -> Any:
    from openapi_spec_validator import OpenAPIV30SpecValidator
    from openapi_spec_validator.validation import keywords

    class _IdSet(set[int]):
        append = set.add  # the validator appends ids to lists and tests membership: quadratic

    class _SchemaValidator(keywords.OpenAPIV30SchemaValidator):
        def __init__(self, registry: Any) -> None:
            super().__init__(registry)
            self.visited_schema_ids = _IdSet()  # type: ignore[assignment]  # append and `in` are all it uses
            self.meta_checked_schema_ids = _IdSet()  # type: ignore[assignment]

    class _Validator(OpenAPIV30SpecValidator):
        resolver_handlers = _NoFetch()
        keyword_validators = {  # noqa: RUF012 (the library's shape)
            **OpenAPIV30SpecValidator.keyword_validators,
            "schema": _SchemaValidator,
        }

    return _Validator


def check_structure(spec: dict[str, Any], location: str) -> Iterator[Finding]:
    from jsonschema.exceptions import best_match

    refs = _refs(spec)
    for pointer, ref in refs:
        if not ref.startswith("#"):
            yield EXTERNAL_REF.finding(
                location,
                f"$ref {ref!r} points outside this document; it was not fetched or read",
                pointer=pointer,
                expected="a local reference ('#/components/...')",
                found=ref,
            )
    problems = list(_ref_problems(spec, refs))
    for pointer, ref, problem in problems:
        yield INVALID.finding(
            location,
            f"$ref {ref!r} {problem}",
            pointer=pointer,
            expected="a local $ref to an existing schema",
            found=ref,
        )
    if problems or any(pointer == "/$ref" for pointer, _ in refs):
        return  # the validator cannot resolve them either, and would stop at the first
    # missing response descriptions get their own rule (clearer message); skip them here
    missing_desc = {p for p, _ in responses_without_description(spec)}
    failure: str | None = None
    with _Patch() as patch:
        external = _remove_external(spec, refs, patch)
        _cut_schema_refs(spec, patch)
        try:
            errors = list(_validator_class()(spec).iter_errors())
        except RecursionError:
            failure = "the document's references or nesting go deeper than the validator can follow"
        except Exception as exc:  # the validator itself choked
            failure = _headline(str(exc))
        found_at: list[tuple[Any, str, str]] = []
        if failure is None:
            for error in errors:
                # document-level errors carry the document as instance and an absolute path; the validator's
                # schema checks report a path relative to a schema it does not name
                located = error.instance is spec
                pointer = join_pointer(*error.absolute_path) if located else ""
                if pointer in missing_desc or any(pointer == e or pointer.startswith(e + "/") for e in external):
                    continue
                detail = best_match(error.context) if error.context else error
                message = _headline(detail.message if detail is not None else error.message)
                if located:
                    found = describe(resolve_pointer(spec, pointer))
                else:
                    found = describe(error.instance)
                    message += " (in a schema; the validator does not say which)"
                found_at.append((pointer, message, found))
    if failure is not None:
        yield INVALID.finding(location, f"structural validation could not complete: {failure}")
        return
    for pointer, message, found in found_at:
        yield INVALID.finding(
            location,
            f"not valid OpenAPI 3.0: {message}",
            pointer=pointer,
            expected="a document valid against the OpenAPI 3.0 schema",
            found=found,
        )
