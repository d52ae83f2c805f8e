"""Each API-schema block resolved to the operation of the spec it links, or a finding saying why not."""

from __future__ import annotations

from conformance.docs import rules
from conformance.docs.checker import _Checker
from conformance.docs.page import SpecRef
from conformance.docs.specs import OperationRef, SpecFailure, parse_link
from conformance.oas import join_pointer


def resolve_operation(checker: _Checker, ref: SpecRef) -> OperationRef | None:
    block = f"{{% {ref.tag} %}} at line {ref.line}"
    if not ref.path or not ref.method:
        missing = " and ".join(k for k, v in (("path=", ref.path), ("method=", ref.method)) if not v)
        checker.add(rules.SPEC_REF_INVALID, ref.line, f"{block} lacks {missing}", found=f"spec={ref.spec_name!r}")
        return None
    if not ref.link:
        checker.add(
            rules.SPEC_REF_INVALID,
            ref.line,
            f"{block} has no link to a spec file",
            expected="[OpenAPI name](https://raw.githubusercontent.com/<owner>/<repo>/<ref>/<path>.json)",
        )
        return None
    source = parse_link(ref.link, checker.path)
    if isinstance(source, str):
        checker.add(rules.SPEC_REF_INVALID, ref.link_line, f"{block} ({ref.label()}): {source}", found=ref.link)
        return None
    loaded = checker.store.load(source)
    if isinstance(loaded, SpecFailure):
        checker.add(
            loaded.rule,
            ref.link_line,
            f"{block} ({ref.label()}): {loaded.message}",
            hint=loaded.hint,
            found=ref.link,
        )
        return None
    op = loaded.operation(ref.path, ref.method)
    if op is None:
        available = [f"{m.upper()} {p}" for p in loaded.paths() for m in loaded.methods(p)]
        shown = ", ".join(available[:8]) + (", …" if len(available) > 8 else "")
        checker.add(
            rules.OPERATION_MISSING,
            ref.line,
            f"{block} names {ref.label()}, which {loaded.short} does not define",
            expected=shown or "(the spec has no operations)",
            found=ref.label(),
            pointer=join_pointer("paths", ref.path, ref.method),
        )
        return None
    return op
