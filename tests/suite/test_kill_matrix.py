"""The kill matrix: the suite must catch every defect of the reference server, and only those.

Per mode of ``tests/reference_server`` (a server written from the OpenAI reference, sharing no code with the
mock), ``conformance run --target URL --no-baseline`` runs against a real server process: here one process per
test worker, each run at its ``/mode/MODE`` prefix, the run itself in the test process (``tests/inprocess.py``);
``scripts/kill_matrix.py`` starts a server in each mode and runs ``python -m conformance``. A defect mode must give
at least one finding of source ``server`` at the expected level, with the expected rule id at the damaged place;
a conformant mode must give no server-fault error and exit 0. ``scripts/kill_matrix.py`` runs the same table and
writes ``docs/kill-matrix.md``.

EXPECTED: mode -> (rule id regex, pointer regex[, level, pytest -k selection, extra flags]).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from reference_server.harness import ReferenceServer
from reference_server.kill import MIRROR, Expectation, run_mode
from reference_server.modes import MODES

ALL = None  # the whole suite (schemathesis included)
EXPECTED: dict[str, Expectation] = {
    "conformant": Expectation(select=ALL, max_examples=2),
    "openai-quirks": Expectation(select=ALL, max_examples=2),
    "no-auth": Expectation("resp-auth-not-enforced", r"^/security$", select="test_errors"),
    "any-key": Expectation("resp-auth-not-enforced", r"^/security$", select="test_errors"),
    "usage-arithmetic": Expectation("resp-usage-arithmetic", r"/usage/total_tokens$"),
    "created-string": Expectation("resp-schema-violation", r"^/created$"),
    "missing-id": Expectation("resp-schema-violation", r"^/id$"),
    "no-done": Expectation("resp-stream-not-terminated", r"^/events$"),
    "chunk-object": Expectation("resp-schema-violation", r"^/object$"),
    "wrong-content-type": Expectation("resp-content-type-undocumented", r"^/responses/200/content$"),
    "error-in-200": Expectation(
        "resp-error-in-success|resp-schema-violation",
        r"^/(choices|id|object|created|"
        r"model|error)?$",
    ),
    "image-body": Expectation("resp-schema-violation", r"^/(object|choices|data|id|model)$"),
    "end-turn": Expectation("resp-schema-violation", r"/choices/\d+/finish_reason$"),
    "tool-args-not-json": Expectation(
        "resp-tool-arguments-not-json|resp-tool-call-undeclared", r"/tool_calls/\d+/function/arguments$"
    ),
    "changing-chunk-ids": Expectation("resp-stream-chunk-shape", r"/id$"),
    "unrequested-usage": Expectation("resp-stream-chunk-shape", r"/usage$"),
    # every third answer stalls 20 s; a 1 s limit and six requests (two stalls): tests/suite/test_targets.py has
    # the run cut later stalls shorter and stop after ten
    "stall": Expectation(
        "resp-slow",
        r"",
        select="basic or json-object",
        flags=("--max-response-time=1", "--max-run-time=60"),
        timeout=90,
    ),
    "role-every-delta": Expectation("resp-stream-chunk-shape", r"/delta/role$"),
    "stream-as-json": Expectation("resp-stream-mode-mismatch", r"^/stream$"),
    "json-as-stream": Expectation("resp-stream-mode-mismatch", r"^/stream$"),
    "stream-choice-count": Expectation("resp-choice-count", r"/choices$"),
    "model-unrelated": Expectation("resp-model-mismatch", r"^/model$", level="warning"),
    "early-finish": Expectation("resp-stream-chunk-shape", r"/finish_reason$"),
    # the basic scenarios only: each 500 is retried after a back-off of a second (tests/suite/test_backoff.py)
    "server-error": Expectation("resp-server-error", r"^/responses/5\d\d$", select="basic"),
    "role-not-assistant": Expectation("resp-message-role", r"^/choices/\d+/message/role$"),
    "content-null-no-tools": Expectation("resp-message-empty", r"^/choices/\d+/message/content$"),
    "undeclared-tool": Expectation("resp-tool-call-undeclared", r"/tool_calls/\d+/function/name$"),
    "tool-calls-finish-stop": Expectation("resp-tool-calls-finish-reason", r"/choices/\d+/finish_reason$"),
    "json-mode-prose": Expectation("resp-json-mode-content", r"/message/content$"),
    "choice-count": Expectation("resp-choice-count", r"^/choices$"),
    "no-validation": Expectation("resp-invalid-request-accepted", r"^/requestBody$", select="test_errors"),
    "bare-error": Expectation("resp-error-shape", r"^/error$", select="test_errors"),
}

# modes the suite does not catch (or, for a conformant mode, not pass) yet, with the reason: marked xfail, so the
# tree stays green while an item is open; empty when every mode is caught (measured by scripts/kill_matrix.py)
NOT_YET: dict[str, str] = {}

pytestmark = pytest.mark.slow


def _param(mode: str) -> object:
    if mode in NOT_YET:
        return pytest.param(mode, marks=pytest.mark.xfail(strict=False, reason=NOT_YET[mode]))
    return mode


def test_every_mode_has_an_expectation() -> None:
    assert set(EXPECTED) == set(MODES)
    assert {m for m, e in EXPECTED.items() if e.conformant} == {m for m, mode in MODES.items() if mode.conformant}


@pytest.fixture(scope="module")
def reference() -> Iterator[ReferenceServer]:
    with ReferenceServer() as server:
        yield server


@pytest.mark.parametrize("mode", [_param(m) for m in EXPECTED])
def test_kill_matrix(mode: str, reference: ReferenceServer) -> None:
    if not MIRROR.is_dir() and not os.environ.get("SPEC_MIRROR"):
        pytest.skip(f"the upstream mirror {MIRROR} is not there: the run cannot load the pinned spec offline")
    outcome = run_mode(mode, EXPECTED[mode], in_process=True, server=reference)
    expectation = EXPECTED[mode]
    if expectation.conformant:
        alarms = [f"{f['rule_id']} {f['location']}#{f['pointer']}: {f['message'][:120]}" for f in outcome.server_errors]
        assert not alarms, f"{mode}: server-fault errors on a conformant server:\n" + "\n".join(alarms[:10])
        assert outcome.exit_code == 0, f"{mode}: exit {outcome.exit_code}\n{outcome.output[-1500:]}"
    else:
        seen = sorted({f"{f['fault']}/{f['level']} {f['rule_id']} #{f['pointer']}" for f in outcome.findings})
        assert outcome.caught is not None, (
            f"{mode}: expected a server {expectation.level} {expectation.rule} at "
            f"{expectation.pointer!r}; {outcome.verdict()}; the run reported:\n" + "\n".join(seen[:25])
        )
