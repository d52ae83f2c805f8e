# Every target installs what it needs: `make conform` and `make test` work on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CONFORMANCE := $(PY) -m conformance
# Offline through the mirror when ../shared/upstream exists and nothing else was said.
export SPEC_MIRROR ?= $(shell [ -d ../shared/upstream ] && cd ../shared/upstream && pwd)

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
	$(VENV)/bin/mypy
	$(PY) scripts/lint_workflows.py

generate: $(STAMP)
	$(CONFORMANCE) generate

test: setup
	$(PY) scripts/run_tests.py

conform: setup
	$(CONFORMANCE) fetch
	$(CONFORMANCE) lint --fail-on never --min-level warning
	$(CONFORMANCE) run --target mock --report-dir reports

mock: setup
	$(CONFORMANCE) mock

docs: setup
	$(CONFORMANCE) docs $(SPEC_MIRROR)/aimlapi/api-docs/main/docs/api-references/text-models-llm/openai/gpt-5.2.md ../shared/seeds/000_01b4fc7a9c1f02a6.txt --fail-on never

drift: setup
	$(CONFORMANCE) drift --fail-on never

bench: setup
	$(PY) scripts/bench.py

clean:
	rm -rf $(VENV) .cache generated/gpt52_client reports
