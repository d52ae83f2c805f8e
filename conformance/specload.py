"""Parse raw bytes into an OpenAPI 3.x document, with errors that say where and what.

Raw JSON/YAML is only handled here; everything downstream gets a ``dict``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from conformance.errors import FetchError, SpecError, ToolError

Spec = dict[str, Any]


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
        except json.JSONDecodeError as exc:
            raise error(
                f"{where}: expected JSON, found a syntax error at line {exc.lineno} column {exc.colno}: {exc.msg}",
                hint="the body may be truncated or an HTML error page",
            ) from None
    else:
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            at = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
            raise error(f"{where}: expected JSON or YAML, found a syntax error{at}") from None
        if not isinstance(doc, dict):
            raise error(f"{where}: expected a JSON object (an OpenAPI document), found {type(doc).__name__}: "
                        f"{stripped[:60]!r}")
    if not isinstance(doc, dict):
        raise error(f"{where}: expected a JSON object (an OpenAPI document), found a JSON {type(doc).__name__}")
    version = doc.get("openapi")
    if not isinstance(version, str) or not version.startswith("3."):
        found = f"openapi={version!r}" if "openapi" in doc else f"no 'openapi' key (keys: {sorted(doc)[:6]})"
        raise error(f"{where}: expected an OpenAPI 3.x document, found {found}")
    if not isinstance(doc.get("paths"), dict):
        raise error(f"{where}: expected an OpenAPI 3.x document with a 'paths' object, found "
                    f"{type(doc.get('paths')).__name__}")
    return doc


def load_spec_file(path: Path, max_bytes: int = 64 * 1024 * 1024) -> Spec:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise SpecError(f"{path}: no such file", hint="give the path of an OpenAPI JSON or YAML file") from None
    except OSError as exc:
        raise SpecError(f"{path}: cannot read ({exc.strerror})") from None
    if path.is_dir():
        raise SpecError(f"{path}: expected a file, found a directory")
    if size > max_bytes:
        raise SpecError(f"{path}: expected a spec of at most {max_bytes} bytes, found {size} bytes")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SpecError(f"{path}: cannot read ({exc.strerror})") from None
    return parse_spec(raw, str(path))
