#!/usr/bin/env python3
"""Normalise the pinned spec and regenerate the typed client: `conformance generate` with the same flags."""

import sys

from conformance.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["generate", *sys.argv[1:]]))
