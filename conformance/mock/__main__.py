"""``python -m conformance.mock [options]`` is ``conformance mock [options]``."""

import sys

from conformance.cli import main

sys.exit(main(["mock", *sys.argv[1:]]))
