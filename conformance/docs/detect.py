"""Which language a code sample is written in, read from the code (fence labels are sometimes wrong).

:func:`detect_language` returns a canonical sample language (``python``, ``javascript``,
``curl``, ``http``) when the code says so clearly, else None (then the label stands).
Each language scores the signals only it has (``const x =``/``fetch(``/``=>`` for
JavaScript; ``import x``/``from x import``/``requests.post(``/``def f():`` for Python);
a clear winner with at least two signals is an answer.
"""

from __future__ import annotations

import re

__all__ = ["detect_language"]

_CURL = re.compile(r"^\s*(?:\$\s+)?curl(?:\s|$)", re.M)
_HTTP = re.compile(r"^\s*(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+\S+\s+HTTP/\d", re.I)
_SIGNALS: dict[str, tuple[re.Pattern[str], ...]] = {
    "python": (
        re.compile(r"^\s*import [\w.]+(?:\s+as\s+\w+)?\s*$", re.M),
        re.compile(r"^\s*from [\w.]+ import ", re.M),
        re.compile(r"\b(?:requests|httpx)\.(?:post|get|put|patch|delete|request)\("),
        re.compile(r"^\s*(?:async\s+)?def \w+\(.*\)\s*(?:->\s*[^:]+)?:\s*$", re.M),
        re.compile(r"^\s*print\(", re.M),
        re.compile(r"\b(?:True|False|None)\b"),
        re.compile(r"^\s*\w+\s*=\s*(?:OpenAI|AsyncOpenAI)\(", re.M),
        re.compile(r"^\s*if __name__ == ['\"]__main__['\"]:", re.M),
        re.compile(r"\w+=\s*[\[{\"'\w]"),  # keyword arguments: model="..."
    ),
    "javascript": (
        re.compile(r"\b(?:const|let|var)\s+[\w${}\s,]+=", re.M),
        re.compile(r"(?<![\w.])fetch\s*\("),
        re.compile(r"\bconsole\.(?:log|error)\("),
        re.compile(r"=>"),
        re.compile(r"\brequire\(\s*['\"]"),
        re.compile(r"^\s*import\s+.+\s+from\s+['\"]", re.M),
        re.compile(r"\bnew\s+OpenAI\("),
        re.compile(r"\bJSON\.(?:stringify|parse)\("),
        re.compile(r"\bfunction\s*\w*\s*\("),
        re.compile(r";\s*$", re.M),
    ),
}


def detect_language(code: str) -> str | None:
    """``python``/``javascript``/``curl``/``http`` when the code is clearly that, else None."""
    first = next((line for line in code.splitlines() if line.strip()), "")
    if _HTTP.match(first):
        return "http"
    if (
        _CURL.search(code)
        and not any(p.search(code) for p in _SIGNALS["python"][:4])
        and not _SIGNALS["javascript"][1].search(code)
    ):
        return "curl"
    scores = {lang: sum(1 for p in patterns if p.search(code)) for lang, patterns in _SIGNALS.items()}
    best = max(scores, key=lambda lang: scores[lang])
    others = max(v for k, v in scores.items() if k != best)
    if scores[best] >= 2 and scores[best] >= others + 2:
        return best
    return None
