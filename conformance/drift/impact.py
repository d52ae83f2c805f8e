"""What a drift finding does to the regenerated client, read from the committed surface summary.

``spec/client-surface.txt`` (written by ``conformance generate``) has one line per
model, field, literal and operation::

    model ChatCompletion
      field ChatCompletion.choices: list[Choice]
    literal ChatCompletionObject = Literal['chat.completion']
    operation api.chat.create_chat_completion.sync(client: ..., body: CreateChatCompletionRequest)
        -> ChatCompletion | ErrorResponse | None  [POST /v1/chat/completions]

A finding's logical path (``response.200.choices[].message.content``) is walked
through the field types from the operation's body or return model, so the
impact names the real class and field (``ChatCompletionMessage.content``).
Without a summary (or when the walk leaves the known models) the impact is
stated from the schema names alone: it degrades, it never fails.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable
from pathlib import Path

import attrs

from conformance.drift.rules import DRIFT_RULES
from conformance.findings import Finding

_OPERATION = re.compile(
    r"^operation (?P<func>[\w.]+)\((?P<args>.*)\) -> (?P<ret>.*?)\s+\[(?P<method>\w+) (?P<path>\S+)\]$"
)
_TOKEN = re.compile(
    r"(?P<variant>\.?(?:oneOf|anyOf)\[(?P<label>[^\]]*)\])|(?P<items>\[\])|(?P<ctype>\[[^\]]+/[^\]]+\])|"
    r"(?P<name>[^.\[\]]+)"
)
_NAME = re.compile(r"\b[A-Z]\w*")


@attrs.frozen
class Surface:
    models: dict[str, dict[str, str]]  # model -> field -> type
    literals: dict[str, str]  # literal alias -> "Literal['a', 'b']"
    operations: dict[str, tuple[str, str, str]]  # "POST /v1/x" -> (function, body type, return type)
    source: str

    @classmethod
    def empty(cls) -> Surface:
        return cls({}, {}, {}, "")

    @classmethod
    def parse(cls, text: str, source: str = "") -> Surface:
        models: dict[str, dict[str, str]] = {}
        literals: dict[str, str] = {}
        operations: dict[str, tuple[str, str, str]] = {}
        for raw in text.splitlines():
            line = raw.strip()
            if line.startswith("model "):
                models.setdefault(line.split()[1], {})
            elif line.startswith("field ") and ":" in line:
                owner_field, _, kind = line[len("field ") :].partition(":")
                owner, _, field = owner_field.strip().rpartition(".")
                if owner:
                    models.setdefault(owner, {})[field] = kind.strip()
            elif line.startswith("literal ") and "=" in line:
                name, _, value = line[len("literal ") :].partition("=")
                literals[name.strip()] = value.strip()
            elif line.startswith("operation "):
                match = _OPERATION.match(line)
                if match:
                    where = f"{match['method'].upper()} {match['path']}"
                    body = re.search(r"\bbody: ([^,]+)", match["args"])
                    func = match["func"].rsplit(".", 1)[0]
                    operations.setdefault(where, (func, body.group(1) if body else "", match["ret"]))
        return cls(models, literals, operations, source)

    @classmethod
    def load(cls, path: Path | None) -> Surface:
        if path is None or not path.is_file():
            return cls.empty()
        try:
            return cls.parse(path.read_text(encoding="utf-8", errors="replace"), str(path))
        except OSError:
            return cls.empty()

    def __bool__(self) -> bool:
        return bool(self.models or self.operations)

    # -- walking -------------------------------------------------------------------------------
    def _names_in(self, kind: str) -> list[str]:
        return [n for n in _NAME.findall(kind) if n in self.models]

    def _field(self, model: str, name: str) -> str | None:
        fields = self.models.get(model, {})
        python = re.sub(r"\W", "_", re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name)).lower()
        for candidate in (name, python, python + "_"):
            if candidate in fields:
                return candidate
        if keyword.iskeyword(python) or python in ("type", "object", "id", "format"):
            return python + "_" if python + "_" in fields else None
        return None

    def _pick_variant(self, candidates: list[str], label: str) -> list[str]:
        if "=" in label:
            prop, _, value = label.partition("=")
            chosen = []
            for model in candidates:
                field = self._field(model, prop)
                if field is None:
                    continue
                kind = self.models[model][field]
                literal = " ".join(self.literals.get(n, "") for n in re.findall(r"\w+", kind))
                if f"'{value}'" in literal or f'"{value}"' in literal or f"'{value}'" in kind:
                    chosen.append(model)
            return chosen or candidates
        return candidates

    def locate(self, location: str, pointer: str) -> tuple[str | None, str | None, str | None]:
        """(operation function, model, field) that ``pointer`` in ``location`` lands on, as far as known."""
        ops = [self.operations[loc.strip()] for loc in location.split(",") if loc.strip() in self.operations]
        if not ops:
            for loc in location.split(","):
                method, _, path = loc.strip().partition(" ")
                ops += [
                    op
                    for where, op in self.operations.items()
                    if where.split(" ")[0] == method and where.split(" ", 1)[1].endswith(path.split("/", 2)[-1])
                ]
        func = ", ".join(dict.fromkeys(f"`{op[0]}`" for op in ops)) if ops else None
        tokens = [m for m in _TOKEN.finditer(pointer)]
        if not tokens:
            return func, None, None
        head = [t["name"] for t in tokens[:2] if t["name"]]
        candidates: list[str] = []
        rest = tokens
        if head[:2] == ["request", "body"]:
            candidates = self._names_in(ops[0][1]) if ops else []
            rest = tokens[2:]
        elif head and head[0] == "response":
            rest = tokens[2:]
            if rest and rest[0]["ctype"]:
                stream = "event-stream" in rest[0]["ctype"]
                rest = rest[1:]
                candidates = [m for m in self.models if m.endswith("Chunk")] if stream else []
            else:
                candidates = [n for n in self._names_in(ops[0][2]) if "Error" not in n] if ops else []
        else:
            return func, None, None
        model: str | None = candidates[0] if len(candidates) == 1 else None
        field: str | None = None
        for token in rest:
            if token["items"] or token["ctype"]:
                continue
            if token["variant"]:
                candidates = self._pick_variant(candidates, token["label"])
                if len(candidates) == 1:
                    model, field = candidates[0], None
                continue
            name = token["name"]
            hits = [(m, f) for m in candidates if (f := self._field(m, name)) is not None]
            if not hits:
                if len(candidates) == 1:
                    return func, candidates[0], f"!{name}"
                return func, None, None
            model, field = hits[0]
            candidates = self._names_in(self.models[model][field])
        return func, model, field


def describe_impact(finding: Finding, surface: Surface) -> str:
    """One sentence: which class/field of the client, and what the change does to it."""
    drift_rule = DRIFT_RULES.get(finding.rule_id)
    effect = drift_rule.client if drift_rule else ""
    if not surface:
        names = finding.names
        target = ".".join(n for n in names if n != "[]") or finding.pointer or finding.location
        schema = finding.get("schema")
        where = f"{schema}.{target}" if schema else target
        return f"{where}: {effect} (no client surface summary; names from the spec)" if where else effect
    func, model, field = surface.locate(finding.location, finding.pointer)
    if field and field.startswith("!"):
        missing = field[1:]
        return f"{model or 'the client model'} has no field `{missing}` today; {effect}"
    if model and field and field in surface.models.get(model, {}):
        kind = surface.models[model][field]
        return f"`{model}.{field}: {kind}`: {effect}"
    if model:
        return f"`{model}`: {effect}"
    if func and not finding.pointer:
        return f"{func}: {effect}"
    return effect


def annotate(findings: Iterable[Finding], surface: Surface) -> list[Finding]:
    """The findings with ``extra['client']`` set (a new list; findings are immutable)."""
    out = []
    for f in findings:
        out.append(f.with_extra(client=describe_impact(f, surface)))
    return out
