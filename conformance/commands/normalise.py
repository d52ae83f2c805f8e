"""conformance normalise: apply spec/overlay.yaml to the pinned spec (or a file) and write the result."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from conformance.cli import add_common

HELP = "apply the declared normalisation (spec/overlay.yaml) and write the normalised spec"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", nargs="?", help="a spec file (default: the pinned published spec)")
    parser.add_argument("--overlay", default=None, help="the overlay (default: spec/overlay.yaml)")
    parser.add_argument(
        "--kind",
        choices=("published", "cosmetic", "normalised"),
        default="normalised",
        help="published: the spec as pinned (no action); cosmetic: cosmetic actions only; "
        "normalised: every action (default)",
    )
    parser.add_argument(
        "--write", default=None, metavar="FILE", help="write the normalised spec here (default: .cache/normalised.json)"
    )
    add_common(parser, fail_on="error")


def run(args: argparse.Namespace) -> int:
    from conformance import paths
    from conformance.commands._common import emit, findings_report, output_path
    from conformance.inputs import dumps_spec
    from conformance.load.parse import load_spec_file
    from conformance.load.specs import published_spec
    from conformance.overlay import apply_overlay_file
    from conformance.report import atomic_write

    output_path(args)
    spec = load_spec_file(Path(args.file)) if args.file else published_spec(args.context.fetcher())
    overlay = Path(args.overlay) if args.overlay else paths.overlay_path()
    target = Path(args.write) if args.write else paths.cache_dir() / f"{args.kind}.json"
    if args.kind == "published":
        atomic_write(target, dumps_spec(spec))
        sys.stderr.write(f"the published spec as pinned (no overlay action); written to {target}\n")
        return emit(args, findings_report(args, "normalise", [], title="normalise (published)"))
    kinds = {"cosmetic"} if args.kind == "cosmetic" else {"cosmetic", "correction"}
    result = apply_overlay_file(spec, overlay, kinds=kinds)
    atomic_write(target, dumps_spec(result.spec))
    changed = sum(1 for _, count in result.applied if count)
    sys.stderr.write(f"{changed} of {len(result.applied)} action(s) changed the spec; written to {target}\n")
    return emit(args, findings_report(args, "normalise", list(result.findings), title=f"normalise ({args.kind})"))
