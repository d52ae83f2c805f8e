"""The whole catalog: every OpenAPI spec under a folder compared between two refs, plus a family view.

A gateway publishes one spec per model and they drift together. :func:`compare_catalog`
reads every spec under a folder at ``since`` and at ``until`` through one
:class:`Snapshots` reader the load layer hands over (a git clone, the GitHub API or the
mirror) and diffs each pair with :func:`~conformance.drift.engine.diff_specs`:
one :class:`SpecDrift` per spec, with the same fingerprint ``conformance drift``
gives for that pair. Unchanged bytes are not parsed twice; work is linear in the
number of specs.

:func:`family_view` compares siblings *today* (at ``until``): each sibling against
the first one (the pinned spec), so a reader sees where the family disagrees.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from typing import Any, Protocol

import attrs

from conformance.drift.canon import SpecIndex
from conformance.drift.engine import diff_specs
from conformance.drift.report import LABELS, Step, counts, drift_report, fingerprint
from conformance.drift.rules import DOC_RULES
from conformance.errors import InputError, ToolError
from conformance.findings import Finding, Level, sort_findings
from conformance.report import Report
from conformance.report import render as render_report

SPEC_SUFFIXES = (".json", ".yaml", ".yml")
NOT_OPENAPI = "not an OpenAPI document"
FAMILY_FOLDER = "docs/api-references/text-models-llm/OpenAI"
#: the GPT-5.2 family: the pinned spec first (the reference the others are compared with)
GPT52_FAMILY = tuple(
    f"{FAMILY_FOLDER}/{name}"
    for name in (
        "gpt-5-2-openai.json",
        "gpt-5-2.json",
        "gpt-5-2-chat-latest.json",
        "gpt-5-2-pro.json",
        "gpt-5-2-codex.json",
    )
)


@attrs.frozen
class SpecDrift:
    """One spec of the catalog between the two refs."""

    path: str
    status: str  # "changed" | "unchanged" | "added" | "removed" | "unloadable"
    step: Step
    seconds: float = 0.0
    note: str = ""

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self.step.findings


@attrs.frozen
class FamilyView:
    """Each sibling against the reference (the first of the family) at one ref."""

    ref: str
    reference: str
    siblings: tuple[tuple[str, tuple[Finding, ...]], ...]
    missing: tuple[str, ...] = ()


@attrs.frozen
class CatalogDrift:
    source: str
    folder: str
    since: str
    until: str
    specs: tuple[SpecDrift, ...]
    family: FamilyView | None = None
    skipped: tuple[tuple[str, str], ...] = ()  # (path, why) for files that are not OpenAPI specs
    seconds: float = 0.0

    @property
    def findings(self) -> list[Finding]:
        return [f for s in self.specs for f in s.findings]


# -- reading at a ref -------------------------------------------------------------------------------
class Snapshots(Protocol):
    """The files of a repository at a ref, as the load layer reads them (``conformance.load.history.Snapshots``
    over a git clone, the GitHub API or the mirror)."""

    @property
    def label(self) -> str: ...

    @property
    def repo_flag(self) -> str:
        """How ``conformance drift`` names this repository again (``--repo DIR `` for a clone, else nothing)."""
        ...

    def files(self, ref: str, folder: str) -> list[str]: ...

    def read(self, ref: str, path: str) -> bytes | None:
        """The bytes at ``ref``, or None when the file does not exist there."""
        ...

    def resolved(self, ref: str, path: str) -> str:
        """The ref to name this file's version with in a reproduce line."""
        ...

    def parse(self, raw: bytes, where: str) -> dict[str, Any]:
        """The OpenAPI document in ``raw`` (a :class:`~conformance.errors.ToolError` when it is not one)."""
        ...


def _is_spec_name(path: str) -> bool:
    return path.endswith(SPEC_SUFFIXES)


def _parse(reader: Snapshots, raw: bytes, where: str) -> dict[str, Any] | str:
    """The spec, or why the file is not one."""
    try:
        spec = reader.parse(raw, where)
    except ToolError as exc:
        if (
            "no 'openapi' key" in exc.message and "swagger" not in exc.message
        ) or "expected a JSON object" in exc.message:
            return NOT_OPENAPI  # JSON or YAML, but another kind of document (package.json, a config file)
        return exc.message
    except RecursionError:
        return f"{where}: nested too deep to read"
    if not isinstance(spec, dict) or not ("openapi" in spec or "swagger" in spec):
        return NOT_OPENAPI
    return spec


def compare_catalog(
    reader: Snapshots,
    folder: str,
    since: str,
    until: str = "main",
    *,
    family: Sequence[str] = GPT52_FAMILY,
    only: Sequence[str] | None = None,
    clock: Any = time.perf_counter,
) -> CatalogDrift:
    """Every spec under ``folder`` between ``since`` and ``until`` (see the module docstring).

    ``only`` keeps just those paths (the family, for the nightly watch).
    """
    started = clock()
    repo_flag = reader.repo_flag
    names = sorted(
        {
            p
            for ref in (since, until)
            for p in reader.files(ref, folder)
            if _is_spec_name(p) and (only is None or p in only)
        }
    )
    if not names:
        raise InputError(
            f"{reader.label}: expected OpenAPI specs (*.json, *.yaml) under {folder or '/'} at "
            f"{since} or {until}, found none"
        )
    specs: list[SpecDrift] = []
    skipped: list[tuple[str, str]] = []
    until_specs: dict[str, dict[str, Any]] = {}
    for path in names:
        t0 = clock()
        old_raw, new_raw = reader.read(since, path), reader.read(until, path)
        old_label, new_label = f"{_short(since)}:{path}", f"{_short(until)}:{path}"
        old_ref, new_ref = reader.resolved(since, path), reader.resolved(until, path)
        reproduce = f"conformance drift {repo_flag}ref:{old_ref}:{path} ref:{new_ref}:{path}"
        old = _parse(reader, old_raw, old_label) if old_raw is not None else None
        new = _parse(reader, new_raw, new_label) if new_raw is not None else None
        if (
            (old is None or isinstance(old, str))
            and (new is None or isinstance(new, str))
            and NOT_OPENAPI in (old, new)
        ):
            skipped.append((path, NOT_OPENAPI))
            continue
        if isinstance(new, dict) and path in family:
            until_specs[path] = new  # only the family is kept: memory stays flat whatever the catalog's size
        status, findings, note = _pair(path, old, new, old_raw, new_raw, reproduce)
        step = Step(old_label, new_label, tuple(findings), reproduce if status == "changed" else "")
        specs.append(SpecDrift(path, status, step, clock() - t0, note))
    view = family_view(until_specs, family, until) if family else None
    return CatalogDrift(reader.label, folder, since, until, tuple(specs), view, tuple(skipped), clock() - started)


def _pair(
    path: str, old: Any, new: Any, old_raw: bytes | None, new_raw: bytes | None, reproduce: str
) -> tuple[str, list[Finding], str]:
    from conformance.drift import rules as R

    if isinstance(old, str) or isinstance(new, str):
        why = new if isinstance(new, str) else old
        finding = R.SPEC_UNLOADABLE.finding(path, f"{path}: {why}", direction=R.SPEC, change=why)
        return "unloadable", [finding], str(why)
    if old is None and new is None:
        return "unchanged", [], "absent at both refs"
    if old is None:
        return "added", [], "the spec is new"
    if new is None:
        return "removed", [], "the spec was removed"
    if old_raw == new_raw:
        return "unchanged", [], ""
    try:
        findings = diff_specs(SpecIndex(old, "old"), SpecIndex(new, "new"), evidence=reproduce)
    except RecursionError:
        finding = R.SPEC_UNLOADABLE.finding(
            path, f"{path}: schemas nested too deep to compare", direction=R.SPEC, change="depth"
        )
        return "unloadable", [finding], "nested too deep"
    return ("changed" if findings else "unchanged"), findings, ""


def family_view(specs: dict[str, dict[str, Any]], family: Sequence[str], ref: str) -> FamilyView | None:
    """Each sibling of ``family`` present in ``specs`` against the first one present."""
    present = [p for p in family if p in specs]
    missing = tuple(p for p in family if p not in specs)
    if len(present) < 2:
        return FamilyView(ref, present[0] if present else "", (), missing) if present else None
    reference = present[0]
    base = SpecIndex(specs[reference], "reference")
    siblings = []
    for path in present[1:]:
        found = diff_specs(base, SpecIndex(specs[path], "sibling"))
        siblings.append((path, tuple(f for f in found if f.rule_id not in DOC_RULES)))
    return FamilyView(ref, reference, tuple(siblings), missing)


def _short(ref: str) -> str:
    return ref[:8] if len(ref) == 40 else ref


def _name(path: str) -> str:
    return path.rsplit("/", 1)[-1]


# -- reports ----------------------------------------------------------------------------------------
def _disagreements(view: FamilyView) -> list[tuple[str, str, list[str]]]:
    """(where, what, siblings) for each way a sibling differs from the reference, merged across siblings."""
    rows: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path, findings in view.siblings:
        for f in sort_findings(findings):
            rows[(f.where, f"{LABELS[f.level]} `{f.rule_id}`: {f.message}")].append(_name(path))
    return [(where, what, names) for (where, what), names in sorted(rows.items())]


def catalog_report(
    result: CatalogDrift, title: str, *, acknowledged: frozenset[str] = frozenset(), fail_on: Level | None = Level.ERROR
) -> Report:
    """The catalog as a drift report: one step per spec (its path as the subject), the table and the family
    view in JSON ``details``."""
    steps = [
        attrs.evolve(s.step, subject=f"{s.path} ({s.status})" + (f": {s.note}" if s.note else "")) for s in result.specs
    ]
    return drift_report(
        steps,
        title,
        meta={
            "mode": "catalog",
            "source": result.source,
            "folder": result.folder,
            "since": result.since,
            "until": result.until,
        },
        acknowledged=acknowledged,
        fail_on=fail_on,
        details=catalog_details(result),
        text_body=lambda report: render_text(result, report.title),
        markdown_body=lambda report: render_markdown(result, report.title),
    )


def render(result: CatalogDrift, fmt: str, title: str) -> str:
    """The catalog's report in ``fmt``, without a baseline (for tests and library use)."""
    return render_report(catalog_report(result, title), fmt)


def _totals(result: CatalogDrift) -> dict[str, int]:
    return counts(result.findings)


def render_text(result: CatalogDrift, title: str) -> str:
    lines = [title, f"drift fingerprint: {fingerprint(result.findings)}", ""]
    width = max(len(_name(s.path)) for s in result.specs) if result.specs else 4
    lines.append(f"{'spec':<{width}}  {'status':<10}  breaking  warning  info  fingerprint")
    for s in result.specs:
        c = counts(s.findings)
        lines.append(
            f"{_name(s.path):<{width}}  {s.status:<10}  {c['breaking']:>8}  {c['warning']:>7}  "
            f"{c['info']:>4}  {fingerprint(s.findings)}"
        )
    for s in result.specs:
        if not s.findings:
            continue
        lines += ["", f"== {s.path} ({s.step.old} -> {s.step.new})"]
        from conformance.drift.report import _text_step

        _text_step(s.step, lines)
        if s.step.reproduce:
            lines.append(f"reproduce: {s.step.reproduce}")
    for path, why in result.skipped:
        lines.append(f"skipped {path}: {why}")
    if result.family is not None:
        lines += ["", *_family_text(result.family)]
    t = _totals(result)
    lines += [
        "",
        f"{len(result.specs)} spec(s): {sum(1 for s in result.specs if s.status == 'changed')} changed, "
        f"{sum(1 for s in result.specs if s.status in ('added', 'removed'))} added/removed; "
        f"{t['breaking']} breaking, {t['warning']} warning, {t['info']} info",
    ]
    return "\n".join(lines) + "\n"


def _family_text(view: FamilyView) -> list[str]:
    lines = [f"GPT-5.2 family at {_short(view.ref)}: each sibling against {_name(view.reference)}"]
    for path, findings in view.siblings:
        c = counts(findings)
        lines.append(
            f"  {_name(path)}: {len(findings)} difference(s) ({c['breaking']} breaking, "
            f"{c['warning']} warning, {c['info']} info)"
        )
    for where, what, names in _disagreements(view):
        lines.append(f"  - {where}: {what} [{', '.join(names)}]")
    for path in view.missing:
        lines.append(f"  (no {_name(path)} at {_short(view.ref)})")
    return lines


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(result: CatalogDrift, title: str) -> str:
    from conformance.drift.report import _md_table

    fp = fingerprint(result.findings)
    t = _totals(result)
    out = [
        f"<!-- drift-fingerprint: {fp} -->",
        f"## {title}",
        "",
        f"Drift fingerprint: `{fp}` · {len(result.specs)} spec(s) · {t['breaking']} breaking, {t['warning']} "
        f"warning, {t['info']} info",
        "",
        "| spec | status | breaking | warning | info | fingerprint |",
        "|---|---|---|---|---|---|",
    ]
    for s in result.specs:
        c = counts(s.findings)
        out.append(
            f"| `{_name(s.path)}` | {s.status} | {c['breaking']} | {c['warning']} | {c['info']} "
            f"| `{fingerprint(s.findings)}` |"
        )
    for s in result.specs:
        if not s.findings:
            continue
        out += ["", f"### `{s.path}`", "", f"`{s.step.old}` → `{s.step.new}`", ""]
        out += _md_table(s.findings)
        if s.step.reproduce:
            out += ["", f"Reproduce: `{s.step.reproduce}`"]
    if result.skipped:
        out += ["", "Skipped: " + ", ".join(f"`{p}` ({why})" for p, why in result.skipped)]
    view = result.family
    if view is not None:
        out += [
            "",
            f"### GPT-5.2 family at `{_short(view.ref)}`",
            "",
            f"Each sibling compared with `{_name(view.reference)}`: where the family disagrees today.",
            "",
            "| sibling | differences | breaking | warning | info |",
            "|---|---|---|---|---|",
        ]
        for path, findings in view.siblings:
            c = counts(findings)
            out.append(f"| `{_name(path)}` | {len(findings)} | {c['breaking']} | {c['warning']} | {c['info']} |")
        rows = _disagreements(view)
        if rows:
            out += ["", "| where | difference | siblings |", "|---|---|---|"]
            out += [f"| `{_cell(where)}` | {_cell(what)} | {', '.join(names)} |" for where, what, names in rows]
        if view.missing:
            out += ["", "Not present: " + ", ".join(f"`{_name(p)}`" for p in view.missing)]
    return "\n".join(out) + "\n"


def catalog_details(result: CatalogDrift) -> dict[str, Any]:
    """What the shared report schema leaves to the command: the specs' table, skipped files, the family view."""
    payload: dict[str, Any] = {
        "specs_total": len(result.specs),
        "by_status": {
            k: sum(1 for s in result.specs if s.status == k)
            for k in ("changed", "unchanged", "added", "removed", "unloadable")
        },
        "specs": [
            {
                "path": s.path,
                "status": s.status,
                "note": s.note,
                "old": s.step.old,
                "new": s.step.new,
                "fingerprint": fingerprint(s.findings),
                "summary": counts(s.findings),
                "reproduce": s.step.reproduce,
            }
            for s in result.specs
        ],
        "skipped": [{"path": p, "reason": why} for p, why in result.skipped],
    }
    view = result.family
    if view is not None:
        payload["family"] = {
            "ref": view.ref,
            "reference": view.reference,
            "missing": list(view.missing),
            "siblings": [
                {
                    "path": p,
                    "summary": counts(fs),
                    "fingerprint": fingerprint(fs),
                    "findings": [f.to_dict() for f in sort_findings(fs)],
                }
                for p, fs in view.siblings
            ],
        }
    return payload
