"""The state of one page check (:class:`_Checker`) and its API-schema blocks (:class:`_Slot`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs

from conformance.docs.page import Page, SpecRef
from conformance.docs.specs import LoadedSpec, OperationRef, SpecFailure, SpecStore
from conformance.docs.stale import Stale
from conformance.findings import Finding, Rule
from conformance.locations import DocLine
from conformance.oas import Validator, short_json


@attrs.define
class _Slot:
    """An API-schema block and, when its spec loaded and has it, the operation."""

    ref: SpecRef
    op: OperationRef | None


class _Checker:
    """One page being checked: the page, the spec store, the findings so far (each once), the API-schema blocks
    (:class:`_Slot`) and the stale-spec cache. The checks are plain functions taking it: spec references
    (:mod:`~conformance.docs.spec_refs`), the model list (:mod:`~conformance.docs.model_check`), code samples
    (:mod:`~conformance.docs.sample_check`) and example responses (:mod:`~conformance.docs.example_check`,
    :mod:`~conformance.docs.stream_check`); :mod:`~conformance.docs.check` runs them in page order.
    """

    def __init__(self, page: Page, store: SpecStore, path: Path) -> None:
        self.page = page
        self.store = store
        self.path = path
        self.findings: list[Finding] = []
        self._seen: set[tuple[str, str, str, str]] = set()
        self.slots: list[_Slot] = []
        self._stale: dict[str, Stale | None] = {}

    def at(self, line: int) -> str:
        return f"{self.page.display}:{line}"

    def add(self, rule: Rule, line: int, message: str, **kwargs: Any) -> None:
        pointer = kwargs.pop("pointer", "")
        key = (rule.id, self.at(line), pointer, message)
        if key in self._seen:
            return
        self._seen.add(key)
        self.findings.append(rule.finding(DocLine(self.page.display, line, pointer), message, **kwargs))

    def _validator(self, spec: LoadedSpec, pointer: str, schema: Any, line: int) -> Validator | None:
        validator = spec.validator(pointer, schema)
        if isinstance(validator, SpecFailure):
            self.add(
                validator.rule,
                line,
                validator.message,
                hint=validator.hint,
                pointer=pointer,
                extra={"spec": spec.display},
            )
            return None
        return validator

    def _normalised_accepts(self, op: OperationRef, value: Any, *, response: bool) -> bool | None:
        """Whether the normalised spec accepts ``value`` for this operation; None when it does not apply."""
        normalised = self.store.normalised_for(op.spec.source)
        other = normalised.operation(op.path, op.method) if normalised is not None else None
        if normalised is None or other is None:
            return None
        if response:
            found = normalised.response_schema(other)
            located = (found[1], found[2]) if found else None
        else:
            request = normalised.request_schema(other)
            located = (request[0], request[1]) if request else None
        if located is None:
            return None
        validator = normalised.validator(*located)
        return None if isinstance(validator, SpecFailure) else validator.is_valid(value)


def _show(value: Any, limit: int = 120) -> str:
    """A JSON rendering for messages: strings keep their quotes, long values are cut."""
    return short_json(value, limit)
