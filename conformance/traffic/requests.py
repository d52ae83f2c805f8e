"""The request side of an exchange: does what the client sent satisfy the spec's request body schema?

Checked only when the request was recorded in full (``Exchange.request_complete``). As for responses, the
published spec is checked and the normalised one asked for a second opinion: when only the published spec
rejects the body, the spec is to blame; otherwise the client sent something the spec does not allow.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from conformance.findings import Finding, Level, Source, rule
from conformance.locations import ExchangePath
from conformance.oas import Validator
from conformance.suite.checks import CheckContext, SpecView
from conformance.suite.exchange import Exchange

# the client's side: a request is not the server's fault (the findings model has no "client" source yet)
CLIENT = Source.CLIENT

REQUEST_SCHEMA = rule(
    "req-schema-violation",
    Level.WARNING,
    CLIENT,
    "the recorded request body violates the spec's request schema",
    "fix the client's request, or (source spec) correct the spec",
)
REQUEST_NOT_JSON = rule(
    "req-body-not-json", Level.WARNING, CLIENT, "the recorded request body is not JSON", "send a JSON request body"
)


class _Requests:
    """The JSON request-body validator of each operation of one spec view, compiled on first use."""

    def __init__(self, view: SpecView) -> None:
        self.view = view
        self.schemas: dict[str, Any] = {}
        for op in view.index.operations:
            found = view.index.request_json(op)
            if found is not None and isinstance(found[2], dict):
                self.schemas[op.label] = found[2]
        self._validators: dict[str, Validator] = {}

    def validator(self, method: str, url: str) -> tuple[str, Validator] | None:
        found = self.view.find(method, url)
        if found is None or found.label not in self.schemas:
            return None
        if found.label not in self._validators:
            self._validators[found.label] = Validator(self.schemas[found.label], self.view.spec, where=self.view.name)
        return found.label, self._validators[found.label]


class RequestChecker:
    def __init__(self, ctx: CheckContext) -> None:
        self.ctx = ctx
        self.primary = _Requests(ctx.primary)
        self.other = _Requests(ctx.normalised) if ctx.primary is ctx.published else None

    def check(self, ex: Exchange) -> list[Finding]:
        return list(self._check(ex))

    def _check(self, ex: Exchange) -> Iterator[Finding]:
        if ex.request_body is None or not ex.request_complete:
            return
        found = self.primary.validator(ex.method, ex.url)
        if found is None:
            return
        label, validator = found
        if not isinstance(ex.request_body, dict | list):
            yield REQUEST_NOT_JSON.finding(
                ExchangePath(ex.operation, "/", request=True),
                f"{label}: the request body is not JSON",
                expected="a JSON object",
                found=str(ex.request_body)[:80],
                evidence=ex.curl(),
            )
            return
        violations = validator.explain(ex.request_body)
        if not violations:
            return
        normalised_accepts = False
        if self.other is not None:
            other = self.other.validator(ex.method, ex.url)
            normalised_accepts = other is not None and other[1].is_valid(ex.request_body)
        source = Source.SPEC if normalised_accepts else CLIENT
        for v in violations:
            finding = REQUEST_SCHEMA.finding(
                ExchangePath(ex.operation, v.path or "/", request=True),
                f"{self.ctx.primary.name} request schema of {label}: {v.text}",
                expected=v.expected,
                found=v.found,
                evidence=ex.curl(),
                fault=source,
                normalised_accepts=normalised_accepts,
                extra={
                    "keyword": v.schema_path.rsplit("/", 1)[-1],
                    "schema_path": v.schema_path,
                    "side": "request",
                },
            )
            yield finding
