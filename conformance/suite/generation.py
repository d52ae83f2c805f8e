"""What a run generates depends on the spec, the options and the pinned generators: not on the tool's own code.

Hypothesis draws a share of its values (5 % of integers and strings, 15 % of floats) from a pool of constants
it reads out of the source of every loaded "local" module, meaning any module outside site-packages and the
standard library. During a run those modules are this tool's own: `conformance`, the client packages and,
in an editable install, all of them. So a run's requests changed whenever a literal changed anywhere in the
tool (a timeout of `600.0` became a `temperature`), with the set of modules a command happened to import, and
between an editable install and a wheel. A finding could appear or vanish without the spec, the target or
the seed changing, and the baseline, measured in one setting, could fail to hold in another. The pool also made
hypothesis write `.hypothesis/` into whatever directory a run was started from.

`GenerationIsolation(home)`, held for the suite's pytest session (`pytest_configure` to
`pytest_unconfigure`, in every worker), empties the local pool and moves hypothesis' files (its constant and
Unicode caches) to `home`, the project cache. Both are restored afterwards, so a run inside another hypothesis
session (the project's tests) leaves it as it found it. The global constants (boundary values, tricky Unicode)
still come into generation: they do not depend on what is loaded.

The pool is a hypothesis internal (`hypothesis.internal.conjecture.providers`): hypothesis is pinned, and
`tests/suite/test_generation.py` fails when an upgrade moves what is patched here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["GenerationIsolation"]


class GenerationIsolation:
    """Hypothesis isolated from the process it runs in, until ``restore()``."""

    def __init__(self, home: Path) -> None:
        from hypothesis import configuration
        from hypothesis.internal.conjecture import providers
        from hypothesis.internal.constants_ast import Constants

        self._configuration = configuration
        self._providers = providers
        self._home = configuration.storage_directory(intent_to_write=False).home_directory
        self._pool: Callable[[], Any] = providers._get_local_constants
        empty = Constants()
        configuration.set_hypothesis_home_dir(home)
        providers._get_local_constants = lambda: empty
        providers.CONSTANTS_CACHE.cache.clear()  # it holds the values drawn from the old pool

    def restore(self) -> None:
        self._providers._get_local_constants = self._pool
        self._providers.CONSTANTS_CACHE.cache.clear()
        self._configuration.set_hypothesis_home_dir(self._home)
