"""Run a ``conformance`` command inside the test process: ``conformance.cli.main(argv)``, as ``python -m
conformance`` runs it, without starting an interpreter and importing schemathesis, hypothesis and pytest again.

A whole ``conformance run`` in process takes a third of the time of the same run as a subprocess (the suite's
pytest session runs nested in the test's). The targets stay real servers on loopback. Tests that need a process
of their own keep one: a run that is sent a signal, a run whose output is checked at the file-descriptor level
for a secret (``tests/suite/test_targets.py``, ``test_run.py``), a run with workers of its own (``-n``).

``run_cli`` returns a :class:`subprocess.CompletedProcess`, so a test reads ``returncode``, ``stdout`` and
``stderr`` whichever way the command ran.
"""

from __future__ import annotations

import contextlib
import gc
import io
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence


@contextlib.contextmanager
def _environment(env: Mapping[str, str | None]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in env}
    try:
        for name, value in env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_cli(argv: Sequence[str], env: Mapping[str, str | None] | None = None) -> subprocess.CompletedProcess[str]:
    """``conformance ARGV`` in this process, with ``env`` set (``None`` unsets a variable) for its duration.

    What the command writes to ``sys.stdout`` and ``sys.stderr`` is returned; the process' ``sys.path``, the
    environment and the load layer's spec cache are as before afterwards, so a run leaves nothing to the next test.
    """
    from conformance.cli import main
    from conformance.load import specs

    out, err = io.StringIO(), io.StringIO()
    path = list(sys.path)
    # the nested pytest session collects garbage at its end (several full passes): leave the test process' own
    # objects out of those passes, they are not the run's garbage
    gc.freeze()
    try:
        with _environment(env or {}), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(argv))
    finally:
        gc.unfreeze()
        sys.path[:] = path  # the suite's pytest puts conformance/suite first (rootdir-relative imports)
        specs.forget()
    return subprocess.CompletedProcess(["conformance", *argv], code, out.getvalue(), err.getvalue())
