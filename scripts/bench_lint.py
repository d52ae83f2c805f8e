#!/usr/bin/env python3
"""Lint on large specs: seconds for 1,500 / 3,000 / 6,000 component schemas and a 50 MB spec, one process each.

Prints one Markdown section for BENCHMARKS.md. The specs are built here (no upstream data): a chat-completions
operation whose request body refers to every component schema; each schema has a few properties, an example,
an inline object, a `number` counter and a reference to the next schema. Linear means the time per schema stays
flat as the count doubles. Usage: `python scripts/bench_lint.py [--sizes 1500,3000,6000] [--mb 50]`.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def large_spec(schemas: int, filler: int = 0) -> dict[str, Any]:
    """An OpenAPI 3.0 chat-completions spec with ``schemas`` component schemas (``filler`` bytes of description
    in each property, to reach a file size)."""
    text = "x" * filler
    components: dict[str, Any] = {}
    for i in range(schemas):
        nxt = {"$ref": f"#/components/schemas/S{i + 1}"} if i + 1 < schemas else {"type": "string"}
        components[f"S{i}"] = {
            "type": "object",
            "required": ["id"],
            "properties": {
                "id": {"type": "string", "description": text},
                "created_at": {"type": "number", "description": text},
                "tags": {"type": "array", "items": {"type": "string"}},
                "meta": {"type": "object", "properties": {"k": {"type": "string", "nullable": True}}},
                "next": nxt,
            },
            "example": {"id": f"s{i}", "created_at": 1, "tags": ["a"]},
        }
    request = {
        "type": "object",
        "required": ["model", "messages"],
        "properties": {
            "model": {"type": "string"},
            "messages": {
                "type": "array",
                "items": {"type": "object", "properties": {"role": {"type": "string"}, "content": {"type": "string"}}},
            },
            **{f"p{i}": {"$ref": f"#/components/schemas/S{i}"} for i in range(schemas)},
        },
    }
    response = {
        "description": "ok",
        "content": {
            "application/json": {
                "schema": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}
            }
        },
    }
    operation = {
        "operationId": "create",
        "requestBody": {"content": {"application/json": {"schema": request}}},
        "responses": {"200": response, "4XX": {"description": "error"}},
    }
    return {
        "openapi": "3.0.0",
        "info": {"title": "large", "version": "1"},
        "paths": {"/v1/chat/completions": {"post": operation}},
        "components": {"schemas": components},
    }


def _lint(path: Path) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, exit code) of one `conformance lint` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "conformance", "lint", str(path), "--format", "json", "--fail-on", "never"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if result.returncode not in (0, 1):
        sys.stderr.write(result.stderr[-2000:])
    return wall, cpu, result.returncode


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1500,3000,6000")
    parser.add_argument("--mb", type=int, default=50)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    rows: list[tuple[str, int, float, float, float, int]] = []
    with tempfile.TemporaryDirectory() as tmp:
        empty = Path(tmp) / "empty.json"
        empty.write_text(json.dumps(large_spec(1)))
        base_wall, base_cpu, _ = _lint(empty)
        for count in sizes:
            path = Path(tmp) / f"s{count}.json"
            path.write_text(json.dumps(large_spec(count)))
            wall, cpu, code = _lint(path)
            rows.append((f"{count} schemas", count, path.stat().st_size / 1e6, wall, cpu, code))
        if args.mb:
            count = 6000
            filler = max(0, (args.mb * 1_000_000 // count - 500) // 2)
            path = Path(tmp) / "big.json"
            path.write_text(json.dumps(large_spec(count, filler)))
            wall, cpu, code = _lint(path)
            rows.append((f"{path.stat().st_size / 1e6:.0f} MB spec", count, path.stat().st_size / 1e6, wall, cpu, code))
    out = [
        "## Lint: large specs",
        "",
        f"Command: `python scripts/bench_lint.py --sizes {args.sizes} --mb {args.mb}` (each row one "
        "`conformance lint FILE --format json` process). Machine: "
        f"{os.cpu_count()} CPU(s), {platform.machine()}, Python {platform.python_version()}, "
        f"{platform.system()}. Start-up (a one-schema spec): {base_wall:.2f} s wall, {base_cpu:.2f} s CPU.",
        "",
        "| spec | schemas | MB | wall s | CPU s | CPU ms per schema beyond start-up | exit |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, count, size, wall, cpu, code in rows:
        per = (cpu - base_cpu) * 1000 / count
        out.append(f"| {label} | {count} | {size:.1f} | {wall:.2f} | {cpu:.2f} | {per:.2f} | {code} |")
    plain = [r for r in rows if "MB" not in r[0]]
    if len(plain) >= 2:
        ratios = ", ".join(f"{(b[4] - base_cpu) / (a[4] - base_cpu):.2f}" for a, b in itertools.pairwise(plain))
        out += [
            "",
            f"Linearity: CPU beyond start-up grows by {ratios} each time the schema count doubles (2.00 is linear).",
        ]
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
