#!/usr/bin/env python3
"""The project's tests, as `make test` and CI run them.

pytest's exit code 5 (no test collected) fails the run instead of passing silently.
Extra arguments go to pytest.
"""

import subprocess
import sys

NO_TESTS = 5


def main(argv: list[str]) -> int:
    cmd = [sys.executable, "-m", "pytest", "tests", *argv]
    code = subprocess.call(cmd)
    if code == NO_TESTS:
        sys.stderr.write("run_tests: pytest collected no test; failing instead of passing silently\n")
        return 1
    return code


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
