"""Samples that call the official OpenAI SDK, read as the HTTP request they send.

* Python: ``client = OpenAI(base_url=..., api_key=...)`` then
  ``client.chat.completions.create(model=..., messages=...)`` (also ``AsyncOpenAI``,
  ``openai.OpenAI``, the module-level ``openai.base_url``/``openai.api_base`` and the
  legacy ``openai.ChatCompletion.create``); keyword arguments are the JSON body,
  ``extra_body`` is merged in, ``extra_headers``/``extra_query``/``timeout`` are not sent;
* JavaScript: ``const openai = new OpenAI({baseURL: ..., apiKey: ...})`` then
  ``openai.chat.completions.create({...})``.

The URL is the client's base URL (the SDK's default ``https://api.openai.com/v1`` when
none is given) followed by the resource's path. :func:`read_sdk` returns None when
the code calls no SDK resource, and raises :class:`~conformance.codesamples.SampleError`
when it does but the call cannot be read.
"""

from __future__ import annotations

import ast
import re
from typing import Any

__all__ = ["DEFAULT_BASE_URL", "RESOURCES", "read_sdk"]

DEFAULT_BASE_URL = "https://api.openai.com/v1"
#: SDK resource call -> (HTTP method, path under the base URL)
RESOURCES: dict[tuple[str, ...], tuple[str, str]] = {
    ("chat", "completions", "create"): ("POST", "/chat/completions"),
    ("completions", "create"): ("POST", "/completions"),
    ("embeddings", "create"): ("POST", "/embeddings"),
    ("images", "generate"): ("POST", "/images/generations"),
    ("responses", "create"): ("POST", "/responses"),
    ("moderations", "create"): ("POST", "/moderations"),
    ("audio", "speech", "create"): ("POST", "/audio/speech"),
    ("models", "list"): ("GET", "/models"),
    ("ChatCompletion", "create"): ("POST", "/chat/completions"),  # openai<1.0
    ("Completion", "create"): ("POST", "/completions"),
}
_NOT_SENT = {"extra_headers", "extra_query", "timeout", "extra_body"}
_CLIENTS = {"OpenAI", "AsyncOpenAI", "AzureOpenAI"}


def read_sdk(language: str, code: str) -> Any:
    """The :class:`~conformance.codesamples.ExtractedRequest` of the first SDK call, or None."""
    if language == "python":
        return _python(code)
    if language == "javascript":
        return _javascript(code)
    return None


# -- Python -------------------------------------------------------------------------------------------
def _chain(node: ast.expr) -> tuple[str, list[str]] | None:
    """``client.chat.completions.create`` -> ("client", ["chat", "completions", "create"])."""
    names: list[str] = []
    while isinstance(node, ast.Attribute):
        names.append(node.attr)
        node = node.value
    if isinstance(node, ast.Call):  # OpenAI(...).chat.completions.create(...)
        return _chain_of_call(node, names)
    if isinstance(node, ast.Name):
        return node.id, list(reversed(names))
    return None


def _chain_of_call(node: ast.Call, names: list[str]) -> tuple[str, list[str]] | None:
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return ("<inline>", list(reversed(names))) if name in _CLIENTS else None


def _python(code: str) -> Any:
    from conformance.codesamples.base import ExtractedRequest, SampleError
    from conformance.codesamples.python import _py_literal, _py_string

    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    env: dict[str, ast.expr] = {}
    clients: dict[str, ast.Call] = {}
    module_base: ast.expr | None = None
    for statement in ast.walk(tree):
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target, value = statement.targets[0], statement.value
            if isinstance(target, ast.Name):
                env.setdefault(target.id, value)
                if isinstance(value, ast.Call) and _chain_of_call(value, []) is not None:
                    clients[target.id] = value
            elif (
                isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Name)
                and target.value.id == "openai"
                and target.attr in ("base_url", "api_base")
            ):
                module_base = value
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        chain = _chain(node.func)
        if chain is None:
            continue
        owner, names = chain
        resource = RESOURCES.get(tuple(names))
        if resource is None:
            continue
        if owner == "<inline>":
            inner: ast.expr = node.func
            while isinstance(inner, ast.Attribute):
                inner = inner.value
            client: ast.Call | None = inner if isinstance(inner, ast.Call) else None
        elif owner in clients:
            client = clients[owner]
        elif owner == "openai":
            client = None  # the module-level client
        else:
            continue
        method, path = resource
        base = _python_base(client, module_base, env, _py_string)
        keywords = {k.arg: k.value for k in node.keywords if k.arg}
        body: dict[str, Any] = {}
        for key, value in keywords.items():
            if key not in _NOT_SENT:
                body[key] = _py_literal(value, env, f"the {key}= argument")
        if "extra_body" in keywords:
            extra = _py_literal(keywords["extra_body"], env, "the extra_body= argument")
            if not isinstance(extra, dict):
                raise SampleError("extra_body= is not a dict", node.lineno)
            body.update(extra)
        if node.args:
            raise SampleError(
                f"{'.'.join(names)}(...) takes keyword arguments only; found a positional one", node.lineno
            )
        has_body = method != "GET"
        return ExtractedRequest(
            "python", method, base.rstrip("/") + path, has_body, body if has_body else None, node.lineno, node.lineno
        )
    return None


def _python_base(
    client: ast.Call | None, module_base: ast.expr | None, env: dict[str, ast.expr], as_string: Any
) -> str:
    node: ast.expr | None = module_base
    if client is not None:
        keywords = {k.arg: k.value for k in client.keywords if k.arg}
        node = keywords.get("base_url")
    if node is None:
        return DEFAULT_BASE_URL
    default = _getenv_default(node)
    return as_string(default if default is not None else node, env, "the client's base_url")  # type: ignore[no-any-return]


def _getenv_default(node: ast.expr) -> ast.expr | None:
    """``os.getenv("X", "https://...")`` / ``os.environ.get("X", "...")`` -> the default's node."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("getenv", "get")
        and len(node.args) == 2
    ):
        return node.args[1]
    return None


# -- JavaScript ---------------------------------------------------------------------------------------
_JS_CLIENT = re.compile(r"\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*new\s+OpenAI\s*\(")
_JS_CALL = re.compile(r"(?<![\w$.])([A-Za-z_$][\w$]*)((?:\.[A-Za-z_$][\w$]*)+)\s*\(")


def _javascript(code: str) -> Any:
    from conformance.codesamples.base import ExtractedRequest, SampleError, _parse_body_text
    from conformance.codesamples.javascript import _Js, _js_match, _js_split

    js = _Js(code)
    clients: dict[str, str] = {}
    for match in _JS_CLIENT.finditer(code):
        open_paren = match.end() - 1
        close = _js_match(code, open_paren)
        args = _js_split(code, open_paren + 1, close)
        base = DEFAULT_BASE_URL
        if args:
            props = js.props(*args[0])
            if "baseURL" in props:
                base = js.string(*props["baseURL"], "the client's baseURL")
        clients[match.group(1)] = base
    for match in _JS_CALL.finditer(code):
        owner, names = match.group(1), tuple(match.group(2).strip(".").split("."))
        resource = RESOURCES.get(names)
        if resource is None or owner not in clients:
            continue
        line_start = code.rfind("\n", 0, match.start()) + 1
        if "//" in code[line_start : match.start()]:
            continue
        method, path = resource
        open_paren = match.end() - 1
        args = _js_split(code, open_paren + 1, _js_match(code, open_paren))
        call_line = js.line(match.start())
        body: Any = None
        body_line = call_line
        if method != "GET":
            if not args:
                raise SampleError(f"{owner}.{'.'.join(names)}() without the request object", call_line)
            text, offset = js.expr(*args[0])
            body_line = js.line(offset)
            body = _parse_body_text(text, body_line, f"the {'.'.join(names)}(...) argument")
        return ExtractedRequest(
            "javascript", method, clients[owner].rstrip("/") + path, method != "GET", body, call_line, body_line
        )
    return None
