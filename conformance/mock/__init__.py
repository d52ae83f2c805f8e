"""A spec-driven mock of the chat completions API: conformant, documented, drifted and faulty behaviours.

* :mod:`conformance.mock.modes`: the named behaviours (:func:`list_modes`);
* :mod:`conformance.mock.auth`: the accepted keys (:data:`DEFAULT_API_KEY`, ``--api-key``);
* :mod:`conformance.mock.app`: the ASGI app built from a spec;
* :mod:`conformance.mock.server`: :class:`MockServer`, the server as a subprocess for tests and suites.
"""

from __future__ import annotations

from conformance.mock.auth import DEFAULT_API_KEY
from conformance.mock.modes import MODES, Mode, get_mode, list_modes
from conformance.mock.server import MockServer

__all__ = ["DEFAULT_API_KEY", "MODES", "MockServer", "Mode", "get_mode", "list_modes"]
