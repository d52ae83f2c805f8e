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
from urllib.parse import urlsplit

import attrs
import httpx
import pytest
from gpt52.tls import default_context

from conformance import paths
from conformance.findings import Finding
from conformance.locations import RunScope
from conformance.oas import Validator
from conformance.suite.checks import CheckContext, SpecView, check_exchange, check_probe
from conformance.suite.exchange import Exchange, scrub
from conformance.suite.generation import GenerationIsolation
from conformance.suite.rules import BUDGET, STALLED, TARGET_REFUSED, WALL_TIME

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
    mock_mode: str | None = None
    live: bool = False
    api_key_env: str = KEY_ENV
    no_auth: bool = False
    max_response_time: float = 30.0
    max_run_time: float | None = None

    @classmethod
    def load(cls) -> SuiteConfig:
        path = os.environ.get(CONFIG_ENV)
        if not path:
            raise pytest.UsageError(f"{CONFIG_ENV} is not set: run the suite through `conformance run`")
        data = json.loads(Path(path).read_text())
        return cls(**{f.name: data[f.name] for f in attrs.fields(cls) if f.name in data})


def api_key(config: SuiteConfig) -> str:
    """The key sent to the target: from ``$api_key_env`` (the mock's documented test key by default), or none."""
    if config.no_auth:
        return ""
    key = os.environ.get(config.api_key_env, "").strip()
    return key or (MOCK_KEY if config.target == "mock" else "")


class Stop(Exception):
    """The run cannot go on (budget or wall time spent, target refusing): the test is skipped, reported once."""


#: answers slower than this many times the median (and STALL_FLOOR seconds) are stalls; after
#: STALLS_BEFORE_ADAPTING of them the read timeout drops to that threshold
STALL_FACTOR = 20.0
STALL_FLOOR = 5.0  # seconds (at most half of --max-response-time)
STALLS_BEFORE_ADAPTING = 2
#: after this many stalls the run stops (partial): the run's wall time stays bounded
STALLS_TO_STOP = 10
#: a run is not a verdict when this share of the first requests sent with our key are refused or unanswered
REFUSED_SHARE = 0.8
REFUSED_AFTER = 8
INVALID_KEY = "sk-conformance-invalid-key-probe"


class Suite:
    """Sends requests to the target, checks every exchange, stores findings (and exchanges when recording)."""

    def __init__(self, config: SuiteConfig, worker: str) -> None:
        self.config = config
        published = json.loads(Path(config.published_path).read_text())
        normalised = json.loads(Path(config.normalised_path).read_text())
        self.ctx = CheckContext(
            SpecView(published, "published"),
            SpecView(normalised, "normalised"),
            strict=config.strict,
            checked_against=config.spec,
            target_base=urlsplit(config.base_url).path.rstrip("/"),
            max_response_ms=config.max_response_time * 1000,
        )
        self.published = published
        self.normalised = normalised
        self.raw = Path(config.report_dir) / "raw"
        self.raw.mkdir(parents=True, exist_ok=True)
        self.worker = worker
        self._findings = (self.raw / f"findings-{worker}.jsonl").open("a", encoding="utf-8")
        self._exchanges = (
            (self.raw / f"exchanges-{worker}.jsonl").open("a", encoding="utf-8") if config.record else None
        )
        self._lock = threading.Lock()
        self.requests_sent = 0
        self.stopped: str | None = None
        self.keyed_answers = 0
        self.keyed_refused = 0
        self.exercised: set[str] = set()
        self.times: list[float] = []  # seconds per answer that was not a stall (for the stall threshold)
        self.stalls = 0
        self.started = time.monotonic()
        self.secrets = tuple(s for s in (api_key(config),) if s and s != MOCK_KEY)
        read = max(1.0, config.max_response_time)
        self.http = httpx.Client(timeout=httpx.Timeout(read, connect=min(10.0, read)), verify=default_context())
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
        state = {"requests": self.requests_sent, "stopped": self.stopped, "exercised": sorted(self.exercised)}
        (self.raw / f"state-{self.worker}.json").write_text(json.dumps(state))

    @property
    def auth_headers(self) -> dict[str, str]:
        key = api_key(self.config)
        return {"Authorization": f"Bearer {key}"} if key else {}

    def _stop(self, finding: Finding, reason: str) -> None:
        if self.stopped is None:
            self.stopped = reason
            self.record_findings([finding])
        raise Stop(reason)

    def budget_left(self) -> bool:
        """Whether another request may go out (a spent budget, wall time or a refusing target says no)."""
        if self.stopped:
            return False
        limit = self.config.max_requests
        if limit is not None and self.requests_sent >= limit:
            self.stopped = "budget"
            self.record_findings(
                [
                    BUDGET.finding(
                        RunScope("suite"),
                        f"the budget of {limit} request(s) is spent after {self.requests_sent}; the verdict is partial",
                    )
                ]
            )
            return False
        limit_s = self.config.max_run_time
        if limit_s is not None and time.monotonic() - self.started > limit_s:
            self.stopped = "wall-time"
            self.record_findings(
                [
                    WALL_TIME.finding(
                        RunScope("suite"),
                        f"the run's wall-time bound of {limit_s:.0f} s was reached; the verdict is partial",
                    )
                ]
            )
            return False
        return True

    def ensure_budget(self) -> None:
        if not self.budget_left():
            raise Stop(self.stopped or "stopped")

    def _scrub(self, text: str) -> str:
        return scrub(text, self.secrets)

    def record_findings(self, findings: list[Finding]) -> None:
        if not findings:
            return
        with self._lock:
            for finding in findings:
                self._findings.write(self._scrub(json.dumps(finding.to_dict(), sort_keys=True)) + "\n")
            self._findings.flush()

    def record_exchange(self, exchange: Exchange, probe: bool = False) -> list[Finding]:
        findings = check_probe(exchange, self.ctx) if probe else check_exchange(exchange, self.ctx)
        self.record_findings(findings)
        if not probe and exchange.status is not None:
            where = " [stream]" if exchange.content_type == "text/event-stream" else ""
            self.exercised.add(f"{exchange.operation}{where}")
        if self._exchanges is not None:
            with self._lock:
                self._exchanges.write(self._scrub(json.dumps(exchange.to_dict(), sort_keys=True)) + "\n")
                self._exchanges.flush()
        return findings

    def send(
        self,
        path: str,
        body: Any,
        *,
        headers: dict[str, str] | None = None,
        method: str = "POST",
        raw: bytes | None = None,
        probe: bool = False,
        auth: bool = True,
    ) -> tuple[Exchange, list[Finding]]:
        """Send one JSON request to the target and check the exchange (raises :class:`Stop` when the run is over).

        A ``probe`` (wrong method, unknown path) is outside the spec by design: only its error body is checked.
        ``auth=False`` sends no key (the key probes).
        """
        url = self.config.base_url.rstrip("/") + path
        sent_headers = {"Content-Type": "application/json", **(self.auth_headers if auth else {}), **(headers or {})}
        content = raw if raw is not None else json.dumps(body).encode()
        return self.send_exact(
            method,
            url,
            f"{method} {path}",
            sent_headers,
            content,
            body if raw is None else raw.decode("utf-8", "replace"),
            probe=probe,
            keyed=auth and "Authorization" in sent_headers and headers is None,
        )

    def send_case(self, case: Any) -> tuple[Exchange, list[Finding]]:
        """Send a schemathesis case exactly as generated: its method, headers, query and body (or no body).

        Our key is added only when the case carries no ``Authorization`` of its own; schemathesis removes it
        again for the cases that must go without one.
        """
        import requests

        own = any(k.lower() == "authorization" for k in (case.headers or {}))
        kwargs = case.as_transport_kwargs(
            base_url=self.config.base_url.rstrip("/"), headers=None if own else self.auth_headers
        )
        fields = ("method", "url", "headers", "params", "cookies", "json", "data", "files", "auth")
        prepared = requests.Request(**{k: kwargs[k] for k in fields if k in kwargs}).prepare()
        raw = prepared.body
        content = raw.encode() if isinstance(raw, str) else raw if isinstance(raw, bytes) else None
        body: Any = case.body
        if _is_not_set(body):
            body = None
        headers = {str(k): str(v) for k, v in prepared.headers.items()}
        keyed = not own and any(k.lower() == "authorization" for k in headers)
        # schemathesis' coverage phase also tries methods the spec does not have: those are probes, which must be
        # refused with an error body
        probe = (case.method.upper(), case.path) not in self.ctx.primary.ops
        return self.send_exact(
            str(prepared.method),
            str(prepared.url),
            f"{case.method.upper()} {case.path}",
            headers,
            content,
            body,
            keyed=keyed and not probe,
            redact=not own,
            probe=probe,
        )

    def send_exact(
        self,
        method: str,
        url: str,
        operation: str,
        headers: dict[str, str],
        content: bytes | None,
        body: Any,
        *,
        probe: bool = False,
        keyed: bool = True,
        redact: bool = True,
    ) -> tuple[Exchange, list[Finding]]:
        """Send exactly these bytes, check the exchange, record it."""
        attempt = 0
        self.ensure_budget()
        limit = self.config.max_requests
        text = content.decode("utf-8", "replace") if content is not None else None

        def answer(
            status: int | None,
            response_headers: dict[str, str],
            data: bytes,
            elapsed_ms: float,
            transport_error: str | None = None,
        ) -> Exchange:
            return Exchange.build(
                operation=operation,
                method=method,
                url=url,
                request_headers=headers,
                request_body=body,
                status=status,
                response_headers=response_headers,
                response_body=data,
                elapsed_ms=elapsed_ms,
                transport_error=transport_error,
                request_text=text,
                redact=redact,
            )

        while True:
            self.requests_sent += 1
            started = time.perf_counter()
            status, response_headers, data, error = self._send_once(method, url, content, headers)
            wait = backoff_delay(status, response_headers, attempt)
            # a real target that says "slow down" is obeyed (bounded, within the budget); the mock's fault modes are
            # checked as sent
            if (
                wait is None
                or self.config.target == "mock"
                or attempt >= BACKOFF_RETRIES
                or (limit is not None and self.requests_sent >= limit)
            ):
                break
            if status is not None and status >= 500:
                # a 5xx is a finding even when a retry succeeds: the retry only keeps the run going
                elapsed = (time.perf_counter() - started) * 1000
                self.record_exchange(answer(status, response_headers, data, elapsed), probe=probe)
            self.sleep(wait)
            attempt += 1
        elapsed = (time.perf_counter() - started) * 1000
        self._observe(elapsed, error)
        exchange = answer(status, response_headers, data, elapsed, error)
        findings = self.record_exchange(exchange, probe=probe)
        if keyed:
            self._count_refusal(status, error)
        return exchange, findings

    def read_timeout(self) -> float:
        """How long to wait for an answer: ``--max-response-time``, or less once the target has stalled.

        After :data:`STALLS_BEFORE_ADAPTING` answers that took over :data:`STALL_FACTOR` times the median answer
        (and at least :data:`STALL_FLOOR` s), later requests wait only that long: a server that stalls on some
        requests cannot stretch a run tenfold, and each stall is still reported (``resp-slow``).
        """
        limit = self.config.max_response_time
        if self.stalls < STALLS_BEFORE_ADAPTING or not self.times:
            return limit
        return min(limit, self._stall_threshold())

    def _stall_threshold(self) -> float:
        ordered = sorted(self.times)
        floor = min(STALL_FLOOR, self.config.max_response_time / 2)
        return max(floor, STALL_FACTOR * ordered[len(ordered) // 2])

    def _observe(self, elapsed_ms: float, error: str | None) -> None:
        seconds = elapsed_ms / 1000
        if (error and "Timeout" in error) or (len(self.times) >= 5 and seconds > self._stall_threshold()):
            self.stalls += 1
            if self.stalls >= STALLS_TO_STOP:
                self._stop(
                    STALLED.finding(
                        RunScope("suite"),
                        f"the target stalled on {self.stalls} requests (no answer "
                        f"within {self._stall_threshold():.1f} s); the rest of the run was "
                        "skipped, the verdict is partial",
                    ),
                    "stalls",
                )
            return
        if len(self.times) < 1000:
            self.times.append(seconds)

    def _count_refusal(self, status: int | None, error: str | None) -> None:
        self.keyed_answers += 1
        if status in (401, 403) or (status is None and error):
            self.keyed_refused += 1
        if (
            self.keyed_answers >= REFUSED_AFTER
            and self.keyed_refused >= REFUSED_SHARE * self.keyed_answers
            and self.config.target != "mock"
        ):
            what = "refused (401/403) or left unanswered"
            self._stop(
                TARGET_REFUSED.finding(
                    RunScope("suite"),
                    f"{self.keyed_refused} of the first {self.keyed_answers} requests sent with the key were "
                    f"{what}: stopped, this is not a conformance verdict",
                    hint=f"check the key in ${self.config.api_key_env} and the target URL {self.config.base_url}",
                ),
                "refused",
            )

    def _send_once(
        self, method: str, url: str, content: bytes | None, headers: dict[str, str]
    ) -> tuple[int | None, dict[str, str], bytes, str | None]:
        error: str | None = None
        status: int | None = None
        response_headers: dict[str, str] = {}
        data = b""
        try:
            read = self.read_timeout()
            timeout = httpx.Timeout(read, connect=min(10.0, read))
            with self.http.stream(method, url, content=content, headers=headers, timeout=timeout) as response:
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


def _is_not_set(value: Any) -> bool:
    return type(value).__name__ == "NotSet"


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
        seconds = float(2**attempt)
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
    parser.addoption(
        "--conformance-shard",
        default=None,
        metavar="I/N",
        help="run only the I-th of N shards of the suite (0-based), for splitting across machines",
    )


@pytest.hookimpl(wrapper=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> Iterator[None]:
    """A test that meets the end of the run (budget, wall time, refusing target) is skipped, not failed."""
    try:
        return (yield)
    except Stop as stop:
        pytest.skip(f"run stopped: {stop}")


_GENERATION = pytest.StashKey[GenerationIsolation]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "live_safe: cheap enough to run against the live API")
    # generation independent of the tool's own source, hypothesis' files in the project cache (suite/generation.py)
    config.stash[_GENERATION] = GenerationIsolation(paths.cache_dir() / "hypothesis")


def pytest_unconfigure(config: pytest.Config) -> None:
    isolation = config.stash.get(_GENERATION, None)
    if isolation is not None:
        isolation.restore()
        del config.stash[_GENERATION]


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
