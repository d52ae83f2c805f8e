"""Parse raw bytes into an OpenAPI 3.x document, with errors that say where and what.

Raw JSON/YAML is only handled here; everything downstream gets a ``dict``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from conformance.errors import FetchError, SpecError, ToolError
from conformance.safeload import YAML_LOADER, UnsafeInput, check_shape, read_regular_file, spec_too_deep

Spec = dict[str, Any]
MAX_SPEC_BYTES = 64 * 1024 * 1024


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
            raise spec_too_deep(where) from None
        except json.JSONDecodeError as exc:
            raise error(
                f"{where}: expected JSON, found a syntax error at line {exc.lineno} column {exc.colno}: {exc.msg}",
                hint="the body may be truncated or an HTML error page",
            ) from None
    else:
        try:
            doc = yaml.load(text, Loader=YAML_LOADER)
        except RecursionError:
            raise spec_too_deep(where) from None
        except yaml.YAMLError as exc:
            if "nesting depth" in str(exc):
                raise spec_too_deep(where) from None
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
