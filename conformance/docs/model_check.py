"""The page's model list against the request ``model`` enum of the operations it embeds, both ways."""

from __future__ import annotations

from conformance.docs import rules
from conformance.docs.checker import _Checker
from conformance.docs.specs import OperationRef, model_enum
from conformance.findings import describe


def check_models(checker: _Checker) -> None:
    page = checker.page
    if not page.models:
        return
    ids = [m.id for m in page.models]
    enums: dict[tuple[str, tuple[str, ...], bool], list[OperationRef]] = {}
    for slot in checker.slots:
        op = slot.op
        request = op.spec.request_schema(op) if op is not None else None
        if op is None or request is None:
            continue
        enum = model_enum(request[1], op.spec.spec)
        if enum is not None:
            enums.setdefault((op.spec.display, tuple(enum[0]), enum[1]), []).append(op)
    for (_, values, open_ended), ops in enums.items():
        spec = ops[0].spec
        labels = ", ".join(dict.fromkeys(op.label for op in ops))
        extra = {"spec": spec.display, "operation": labels}
        if not open_ended:
            for model in page.models:
                if model.id not in values:
                    checker.add(
                        rules.MODEL_NOT_IN_SPEC,
                        model.line,
                        f"the page lists model `{model.id}`, which the request `model` enum of {labels} "
                        f"in {spec.short} does not accept",
                        pointer="/model",
                        expected=describe(list(values)),
                        found=model.id,
                        extra=extra,
                    )
        for value in values:
            if value not in ids:
                checker.add(
                    rules.MODEL_NOT_ON_PAGE,
                    page.models_line or page.models[0].line,
                    f"the request `model` enum of {labels} in {spec.short} accepts `{value}`, which the "
                    "page's model list does not name",
                    pointer="/model",
                    expected=value,
                    found=describe(ids),
                    extra=extra,
                )
