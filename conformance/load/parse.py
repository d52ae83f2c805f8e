"""Parse raw bytes into an OpenAPI 3.x document, with errors that say where and what.

Raw JSON/YAML is only handled here; everything downstream gets a ``dict``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from conformance.errors import FetchError, SpecError, ToolError
from conformance.safeload import ALIAS_BUDGET, MAX_DEPTH, UnsafeInput, expanded_size, read_regular_file, too_deep

Spec = dict[str, Any]
MAX_SPEC_BYTES = 64 * 1024 * 1024


def _too_deep(where: str, at: str | None = None) -> SpecError:
    place = f" (nested too deep at {at})" if at else ""
    return SpecError(
        f"{where}: expected a document nested at most {MAX_DEPTH} levels deep, found nesting too deep to read{place}",
        hint="a real OpenAPI spec is a few dozen levels deep; this one is malformed or hostile",
    )


def check_shape(doc: Any, where: str, *, yaml_aliases: bool = False) -> None:
    """Refuse a parsed document that is nested too deep, or whose YAML aliases expand it too far (exit 2)."""
    if yaml_aliases and isinstance(doc, dict | list):
        counted = expanded_size(doc, ALIAS_BUDGET)
        if counted is not None:
            distinct, expanded = counted
            if expanded < 0:
                raise SpecError(
                    f"{where}: expected a document without recursive YAML aliases, found an alias "
                    "that contains itself (it expands without end)"
                )
            if expanded > distinct + ALIAS_BUDGET:
                raise SpecError(
                    f"{where}: expected YAML aliases to add at most {ALIAS_BUDGET} nodes, found "
                    f"aliases that expand {distinct} nodes to more than {distinct + ALIAS_BUDGET}",
                    hint="an alias bomb: write the document without nested aliases",
                )
    if isinstance(doc, dict | list):
        at = too_deep(doc)
        if at is not None:
            raise _too_deep(where, at)


_YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_spec(raw: bytes, where: str, *, upstream: bool = False) -> Spec:
    """Decode ``raw`` as an OpenAPI 3.x document.

    ``upstream=True`` raises :class:`FetchError` (exit 3: upstream served junk);
    otherwise :class:`SpecError` (exit 2: the user's file is wrong).
    """
    error: type[ToolError] = FetchError if upstream else SpecError
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"{where}: expected UTF-8 text, found undecodable byte at offset {exc.start}") from None
    stripped = text.lstrip()
    doc: Any
    if stripped.startswith(("{", "[")):
        try:
            doc = json.loads(text)
        except RecursionError:
            raise _too_deep(where) from None
        except json.JSONDecodeError as exc:
            raise error(
                f"{where}: expected JSON, found a syntax error at line {exc.lineno} column {exc.colno}: {exc.msg}",
                hint="the body may be truncated or an HTML error page",
            ) from None
    else:
        try:
            doc = yaml.load(text, Loader=_YAML_LOADER)  # CSafeLoader or SafeLoader: safe
        except RecursionError:
            raise _too_deep(where) from None
        except yaml.YAMLError as exc:
            if "nesting depth" in str(exc):
                raise _too_deep(where) from None
            mark = getattr(exc, "problem_mark", None)
            at = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
            raise error(f"{where}: expected JSON or YAML, found a syntax error{at}") from None
        if not isinstance(doc, dict):
            raise error(
                f"{where}: expected a JSON object (an OpenAPI document), found {type(doc).__name__}: {stripped[:60]!r}"
            )
    check_shape(doc, where, yaml_aliases=not stripped.startswith(("{", "[")))
    if not isinstance(doc, dict):
        raise error(f"{where}: expected a JSON object (an OpenAPI document), found a JSON {type(doc).__name__}")
    version = doc.get("openapi")
    if not isinstance(version, str) or not version.startswith("3."):
        found = f"openapi={version!r}" if "openapi" in doc else f"no 'openapi' key (keys: {sorted(doc)[:6]})"
        raise error(f"{where}: expected an OpenAPI 3.x document, found {found}")
    if not isinstance(doc.get("paths"), dict):
        raise error(
            f"{where}: expected an OpenAPI 3.x document with a 'paths' object, found {type(doc.get('paths')).__name__}"
        )
    return doc


def read_spec_bytes(path: Path, max_bytes: int = MAX_SPEC_BYTES) -> bytes:
    """The bytes of a spec file: a regular file of at most ``max_bytes`` (counted while reading), else exit 2."""
    try:
        return read_regular_file(path, max_bytes)
    except FileNotFoundError:
        raise SpecError(f"{path}: no such file", hint="give the path of an OpenAPI JSON or YAML file") from None
    except UnsafeInput as exc:
        raise SpecError(f"{path}: {exc}", hint="give the path of an OpenAPI JSON or YAML file") from None
    except OSError as exc:
        raise SpecError(f"{path}: cannot read ({exc.strerror or exc})") from None


def load_spec_file(path: Path, max_bytes: int = MAX_SPEC_BYTES) -> Spec:
    return parse_spec(read_spec_bytes(path, max_bytes), str(path))
