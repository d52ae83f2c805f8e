"""Changes reported once instead of many times: ``additionalProperties: false`` dropped from many
objects, and the cheap comparison of component schemas no operation uses.

* :func:`group_opened` folds every "additionalProperties opened" finding of one rule into one
  finding that lists the places (and the operations), so a spec that drops
  ``additionalProperties: false`` everywhere at once says so once;
* :func:`raw_changes` lists what differs between two raw schemas without following ``$ref``s
  (C-level ``==`` first, then a linear contract hash), for unused component schemas.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from typing import Any

import attrs

from conformance.drift.canon import NAME_MAPS, SET_KEYS, is_doc_key
from conformance.findings import Finding
from conformance.locations import location_from_text
from conformance.oas.describe import short_json

__all__ = ["OPENED_GROUP", "group_opened", "raw_changes"]


def _show(value: Any, limit: int = 120) -> str:
    return short_json(value, limit, raw_strings=True)


#: this many objects or more losing ``additionalProperties: false`` in one change are reported as one finding
OPENED_GROUP = 2


def group_opened(findings: list[Finding]) -> list[Finding]:
    """``additionalProperties: false`` removed from many objects at once: one finding per rule with the places."""
    opened: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        if f.change == "additionalProperties" and f.message.startswith("additionalProperties opened"):
            opened[f.rule_id].append(f)
    groups = {rule_id: group for rule_id, group in opened.items() if len(group) >= OPENED_GROUP}
    if not groups:
        return findings
    grouped = {id(f) for group in groups.values() for f in group}
    out = [f for f in findings if id(f) not in grouped]
    for group in groups.values():
        at: dict[str, set[str]] = defaultdict(set)
        for f in group:
            at[f.pointer or "/"].update(f.get("locations") or [f.location])
        locations = sorted(set().union(*at.values()))
        every = set(locations)
        places = sorted(p if where == every else f"{p} ({', '.join(sorted(where))})" for p, where in at.items())
        shown = ", ".join(places[:10]) + (f", … ({len(places) - 10} more)" if len(places) > 10 else "")
        digest = hashlib.sha256("\n".join(places).encode()).hexdigest()[:12]
        first = group[0]
        extra = {**dict(first.extra), "locations": locations, "places": places}
        extra.pop("spec_pointer", None)
        change = f"additionalProperties-opened:{len(places)}:{digest}"
        place = location_from_text(locations[0] if len(locations) == 1 else "spec", "", first.fault.value)
        message = f"additionalProperties: false removed from {len(places)} objects at once: {shown}"
        out.append(
            attrs.evolve(first, at=place, message=message, change=change, names=(), extra=tuple(sorted(extra.items())))
        )
    return out


def raw_changes(old: Any, new: Any, path: str, limit: int = 50) -> list[str]:
    """What differs between two raw schemas, ``$ref``s not followed (a referenced schema that changed is
    reported under its own name), documentation left out, order of set-like lists ignored; cheap."""
    if old == new:  # compared in C: most unused schemas did not change at all
        return []
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[str] = []
        for key in sorted(set(old) | set(new)):
            if is_doc_key(key) or len(out) >= limit or old.get(key, _ABSENT) == new.get(key, _ABSENT):
                continue
            here = f"{path}.{key}" if path else key
            if key not in new:
                out.append(f"{here} removed")
            elif key not in old:
                out.append(f"{here} added: {_show(new[key], 60)}")
            elif key in NAME_MAPS and isinstance(old[key], dict) and isinstance(new[key], dict):
                for name in sorted(set(old[key]) | set(new[key])):
                    sub = f"{path}.{name}" if path else name
                    if name not in new[key]:
                        out.append(f"{sub} removed")
                    elif name not in old[key]:
                        out.append(f"{sub} added")
                    else:
                        out += raw_changes(old[key][name], new[key][name], sub, limit - len(out))
            elif key in SET_KEYS and isinstance(old[key], list) and isinstance(new[key], list):
                before, after = {_chash(v): v for v in old[key]}, {_chash(v): v for v in new[key]}
                gone, came = [h for h in before if h not in after], [h for h in after if h not in before]
                if gone or came:
                    out.append(f"{here}: {len(came)} added, {len(gone)} removed")
            elif _chash(old[key], key) != _chash(new[key], key):
                if isinstance(old[key], dict) and isinstance(new[key], dict):
                    out += raw_changes(old[key], new[key], here, limit - len(out))
                else:
                    out.append(f"{here} changed from {_show(old[key], 40)} to {_show(new[key], 40)}")
        return out
    if _chash(old) != _chash(new):
        return [f"{path or 'schema'} changed from {_show(old, 40)} to {_show(new, 40)}"]
    return []


_ABSENT = object()


def _chash(value: Any, key: str = "") -> int:
    """A hash of ``value``'s contract: documentation left out, set-like lists (``enum``, ``oneOf``...) unordered."""
    if isinstance(value, dict):
        return hash(frozenset((k, _chash(v, k)) for k, v in value.items() if not is_doc_key(k)))
    if isinstance(value, list):
        items = [_chash(v) for v in value]
        return hash(tuple(sorted(items)) if key in SET_KEYS else tuple(items))
    return hash((type(value).__name__, value))


def _text(value: Any) -> str:
    try:
        return json.dumps(value, sort_keys=True, default=str)
    except (TypeError, ValueError, RecursionError):
        return repr(id(value))
