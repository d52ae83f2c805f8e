"""Name a spec version on the command line and load it: a file, ``ref:<ref>[:<path>]``, ``commit:<sha>[:<path>]``.

Refs and commits are read through the :class:`~conformance.load.fetch.Fetcher`
(the mirror when ``SPEC_MIRROR``/``--mirror`` is set, else the network). Every
failure is a :class:`~conformance.errors.ToolError` saying what was expected,
what was found and where; nothing here prints a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs

from conformance.errors import InputError, SpecError, UsageError
from conformance.load.fetch import SHA_RE, Fetcher
from conformance.load.parse import load_spec_file, parse_spec


@attrs.frozen
class Source:
    """Where a version comes from: a local file, or (repo, ref, path) upstream."""

    kind: str  # "file" | "ref" | "commit"
    path: str
    ref: str = ""
    repo: str = ""

    @property
    def label(self) -> str:
        if self.kind == "file":
            return self.path
        ref = self.ref[:8] if SHA_RE.match(self.ref) else self.ref
        return f"{ref}:{self.path}"

    @property
    def argument(self) -> str:
        """How to name this version again on the command line (for the reproduce line)."""
        if self.kind == "file":
            return self.path
        return f"{self.kind}:{self.ref}:{self.path}"


@attrs.frozen
class SpecVersion:
    source: Source
    spec: dict[str, Any]
    origin: str
    date: str = ""
    subject: str = ""


def parse_source(text: str, *, repo: str, default_path: str) -> Source:
    """``ref:main``, ``ref:main:docs/x.json``, ``commit:<sha>``, ``commit:<sha>:<path>``, or a file path."""
    for prefix in ("ref:", "commit:"):
        if text.startswith(prefix):
            rest = text[len(prefix) :]
            ref, _, path = rest.partition(":")
            if not ref:
                raise UsageError(
                    f"{text!r}: expected {prefix}<{'ref' if prefix == 'ref:' else 'sha'}>[:<path>], "
                    "found nothing after the prefix"
                )
            if prefix == "commit:" and not SHA_RE.match(ref):
                raise UsageError(
                    f"{text!r}: expected a full 40-character commit sha after 'commit:', found {ref!r}",
                    hint="copy the sha from `git log` or the mirror's INDEX.json",
                )
            return Source(prefix[:-1], path or default_path, ref, repo)
    if not Path(text).exists():
        raise InputError(
            f"{text}: expected a spec file, or ref:<ref>[:<path>] / commit:<sha>[:<path>], found no such file",
            hint="e.g. `conformance drift spec-old.json ref:main`",
        )
    return Source("file", text)


def load(source: Source, fetcher: Fetcher) -> SpecVersion:
    """Read and parse one version; a clear :class:`ToolError` on any failure."""
    try:
        if source.kind == "file":
            return SpecVersion(source, load_spec_file(Path(source.path)), source.path)
        fetched = fetcher.get(source.repo, source.ref, source.path)
        return SpecVersion(source, parse_spec(fetched.content, fetched.origin, upstream=True), fetched.origin)
    except RecursionError:
        raise SpecError(
            f"{source.label}: expected a JSON document of reasonable depth, found nesting too deep to read"
        ) from None
