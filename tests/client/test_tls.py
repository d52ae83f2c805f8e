"""The TLS context the client's own connections share (``gpt52.tls``), over a real HTTPS server on loopback.

A client made without ``http_client`` must verify certificates exactly as httpx would (``SSL_CERT_FILE``,
``SSL_CERT_DIR``, else certifi's bundle), while building that context once per process, not once per client.
"""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from gpt52 import AsyncGpt52, Gpt52
from gpt52 import tls as gpt52_tls
from gpt52.exceptions import APIConnectionError

from .conftest import MODEL, LoopbackServer

MESSAGES = [{"role": "user", "content": "Hello"}]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (certificate, key), made by the openssl command."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is not installed: it makes the test server's certificate")
    where = tmp_path_factory.mktemp("tls")
    cert, key = where / "cert.pem", where / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture(scope="module")
def https_server(certificate: tuple[Path, Path]) -> Iterator[LoopbackServer]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    server = LoopbackServer(tls=context)
    yield server
    server.close()


@pytest.fixture
def fresh_contexts(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[ssl.SSLContext]]:
    """The contexts built while the test runs (the process-wide cache emptied before and after)."""
    built: list[ssl.SSLContext] = []
    create = httpx.create_ssl_context

    def counting() -> ssl.SSLContext:
        built.append(create())
        return built[-1]

    monkeypatch.setattr(httpx, "create_ssl_context", counting)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    gpt52_tls._context.cache_clear()
    yield built
    gpt52_tls._context.cache_clear()


def test_clients_made_without_an_http_client_build_the_ca_bundle_once(fresh_contexts: list[ssl.SSLContext]) -> None:
    clients = [Gpt52(api_key="sk-x", base_url="http://127.0.0.1:9") for _ in range(3)]
    aclients = [AsyncGpt52(api_key="sk-x", base_url="http://127.0.0.1:9") for _ in range(2)]
    for client in clients:
        client.close()
    for aclient in aclients:
        asyncio.run(aclient.close())
    assert len(fresh_contexts) == 1
    assert fresh_contexts[0].verify_mode == ssl.CERT_REQUIRED and fresh_contexts[0].check_hostname


def test_a_client_trusts_what_ssl_cert_file_names_and_refuses_an_unknown_certificate(
    https_server: LoopbackServer,
    certificate: tuple[Path, Path],
    fresh_contexts: list[ssl.SSLContext],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # certifi's bundle does not know the self-signed certificate: verification fails, nothing is sent
    with (
        Gpt52(api_key="sk-x", base_url=https_server.base_url, max_retries=0) as client,
        pytest.raises(APIConnectionError, match="CERTIFICATE_VERIFY_FAILED"),
    ):
        client.create(model=MODEL, messages=MESSAGES)
    assert https_server.requests == []
    # the variable set while the process runs is read by the next client, as httpx would read it
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    with Gpt52(api_key="sk-x", base_url=https_server.base_url, max_retries=0) as client:
        answer = client.create(model=MODEL, messages=MESSAGES)
    assert answer.choices[0].message.content
    assert len(https_server.requests) == 1
    # and unset again: refused again
    monkeypatch.delenv("SSL_CERT_FILE")
    with (
        Gpt52(api_key="sk-x", base_url=https_server.base_url, max_retries=0) as client,
        pytest.raises(APIConnectionError),
    ):
        client.create(model=MODEL, messages=MESSAGES)
    assert len(fresh_contexts) == 2  # certifi's, then the file's; certifi's came from the cache the second time


def test_a_client_brought_by_the_caller_keeps_its_own_tls_settings(
    https_server: LoopbackServer, fresh_contexts: list[ssl.SSLContext]
) -> None:
    with Gpt52(api_key="sk-x", base_url=https_server.base_url, http_client=httpx.Client(verify=False)) as client:
        assert client.create(model=MODEL, messages=MESSAGES).choices
    assert fresh_contexts == []
