# Every target installs what it needs: `make conform` and `make test` work on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
GENERATED_INIT := generated/gpt52-client/gpt52_client/__init__.py
GENERATED_STAMP := $(VENV)/.generated-installed
CONFORMANCE := $(PY) -m conformance
# Offline through the mirror when ../shared/upstream exists and nothing else was said.
export SPEC_MIRROR ?= $(shell [ -d ../shared/upstream ] && cd ../shared/upstream && pwd)
# The seed doc page exists only beside this project's own CI; checked in addition to the pinned page when there.
SEED_PAGE := $(wildcard ../shared/seeds/000_01b4fc7a9c1f02a6.txt)
DOC_PAGE_ARGS := $(if $(SEED_PAGE),--doc-page $(SEED_PAGE))
# `make mock` binds a free loopback port (printed first); `make mock MOCK_PORT=4010` for a fixed one.
MOCK_PORT ?= 0

.PHONY: setup spec lint generate test conform mock bench docs drift wheels clean help

help:
	@echo "make conform  - fetch, lint, generate, start the mock, run the suite, print the findings"
	@echo "make test     - the project's tests (installs what it needs)"
	@echo "make setup | spec | lint | generate | mock | docs | drift | bench | wheels | clean"

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@# the hand-written client (package gpt52; `conformance` reads event streams with gpt52.sse); its dependency,
	@# the generated gpt52-client, is installed once generated (below)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e ./client
	@# checkouts set up before the generated client became a package had it on a .pth file: gone
	@rm -f $$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/gpt52-generated.pth
	@touch $(STAMP)

setup: $(STAMP) $(GENERATED_STAMP)

$(GENERATED_INIT): $(STAMP) spec/lock.json spec/overlay.yaml generated/config.yaml $(wildcard generated/templates/*)
	$(CONFORMANCE) generate

# the generated project (pyproject.toml + gpt52_client), installed as a normal package; regenerating rewrites it in place
$(GENERATED_STAMP): $(GENERATED_INIT) client/pyproject.toml
	$(PY) -m pip install --quiet --disable-pip-version-check -e ./generated/gpt52-client -e ./client
	@touch $(GENERATED_STAMP)

spec: $(STAMP)
	$(CONFORMANCE) fetch

lint: setup
	$(VENV)/bin/ruff check conformance client scripts tests
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) scripts/lint_workflows.py

generate: $(STAMP)
	$(CONFORMANCE) generate

test: setup
	$(PY) scripts/run_tests.py

conform: setup
	$(CONFORMANCE) fetch
	$(CONFORMANCE) lint --fail-on never --min-level warning
	$(CONFORMANCE) run --target mock --report-dir reports $(DOC_PAGE_ARGS)

mock: setup
	$(CONFORMANCE) mock --port $(MOCK_PORT)

docs: setup
	@# the doc pages pinned in spec/lock.json (fetched and sha256-verified), plus the seed page when it is there
	$(CONFORMANCE) docs $$($(CONFORMANCE) fetch --format json | $(PY) -c 'import json, sys; print(" ".join(json.load(sys.stdin)["doc_pages"]))') $(SEED_PAGE) --fail-on never

drift: setup
	$(CONFORMANCE) drift --fail-on never

bench: setup
	$(PY) scripts/bench.py

# the two packages as wheels in dist/: gpt52_client (generated) and gpt52 (hand-written), what CI publishes
wheels: setup
	rm -rf dist
	$(PY) -m pip wheel --quiet --disable-pip-version-check --no-deps --wheel-dir dist ./generated/gpt52-client ./client

clean:
	rm -rf $(VENV) .cache generated/gpt52-client reports dist
