"""pytest plugin behind ``conformance run``: configuration, the HTTP session, findings collection.

The runner writes a JSON configuration (no secrets) and names it in
``CONFORMANCE_SUITE_CONFIG``; every process (pytest-xdist workers too) reads it,
sends requests with :class:`Suite`, checks each exchange and appends findings to
``<report-dir>/raw/findings-<worker>.jsonl``. The runner merges them.
The API key is read from the environment by :func:`api_key` and sent only to
the configured target; it is never written anywhere.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest

from conformance.findings import Finding
from conformance.schema import Validator
from conformance.suite.checks import BUDGET, CheckContext, SpecView, check_exchange, check_probe
from conformance.suite.exchange import Exchange

CONFIG_ENV = "CONFORMANCE_SUITE_CONFIG"
KEY_ENV = "AIMLAPI_KEY"
MOCK_KEY = "mock-key-not-secret"

@attrs.frozen
class SuiteConfig:
    base_url: str
    target: str  # mock | live | url
    spec: str  # published | normalised
    published_path: str
    normalised_path: str
    report_dir: str
    max_examples: int = 10
    seed: int = 0
    strict: bool = False
    max_requests: int | None = None
    record: bool = False
    doc_page: str | None = None
    mock_mode: str | None = None
    live: bool = False

    @classmethod
    def load(cls) -> SuiteConfig:
        path = os.environ.get(CONFIG_ENV)
        if not path:
            raise pytest.UsageError(f"{CONFIG_ENV} is not set: run the suite through `conformance run`")
        data = json.loads(Path(path).read_text())
        return cls(**{f.name: data[f.name] for f in attrs.fields(cls) if f.name in data})


def api_key(config: SuiteConfig) -> str:
    return os.environ.get(KEY_ENV) or (MOCK_KEY if config.target == "mock" else "")


class Suite:
    """Sends requests to the target, checks every exchange, stores findings (and exchanges when recording)."""

    def __init__(self, config: SuiteConfig, worker: str) -> None:
        self.config = config
        published = json.loads(Path(config.published_path).read_text())
        normalised = json.loads(Path(config.normalised_path).read_text())
        self.ctx = CheckContext(SpecView(published, "published"), SpecView(normalised, "normalised"),
                                strict=config.strict, checked_against=config.spec)
        self.published = published
        self.normalised = normalised
        raw = Path(config.report_dir) / "raw"
        raw.mkdir(parents=True, exist_ok=True)
        self._findings = (raw / f"findings-{worker}.jsonl").open("a", encoding="utf-8")
        self._exchanges = (raw / f"exchanges-{worker}.jsonl").open("a", encoding="utf-8") if config.record else None
        self._lock = threading.Lock()
        self.requests_sent = 0
        self.budget_reported = False
        self.http = httpx.Client(timeout=httpx.Timeout(30.0, connect=5.0))
        self.sleep: Callable[[float], None] = time.sleep
        self._request_validators: dict[tuple[str, str], Validator | None] = {}

    def request_valid(self, path: str, body: Any, variant: str) -> bool:
        """Whether ``body`` is a valid request for ``path`` under the published or normalised spec."""
        key = (path, variant)
        if key not in self._request_validators:
            spec = self.published if variant == "published" else self.normalised
            try:
                media = spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]
                self._request_validators[key] = Validator(media["schema"], spec)
            except (KeyError, TypeError):
                self._request_validators[key] = None
        validator = self._request_validators[key]
        return validator is None or validator.is_valid(body)

    def close(self) -> None:
        self.http.close()
        self._findings.close()
        if self._exchanges:
            self._exchanges.close()

    @property
    def auth_headers(self) -> dict[str, str]:
        key = api_key(self.config)
        return {"Authorization": f"Bearer {key}"} if key else {}

    def budget_left(self) -> bool:
        limit = self.config.max_requests
        if limit is None or self.requests_sent < limit:
            return True
        if not self.budget_reported:
            self.budget_reported = True
            self.record_findings([BUDGET.finding("suite", f"the budget of {limit} request(s) is spent")])
        return False

    def record_findings(self, findings: list[Finding]) -> None:
        if not findings:
            return
        with self._lock:
            for finding in findings:
                self._findings.write(json.dumps(finding.to_dict(), sort_keys=True) + "\n")
            self._findings.flush()

    def record_exchange(self, exchange: Exchange, probe: bool = False) -> list[Finding]:
        findings = check_probe(exchange, self.ctx) if probe else check_exchange(exchange, self.ctx)
        self.record_findings(findings)
        if self._exchanges is not None:
            with self._lock:
                self._exchanges.write(json.dumps(exchange.to_dict(), sort_keys=True) + "\n")
                self._exchanges.flush()
        return findings

    def send(self, path: str, body: Any, *, headers: dict[str, str] | None = None, method: str = "POST",
             raw: bytes | None = None, probe: bool = False) -> tuple[Exchange, list[Finding]]:
        """Send one request to the target and check the exchange.

        A ``probe`` (wrong method, unknown path) is outside the spec by design: only its error body is checked.
        """
        url = self.config.base_url.rstrip("/") + path
        sent_headers = {"Content-Type": "application/json", **self.auth_headers, **(headers or {})}
        content = raw if raw is not None else json.dumps(body).encode()
        attempt = 0
        while True:
            self.requests_sent += 1
            started = time.perf_counter()
            status, response_headers, data, error = self._send_once(method, url, content, sent_headers)
            wait = backoff_delay(status, response_headers, attempt)
            # a real target that says "slow down" is obeyed (bounded); the mock's fault modes are checked as sent
            if (wait is None or self.config.target == "mock" or attempt >= BACKOFF_RETRIES
                    or not self.budget_left()):
                break
            self.sleep(wait)
            attempt += 1
        operation = f"{method} {path}"
        exchange = Exchange.build(operation=operation, method=method, url=url, request_headers=sent_headers,
                                  request_body=body if raw is None else raw.decode("utf-8", "replace"),
                                  status=status, response_headers=response_headers, response_body=data,
                                  elapsed_ms=(time.perf_counter() - started) * 1000, transport_error=error)
        return exchange, self.record_exchange(exchange, probe=probe)


    def _send_once(self, method: str, url: str, content: bytes,
                   headers: dict[str, str]) -> tuple[int | None, dict[str, str], bytes, str | None]:
        error: str | None = None
        status: int | None = None
        response_headers: dict[str, str] = {}
        data = b""
        try:
            with self.http.stream(method, url, content=content, headers=headers) as response:
                status = response.status_code
                response_headers = dict(response.headers)
                chunks: list[bytes] = []
                try:
                    for chunk in response.iter_raw():
                        chunks.append(chunk)
                except httpx.HTTPError as exc:
                    error = f"body cut short after {sum(map(len, chunks))} bytes: {type(exc).__name__}: {exc}"
                data = b"".join(chunks)
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        return status, response_headers, data, error


BACKOFF_RETRIES = 2
MAX_WAIT = 30.0


def backoff_delay(status: int | None, headers: dict[str, str], attempt: int) -> float | None:
    """How long to wait before sending again after a 429/5xx, or None when the answer is final.

    ``Retry-After`` (seconds) is honoured up to :data:`MAX_WAIT`; otherwise 1 s, 2 s, ... per attempt.
    """
    if status is None or not (status == 429 or status >= 500):
        return None
    value = {k.lower(): v for k, v in headers.items()}.get("retry-after", "")
    try:
        seconds = float(value)
    except ValueError:
        seconds = float(2 ** attempt)
    return max(0.0, min(seconds, MAX_WAIT))


_SUITE: Suite | None = None


def _worker_id(config: pytest.Config) -> str:
    worker = getattr(config, "workerinput", None)
    return str(worker["workerid"]) if worker else "main"


@pytest.fixture(scope="session")
def suite_config() -> SuiteConfig:
    return SuiteConfig.load()


@pytest.fixture(scope="session")
def suite(request: pytest.FixtureRequest, suite_config: SuiteConfig) -> Iterator[Suite]:
    global _SUITE
    _SUITE = Suite(suite_config, _worker_id(request.config))
    yield _SUITE
    _SUITE.close()
    _SUITE = None


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--conformance-shard", default=None, metavar="I/N",
                     help="run only the I-th of N shards of the suite (0-based), for splitting across machines")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "live_safe: cheap enough to run against the live API")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    shard = config.getoption("--conformance-shard")
    if not shard:
        return
    try:
        index, total = (int(part) for part in str(shard).split("/"))
        if not 0 <= index < total:
            raise ValueError
    except ValueError:
        raise pytest.UsageError(f"--conformance-shard: expected I/N with 0 <= I < N, found {shard!r}") from None
    keep = [item for number, item in enumerate(items) if number % total == index]
    config.hook.pytest_deselected(items=[item for item in items if item not in keep])
    items[:] = keep
