"""Every code block of README.md and docs/*.md runs as written.

Which blocks run (found generically, so a new page in docs/ is covered without touching this file):

* ``python``: run as a script with the project's Python, against a mock started for the test
  (``AIMLAPI_BASE_URL`` and ``AIMLAPI_KEY`` point at it);
* ``sh``, ``bash``, ``shell``: run with bash, the project's venv first on ``PATH`` (as after
  ``source .venv/bin/activate``); ``console``: the lines after ``$ `` likewise. Exit codes 0 and 1 (findings) are
  accepted, 2 and above fail the block. Blocks run in a scratch copy of the project (``CONFORMANCE_ROOT``), so a
  block that updates the lock or regenerates the client changes nothing here; port ``4010`` is replaced by a free
  port;
* every other block (``text``, ``json``, ``markdown``, unlabeled) is output or data, not code.

A block that must not run (it needs a live key, runs ``make`` itself...) says so on its first line, visibly:
``# (not run by the tests: <why>)``. That convention is for the few blocks that cannot run; a test keeps it
to at most a third of the blocks.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest
from markdown_it import MarkdownIt
from upstream_data import NO_UPSTREAM, SHARED, configured_mirror, network_reachable, pinned_mirror, pinned_root

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELLS = {"sh", "bash", "shell", "console"}
RUNNABLE = {"python", *SHELLS}
NOT_RUN = re.compile(r"^\$?\s*#\s*\(not run by the tests: (?P<why>[^)]{10,})\)\s*$")
MOCK_KEY = "mock-key-not-secret"  # the mock's documented test key (public: the mock prints it)


@attrs.frozen
class Block:
    page: Path
    line: int
    lang: str
    code: str

    @property
    def id(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"

    @property
    def not_run(self) -> str | None:
        first = next((line for line in self.code.splitlines() if line.strip()), "")
        match = NOT_RUN.match(first.strip())
        return match.group("why") if match else None


def blocks() -> list[Block]:
    parser = MarkdownIt()
    found = []
    for page in PAGES:
        for token in parser.parse(page.read_text()):
            if token.type == "fence" and token.map is not None:
                lang = (token.info.split() or [""])[0].lower()
                found.append(Block(page, token.map[0] + 1, lang, token.content))
    return found


RUNNABLE_BLOCKS = [b for b in blocks() if b.lang in RUNNABLE]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture(scope="module")
def mock_url() -> Iterator[str]:
    from conformance.mock.server import MockServer

    env = {**os.environ, "SPEC_MIRROR": str(pinned_mirror())}
    with MockServer(seed=0, env=env) as server:
        yield server.base_url


@pytest.fixture(scope="module")
def overlaid_specs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One `.cache/specs` for every scratch copy: its entries are keyed by the pin, the overlay's bytes and the code,
    so a block that changes the overlay gets an entry of its own, and the others skip applying the overlay again."""
    return tmp_path_factory.mktemp("overlaid-specs")


@pytest.fixture
def scratch(tmp_path: Path, overlaid_specs: Path) -> Path:
    """A copy of the project to run blocks in: spec/ and generated/ copied, the rest linked, ../shared linked; the
    cache is the copy's own, but for the overlaid specs (see ``overlaid_specs``)."""
    root = tmp_path / "work" / ROOT.name
    root.mkdir(parents=True)
    (root / ".cache").mkdir()
    (root / ".cache" / "specs").symlink_to(overlaid_specs)
    for entry in ROOT.iterdir():
        if entry.name in (".cache", "reports", ".git", "generated", "spec") or entry.name.startswith(".pytest"):
            continue
        (root / entry.name).symlink_to(entry)
    shutil.copytree(ROOT / "spec", root / "spec")
    (root / "generated").mkdir()
    shutil.copyfile(ROOT / "generated" / "config.yaml", root / "generated" / "config.yaml")
    shutil.copytree(ROOT / "generated" / "templates", root / "generated" / "templates")
    if SHARED.is_dir():
        (root.parent / "shared").symlink_to(SHARED)
    return root


def _env(scratch: Path, mock_url: str, *, shell: bool) -> dict[str, str]:
    """Upstream data as a user has it: the mirror beside the project (linked beside the scratch copy), else
    $SPEC_MIRROR standing in for the network, else the network itself (shell blocks fetch `main` too; Python blocks
    need only the pinned files, which the tests may hold in .cache/upstream)."""
    env = {k: v for k, v in os.environ.items() if k not in ("SPEC_MIRROR", "SPEC_BASE_URL", "CONFORMANCE_DEBUG")}
    mirror = configured_mirror()
    if mirror is not None and not SHARED.is_dir():
        env["SPEC_MIRROR"] = str(mirror)
    elif mirror is None and not (shell and network_reachable()):
        root = pinned_root()
        if root is None or shell:
            pytest.skip(NO_UPSTREAM)
        env["SPEC_MIRROR"] = str(root)
    env.update(
        {
            "CONFORMANCE_ROOT": str(scratch),
            "CONFORMANCE_CACHE": str(scratch / ".cache"),
            "PATH": f"{ROOT / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}",
            "AIMLAPI_KEY": MOCK_KEY,
            "AIMLAPI_BASE_URL": mock_url,
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    return env


def _shell_script(block: Block, port: int) -> str:
    code = block.code
    if block.lang == "console":
        code = "\n".join(line[2:] for line in code.splitlines() if line.startswith("$ "))
    code = code.replace("4010", str(port))
    # exit 1 means findings (documented); 2 and above fail the block
    return (
        'set -E\ntrap \'rc=$?; if [ $rc -gt 1 ]; then echo "doc block: a command exited $rc" >&2; '
        "exit $rc; fi' ERR\n" + code + "\nexit 0\n"
    )


@pytest.mark.slow
@pytest.mark.parametrize("block", RUNNABLE_BLOCKS, ids=[b.id for b in RUNNABLE_BLOCKS])
def test_the_block_runs_as_written(block: Block, scratch: Path, mock_url: str) -> None:
    if block.not_run:
        pytest.skip(f"marked not run: {block.not_run}")
    env = _env(scratch, mock_url, shell=block.lang != "python")
    if block.lang == "python":
        script = scratch.parent / "block.py"
        script.write_text(block.code)
        cmd = [sys.executable, str(script)]
    else:
        cmd = ["bash", "-c", _shell_script(block, _free_port())]
    result = subprocess.run(cmd, cwd=scratch, env=env, capture_output=True, text=True, timeout=120, check=False)
    output = result.stdout[-3000:] + result.stderr[-3000:]
    assert result.returncode == 0, f"{block.id} ({block.lang}) exited {result.returncode}:\n{output}"
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, output


def test_blocks_are_found_in_every_page() -> None:
    assert {b.page for b in RUNNABLE_BLOCKS} >= {ROOT / "README.md"}
    assert len([b for b in RUNNABLE_BLOCKS if b.page.name == "README.md"]) >= 10


def test_the_not_run_convention_is_used_sparingly() -> None:
    skipped = [b for b in RUNNABLE_BLOCKS if b.not_run]
    assert len(skipped) * 3 <= len(RUNNABLE_BLOCKS), [b.id for b in skipped]  # at most a third
    for block in RUNNABLE_BLOCKS:  # a marker anywhere but the first line would be a silent skip: not allowed
        later = [line for line in block.code.splitlines()[1:] if "not run by the tests" in line]
        assert not later, block.id
