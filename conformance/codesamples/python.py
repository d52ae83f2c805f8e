"""Python ``requests``/``httpx`` samples, read with :mod:`ast`; names bound to literals at module level are followed."""

from __future__ import annotations

import ast
from typing import Any

from conformance.codesamples.base import ExtractedRequest, SampleError, _api_call, _json_value, _parse_body_text

_PY_METHODS = {"get", "post", "put", "patch", "delete", "head", "options"}
_PY_CLIENTS = {"requests", "httpx"}


def _python(code: str) -> ExtractedRequest:
    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        raise SampleError(f"Python sample does not parse: {exc.msg}", exc.lineno or 1) from None
    env: dict[str, ast.expr] = {}
    for statement in tree.body:
        if (
            isinstance(statement, ast.Assign)
            and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)
        ):
            env[statement.targets[0].id] = statement.value
    found: list[ExtractedRequest | SampleError] = []
    calls = sorted((n for n in ast.walk(tree) if isinstance(n, ast.Call)), key=lambda n: (n.lineno, n.col_offset))
    for node in calls:
        try:
            request = _python_call(node, env)
        except SampleError as exc:
            found.append(exc)
            continue
        if request is not None:
            found.append(request)
    return _api_call(
        found, "no requests.<method>(...) or httpx.<method>(...) call found in the Python sample", "python", code
    )


def _python_call(node: ast.Call, env: dict[str, ast.expr]) -> ExtractedRequest | None:
    """The request one call sends, when it is a requests/httpx call."""
    if not isinstance(node.func, ast.Attribute):
        return None
    owner = node.func.value
    if not (isinstance(owner, ast.Name) and owner.id in _PY_CLIENTS):
        return None
    verb = node.func.attr
    args = list(node.args)
    if verb == "request":
        if not args:
            raise SampleError("requests.request(...) without a method", node.lineno)
        method = _py_string(args.pop(0), env, "the method")
    elif verb in _PY_METHODS:
        method = verb
    else:
        return None
    keywords = {k.arg: k.value for k in node.keywords if k.arg}
    url_node = args[0] if args else keywords.get("url")
    if url_node is None:
        raise SampleError(f"{owner.id}.{verb}(...) has no URL", node.lineno)
    url = _py_string(url_node, env, "the URL")
    has_body, body, body_line = False, None, node.lineno
    if "json" in keywords:
        has_body, body_line = True, keywords["json"].lineno
        body = _py_literal(keywords["json"], env, "the json= body")
    elif "data" in keywords or "content" in keywords or len(args) > 1:
        data_node = keywords.get("data") or keywords.get("content") or args[1]
        has_body, body_line = True, data_node.lineno
        body = _py_data(data_node, env)
    return ExtractedRequest("python", method.upper(), url, has_body, body, node.lineno, body_line)


def _resolve(node: ast.expr, env: dict[str, ast.expr], seen: frozenset[str] = frozenset()) -> ast.expr:
    while isinstance(node, ast.Name) and node.id in env and node.id not in seen:
        seen = seen | {node.id}
        node = env[node.id]
    return node


def _py_string(node: ast.expr, env: dict[str, ast.expr], what: str) -> str:
    node = _resolve(node, env)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _py_string(node.left, env, what) + _py_string(node.right, env, what)
    if isinstance(node, ast.JoinedStr):
        parts: list[str] = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            elif isinstance(value, ast.FormattedValue):
                parts.append(_py_string(value.value, env, what))
        return "".join(parts)
    raise SampleError(f"{what} is not a string literal (found {ast.unparse(node)[:60]!r})", getattr(node, "lineno", 1))


def _py_literal(node: ast.expr, env: dict[str, ast.expr], what: str) -> Any:
    node = _resolve(node, env)

    def substitute(inner: ast.expr) -> ast.expr:
        class Inline(ast.NodeTransformer):
            def visit_Name(self, name: ast.Name) -> ast.AST:
                target = _resolve(name, env)
                return target if target is not name else name

        return ast.fix_missing_locations(Inline().visit(inner))  # type: ignore[no-any-return]

    line = getattr(node, "lineno", 1)
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        try:
            value = ast.literal_eval(substitute(node))
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            raise SampleError(f"{what} is not a literal (found {ast.unparse(node)[:60]!r})", line) from None
    return _json_value(value, what, line)


def _py_data(node: ast.expr, env: dict[str, ast.expr]) -> Any:
    node = _resolve(node, env)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "dumps" and node.args:
        return _py_literal(node.args[0], env, "the json.dumps(...) body")
    text = _py_string(node, env, "the data= body")
    return _parse_body_text(text, getattr(node, "lineno", 1), "the data= body")
