"""Request validation as the OpenAI reference states it (``CreateChatCompletionRequest``), with OpenAI's messages.

Only the standard library. Numbers follow JSON Schema: ``1.0`` is an integer, ``true`` is not a number.
An unknown model is a 404 ``model_not_found``; everything else wrong is a 400 ``invalid_request_error``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

KNOWN_MODELS = frozenset(
    {
        "openai/gpt-5-2",
        "openai/gpt-5-2-pro",
        "openai/gpt-5-2-chat-latest",
        "openai/gpt-5-2-codex",
        "gpt-5.2",
        "gpt-5.2-2025-12-11",
        "gpt-5.2-pro",
        "gpt-5.2-chat-latest",
        "gpt-5",
        "gpt-5-mini",
        "gpt-5-nano",
        "gpt-4o",
        "gpt-4o-mini",
        "gpt-4o-2024-08-06",
        "gpt-4.1",
        "gpt-4.1-mini",
    }
)
ROLES = ("system", "assistant", "user", "function", "tool", "developer")
NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
PARAMETERS = frozenset(
    {
        "messages",
        "model",
        "audio",
        "frequency_penalty",
        "function_call",
        "functions",
        "logit_bias",
        "logprobs",
        "max_completion_tokens",
        "max_tokens",
        "metadata",
        "modalities",
        "moderation",
        "n",
        "parallel_tool_calls",
        "prediction",
        "presence_penalty",
        "prompt_cache_key",
        "prompt_cache_retention",
        "prompt_cache_options",
        "reasoning_effort",
        "response_format",
        "safety_identifier",
        "seed",
        "service_tier",
        "stop",
        "store",
        "stream",
        "stream_options",
        "temperature",
        "tool_choice",
        "tools",
        "top_logprobs",
        "top_p",
        "user",
        "verbosity",
        "web_search_options",
    }
)
REASONING_EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh", "max")
SERVICE_TIERS = ("auto", "default", "flex", "scale", "priority", "fast")


@dataclass(frozen=True)
class ApiError(Exception):
    """An answer of the API that is an error: status and the four members of OpenAI's error object."""

    status: int
    message: str
    param: str | None = None
    code: str | None = None
    type: str = "invalid_request_error"

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}


def _bad(param: str, message: str, code: str = "invalid_value") -> ApiError:
    return ApiError(400, message, param, code)


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object" if isinstance(value, dict) else type(value).__name__


def _is_int(value: Any) -> bool:
    return not isinstance(value, bool) and (isinstance(value, int) or (isinstance(value, float) and value.is_integer()))


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float)


def _expect(param: str, value: Any, kind: str, *, nullable: bool = True) -> None:
    if value is None and nullable:
        return
    ok = {
        "string": isinstance(value, str),
        "boolean": isinstance(value, bool),
        "integer": _is_int(value),
        "number": _is_number(value),
        "object": isinstance(value, dict),
        "array": isinstance(value, list),
    }[kind]
    if not ok:
        raise _bad(
            param,
            f"Invalid type for '{param}': expected {'an' if kind[0] in 'aeiou' else 'a'} {kind}, "
            f"but got {_type_name(value)} instead.",
            "invalid_type",
        )


def _range(param: str, value: Any, low: float | None, high: float | None) -> None:
    if value is None:
        return
    if low is not None and value < low:
        raise _bad(
            param,
            f"Invalid '{param}': decimal below minimum value. Expected a value >= {low}, but got {value} instead.",
            "decimal_below_min_value" if not _is_int(value) else "integer_below_min_value",
        )
    if high is not None and value > high:
        raise _bad(
            param,
            f"Invalid '{param}': decimal above maximum value. Expected a value <= {high}, but got {value} instead.",
            "decimal_above_max_value" if not _is_int(value) else "integer_above_max_value",
        )


def _enum(param: str, value: Any, allowed: tuple[str, ...], *, nullable: bool = True) -> None:
    if value is None and nullable:
        return
    if value not in allowed:
        listed = ", ".join(f"'{a}'" for a in allowed[:-1]) + f", and '{allowed[-1]}'"
        raise _bad(param, f"Invalid value: {_short(value)}. Supported values are: {listed}.")


def _short(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else _type_name(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _text_parts(param: str, content: Any, kinds: tuple[str, ...]) -> None:
    if isinstance(content, str):
        return
    if not isinstance(content, list):
        raise _bad(
            param,
            f"Invalid type for '{param}': expected one of a string or array of objects, but got "
            f"{_type_name(content)} instead.",
            "invalid_type",
        )
    for i, part in enumerate(content):
        where = f"{param}[{i}]"
        if not isinstance(part, dict):
            raise _bad(
                where,
                f"Invalid type for '{where}': expected an object, but got {_type_name(part)} instead.",
                "invalid_type",
            )
        _enum(f"{where}.type", part.get("type"), kinds, nullable=False)
        kind = part["type"]
        member = {
            "text": "text",
            "refusal": "refusal",
            "image_url": "image_url",
            "input_audio": "input_audio",
            "file": "file",
        }[kind]
        if member not in part:
            raise _bad(
                f"{where}.{member}", f"Missing required parameter: '{where}.{member}'.", "missing_required_parameter"
            )
        expected = "string" if kind in ("text", "refusal") else "object"
        _expect(f"{where}.{member}", part[member], expected, nullable=False)
        if kind == "image_url":
            _expect(f"{where}.image_url.url", part["image_url"].get("url"), "string", nullable=False)


def _tool_calls(param: str, calls: Any) -> None:
    _expect(param, calls, "array")
    for j, call in enumerate(calls or []):
        where = f"{param}[{j}]"
        _expect(where, call, "object", nullable=False)
        for member in ("id", "type", "function"):
            if member not in call:
                raise _bad(
                    f"{where}.{member}",
                    f"Missing required parameter: '{where}.{member}'.",
                    "missing_required_parameter",
                )
        _enum(f"{where}.type", call["type"], ("function",), nullable=False)
        _expect(f"{where}.function", call["function"], "object", nullable=False)
        _expect(f"{where}.function.name", call["function"].get("name"), "string", nullable=False)
        _expect(f"{where}.function.arguments", call["function"].get("arguments"), "string", nullable=False)


def _message(i: int, message: Any) -> None:
    where = f"messages[{i}]"
    _expect(where, message, "object", nullable=False)
    if "role" not in message:
        raise _bad(f"{where}.role", f"Missing required parameter: '{where}.role'.", "missing_required_parameter")
    _enum(f"{where}.role", message["role"], ROLES, nullable=False)
    role = message["role"]
    content = message.get("content")
    if "name" in message:
        _expect(f"{where}.name", message["name"], "string")
    if role == "assistant":
        if "tool_calls" in message:
            _tool_calls(f"{where}.tool_calls", message["tool_calls"])
        if content is None:
            if not (message.get("tool_calls") or message.get("function_call")):
                raise _bad(
                    f"{where}.content", f"Missing required parameter: '{where}.content'.", "missing_required_parameter"
                )
            return
        _text_parts(f"{where}.content", content, ("text", "refusal"))
        return
    if role == "function":
        _expect(f"{where}.name", message.get("name"), "string", nullable=False)
        _expect(f"{where}.content", content, "string")
        return
    if "content" not in message or content is None:
        raise _bad(f"{where}.content", f"Missing required parameter: '{where}.content'.", "missing_required_parameter")
    kinds = ("text", "image_url", "input_audio", "file") if role == "user" else ("text",)
    _text_parts(f"{where}.content", content, kinds)
    if role == "tool":
        if "tool_call_id" not in message:
            raise _bad(
                f"{where}.tool_call_id",
                f"Missing required parameter: '{where}.tool_call_id'.",
                "missing_required_parameter",
            )
        _expect(f"{where}.tool_call_id", message["tool_call_id"], "string", nullable=False)


def _tools(request: dict[str, Any]) -> list[str]:
    tools = request.get("tools")
    _expect("tools", tools, "array")
    names: list[str] = []
    for i, tool in enumerate(tools or []):
        where = f"tools[{i}]"
        _expect(where, tool, "object", nullable=False)
        _enum(f"{where}.type", tool.get("type"), ("function", "custom"), nullable=False)
        member = tool["type"]
        _expect(f"{where}.{member}", tool.get(member), "object", nullable=False)
        name = tool[member].get("name")
        _expect(f"{where}.{member}.name", name, "string", nullable=False)
        if not NAME.match(name):
            raise _bad(
                f"{where}.{member}.name",
                f"Invalid '{where}.{member}.name': string does not match pattern. "
                f"Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.",
                "invalid_value",
            )
        if member == "function":
            _expect(f"{where}.function.parameters", tool["function"].get("parameters"), "object")
            _expect(f"{where}.function.strict", tool["function"].get("strict"), "boolean")
        names.append(name)
    return names


def _tool_choice(request: dict[str, Any], names: list[str]) -> None:
    choice = request.get("tool_choice")
    if choice is None:
        return
    if isinstance(choice, str):
        _enum("tool_choice", choice, ("none", "auto", "required"), nullable=False)
    else:
        _expect("tool_choice", choice, "object", nullable=False)
        _enum("tool_choice.type", choice.get("type"), ("function", "allowed_tools", "custom"), nullable=False)
        if choice["type"] == "function":
            function = choice.get("function")
            _expect("tool_choice.function", function, "object", nullable=False)
            _expect("tool_choice.function.name", function.get("name"), "string", nullable=False)
            if function["name"] not in names:
                raise _bad(
                    "tool_choice",
                    f"Invalid value for 'tool_choice': function {function['name']!r} is not among the request's tools.",
                )
    if choice != "none" and not names:
        raise _bad(
            "tool_choice", "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified."
        )


def _response_format(fmt: Any) -> None:
    if fmt is None:
        return
    _expect("response_format", fmt, "object", nullable=False)
    _enum("response_format.type", fmt.get("type"), ("text", "json_object", "json_schema"), nullable=False)
    if fmt["type"] != "json_schema":
        return
    spec = fmt.get("json_schema")
    if spec is None:
        raise _bad(
            "response_format.json_schema",
            "Missing required parameter: 'response_format.json_schema'.",
            "missing_required_parameter",
        )
    _expect("response_format.json_schema", spec, "object", nullable=False)
    name = spec.get("name")
    _expect("response_format.json_schema.name", name, "string", nullable=False)
    if not NAME.match(name):
        raise _bad(
            "response_format.json_schema.name",
            "Invalid 'response_format.json_schema.name': string does not "
            "match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.",
        )
    _expect("response_format.json_schema.schema", spec.get("schema"), "object")
    _expect("response_format.json_schema.strict", spec.get("strict"), "boolean")


def _functions(request: dict[str, Any]) -> None:
    if "functions" not in request:
        return
    functions = request["functions"]
    _expect("functions", functions, "array", nullable=False)
    if not 1 <= len(functions) <= 128:
        raise _bad("functions", "Invalid 'functions': expected an array of 1 to 128 functions.")
    for i, function in enumerate(functions):
        _expect(f"functions[{i}]", function, "object", nullable=False)
        _expect(f"functions[{i}].name", function.get("name"), "string", nullable=False)
    call = request.get("function_call")
    if call is not None and not (
        call in ("none", "auto") or (isinstance(call, dict) and isinstance(call.get("name"), str))
    ):
        raise _bad("function_call", "Invalid value for 'function_call': expected 'none', 'auto' or {\"name\": ...}.")


def validate(request: Any) -> dict[str, Any]:
    """The request if it is valid; otherwise raise the :class:`ApiError` OpenAI would answer."""
    if not isinstance(request, dict):
        raise ApiError(
            400,
            f"Invalid type for request body: expected an object, but got {_type_name(request)} instead.",
            None,
            "invalid_type",
        )
    for key in request:
        if key not in PARAMETERS:
            raise _bad(key, f"Unrecognized request argument supplied: {key}", "unknown_parameter")
    if "model" not in request:
        raise _bad("model", "you must provide a model parameter", "missing_required_parameter")
    _expect("model", request["model"], "string", nullable=False)
    if "messages" not in request:
        raise _bad("messages", "Missing required parameter: 'messages'.", "missing_required_parameter")
    messages = request["messages"]
    _expect("messages", messages, "array", nullable=False)
    if not messages:
        raise _bad(
            "messages",
            "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
            "empty_array",
        )
    for i, message in enumerate(messages):
        _message(i, message)
    for param, kind, low, high in (
        ("temperature", "number", 0, 2),
        ("top_p", "number", 0, 1),
        ("n", "integer", 1, 128),
        ("max_tokens", "integer", 1, None),
        ("max_completion_tokens", "integer", 1, None),
        ("frequency_penalty", "number", -2, 2),
        ("presence_penalty", "number", -2, 2),
        ("top_logprobs", "integer", 0, 20),
        ("seed", "integer", -(2**63), 2**63 - 1),
    ):
        _expect(param, request.get(param), kind)
        _range(param, request.get(param), low, high)
    for param in ("stream", "logprobs", "store", "parallel_tool_calls"):
        _expect(param, request.get(param), "boolean")
    for param in ("user", "safety_identifier", "prompt_cache_key"):
        _expect(param, request.get(param), "string")
    for param in (
        "metadata",
        "logit_bias",
        "stream_options",
        "audio",
        "prediction",
        "web_search_options",
        "moderation",
        "prompt_cache_options",
    ):
        _expect(param, request.get(param), "object")
    options = request.get("stream_options") or {}
    for member in ("include_usage", "include_obfuscation"):
        _expect(f"stream_options.{member}", options.get(member), "boolean")
    _enum("reasoning_effort", request.get("reasoning_effort"), REASONING_EFFORTS)
    _enum("service_tier", request.get("service_tier"), SERVICE_TIERS)
    _enum("verbosity", request.get("verbosity"), ("low", "medium", "high"))
    stop = request.get("stop")
    if (
        stop is not None
        and not isinstance(stop, str)
        and not (isinstance(stop, list) and len(stop) <= 4 and all(isinstance(s, str) for s in stop))
    ):
        raise _bad("stop", "Invalid 'stop': expected a string or an array of at most 4 strings.")
    _tool_choice(request, _tools(request))
    _response_format(request.get("response_format"))
    _functions(request)
    if request["model"] not in KNOWN_MODELS:
        raise ApiError(
            404,
            f"The model `{request['model'][:64]}` does not exist or you do not have access to it.",
            None,
            "model_not_found",
        )
    return request
