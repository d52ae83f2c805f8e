"""conformance generate: normalise the pinned spec and regenerate the typed client into generated/."""

from __future__ import annotations

import argparse
import difflib
import sys

HELP = "normalise the pinned spec and regenerate the typed client (generated/gpt52-client)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--mirror", default=None, help="read upstream from this mirror (default: $SPEC_MIRROR)")
    parser.add_argument("--no-check", action="store_true", help="skip the name and shared-model checks")
    parser.add_argument("--format", choices=("text", "json", "markdown"), default="text")


def run(args: argparse.Namespace) -> int:
    from conformance.generate import regenerate

    result = regenerate(args.context.spec("normalised"), check=not args.no_check)
    models = result.surface.count("\nmodel ") + result.surface.startswith("model ")
    diff_lines = list(
        difflib.unified_diff(
            result.previous_surface.splitlines(),
            result.surface.splitlines(),
            "client-surface (before)",
            "client-surface (after)",
            lineterm="",
            n=0,
        )
    )
    if args.format == "json":
        import json

        sys.stdout.write(
            json.dumps(
                {
                    "package": str(result.package_dir),
                    "models": models,
                    "surface_changed": result.surface_changed,
                    "surface_diff": diff_lines,
                },
                indent=2,
            )
            + "\n"
        )
        return 0
    if args.format == "markdown":
        sys.stdout.write(
            f"## Client regenerated\n\n`{result.package_dir}`: {models} models; surface "
            f"{'changed' if result.surface_changed else 'unchanged'}.\n"
        )
        if diff_lines:
            sys.stdout.write("\n```diff\n" + "\n".join(diff_lines) + "\n```\n")
        return 0
    sys.stdout.write(f"generated {result.package_dir} ({models} models)\n")
    if result.surface_changed:
        sys.stdout.write("client surface changed:\n" + "\n".join(diff_lines) + "\n")
    else:
        sys.stdout.write("client surface unchanged (spec/client-surface.txt)\n")
    return 0
