"""``conformance run``: pick the target, run the pytest suite against it, judge the findings.

The runner is handed its values by the CLI: the spec pair, the doc pages' findings and, for ``--target mock``,
a function that starts the mock (the suite never imports the mock or the load layer).

:func:`run_report` makes the :class:`~conformance.report.Report` that the command hands to the one writer
(``findings.json``, ``junit.xml`` and ``summary.md`` in ``--report-dir``, and the terminal summary).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import ipaddress
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

import attrs

from conformance import paths
from conformance.baseline import Baseline, Entry
from conformance.errors import EXIT_BUG, EXIT_UPSTREAM, UsageError
from conformance.fileio import atomic_write
from conformance.findings import Finding, Level, Source, exit_code_for, sort_findings
from conformance.inputs import DocPages, SpecPair
from conformance.report import Report, counts_line, finding_lines, findings_markdown
from conformance.suite.exchange import scrub
from conformance.suite.plugin import CONFIG_ENV, KEY_ENV

LIVE_URL = "https://api.aimlapi.com"
#: requests a run may send when --max-requests is not given (the mock: no limit)
DEFAULT_BUDGET = {"live": 20, "url": 3000}
EXIT_INTERRUPTED = 130
SUITE_FILE = Path(__file__).with_name("test_conformance.py")


@attrs.frozen
class RunOptions:
    target: str = "mock"
    mock_mode: str = "conformant"
    spec: str = "published"
    max_examples: int = 10
    report_dir: Path = Path("reports")
    baseline: bool = True
    strict: bool = False
    seed: int = 0
    max_requests: int | None = None
    record: bool = False
    replay: Path | None = None
    doc_pages: DocPages = attrs.field(factory=lambda: DocPages(why_not=("no doc page was asked for",)))
    fail_on: Level | None = Level.ERROR
    fmt: str = "text"
    # the published/normalised pair the run checks against, from the load layer
    specs: SpecPair | None = None
    # the doc pages' findings (checked against the same pair by the docs stage), added to the report
    doc_findings: tuple[Finding, ...] = ()
    # for --target mock: starts the mock for these options and yields its base URL
    start_mock: Callable[[RunOptions], contextlib.AbstractContextManager[str]] | None = None
    pytest_args: tuple[str, ...] = ()
    quiet: bool = False
    shard: str | None = None
    merge_from: tuple[Path, ...] = ()
    api_key_env: str = KEY_ENV
    api_key: str | None = attrs.field(default=None, repr=False)  # never printed, logged or written
    no_auth: bool = False
    max_response_time: float = 30.0
    max_run_time: float | None = 600.0
    # whose findings decide the exit code; spec and doc findings are reported either way
    fail_sources: frozenset[Source] = frozenset({Source.SERVER})


@attrs.frozen
class RunResult:
    findings: tuple[Finding, ...]
    new: tuple[Finding, ...]
    acknowledged: tuple[Finding, ...]
    stale: tuple[Entry, ...]
    pytest_exit: int
    exit_code: int
    target: str
    stopped: str | None = None  # why the run ended early (budget, wall-time, refused, interrupted), if it did
    complete: bool = True  # a full run of the baseline's scope: only then can an entry be called stale
    # what the requests were generated from (generation_inputs): only when this run sent them, not for a replay,
    # merged shards or checked traffic
    generation: dict[str, Any] | None = None


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_key_policy(url: str, key: str | None) -> None:
    """A key goes only over https, or plain http to loopback."""
    scheme = urlsplit(url).scheme
    if scheme not in ("http", "https"):
        raise UsageError(f"--target {url!r}: expected an http(s) URL, 'mock' or 'live'")
    if key and scheme == "http" and not is_loopback(url):
        raise UsageError(
            f"refusing to send the API key over plain http to {urlsplit(url).hostname}",
            hint="use https, or a loopback address for local servers",
        )


def target_key(options: RunOptions) -> str | None:
    """The key for a URL or live target (``options.api_key``, read by the CLI's context from ``$api_key_env``);
    a usage error when there is none (unless --no-auth)."""
    if options.no_auth:
        return None
    if not options.api_key:
        raise UsageError(
            f"--target {options.target}: the API key ${options.api_key_env} is not set (or empty); without a key "
            "every request is refused and the run says nothing about conformance",
            hint=f"export {options.api_key_env}=..., name another variable with --api-key-env NAME, "
            "or pass --no-auth to test an open server on purpose",
        )
    return options.api_key


@contextlib.contextmanager
def _target(options: RunOptions) -> Iterator[tuple[str, str]]:
    if options.target == "mock":
        if options.start_mock is None:
            raise ValueError("RunOptions.start_mock is needed for --target mock")
        with options.start_mock(options) as base_url:
            yield base_url, "mock"
        return
    if options.target == "live":
        target_key(options)
        yield LIVE_URL, "live"
        return
    check_key_policy(options.target, None)
    check_key_policy(options.target, target_key(options))
    yield options.target.rstrip("/"), "url"


def _collect(raw_dir: Path) -> list[Finding]:
    findings: list[Finding] = []
    for file in sorted(raw_dir.glob("findings-*.jsonl")):
        for line in file.read_text().splitlines():
            if line.strip():
                findings.append(Finding.from_dict(json.loads(line)))
    return findings


def aggregate(findings: Sequence[Finding]) -> list[Finding]:
    """One finding per fingerprint (the first seen), with how often it occurred (counts already carried by a
    finding, as from another process, are summed)."""
    first: dict[str, Finding] = {}
    counts: dict[str, int] = {}
    for finding in findings:
        key = finding.fingerprint
        counts[key] = counts.get(key, 0) + finding.occurrences
        first.setdefault(key, finding)
    return sort_findings(attrs.evolve(finding, occurrences=counts[key]) for key, finding in first.items())


def _prepare_specs(options: RunOptions, report_dir: Path) -> tuple[Path, Path]:
    """The pair, written where the suite's pytest process reads it."""
    if options.specs is None:
        raise ValueError("RunOptions.specs is needed: the pair the run checks against")
    spec_dir = report_dir / "specs"
    published = spec_dir / "published.json"
    normalised = spec_dir / "normalised.json"
    atomic_write(published, json.dumps(options.specs.published))
    atomic_write(normalised, json.dumps(options.specs.normalised))
    return published, normalised


class ScrubbingWriter(io.TextIOBase):
    """A text stream that writes whole lines to ``target`` with every secret value replaced by ``***``.

    The suite's own output (pytest's report of a crash, a schemathesis message quoting a response) may carry a
    key that the target echoed; it never reaches the terminal.
    """

    def __init__(self, target: IO[str], secrets: tuple[str, ...]) -> None:
        self.target = target
        self.secrets = secrets
        self._pending = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._pending += text
        if "\n" in self._pending:
            lines, self._pending = self._pending.rsplit("\n", 1)
            self.target.write(scrub(lines, self.secrets) + "\n")
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self.target.write(scrub(self._pending, self.secrets))
            self._pending = ""
        self.target.flush()

    def isatty(self) -> bool:
        return False


# the pytest plugins (entry-point names) the suite's session loads: workers (`--workers`), schemathesis, hypothesis
SUITE_PLUGINS = ("xdist", "schemathesis", "hypothesispytest")


def _run_pytest(config_file: Path, options: RunOptions) -> int:
    import pytest

    # --assert=plain: the suite never asserts; rewriting every imported plugin module would cost seconds.
    # no:unraisableexception: its end-of-session clean-up runs five full garbage collections (a fifth of a second,
    # a tenth of a short run) to find exceptions raised in __del__, which say nothing about the target.
    # --disable-plugin-autoload: the session loads the plugins it uses (SUITE_PLUGINS), not every pytest plugin
    # installed beside it: one that reorders, reseeds or reruns tests (pytest-randomly, pytest-rerunfailures)
    # would change what is sent and what is found. `-- -p NAME` still loads one on purpose.
    args = [
        str(SUITE_FILE),
        "--disable-plugin-autoload",
        *(arg for name in SUITE_PLUGINS for arg in ("-p", name)),
        "-p",
        "no:cacheprovider",
        "-p",
        "no:unraisableexception",
        "-p",
        "conformance.suite.plugin",
        "-q",
        "--assert=plain",
        "--rootdir",
        str(SUITE_FILE.parent),
        "-o",
        "addopts=",
        "-o",
        "python_files=test_*.py",
        "-W",
        "ignore::DeprecationWarning",
        *(["--conformance-shard", options.shard] if options.shard else []),
        *options.pytest_args,
    ]
    old = os.environ.get(CONFIG_ENV)
    os.environ[CONFIG_ENV] = str(config_file)
    secrets = tuple(s for s in (os.environ.get(options.api_key_env, "").strip(),) if s)
    out = ScrubbingWriter(sys.stderr, secrets)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            return int(pytest.main(args))
    finally:
        out.flush()
        if old is None:
            os.environ.pop(CONFIG_ENV, None)
        else:
            os.environ[CONFIG_ENV] = old


def run_suite(options: RunOptions) -> RunResult:
    report_dir = options.report_dir.resolve()
    raw_dir = report_dir / "raw"
    if raw_dir.exists():
        for old in [*raw_dir.glob("*.jsonl"), *raw_dir.glob("state-*.json")]:
            old.unlink()
    raw_dir.mkdir(parents=True, exist_ok=True)
    published, normalised = _prepare_specs(options, report_dir)
    generation = None
    if options.merge_from:
        target_label = "merged shards: " + ", ".join(str(d) for d in options.merge_from)
        for number, source in enumerate(options.merge_from):
            files = sorted((source / "raw").glob("findings-*.jsonl"))
            if not files:
                raise UsageError(f"--merge-from {source}: expected a report dir with raw/findings-*.jsonl, found none")
            for file in files:
                atomic_write(raw_dir / f"findings-shard{number}-{file.stem.split('-', 1)[1]}.jsonl", file.read_text())
            for file in sorted((source / "raw").glob("state-*.json")):
                atomic_write(raw_dir / f"state-shard{number}-{file.stem.split('-', 1)[1]}.json", file.read_text())
        pytest_exit = 0
    elif options.replay is not None:
        target_label = f"replay:{options.replay}"
        from conformance.suite.replay import replay

        replay(options.replay, published, normalised, raw_dir, spec=options.spec, strict=options.strict)
        pytest_exit = 0
    else:
        with _target(options) as (base_url, kind):
            target_label = f"{kind} {base_url}" + (f" (mode {options.mock_mode})" if kind == "mock" else "")
            config = {
                "base_url": base_url,
                "target": kind,
                "spec": options.spec,
                "published_path": str(published),
                "normalised_path": str(normalised),
                "report_dir": str(report_dir),
                "max_examples": options.max_examples,
                "seed": options.seed,
                "strict": options.strict,
                "max_requests": options.max_requests if options.max_requests is not None else DEFAULT_BUDGET.get(kind),
                "record": options.record,
                "mock_mode": options.mock_mode,
                "live": kind == "live",
                "api_key_env": options.api_key_env,
                "no_auth": options.no_auth,
                "max_response_time": options.max_response_time,
                "max_run_time": options.max_run_time,
            }
            config_file = report_dir / ".suite-config.json"
            atomic_write(config_file, json.dumps(config, indent=2))
            pytest_exit = _run_pytest(config_file, options)
            generation = generation_inputs(options)
            if pytest_exit == 5:
                raise UsageError(
                    "no test of the suite matched (pytest collected nothing)",
                    hint=f"check the pytest options given: {' '.join(options.pytest_args) or '(none)'}",
                )
            if pytest_exit == 4:  # pytest's own usage error: an option after `--` it does not know
                raise UsageError(
                    f"pytest refused the options given after `--`: {' '.join(options.pytest_args)}",
                    hint="see the pytest message above; no report was written",
                )
    findings = aggregate([*_collect(raw_dir), *options.doc_findings])
    stopped, exercised = _state(raw_dir)
    exercised |= options.doc_pages.names()  # the doc pages checked (outside the suite's pytest)
    if pytest_exit == PYTEST_INTERRUPTED:
        stopped = stopped or "interrupted"
    complete = (
        stopped is None
        and pytest_exit == 0
        and options.spec == "published"
        and not options.pytest_args
        and options.shard is None
        and not options.merge_from
        and options.replay is None
    )
    baseline = Baseline.load(paths.baseline_path()) if options.baseline else Baseline(paths.baseline_path(), ())
    new, acknowledged, stale = baseline.split(findings)
    stale = judge_stale(stale, complete, exercised)
    if stopped == "refused":
        code = EXIT_UPSTREAM  # not a conformance verdict
    elif stopped == "interrupted":
        code = EXIT_INTERRUPTED
    elif pytest_exit != 0:
        code = EXIT_BUG  # the suite's tests never fail on findings: a failing test is a crash of the suite itself
    else:
        code = exit_code_for(deciding(new, options.fail_sources), options.fail_on)
    return RunResult(
        tuple(findings),
        tuple(new),
        tuple(acknowledged),
        tuple(stale),
        pytest_exit,
        code,
        target_label,
        stopped,
        complete,
        generation,
    )


PYTEST_INTERRUPTED = 2


def deciding(new: Sequence[Finding], sources: frozenset[Source]) -> list[Finding]:
    """The new findings that decide the exit code: those whose source ``--fail-on-source`` names."""
    return [f for f in new if f.source in sources]


def judge_stale(unmatched: Sequence[Entry], complete: bool, exercised: set[str]) -> list[Entry]:
    """The baseline entries a run may call stale: only a complete run of the baseline's scope, and only entries
    whose place (operation, ``[stream]``, doc page) the run exercised. A partial run, or a server that never
    streams, says nothing about the entries it did not reach."""
    return [e for e in unmatched if complete and e.location in exercised]


def _state(raw_dir: Path) -> tuple[str | None, set[str]]:
    """Why the workers stopped early (if one did) and the places (operation [stream], page) they exercised."""
    stopped: str | None = None
    exercised: set[str] = set()
    for file in sorted(raw_dir.glob("state-*.json")):
        try:
            state = json.loads(file.read_text())
        except ValueError:
            continue
        stopped = stopped or state.get("stopped")
        exercised.update(state.get("exercised") or [])
    return stopped, exercised


def _sources(options: RunOptions) -> str:
    return ", ".join(sorted(s.value for s in options.fail_sources))


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def _blame_table(findings: Sequence[Finding]) -> str:
    rows: dict[tuple[str, str], int] = {}
    for f in findings:
        key = (f.rule_id, f.source.value)
        rows[key] = rows.get(key, 0) + f.occurrences
    lines = ["| rule | whose fault | occurrences |", "|---|---|---|"]
    lines += [f"| `{rule}` | {source} | {count} |" for (rule, source), count in sorted(rows.items())]
    return "\n".join(lines)


def generation_inputs(options: RunOptions) -> dict[str, Any]:
    """Everything the generated requests depend on (``suite/generation.py``): the same values generate the same
    requests. ``spec_digest`` is the sha256 of the spec the cases were generated from, as compact JSON in its own
    key order (the order is part of the input: schemathesis generates members in it)."""
    from importlib.metadata import version

    spec = options.specs.variant(options.spec) if options.specs is not None else None
    digest = None
    if spec is not None:
        compact = json.dumps(spec, separators=(",", ":"), ensure_ascii=False)
        digest = hashlib.sha256(compact.encode()).hexdigest()
    return {
        "seed": options.seed,
        "max_examples": options.max_examples,
        "pytest_args": list(options.pytest_args),
        "spec": options.spec,
        "spec_digest": digest,
        "schemathesis": version("schemathesis"),
        "hypothesis": version("hypothesis"),
    }


def _generation_sentence(inputs: dict[str, Any]) -> str:
    selection = f", selection `{' '.join(inputs['pytest_args'])}`" if inputs["pytest_args"] else ""
    return (
        f"Generated with seed {inputs['seed']}, {inputs['max_examples']} examples per operation{selection}, "
        f"schemathesis {inputs['schemathesis']} and hypothesis {inputs['hypothesis']}, from the {inputs['spec']} "
        f"spec `{(inputs['spec_digest'] or 'unknown')[:12]}`: the same inputs generate the same requests."
    )


def run_report(result: RunResult, options: RunOptions, *, title: str = "", details: Any = None) -> Report:
    """The run (or checked traffic) as a report: every finding, the baseline's verdict, the exit code."""
    meta: dict[str, Any] = {
        "target": result.target,
        "spec": options.spec,
        "baseline": options.baseline,
        "doc_pages": options.doc_pages.to_json(),
        "stopped": result.stopped,
        "verdict": "none" if result.stopped == "refused" else "partial" if result.stopped else "complete",
        "decided_by": sorted(s.value for s in options.fail_sources),
    }
    if result.generation is not None:
        meta["generation"] = result.generation
    return Report(
        command="run",
        title=title or f"conformance run against {result.target}",
        findings=result.findings,
        acknowledged=frozenset(f.fingerprint for f in result.acknowledged),
        stale=result.stale,
        meta=meta,
        details=details or {},
        fail_on=options.fail_on,
        fail_faults=options.fail_sources,
        exit_override=None if result.exit_code in (0, 1) else result.exit_code,
        text_body=lambda report: terminal_summary(result, options),
        markdown_body=lambda report: summary_markdown(result, options),
    )


def summary_markdown(result: RunResult, options: RunOptions, section: str = "") -> str:
    """``summary.md``: the new findings, whose fault, the stale and acknowledged baseline entries."""
    new, acknowledged, stale, stopped = result.new, result.acknowledged, result.stale, result.stopped
    verdict = {"refused": "**No verdict**: the target refused or left unanswered most requests.", None: ""}.get(
        stopped, f"**Partial run** (stopped: {stopped})."
    )
    sections = [
        f"Target: `{result.target}`, checked against the **{options.spec}** spec. "
        f"{len(new)} new, {len(acknowledged)} acknowledged in the baseline. "
        f"The exit code is decided by findings of source {_sources(options)}." + (f" {verdict}" if verdict else ""),
        _sentence(options.doc_pages.describe()),
        *([_generation_sentence(result.generation)] if result.generation is not None else []),
        "### Whose fault\n\n" + _blame_table(result.findings),
    ]
    if stale:
        sections.append(
            "### Baseline entries that no longer occur\n\n"
            + "\n".join(f"- `{e.rule_id}` {e.location}#{e.pointer} ({e.reason})" for e in stale)
        )
    if acknowledged:
        sections.append(
            "### Acknowledged (baseline)\n\n"
            + "\n".join(f"- `{f.rule_id}` {f.where}: {f.message}" for f in acknowledged)
        )
    if section:
        sections.append(section.strip("\n"))
    return findings_markdown(new, "Conformance: new findings", extra_sections=sections)


def terminal_summary(result: RunResult, options: RunOptions) -> str:
    lines = [f"conformance run against {result.target} ({options.spec} spec)", options.doc_pages.describe()]
    if result.new:
        lines.append("NEW findings (not in the baseline):")
        for f in sort_findings(result.new):
            lines += finding_lines(f)
        lines.append(counts_line(result.new))
    else:
        lines.append("no new findings")
    if result.acknowledged:
        lines.append(
            f"{len(result.acknowledged)} acknowledged finding(s) in the baseline ({counts_line(result.acknowledged)})"
        )
        by_source: dict[Source, int] = {}
        for f in result.acknowledged:
            by_source[f.source] = by_source.get(f.source, 0) + 1
        lines.append(
            "  by fault: " + ", ".join(f"{s.value} {n}" for s, n in sorted(by_source.items(), key=lambda x: x[0].value))
        )
    for entry in result.stale:
        lines.append(
            f"stale baseline entry (no longer occurs; remove it): {entry.rule_id} {entry.location}#{entry.pointer}"
        )
    if result.stopped == "refused":
        lines.append(
            "NO VERDICT: the target refused (401/403) or left unanswered most requests sent with the key; "
            f"check ${options.api_key_env} and the URL"
        )
    elif result.stopped:
        lines.append(f"partial run (stopped: {result.stopped}); baseline entries are not judged stale")
    lines.append(
        f"exit code decided by findings of source {_sources(options)}"
        f" at level {options.fail_on.label if options.fail_on else 'never'} or worse"
    )
    lines.append(f"reports: {options.report_dir}/findings.json, junit.xml, summary.md")
    if result.pytest_exit != 0:
        lines.append(f"the suite itself failed (pytest exit {result.pytest_exit}); see above")
    return "\n".join(lines) + "\n"
