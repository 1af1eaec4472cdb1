# gut-triage: two commands for a new user.
#   make run   install into .venv, migrate the database, seed a demo clinic and start the app
#   make test  install the test dependencies and run the whole suite
#   make lint  ruff (lint and format check) and mypy (setup.cfg [mypy])
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install install-test browser-deps lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

run: install
	$(BIN)/triage db upgrade
	PUBLIC_BASE_URL=http://$(HOST):$(PORT) $(BIN)/triage demo
	@echo "gut-triage is starting at http://$(HOST):$(PORT)/  (Ctrl+C stops it)"
	$(BIN)/triage run --host $(HOST) --port $(PORT)

browser-deps:
	@scripts/ensure-browser-deps

# Both cores through pytest-xdist (addopts in setup.cfg); `make test PYTEST_ARGS="-n 0 tests/unit"` runs part of it in one process.
PYTEST_ARGS ?=
test: install-test browser-deps
	@status=0; $(BIN)/python -m pytest -q $(PYTEST_ARGS) || status=$$?; \
	if [ $$status -eq 5 ]; then echo "make test: pytest collected no test (exit 5); that is a failure here" >&2; fi; \
	exit $$status

LINTED := triage tests bench migrations
lint: install-test
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/mypy

bench: install-test
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/intake.py --quick
	$(BIN)/python bench/pdf.py
	$(BIN)/python bench/worklist.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis test-artifacts
