"""The listening socket of the mock and the proxy, bound before serving so that ``--port 0`` can be announced.

Connections made once :func:`bind` returned queue until the server accepts them.
"""

from __future__ import annotations

import ipaddress
import socket

from conformance.errors import UsageError


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int, *, allow_non_loopback: bool = False) -> socket.socket:
    """A listening TCP socket; refuses a non-loopback host unless allowed."""
    if not is_loopback(host) and not allow_non_loopback:
        raise UsageError(
            f"--host {host}: expected a loopback address (127.0.0.1, ::1, localhost), found one "
            "that other machines can reach",
            hint="pass --allow-non-loopback to serve beyond this machine on purpose",
        )
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        raise UsageError(
            f"cannot listen on {host}:{port}: {exc.strerror}", hint="choose another --port, or --port 0 for a free one"
        ) from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock
