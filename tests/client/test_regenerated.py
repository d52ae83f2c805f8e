"""The runtime works on a regenerated client without edits, whatever the spec says of ``model``.

The normalised spec is changed the two ways the GPT-5.2 family can be declared (``model`` as any string or
one of the known ids, or as a plain string), the client is generated from it into a temporary folder (the
real ``generated/`` is untouched), and a fresh interpreter uses it: any model id is accepted and sent, and
answers decode leniently and strictly. The decoding plans are computed from whatever classes were generated.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conformance import paths

FAMILY = ["openai/gpt-5-2", "openai/gpt-5-2-pro", "openai/gpt-5-2-chat-latest"]
VARIANTS = {
    "any-string-or-known": {"anyOf": [{"type": "string"}, {"type": "string", "enum": FAMILY}]},
    "plain-string": {"type": "string", "example": "openai/gpt-5-2"},
    "known-ids": {"type": "string", "enum": FAMILY},
}
SCRIPT = r"""
import json
from gpt52.chat import Gpt52, build_request
from gpt52.decode import decode_chunk, decode_completion
from gpt52.exceptions import APIResponseValidationError

sent = [build_request(m, [{"role": "user", "content": "x"}], False, {}).to_dict()["model"]
        for m in ("openai/gpt-5-2-pro", "openai/gpt-5-2-chat-latest", "vendor/other")]
body = {"id": "c", "object": "chat.completion", "created": 0, "model": "m", "usage": None,
        "choices": [{"index": 0, "finish_reason": "end_turn", "message": {"role": "assistant", "content": "hi"}}]}
lenient = decode_completion(body).choices[0].finish_reason
try:
    decode_completion(body, strict=True)
    refused = None
except APIResponseValidationError as error:
    refused = error.issues[0].path
chunk = decode_chunk({"id": "", "object": "", "created": 0, "model": "", "choices": []}).object_
Gpt52(api_key="sk-x").close()
print(json.dumps({"sent": sent, "lenient": lenient, "refused": refused, "chunk_object": chunk}))
"""


def _normalised() -> dict[str, Any]:
    cached = paths.cache_dir() / "normalised.json"
    if cached.is_file():
        data: dict[str, Any] = json.loads(cached.read_text(encoding="utf-8"))
        return data
    from upstream_data import pinned_mirror

    from conformance.load.fetch import Fetcher
    from conformance.load.specs import load_spec

    return dict(load_spec("normalised", Fetcher(mirror=pinned_mirror())))


@pytest.mark.slow
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_the_runtime_works_on_a_client_regenerated_from_another_model_schema(tmp_path: Path, variant: str) -> None:
    from conformance.generate import generate_into

    spec = _normalised()
    spec["components"]["schemas"]["CreateChatCompletionRequest"]["properties"]["model"] = VARIANTS[variant]
    package = generate_into(spec, tmp_path, paths.generated_dir() / "config.yaml")
    env = {**os.environ, "PYTHONPATH": str(package.parent)}
    env.pop("AIMLAPI_KEY", None)
    result = subprocess.run(
        [sys.executable, "-c", "import gpt52_client, sys; print(gpt52_client.__file__)"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert Path(result.stdout.strip()).parent == package, result.stdout + result.stderr
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen == {
        "sent": ["openai/gpt-5-2-pro", "openai/gpt-5-2-chat-latest", "vendor/other"],
        "lenient": "end_turn",
        "refused": "choices[0].finish_reason",
        "chunk_object": "",
    }
