"""Load: 32 concurrent clients, a bounded number of requests, no 5xx, and memory that does not grow."""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conformance.mock.server import MockServer

from .conftest import server_env
from .helpers import AUTH, PATH, body

CLIENTS = 32
PER_CLIENT = 8
PAYLOADS = [
    body(),
    body(n=2, logprobs=True, top_logprobs=2),
    body(max_tokens=3),
    body(response_format={"type": "json_object"}),
    body(stream=True),
]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS in /proc/{pid}/status")


async def _round(base_url: str, salt: int) -> collections.Counter[int]:
    statuses: collections.Counter[int] = collections.Counter()

    async def client(number: int) -> None:
        async with httpx.AsyncClient(base_url=base_url, headers=AUTH, timeout=60) as http:
            for i in range(PER_CLIENT):
                payload = dict(PAYLOADS[(number + i) % len(PAYLOADS)])
                # a different request each time, so the server cannot get away with a cache
                payload["messages"] = [{"role": "user", "content": f"client {number} request {i} round {salt}"}]
                response = await http.post(PATH, json=payload)
                statuses[response.status_code] += 1

    await asyncio.gather(*(client(n) for n in range(CLIENTS)))
    return statuses


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer(spec="published", extra_args=["--quiet"], env=server_env()) as started:
        yield started


@pytest.mark.slow
def test_concurrent_clients_get_no_5xx_and_memory_stays_flat(server: MockServer) -> None:
    asyncio.run(_round(server.base_url, 0))  # warm up: imports, caches, allocator arenas
    first = asyncio.run(_round(server.base_url, 1))
    after_first = rss_kib(server.pid)
    second = asyncio.run(_round(server.base_url, 2))
    after_second = rss_kib(server.pid)
    assert first == second == collections.Counter({200: CLIENTS * PER_CLIENT})
    # generous: allocator noise is a few MiB; a leak of 32 KiB a request or more (8 MiB a round of 256) fails it
    assert after_second - after_first < 8 * 1024, f"RSS grew from {after_first} KiB to {after_second} KiB"
