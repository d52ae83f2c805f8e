#!/usr/bin/env python3
"""Benchmark of the conformance suite: response validation cost and generated test cases per second.

1. Response validation: our compiled validator (jsonschema-rs, OpenAPI 3.0 semantics) against jsonschema's
   Draft7Validator on the same JSON Schema and the same bodies: a valid chat.completion (is it valid?) and an
   invalid one (every error with its path).
2. Suite throughput: `conformance run -k test_generated` against one running mock vs `schemathesis run
   --continue-on-failure` against the same mock and spec with the same number of examples; test cases per second
   from each tool's own count (our recorded exchanges; schemathesis' "N generated").

Prints one Markdown section (see scripts/bench.py).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SPEC_MIRROR", str(ROOT.parent / "shared" / "upstream"))

from conformance.load.specs import load_spec  # noqa: E402
from conformance.mock.server import MockServer  # noqa: E402
from conformance.oas import Validator  # noqa: E402

EXAMPLES = 20


def body(n: int = 3) -> dict[str, Any]:
    return {
        "id": "chatcmpl-x",
        "object": "chat.completion",
        "created": 1733832000,
        "model": "openai/gpt-5-2",
        "choices": [
            {
                "index": i,
                "finish_reason": "stop",
                "logprobs": None,
                "message": {
                    "role": "assistant",
                    "content": "Hello there " * 20,
                    "refusal": None,
                    "annotations": None,
                    "tool_calls": None,
                },
            }
            for i in range(n)
        ],
        "usage": {
            "prompt_tokens": 10,
            "completion_tokens": 20,
            "total_tokens": 30,
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": None,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        },
    }


def per_call(fn: Any, arg: Any, seconds: float = 1.5) -> float:
    fn(arg)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(20):
            fn(arg)
        count += 20
    return (time.perf_counter() - start) / count


def validation() -> list[str]:
    import jsonschema

    spec = load_spec("published")
    schema = spec["paths"]["/v1/chat/completions"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    ours = Validator(schema, spec)
    theirs = jsonschema.Draft7Validator(ours.json_schema)
    good = body()
    bad = body()
    bad["object"] = "image"
    bad["created"] = "yesterday"
    del bad["usage"]
    bad["choices"][1]["finish_reason"] = "stopped"
    assert ours.is_valid(good) and theirs.is_valid(good)
    assert len(ours.violations(bad)) == len(list(theirs.iter_errors(bad))) == 4
    rows = []
    for label, fn_ours, fn_theirs, arg in (
        ("valid body: is it valid?", ours.is_valid, theirs.is_valid, good),
        ("invalid body: every error with its path", ours.violations, lambda b: list(theirs.iter_errors(b)), bad),
    ):
        a, b = per_call(fn_ours, arg), per_call(fn_theirs, arg)
        rows.append(f"| {label} | {a * 1e6:.1f} µs | {b * 1e6:.1f} µs | **{b / a:.0f}×** |")
    return [
        "| response validation (ChatCompletion, 3 choices) | ours (jsonschema-rs) | jsonschema Draft7Validator "
        "| speed-up |",
        "|---|---|---|---|",
        *rows,
    ]


def throughput() -> list[str]:
    published = load_spec("published")
    with tempfile.TemporaryDirectory() as tmp, MockServer(api_keys=["bench-key"]) as mock:
        spec_file = Path(tmp) / "published.json"
        spec_file.write_text(json.dumps(published))
        env = {**os.environ, "AIMLAPI_KEY": "bench-key"}
        start = time.perf_counter()
        ours = subprocess.run(
            [
                sys.executable,
                "-m",
                "conformance",
                "run",
                "--target",
                mock.base_url,
                "--max-examples",
                str(EXAMPLES),
                "--record",
                "--no-baseline",
                "--report-dir",
                f"{tmp}/ours",
                "-k",
                "test_generated",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        ours_s = time.perf_counter() - start
        cases = sum(len(p.read_text().splitlines()) for p in Path(f"{tmp}/ours/raw").glob("exchanges-*.jsonl"))
        results = []
        for label, extra in (
            ("schemathesis run --continue-on-failure", []),
            ("schemathesis run --continue-on-failure --no-shrink", ["--no-shrink"]),
        ):
            start = time.perf_counter()
            st = subprocess.run(
                [
                    str(Path(sys.executable).parent / "schemathesis"),
                    "run",
                    str(spec_file),
                    "--url",
                    mock.base_url,
                    "-n",
                    str(EXAMPLES),
                    "--continue-on-failure",
                    "--seed",
                    "0",
                    "-H",
                    "Authorization: Bearer bench-key",
                    "--report-dir",
                    f"{tmp}/st",
                    *extra,
                ],
                cwd=tmp,
                env=env,
                capture_output=True,
                text=True,
            )
            st_s = time.perf_counter() - start
            match = re.search(r"(\d+) generated", st.stdout)
            results.append((label, int(match.group(1)) if match else 0, st_s))
    if ours.returncode not in (0, 1):
        raise SystemExit(f"conformance run failed ({ours.returncode}): {ours.stderr[-2000:]}")
    rows = [
        f"| `conformance run -k test_generated` (schemathesis checks + every check of the suite) | {cases} "
        f"| {ours_s:.1f} s | {cases / ours_s:.1f} | 1.0 |"
    ]
    for label, st_cases, st_s in results:
        rate = st_cases / st_s if st_s else 0.0
        rows.append(f"| `{label}` | {st_cases} | {st_s:.1f} s | {rate:.1f} | {compare(cases / ours_s, rate)} |")
    return [
        f"| suite throughput, {EXAMPLES} examples per operation, same mock, whole process | test cases "
        "| wall time | cases/s | ours vs it |",
        "|---|---|---|---|---|",
        *rows,
    ]


def compare(ours: float, theirs: float) -> str:
    """How the other tool's rate compares with ours, in words that never say "0.8× slower"."""
    if theirs <= 0:
        return "no rate measured"
    ratio = ours / theirs
    if round(ratio, 1) == 1.0:
        return "as fast as ours"
    if ratio > 1:
        return f"{ratio:.1f}× slower than ours"
    return f"{1 / ratio:.1f}× faster than ours"


def main() -> None:
    lines = [
        "## Conformance suite (`scripts/bench_suite.py`)",
        "",
        "Command: `python scripts/bench_suite.py` (part of `make bench`). Both sides measured in one run.",
        "",
    ]
    lines += validation()
    lines += [""]
    lines += throughput()
    print("\n".join(lines))


if __name__ == "__main__":
    main()
