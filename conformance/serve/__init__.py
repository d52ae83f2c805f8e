"""The HTTP front end shared by the mock and the proxy (chosen by measurement: see BENCHMARKS.md).

* :func:`bind` / :func:`is_loopback`: the listening socket, loopback unless allowed otherwise;
* :func:`serve`: one process serving a raw ASGI callable (``http`` scopes) until SIGINT/SIGTERM;
* :func:`serve_workers`: ``--workers N`` forked processes on the same socket;
* :class:`Limits`: sizes and timeouts a connection may cost (400/408/413/414/431 beyond them).
"""

from conformance.serve.runner import serve
from conformance.serve.sockets import bind, is_loopback
from conformance.serve.wire import Limits
from conformance.serve.workers import serve_workers

__all__ = ["Limits", "bind", "is_loopback", "serve", "serve_workers"]
