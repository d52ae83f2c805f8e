"""conformance fetch: get the pinned spec (sha256 verified) or any ref; --update-lock accepts a new version."""

from __future__ import annotations

import argparse
import json
import sys

from conformance.commands._common import fetcher

HELP = "fetch the pinned spec (sha256-verified) or another ref into the cache"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ref", default=None, help="fetch this ref (main, a branch or a commit) instead of the pin")
    parser.add_argument("--update-lock", action="store_true", help="accept the fetched version as the new pin")
    parser.add_argument("--repo", default=None, help="repository (default: the lock's)")
    parser.add_argument("--path", default=None, help="path in the repository (default: the lock's)")
    parser.add_argument("--mirror", default=None, help="read from this mirror directory (default: $SPEC_MIRROR)")
    parser.add_argument("--format", choices=("text", "json", "markdown"), default="text")


def run(args: argparse.Namespace) -> int:
    from conformance.load.fetch import fetch

    if args.update_lock and args.ref is None:
        args.ref = "main"
    result = fetch(fetcher(args), ref=args.ref, update_lock=args.update_lock, repo=args.repo, path=args.path)
    info = {
        "repo": result.fetched.repo,
        "ref": result.fetched.ref,
        "path": result.fetched.path,
        "sha256": result.fetched.sha256,
        "size": len(result.fetched.content),
        "cached": str(result.cached),
        "matches_lock": result.matches_lock,
        "lock_updated": result.lock_updated,
        "lock_commit": result.lock.commit if result.lock else None,
    }
    if args.ref is None:  # the pinned fetch: the spec and the pinned doc pages
        info["doc_pages"] = [str(page) for page in result.doc_pages]
    if args.format == "json":
        sys.stdout.write(json.dumps(info, indent=2) + "\n")
    else:
        verdict = {True: "same as the pin", False: "DIFFERS from the pin", None: "no pin to compare"}
        sys.stdout.write(
            f"fetched {info['repo']}@{info['ref']}:{info['path']}\n"
            f"  sha256 {info['sha256']} ({info['size']} bytes), {verdict[result.matches_lock]}\n"
            f"  cached at {info['cached']}\n"
        )
        if result.lock_updated and result.lock:
            sys.stdout.write(f"  lock updated: commit {result.lock.commit}\n")
        elif args.update_lock:
            sys.stdout.write("  lock unchanged: the pinned version is the current one\n")
        for page in result.doc_pages:
            sys.stdout.write(f"  pinned doc page (sha256 verified): {page}\n")
    return 0
