"""Call GPT-5.2 chat completions through the generated, typed client.

    AIMLAPI_KEY=... python examples/quickstart.py "Say hello"

``AIMLAPI_BASE_URL`` points the client elsewhere (a mock server, a proxy);
the key is read from the environment and never printed.
"""

from __future__ import annotations

import asyncio
import os
import sys

from gpt52_client import AuthenticatedClient
from gpt52_client.api.chat import create_chat_completion
from gpt52_client.models import (
    ChatCompletion,
    ChatCompletionUserMessageParam,
    CreateChatCompletionRequest,
    ErrorResponse,
)


def build_request(prompt: str) -> CreateChatCompletionRequest:
    return CreateChatCompletionRequest(
        model="openai/gpt-5-2",
        messages=[ChatCompletionUserMessageParam(role="user", content=prompt)],
        max_tokens=256,
    )


def first_content(result: ChatCompletion | ErrorResponse | None) -> str:
    """The first choice's text, or a readable error."""
    if isinstance(result, ChatCompletion):
        content = result.choices[0].message.content
        return content if content is not None else "(no text: the model called a tool)"
    if isinstance(result, ErrorResponse):
        return f"error: {result.error.message}"
    return "error: an undocumented response status"


async def ask_async(client: AuthenticatedClient, request: CreateChatCompletionRequest) -> str:
    return first_content(await create_chat_completion.asyncio(client=client, body=request))


def main(argv: list[str]) -> int:
    token = os.environ.get("AIMLAPI_KEY")
    if not token:
        sys.stderr.write("set AIMLAPI_KEY to your AI/ML API key\n")
        return 2
    base_url = os.environ.get("AIMLAPI_BASE_URL", "https://api.aimlapi.com")
    request = build_request(" ".join(argv) or "Hello")
    client = AuthenticatedClient(base_url=base_url, token=token)

    # synchronous call
    print(first_content(create_chat_completion.sync(client=client, body=request)))
    # the same call with asyncio
    print(asyncio.run(ask_async(client, request)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
