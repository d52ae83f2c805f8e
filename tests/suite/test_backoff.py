"""A real target that answers 429/5xx is obeyed: Retry-After honoured (bounded), retries counted in the budget."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.suite.plugin import BACKOFF_RETRIES, MAX_WAIT, Suite, SuiteConfig, backoff_delay

from .helpers import completion, normalised_spec, published_spec


@given(
    status=st.integers(100, 599),
    retry_after=st.one_of(st.none(), st.integers(0, 10_000).map(str), st.text(max_size=8)),
    attempt=st.integers(0, 5),
)
def test_backoff_delay_property(status: int, retry_after: str | None, attempt: int) -> None:
    headers = {} if retry_after is None else {"Retry-After": retry_after}
    wait = backoff_delay(status, headers, attempt)
    if status == 429 or status >= 500:
        assert wait is not None and 0 <= wait <= MAX_WAIT
        if retry_after is not None and retry_after.strip().isdigit():
            assert wait == min(float(retry_after), MAX_WAIT)
    else:
        assert wait is None


class _Flaky(http.server.BaseHTTPRequestHandler):
    answers: ClassVar[list[tuple[int, dict[str, str]]]] = []
    seen: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.seen.append(self.headers.get("Authorization", ""))
        status, extra = self.answers.pop(0) if self.answers else (200, {})
        body = json.dumps(completion() if status == 200 else {"error": {"message": "slow down"}}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for key, value in extra.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def flaky() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Flaky)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _suite(tmp_path: Path, base_url: str, target: str, max_requests: int | None = None) -> Suite:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "p.json").write_text(json.dumps(published_spec()))
    (tmp_path / "n.json").write_text(json.dumps(normalised_spec()))
    config = SuiteConfig(
        base_url=base_url,
        target=target,
        spec="published",
        published_path=str(tmp_path / "p.json"),
        normalised_path=str(tmp_path / "n.json"),
        report_dir=str(tmp_path / "r"),
        max_requests=max_requests,
    )
    suite = Suite(config, "test")
    suite.ctx.client_parse = False
    return suite


def test_a_real_target_is_retried_after_its_retry_after(
    tmp_path: Path, flaky: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIMLAPI_KEY", "sk-test")
    _Flaky.answers = [(429, {"Retry-After": "7"}), (503, {})]
    _Flaky.seen = []
    suite = _suite(tmp_path, flaky, "url")
    waits: list[float] = []
    suite.sleep = waits.append
    exchange, findings = suite.send("/v1/chat/completions", {"model": "m", "messages": []})
    suite.close()
    assert exchange.status == 200 and findings == []
    assert waits == [7.0, 2.0]  # Retry-After, then exponential backoff without one
    assert len(_Flaky.seen) == 3 == suite.requests_sent
    assert BACKOFF_RETRIES == 2


def test_retries_stop_at_the_budget_and_the_mock_is_not_retried(tmp_path: Path, flaky: str) -> None:
    _Flaky.answers = [(429, {"Retry-After": "1"})] * 5
    suite = _suite(tmp_path, flaky, "url", max_requests=2)
    suite.sleep = lambda seconds: None
    exchange, _ = suite.send("/v1/chat/completions", {"model": "m", "messages": []})
    assert exchange.status == 429 and suite.requests_sent == 2
    suite.close()
    _Flaky.answers = [(429, {"Retry-After": "1"})]
    mock_suite = _suite(tmp_path / "mock", flaky, "mock")
    mock_suite.sleep = lambda seconds: pytest.fail("the mock's fault modes are checked as sent, never retried")
    exchange, _ = mock_suite.send("/v1/chat/completions", {"model": "m", "messages": []})
    assert exchange.status == 429 and mock_suite.requests_sent == 1
    mock_suite.close()


def test_a_5xx_is_a_finding_even_when_the_retry_succeeds(
    tmp_path: Path, flaky: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIMLAPI_KEY", "sk-test")
    _Flaky.answers = [(429, {"Retry-After": "1"}), (500, {})]
    suite = _suite(tmp_path, flaky, "url")
    suite.sleep = lambda seconds: None
    exchange, _ = suite.send("/v1/chat/completions", {"model": "m", "messages": []})
    suite.close()
    assert exchange.status == 200
    recorded = [json.loads(line) for line in (tmp_path / "r" / "raw" / "findings-test.jsonl").read_text().splitlines()]
    assert [(f["rule_id"], f["pointer"]) for f in recorded] == [("resp-server-error", "/responses/500")]
