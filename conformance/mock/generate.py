"""Generate JSON values from schemas: OpenAPI 3.0 schema objects and JSON Schema alike.

The generator is deterministic for a given :class:`random.Random`. It fills
required members, honours ``enum``/``const``, ``nullable`` and type lists,
bounds, lengths, ``minItems`` and ``allOf``/``oneOf``/``anyOf`` (first
usable branch), and resolves local ``$ref`` against the root it was given.

A path is a tuple of member names with ``"*"`` for an array item
(``("choices", "*", "index")``); :mod:`conformance.mock.compiler` plugs
realistic values in at such paths. :data:`MISSING` is how a provider says
"nothing here".
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import math
import random
import time
import uuid
from typing import Any

from conformance.oas import Resolver, merge_all_of
from conformance.oas.refs import shared_resolver

JSON = Any
Path = tuple[str, ...]


_EPOCH = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()

WORDS = (
    "the",
    "model",
    "answers",
    "with",
    "a",
    "short",
    "reply",
    "about",
    "your",
    "question",
    "here",
    "is",
    "an",
    "example",
    "of",
    "text",
    "that",
    "reads",
    "like",
    "natural",
    "language",
    "and",
    "keeps",
    "going",
    "for",
    "few",
    "more",
    "words",
    "so",
    "clients",
    "can",
    "parse",
    "it",
    "hello",
    "world",
    "today",
)
MAX_DEPTH = 24
# schemas come from requests too (response_format, tool parameters): sizes are capped so that a schema
# asking for a billion items cannot make the mock build them
MAX_ITEMS = 64
MAX_LENGTH = 4096
# what one answer may spend generating values: a schema from a request that refers to itself
# (`required: [a, b]` with both `{$ref: "#"}`, or `minItems: 64` of itself) would otherwise ask for 2**24
# values and freeze the server for every client
MAX_NODES = 100_000
MAX_SECONDS = 2.0


class Budget:
    """What one answer may spend on generated values: a number of values (nodes) and, for schemas that
    arrive in requests, seconds.

    Shared by every :class:`Generator` of the answer. Once spent, generators
    return minimal values (``{}``, ``[]``, ``""``, the lowest number...) and
    :attr:`exhausted` says so; the caller decides whether that is a bounded
    answer (schemas of the served spec) or a 400 (schemas from the request).
    """

    __slots__ = ("_tick", "checks", "deadline", "exhausted", "nodes", "seconds", "size")

    def __init__(self, nodes: int = MAX_NODES, seconds: float | None = None) -> None:
        self.size = nodes
        self.nodes = nodes
        self.seconds = seconds  # None: nodes only (deterministic whatever the machine's load)
        self.deadline = time.monotonic() + seconds if seconds is not None else math.inf
        self.exhausted: str | None = None  # why, once spent
        self.checks: dict[int, Any] = {}  # compiled validators of the answer's schemas, by id of the schema
        self._tick = 0

    def spend(self) -> bool:
        """Take one node; ``False`` once the budget is spent (and from then on)."""
        if self.exhausted is not None:
            return False
        self.nodes -= 1
        if self.nodes < 0:
            self.exhausted = f"more than {self.size} values"
            return False
        self._tick += 1
        if not self._tick & 255 and time.monotonic() > self.deadline:
            self.exhausted = f"more than {self.seconds or 0:g} s of work"
            return False
        return True


def schema_types(schema: JSON) -> tuple[str, ...]:
    """The JSON types a schema names (``type`` string or list), without inference."""
    if not isinstance(schema, dict):
        return ()
    kind = schema.get("type")
    if isinstance(kind, str):
        return (kind,)
    if isinstance(kind, list):
        return tuple(k for k in kind if isinstance(k, str))
    return ()


def is_nullable(schema: JSON) -> bool:
    """Whether ``null`` is allowed: OAS ``nullable: true`` with a type, a type list with null, or no type."""
    if not isinstance(schema, dict):
        return True
    types = schema_types(schema)
    if "null" in types or (schema.get("nullable") is True and types):
        return True
    enum = schema.get("enum")
    if isinstance(enum, list):
        return None in enum
    structural = ("properties", "items", "oneOf", "anyOf", "allOf", "$ref", "const")
    return not types and not any(k in schema for k in structural)


def allows(schema: JSON, value: JSON) -> bool:
    """A cheap check that ``value`` fits a schema's top-level ``type``, ``enum`` and ``nullable``."""
    if not isinstance(schema, dict):
        return True
    if value is None:
        return is_nullable(schema)
    enum = schema.get("enum")
    if isinstance(enum, list) and value not in enum:
        return False
    if "const" in schema and schema["const"] != value:
        return False
    types = schema_types(schema)
    if not types:
        return True
    return any(_is_type(value, kind) for kind in types)


def _is_type(value: JSON, kind: str) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer()
        )
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "object":
        return isinstance(value, dict)
    if kind == "array":
        return isinstance(value, list)
    if kind == "null":
        return value is None
    return False


class Generator:
    """Makes one value per call of :meth:`value` from a schema (required members only)."""

    def __init__(
        self, rng: random.Random, *, root: JSON = None, budget: Budget | None = None, strict_depth: bool = False
    ) -> None:
        self.rng = rng
        self.root = root
        self.budget = budget if budget is not None else Budget()
        # strict_depth: reaching MAX_DEPTH spends the budget (the schema requires itself: no finite value);
        # otherwise the member is cut to null and generation goes on
        self.strict_depth = strict_depth
        self.truncated = False  # a value was cut at the depth limit
        self._resolver: Resolver | None = None
        self._depth = 0

    def value(self, schema: JSON, path: Path = ()) -> JSON:
        """A value for ``schema``; ``path`` (member names, ``"*"`` for items) is where it goes."""
        return self.from_schema(schema, path)

    def from_schema(self, schema: JSON, path: Path = ()) -> JSON:
        if self._depth > MAX_DEPTH:
            self.truncated = True
            if self.strict_depth and self.budget.exhausted is None:
                self.budget.exhausted = f"nesting deeper than {MAX_DEPTH} levels"
            return None
        if not self.budget.spend():
            return self.minimal(schema)
        self._depth += 1
        try:
            return self._generate(schema, path)
        finally:
            self._depth -= 1

    def minimal(self, schema: JSON) -> JSON:
        """The smallest value of the schema's kind, made without looking inside it (the budget is spent)."""
        schema = self._resolve(schema)
        if not isinstance(schema, dict):
            return None
        if "const" in schema:
            return schema["const"]
        enum = schema.get("enum")
        if isinstance(enum, list) and enum:
            return enum[0]
        kind = self._kind(schema)
        if kind in ("integer", "number"):
            low = schema.get("minimum")
            return low if isinstance(low, int | float) and not isinstance(low, bool) else 0
        return {"object": {}, "array": [], "string": "", "boolean": False}.get(kind)

    # -- the walk --------------------------------------------------------------------
    def _resolve(self, schema: JSON) -> JSON:
        """``schema``'s chain of references followed (keywords beside a ``$ref`` laid over its target);
        anything accepted (``{}``) where a reference cannot be followed."""
        if not (isinstance(schema, dict) and isinstance(schema.get("$ref"), str)):
            return schema
        if self.root is None:
            return {}
        resolver = self._resolver
        if resolver is None or resolver.spec is not self.root:
            resolver = self._resolver = shared_resolver(self.root)
        res = resolver.resolve(schema)
        return {} if res.problem is not None else res.with_siblings()

    def _generate(self, schema: JSON, path: Path) -> JSON:
        schema = self._resolve(schema)
        if schema is True or schema is None:
            return self.word()
        if schema is False or not isinstance(schema, dict):
            return None
        if "const" in schema:
            return schema["const"]
        enum = schema.get("enum")
        if isinstance(enum, list) and enum:
            picked = enum[self.rng.randrange(len(enum))]
            if picked is None:  # null only when nothing else is allowed (found without copying the list)
                picked = next((v for v in enum if v is not None), None)
            return picked
        if isinstance(schema.get("allOf"), list):
            return self._generate(self._merge_all_of(schema), path)
        for combo in ("oneOf", "anyOf"):
            branches = schema.get(combo)
            if isinstance(branches, list) and branches:
                branch = self._pick_branch(branches)
                rest = {k: v for k, v in schema.items() if k not in (combo, "nullable")}
                if isinstance(branch, dict) and rest:
                    branch = {**rest, **self._resolve(branch)}
                return self._generate(branch, path)
        kind = self._kind(schema)
        if kind == "object":
            return self._object(schema, path)
        if kind == "array":
            return self._array(schema, path)
        if kind == "string":
            return self._string(schema)
        if kind == "integer":
            return self._integer(schema)
        if kind == "number":
            return self._number(schema)
        if kind == "boolean":
            return self.rng.random() < 0.5
        if kind == "null":
            return None
        return self.word()

    def _kind(self, schema: dict[str, Any]) -> str:
        types = [t for t in schema_types(schema) if t != "null"]
        if types:
            return types[0]
        if schema_types(schema) == ("null",):
            return "null"
        if "properties" in schema or "required" in schema or "additionalProperties" in schema:
            return "object"
        if "items" in schema or "prefixItems" in schema:
            return "array"
        if any(k in schema for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")):
            return "number"
        if any(k in schema for k in ("minLength", "maxLength", "pattern", "format")):
            return "string"
        return "string"

    def _pick_branch(self, branches: list[Any]) -> JSON:
        for branch in branches:
            resolved = self._resolve(branch)
            if isinstance(resolved, dict) and schema_types(resolved) == ("null",):
                continue
            return resolved
        return self._resolve(branches[0])

    def _merge_all_of(self, schema: dict[str, Any]) -> dict[str, Any]:
        return merge_all_of(schema, self._resolve, spend=self.budget.spend)

    def _object(self, schema: dict[str, Any], path: Path) -> dict[str, Any]:
        props = schema.get("properties")
        props = props if isinstance(props, dict) else {}
        required_list = schema.get("required")
        # a set: `name in required` on a list, per property, is quadratic (20,000 required members exist)
        required = {r for r in required_list if isinstance(r, str)} if isinstance(required_list, list) else set()
        extra = schema.get("additionalProperties")
        out: dict[str, Any] = {}
        for name in props:
            if name in required:
                out[name] = self.value(props[name], (*path, name))
        for name in required_list if isinstance(required_list, list) else ():
            if isinstance(name, str) and name not in out:
                sub = extra if isinstance(extra, dict) else {}
                out[name] = self.value(sub, (*path, name))
        minimum = schema.get("minProperties")
        if isinstance(minimum, int) and len(out) < minimum:
            minimum = min(minimum, MAX_ITEMS)
            for name, sub in props.items():
                if len(out) >= minimum:
                    break
                if name not in out:
                    out[name] = self.value(sub, (*path, name))
            index = 0
            while len(out) < minimum and extra is not False:
                key = f"key{index}"
                index += 1
                if key not in out:
                    out[key] = self.value(extra if isinstance(extra, dict) else {}, (*path, key))
        return out

    def _array(self, schema: dict[str, Any], path: Path) -> list[Any]:
        count = schema.get("minItems")
        count = min(count, MAX_ITEMS) if isinstance(count, int) and count > 0 else 0
        prefix = schema.get("prefixItems")
        items = schema.get("items")
        out: list[Any] = []
        if isinstance(prefix, list):
            out = [self.value(sub, (*path, "*")) for sub in prefix[:MAX_ITEMS]]
        elif isinstance(items, list):  # draft 4-7 tuple form
            out = [self.value(sub, (*path, "*")) for sub in items[:MAX_ITEMS]]
        item_schema = items if isinstance(items, dict) else {}
        while len(out) < count:
            out.append(self.value(item_schema, (*path, "*")))
        if schema.get("uniqueItems") is True:
            out = self._distinct(out, item_schema, path)
        return out

    def _distinct(self, values: list[Any], item_schema: JSON, path: Path) -> list[Any]:
        seen: list[Any] = []
        for value in values:
            attempts = 0
            while value in seen and attempts < 8:
                value = self.value(item_schema, (*path, "*"))
                if (
                    isinstance(value, str)
                    and value in seen
                    and isinstance(item_schema, dict)
                    and item_schema.get("format")
                ):
                    value = self._string(item_schema, variant=len(seen) + attempts)  # another value of the format
                elif isinstance(value, str) and value in seen:
                    value = f"{value}{len(seen)}"
                elif isinstance(value, int | float) and not isinstance(value, bool) and value in seen:
                    value = value + len(seen)
                attempts += 1
            seen.append(value)
        return seen

    def _string(self, schema: dict[str, Any], variant: int = 0) -> str:
        """A string for ``schema``; ``variant`` > 0 gives another value of the same format (for ``uniqueItems``)."""
        fmt = schema.get("format")
        tag = str(variant) if variant else ""
        text: str
        if fmt == "date-time":
            text = (_EPOCH + datetime.timedelta(days=variant)).strftime("%Y-%m-%dT%H:%M:%SZ")
        elif fmt == "date":
            text = (_EPOCH + datetime.timedelta(days=variant)).strftime("%Y-%m-%d")
        elif fmt == "time":
            text = (_EPOCH + datetime.timedelta(seconds=variant)).strftime("%H:%M:%SZ")
        elif fmt in ("uri", "url", "iri"):
            text = f"https://example.com/{self.word()}{tag}"
        elif fmt in ("email", "idn-email"):
            text = f"{self.word()}{tag}@example.com"
        elif fmt == "uuid":
            text = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        elif fmt in ("hostname", "idn-hostname"):
            text = f"h{tag}.example.com" if tag else "example.com"
        elif fmt == "ipv4":
            text = str(ipaddress.IPv4Address(0xC0000201 + variant))  # 192.0.2.1, ...
        elif fmt == "ipv6":
            text = str(ipaddress.IPv6Address(0x20010DB8 << 96 | (variant + 1)))  # 2001:db8::1, ...
        else:
            text = " ".join(self.word() for _ in range(self.rng.randint(1, 3)))
        low = schema.get("minLength")
        high = schema.get("maxLength")
        if isinstance(low, int) and len(text) < low:
            text += "x" * (min(low, MAX_LENGTH) - len(text))
        if isinstance(high, int) and high >= 0 and len(text) > high:
            text = text[:high]
        return text

    def _bounds(self, schema: dict[str, Any], integer: bool) -> tuple[float, float]:
        low = schema.get("minimum")
        high = schema.get("maximum")
        low_f = float(low) if isinstance(low, int | float) and not isinstance(low, bool) else None
        high_f = float(high) if isinstance(high, int | float) and not isinstance(high, bool) else None
        step = 1.0 if integer else 1e-3
        ex_low = schema.get("exclusiveMinimum")
        ex_high = schema.get("exclusiveMaximum")
        if ex_low is True and low_f is not None:
            low_f += step
        elif isinstance(ex_low, int | float) and not isinstance(ex_low, bool):
            low_f = max(low_f if low_f is not None else -math.inf, float(ex_low) + step)
        if ex_high is True and high_f is not None:
            high_f -= step
        elif isinstance(ex_high, int | float) and not isinstance(ex_high, bool):
            high_f = min(high_f if high_f is not None else math.inf, float(ex_high) - step)
        if low_f is None and high_f is None:
            return 0.0, 100.0
        if low_f is None:
            assert high_f is not None
            return min(0.0, high_f), high_f
        if high_f is None:
            return low_f, low_f + 100.0
        return low_f, max(low_f, high_f)

    def _integer(self, schema: dict[str, Any]) -> int:
        low, high = self._bounds(schema, integer=True)
        lo, hi = math.ceil(low), math.floor(high)
        value = self.rng.randint(lo, hi) if hi >= lo else lo
        multiple = schema.get("multipleOf")
        if isinstance(multiple, int) and not isinstance(multiple, bool) and multiple > 0:
            value = math.ceil(lo / multiple) * multiple if value % multiple else value
        return value

    def _number(self, schema: dict[str, Any]) -> float | int:
        low, high = self._bounds(schema, integer=False)
        multiple = schema.get("multipleOf")
        if isinstance(multiple, int | float) and not isinstance(multiple, bool) and multiple > 0:
            return math.ceil(low / multiple) * multiple
        if high <= low:
            return low
        return min(max(round(self.rng.uniform(low, high), 3), low), high)

    def word(self) -> str:
        return WORDS[self.rng.randrange(len(WORDS))]


def generate(schema: JSON, rng: random.Random, *, root: JSON = None, budget: Budget | None = None) -> JSON:
    """A value for a (JSON or OpenAPI) schema; ``root`` resolves its local ``$ref`` (default: the schema)."""
    return Generator(rng, root=schema if root is None else root, budget=budget).value(schema)


class Entropy:
    """The randomness of one answer: bytes from a keyed hash of the request, a :class:`random.Random` on demand.

    Seeding a Mersenne Twister costs more than planning a whole answer, and
    most answers need only a few dozen random bytes (an id, some words): those
    come from BLAKE2b keyed with the seed over the request body, and the
    :attr:`rng` (seeded from the same digest) is made only when something needs
    more (JSON for a schema, tool arguments, logprobs). Same seed and body, same
    bytes, same answer.
    """

    __slots__ = ("_counter", "_digest", "_pool", "_rng")

    def __init__(self, seed: int, data: bytes) -> None:
        key = (seed % 2**64).to_bytes(8, "little")
        self._digest = hashlib.blake2b(data, digest_size=64, key=key).digest()
        self._pool = self._digest
        self._counter = 0
        self._rng: random.Random | None = None

    def take(self, count: int) -> bytes:
        """The next ``count`` random bytes."""
        while len(self._pool) < count:
            self._counter += 1
            block = self._counter.to_bytes(8, "little")
            self._pool += hashlib.blake2b(block, digest_size=64, key=self._digest).digest()
        out, self._pool = self._pool[:count], self._pool[count:]
        return out

    def below(self, limit: int) -> int:
        """A number in ``range(limit)`` (``limit`` at most 256; slightly biased, which a mock can afford)."""
        return self.take(1)[0] % limit

    @property
    def rng(self) -> random.Random:
        if self._rng is None:
            self._rng = random.Random(int.from_bytes(self._digest, "little"))
        return self._rng
