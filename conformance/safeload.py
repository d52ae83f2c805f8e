"""Reading untrusted input safely: regular files only, sizes checked while reading, depth and YAML aliases bounded.

Specs and pages come from the internet and from users' disks. Three kinds of
input can make a naive reader hang or run out of memory, and each is refused
here with a message that says what was expected and what was found:

* a path that is not a regular file (``/dev/zero``, a named pipe, a socket):
  opened without blocking and refused at once;
* a file or body larger than the limit: counted while it is read, never
  trusted from ``stat`` alone;
* a document nested deeper than :data:`MAX_DEPTH` (every walker downstream is
  recursive), or YAML whose aliases expand it beyond :data:`ALIAS_BUDGET`
  extra nodes (a "billion laughs" bomb: PyYAML shares aliased nodes, but every
  stage that copies or walks the document pays for the expansion).
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Any

import yaml

from conformance.errors import SpecError

# the deepest JSON/YAML nesting accepted in a spec (the pinned spec is 26 levels deep)
MAX_DEPTH = 128
# how many nodes YAML aliases may add to a document when expanded
ALIAS_BUDGET = 100_000
_CHUNK = 1 << 20
# the safe YAML loader: libyaml's where PyYAML was built with it (ten times faster), the pure-Python one otherwise
YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class UnsafeInput(ValueError):
    """Input refused before or while reading it; the message says what was expected and found."""


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_regular_file(path: Path, max_bytes: int) -> bytes:
    """The bytes of ``path``, which must be a regular file of at most ``max_bytes`` bytes.

    Raises :class:`FileNotFoundError` / :class:`OSError` as ``open`` does, and
    :class:`UnsafeInput` for a special file or one larger than the limit. The
    file is opened non-blocking, so a named pipe with no writer is refused at
    once instead of blocking, and the size is counted while reading (a file
    that grows, or one whose ``stat`` size lies, is cut off at the limit).
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except IsADirectoryError:
        raise UnsafeInput("expected a file, found a directory") from None
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a socket or a pipe that cannot be opened without blocking
            raise UnsafeInput("expected a regular file, found a special file") from None
        raise
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise UnsafeInput("expected a file, found a directory")
        if not stat.S_ISREG(info.st_mode):
            raise UnsafeInput(f"expected a regular file, found {_kind(info.st_mode)}")
        if info.st_size > max_bytes:
            raise UnsafeInput(f"expected at most {max_bytes} bytes, found {info.st_size} bytes")
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, min(_CHUNK, max_bytes + 1 - total))
            if not chunk:
                return b"".join(chunks)
            total += len(chunk)
            if total > max_bytes:
                raise UnsafeInput(f"expected at most {max_bytes} bytes, found more (stopped reading at {total})")
            chunks.append(chunk)
    finally:
        os.close(fd)


def too_deep(doc: Any, limit: int = MAX_DEPTH) -> str | None:
    """The JSON pointer of the first place nested deeper than ``limit`` levels, or ``None``.

    Iterative (the document may be deeper than Python's recursion limit) and
    visits containers only; shared (aliased) containers are visited once.
    """
    stack: list[tuple[Any, int, tuple[Any, ...]]] = [(doc, 1, ())]
    seen: set[int] = set()
    while stack:
        node, depth, path = stack.pop()
        if depth > limit:
            return (
                "/"
                + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in path[:12])
                + ("/…" if len(path) > 12 else "")
            )
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, dict):
            stack.extend((v, depth + 1, (*path, k)) for k, v in node.items() if isinstance(v, dict | list))
        else:
            stack.extend((v, depth + 1, (*path, i)) for i, v in enumerate(node) if isinstance(v, dict | list))
    return None


def expanded_size(doc: Any, budget: int) -> tuple[int, int] | None:
    """``(distinct, expanded)`` container counts when YAML aliases made ``doc`` share containers, else ``None``.

    ``expanded`` counts a shared container once per place it appears, as a copy
    or a walk would; it stops counting past ``distinct + budget``. A container
    that contains itself (a recursive alias) expands without end: ``expanded``
    is then reported as infinite (``-1``).
    """
    order: list[Any] = []
    index: dict[int, int] = {}
    children: list[list[int]] = []
    shared = False
    stack: list[Any] = [doc]
    while stack:  # number the distinct containers
        node = stack.pop()
        if id(node) in index:
            shared = True
            continue
        index[id(node)] = len(order)
        order.append(node)
        values = node.values() if isinstance(node, dict) else node
        subs = [v for v in values if isinstance(v, dict | list)]
        children.append([])
        stack.extend(subs)
    if not shared:
        return None
    for number, node in enumerate(order):
        values = node.values() if isinstance(node, dict) else node
        children[number] = [index[id(v)] for v in values if isinstance(v, dict | list)]
    # sizes bottom-up in a depth-first post-order; a back edge (a node on the stack) is a cycle
    size: list[int] = [0] * len(order)
    state = [0] * len(order)  # 0 new, 1 on the stack, 2 done
    cap = len(order) + budget
    work: list[tuple[int, int]] = [(0, 0)]
    state[0] = 1
    while work:
        node, position = work[-1]
        kids = children[node]
        if position < len(kids):
            work[-1] = (node, position + 1)
            child = kids[position]
            if state[child] == 1:
                return len(order), -1
            if state[child] == 0:
                state[child] = 1
                work.append((child, 0))
            continue
        work.pop()
        state[node] = 2
        size[node] = min(cap + 1, 1 + sum(size[c] for c in kids))
    return len(order), size[0]


def spec_too_deep(where: str, at: str | None = None) -> SpecError:
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
            raise spec_too_deep(where, at)
