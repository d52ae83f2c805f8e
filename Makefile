# Every target installs what it needs: `make conform` and `make test` work on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CONFORMANCE := $(PY) -m conformance
# Offline through the mirror when ../shared/upstream exists and nothing else was said.
export SPEC_MIRROR ?= $(shell [ -d ../shared/upstream ] && cd ../shared/upstream && pwd)
# The seed doc page exists only beside this project's own CI; checked in addition to the pinned page when there.
SEED_PAGE := $(wildcard ../shared/seeds/000_01b4fc7a9c1f02a6.txt)
DOC_PAGE_ARGS := $(if $(SEED_PAGE),--doc-page $(SEED_PAGE))
# `make mock` binds a free loopback port (printed first); `make mock MOCK_PORT=4010` for a fixed one.
MOCK_PORT ?= 0

.PHONY: setup spec lint generate test conform mock bench docs drift clean help

help:
	@echo "make conform  - fetch, lint, generate, start the mock, run the suite, print the findings"
	@echo "make test     - the project's tests (installs what it needs)"
	@echo "make setup | spec | lint | generate | mock | docs | drift | bench | clean"

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@# the generated client (build output) is importable as gpt52_client
	@echo "$(CURDIR)/generated" > $$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/gpt52-generated.pth
	@touch $(STAMP)

setup: $(STAMP) generated/gpt52_client/__init__.py

generated/gpt52_client/__init__.py: $(STAMP) spec/lock.json spec/overlay.yaml generated/config.yaml
	$(CONFORMANCE) generate

spec: $(STAMP)
	$(CONFORMANCE) fetch

lint: setup
	$(VENV)/bin/ruff check conformance scripts tests
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

clean:
	rm -rf $(VENV) .cache generated/gpt52_client reports
