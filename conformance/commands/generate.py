"""conformance generate: normalise the pinned spec and regenerate the typed client into generated/."""

from __future__ import annotations

import argparse
import difflib
import sys

HELP = "normalise the pinned spec and regenerate the typed client (generated/gpt52_client)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--mirror", default=None, help="read upstream from this mirror (default: $SPEC_MIRROR)")
    parser.add_argument("--no-check", action="store_true", help="skip the name and shared-model checks")


def run(args: argparse.Namespace) -> int:
    from conformance.generate import regenerate

    result = regenerate(mirror=args.mirror, check=not args.no_check)
    models = result.surface.count("\nmodel ") + result.surface.startswith("model ")
    sys.stdout.write(f"generated {result.package_dir} ({models} models)\n")
    if result.surface_changed:
        diff = difflib.unified_diff(result.previous_surface.splitlines(), result.surface.splitlines(),
                                    "client-surface (before)", "client-surface (after)", lineterm="", n=0)
        sys.stdout.write("client surface changed:\n" + "\n".join(diff) + "\n")
    else:
        sys.stdout.write("client surface unchanged (spec/client-surface.txt)\n")
    return 0
