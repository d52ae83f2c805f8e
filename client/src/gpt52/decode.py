"""Decoding answers into the generated models: the public entry points.

    from gpt52.decode import decode_completion, decode_chunk

    completion = decode_completion(json.loads(body))             # lenient, like the official SDK
    chunk = decode_chunk(json.loads(data), strict=True)          # exactly the spec's model

``decode_completion(data, *, strict=False)`` and ``decode_chunk(data, *, strict=False)`` are what
``Gpt52`` uses for every answer; ``completion_issues(data)`` / ``chunk_issues(data)`` list where an
answer departs from the spec's model (``DecodeIssue(path, expected, found)``) without raising.
See ``gpt52._decode`` for the rules.
"""

from ._decode import DecodeIssue, chunk_issues, completion_issues, decode_chunk, decode_completion

__all__ = ["DecodeIssue", "chunk_issues", "completion_issues", "decode_chunk", "decode_completion"]
