"""How the kill matrix judges a run: caught, missed (and why), clean, and the Markdown it writes."""

from __future__ import annotations

from typing import Any

from .kill import Expectation, Outcome, markdown

END_TURN = Expectation("resp-schema-violation", r"/choices/\d+/finish_reason$")


def _finding(
    source: str = "server",
    level: str = "error",
    rule: str = "resp-schema-violation",
    pointer: str = "/choices/0/finish_reason",
) -> dict[str, Any]:
    return {
        "fault": source,
        "level": level,
        "rule_id": rule,
        "pointer": pointer,
        "location": "POST /v1/chat/completions [stream]",
        "message": "finish_reason 'end_turn' | not allowed",
    }


def test_a_server_error_with_the_rule_at_the_place_catches_the_mode() -> None:
    outcome = Outcome("end-turn", END_TURN, 1, 2.0, [_finding(source="spec"), _finding()])
    assert outcome.passed and outcome.verdict() == "caught" and outcome.caught == _finding()


def test_the_same_violation_blamed_on_the_spec_is_a_miss_that_says_so() -> None:
    outcome = Outcome("end-turn", END_TURN, 1, 2.0, [_finding(source="spec")])
    assert not outcome.passed and outcome.verdict() == "missed: a spec-fault finding has that rule and place"


def test_a_warning_where_an_error_is_expected_is_a_miss() -> None:
    outcome = Outcome("end-turn", END_TURN, 1, 2.0, [_finding(level="warning")])
    assert not outcome.passed and outcome.verdict() == "missed: reported at level warning"


def test_another_place_or_rule_is_a_miss() -> None:
    findings = [_finding(pointer="/choices/0/delta/role"), _finding(rule="resp-stream-chunk-shape")]
    assert Outcome("end-turn", END_TURN, 1, 2.0, findings).verdict() == "missed"


def test_a_conformant_mode_is_clean_only_without_server_errors_and_with_exit_0() -> None:
    conformant = Expectation()
    assert Outcome("conformant", conformant, 0, 1.0, [_finding(source="spec")]).passed
    assert not Outcome("conformant", conformant, 1, 1.0, [_finding(source="spec")]).passed
    alarm = Outcome("conformant", conformant, 0, 1.0, [_finding()])
    assert not alarm.passed and alarm.verdict() == "1 server-fault error(s)"


def test_a_stopped_or_skipped_run_never_passes() -> None:
    assert Outcome("stall", END_TURN, None, 90.0).verdict() == "timeout (stopped after 120 s); missed"
    skipped = Outcome("stall", END_TURN, None, 0.0, not_run="`conformance run` has no --max-response-time yet")
    assert not skipped.passed and skipped.verdict().startswith("not run: ")


def test_the_markdown_has_a_row_per_mode_and_keeps_regex_bars_inside_cells() -> None:
    outcomes = [
        Outcome("end-turn", Expectation("a|b", r"^/x|/y$"), 1, 2.0, [_finding(rule="a", pointer="/y")]),
        Outcome("conformant", Expectation(), 1, 3.0, [_finding()]),
    ]
    text = markdown(outcomes, "python scripts/kill_matrix.py")
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert len(rows) == 3  # two modes, one false alarm
    assert all(row.replace("\\|", "").count("|") == 9 for row in rows[:2])
    assert "1 of 1 defect modes caught; 0 of 1 conformant modes clean" in text
