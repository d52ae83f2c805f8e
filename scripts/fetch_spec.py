#!/usr/bin/env python3
"""Fetch the pinned spec (sha256-verified) into the cache: `conformance fetch` with the same flags."""

import sys

from conformance.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["fetch", *sys.argv[1:]]))
