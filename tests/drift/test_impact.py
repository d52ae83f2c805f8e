"""Client impact: a finding's path walked through the committed surface summary to a class and field."""

from __future__ import annotations

from conformance.drift import diff_specs
from conformance.drift.impact import Surface, annotate, describe_impact

from .specs import obj, response

SURFACE = """\
model ChatCompletion
  field ChatCompletion.id: str
  field ChatCompletion.choices: list[Choice]
  field ChatCompletion.object_: ChatCompletionObject
model Choice
  field Choice.message: ChatCompletionMessage
  field Choice.finish_reason: ChoiceFinishReason
model ChatCompletionMessage
  field ChatCompletionMessage.content: None | str
model CreateChatCompletionRequest
  field CreateChatCompletionRequest.messages: list[SystemParam | UserParam]
model SystemParam
  field SystemParam.role: SystemParamRole
model UserParam
  field UserParam.role: UserParamRole
  field UserParam.content: str
literal SystemParamRole = Literal['system']
literal UserParamRole = Literal['user']
""" + (
    "operation api.chat.create.sync(client: Client, body: CreateChatCompletionRequest) "
    "-> ChatCompletion | ErrorResponse | None  [POST /v1/chat/completions]\n"
)


def test_locate_walks_field_types_and_variants() -> None:
    surface = Surface.parse(SURFACE)
    where = "POST /v1/chat/completions"
    assert surface.locate(where, "response.200.choices[].message.content") == (
        "`api.chat.create`",
        "ChatCompletionMessage",
        "content",
    )
    assert surface.locate(where, "response.200.object") == ("`api.chat.create`", "ChatCompletion", "object_")
    assert surface.locate(where, "request.body.messages[].oneOf[role=user].content") == (
        "`api.chat.create`",
        "UserParam",
        "content",
    )
    assert surface.locate(where, "response.200.meta") == ("`api.chat.create`", "ChatCompletion", "!meta")


def test_impact_sentence_names_class_field_and_effect() -> None:
    surface = Surface.parse(SURFACE)
    old = response(
        {
            "id": {"type": "string"},
            "choices": {"type": "array", "items": obj({"message": obj({"content": {"type": "string"}}, ("content",))})},
        },
        ("id",),
    )
    new = response(
        {
            "id": {"type": "string"},
            "choices": {
                "type": "array",
                "items": obj({"message": obj({"content": {"type": "string", "nullable": True}}, ("content",))}),
            },
        },
        ("id",),
    )
    [finding] = annotate(diff_specs(old, new), surface)
    assert finding.get("client") == (
        "`ChatCompletionMessage.content: None | str`: null now arrives where the "
        "client expects a value (TypeError/AttributeError at use)"
    )


def test_without_a_surface_the_impact_degrades_to_schema_names() -> None:
    old = response({"id": {"type": "string"}}, ("id",))
    new = response({})
    [finding] = diff_specs(old, new)
    assert describe_impact(finding, Surface.empty()) == (
        "id: the generated from_dict raises KeyError; code reading the field breaks "
        "(no client surface summary; names from the spec)"
    )


def test_unreadable_surface_lines_are_ignored() -> None:
    surface = Surface.parse("garbage\nfield nothing\nmodel A\n  field A.x: int\n")
    assert surface.models == {"A": {"x": "int"}}
