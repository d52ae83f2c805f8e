"""Whose fault a failed schemathesis check is: the server's, or the spec's (and which defect of it).

schemathesis judges the server against the spec it was given (the published one, by default). When the server
rejects a request that spec calls valid, or accepts one it calls invalid, the spec may be what is wrong:

1. A valid request (positive mode) that the normalised spec rejects: the published spec is too loose, and
   ``spec/overlay.yaml`` already corrects it (`top_logprobs` published as any number, an integer in fact). This
   comes first: when the corrected spec states the rule, "the spec cannot state it" would be the wrong reason,
   even if the request also breaks a cross-field constraint.
2. A valid request that breaks a cross-field constraint OpenAI documents (`top_logprobs` without `logprobs`,
   `n` above 128): the server is right, and no schema keyword can say so (:mod:`conformance.suite.constraints`;
   the constraint the server names in ``error.param`` wins when it breaks several).
3. An invalid request (negative mode, only its body damaged) that the normalised spec accepts: the published
   spec is too strict (a model id outside its one-value enum).

Otherwise the failure is the server's. The answer is a value: the fault, the finding's kind (part of its
fingerprint), the constraint broken if any (the finding is then filed under the constraint rule), and for a spec
fault why it is the spec's, in words.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from conformance.findings import Source
from conformance.suite.constraints import broken_constraint

TOO_LOOSE = "the corrected spec (spec/overlay.yaml) rejects this request too: the published spec is too loose"
TOO_STRICT = "the corrected spec (spec/overlay.yaml) accepts this request: the published spec is too strict"


@attrs.frozen
class Blame:
    fault: Source
    kind: str
    constraint: str | None = None  # set when the spec is silent on a documented cross-field constraint
    why: str | None = None  # for a spec fault: what makes it the spec's, in words


def blame(
    code: str,
    status: int | None,
    param: str,
    mode: str,
    body: Any,
    *,
    normalised_valid: Callable[[Any], bool],
    only_body_negative: bool,
) -> Blame:
    """The fault of schemathesis check ``code`` failing on one exchange (``param``: the error's ``param``)."""
    if mode == "positive" and not normalised_valid(body):
        return Blame(Source.SPEC, f"{code}:normalised-rejects-request", why=TOO_LOOSE)
    constraint = broken_constraint(body, param) if mode == "positive" else None
    if constraint is not None:
        return Blame(Source.SPEC, f"{code}:{constraint}", constraint, f"the request breaks {constraint}")
    if mode == "negative" and only_body_negative and normalised_valid(body):
        return Blame(Source.SPEC, f"{code}:normalised-accepts-request", why=TOO_STRICT)
    return Blame(Source.SERVER, f"{code}:{status}:{param}")
