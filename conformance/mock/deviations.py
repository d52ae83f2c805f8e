"""The drift modes' deviations: one per mode, applied to an otherwise conformant answer or stream event."""

from __future__ import annotations

from typing import Any

from conformance.mock import chat


def meta(the_plan: chat.Plan) -> dict[str, Any]:
    total = the_plan.total_tokens
    return {"usage": {"credits_used": total * 21, "usd_spent": round(total * 1e-5, 6)}}


def drift_completion(mode: str, body: dict[str, Any], the_plan: chat.Plan) -> None:
    if mode == "missing-required":
        body.pop("usage", None)
    elif mode == "wrong-type":
        body["created"] = str(body.get("created", the_plan.created))
    elif mode == "enum-outside":
        for choice in body.get("choices") or []:
            if isinstance(choice, dict):
                choice["finish_reason"] = "stopped"
    elif mode == "extra-field":
        body["meta"] = meta(the_plan)
    elif mode == "wrong-object":
        body["object"] = "chat.completions"


def drift_chunk(mode: str, event: dict[str, Any], the_plan: chat.Plan, *, last: bool) -> None:
    if mode == "missing-required":
        event.pop("model", None)
    elif mode == "wrong-type":
        event["created"] = str(event.get("created", the_plan.created))
    elif mode == "enum-outside":
        for choice in event.get("choices") or []:
            if isinstance(choice, dict) and choice.get("finish_reason") is not None:
                choice["finish_reason"] = "stopped"
    elif mode == "extra-field" and last:
        event["meta"] = meta(the_plan)
    elif mode == "wrong-object":
        event["object"] = "chat.completion"
