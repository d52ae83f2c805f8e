"""Run the suite against every mode of the reference server and write the kill matrix to ``docs/kill-matrix.md``.

    .venv/bin/python scripts/kill_matrix.py                  # every mode, one after the other
    .venv/bin/python scripts/kill_matrix.py --jobs 2 no-done end-turn

The expectations are the table in ``tests/suite/test_kill_matrix.py``. Exit 0 when every defect mode is caught
and every conformant mode is clean, 1 otherwise.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from reference_server.kill import Outcome, markdown, run_mode  # noqa: E402 - after the path set-up above
from suite.test_kill_matrix import EXPECTED  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("modes", nargs="*", help="modes to run (default: all)")
    parser.add_argument("--jobs", type=int, default=1, help="runs at the same time (default 1)")
    parser.add_argument(
        "--full", action="store_true", help="run the whole suite for every mode, not only the selection of the table"
    )
    parser.add_argument("--output", default=str(ROOT / "docs" / "kill-matrix.md"))
    args = parser.parse_args(argv)
    unknown = [m for m in args.modes if m not in EXPECTED]
    if unknown:
        parser.error(f"unknown mode(s) {', '.join(unknown)}; expected some of {', '.join(EXPECTED)}")
    modes = args.modes or list(EXPECTED)

    def one(mode: str) -> Outcome:
        expectation = EXPECTED[mode]
        if args.full:
            expectation = dataclasses.replace(expectation, select=None)
        outcome = run_mode(mode, expectation)
        code = "-" if outcome.not_run else "timeout" if outcome.exit_code is None else outcome.exit_code
        print(f"{mode:24} exit {code!s:8} {outcome.seconds:6.1f} s  {outcome.verdict()}", flush=True)
        return outcome

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        outcomes = list(pool.map(one, modes))
    command = "python scripts/kill_matrix.py" + (" --full" if args.full else "")
    Path(args.output).write_text(markdown(outcomes, command))
    print(f"written {args.output}")
    return 0 if all(o.passed for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
