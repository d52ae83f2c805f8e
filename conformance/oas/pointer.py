"""JSON pointers (RFC 6901): one type, :class:`Pointer`, and the string helpers the stages use.

A pointer is written ``/a/b~1c`` (``~1`` is ``/``, ``~0`` is ``~``); a ``$ref``
writes the same thing after ``#``. :meth:`Pointer.parse` accepts both spellings,
``str()`` gives the first. The string helpers below are the same operations for
code that keeps pointers as strings (findings and reports do).
"""

from __future__ import annotations

from typing import Any

import attrs

JSON = Any


def pointer_escape(token: str) -> str:
    """One reference token as written in a pointer (``~`` -> ``~0``, ``/`` -> ``~1``)."""
    return token.replace("~", "~0").replace("/", "~1")


def pointer_unescape(token: str) -> str:
    """The reverse of :func:`escape`."""
    return token.replace("~1", "/").replace("~0", "~")


@attrs.frozen
class Pointer:
    """A JSON pointer as its unescaped tokens; ``str()`` formats it (``""`` is the whole document)."""

    tokens: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> Pointer:
        """``/a/b``, ``#/a/b``, ``""`` or ``#``; a :class:`ValueError` for text that is none of these."""
        body = text[1:] if text.startswith("#") else text
        if not body:
            return cls()
        if not body.startswith("/"):
            raise ValueError(f"expected a JSON pointer starting with '/' (or '#/'), found {text!r}")
        return cls(tuple(pointer_unescape(raw) for raw in body.split("/")[1:]))

    def __str__(self) -> str:
        return "".join("/" + pointer_escape(t) for t in self.tokens)

    @property
    def fragment(self) -> str:
        """The pointer as a ``$ref`` writes it (``#/a/b``)."""
        return "#" + str(self)

    def __truediv__(self, token: str | int) -> Pointer:
        return Pointer((*self.tokens, str(token)))

    @property
    def parent(self) -> Pointer:
        return Pointer(self.tokens[:-1])

    def resolve(self, doc: JSON) -> JSON:
        """The value the pointer names in ``doc``; a :class:`KeyError` naming the missing part."""
        return _walk(doc, self.tokens, str(self))


def _walk(doc: JSON, tokens: tuple[str, ...], label: str) -> JSON:
    node = doc
    for token in tokens:
        if isinstance(node, list):
            if not token.isdigit() or int(token) >= len(node):
                raise KeyError(f"{label}: no item {token!r}")
            node = node[int(token)]
        elif isinstance(node, dict):
            if token not in node:
                raise KeyError(f"{label}: no key {token!r}")
            node = node[token]
        else:
            raise KeyError(f"{label}: {token!r} inside a {type(node).__name__}")
    return node


def join_pointer(*tokens: str | int) -> str:
    """The pointer of ``tokens`` as a string (each escaped)."""
    parts = [str(t) for t in tokens]
    joined = "/".join(parts)
    if "~" in joined or any("/" in p for p in parts):
        return "".join("/" + pointer_escape(p) for p in parts)
    return "/" + joined if parts else ""


def split_pointer(pointer: str) -> list[str]:
    """The unescaped tokens of a pointer string (``/a/b`` or ``#/a/b``)."""
    return list(Pointer.parse(pointer).tokens)


def resolve_pointer(doc: JSON, pointer: str) -> JSON:
    """Resolve a JSON pointer (``/a/b`` or ``#/a/b``); raise ``KeyError`` naming the missing part."""
    try:
        parsed = Pointer.parse(pointer)
    except ValueError as exc:
        raise KeyError(str(exc)) from None
    return _walk(doc, parsed.tokens, pointer)
