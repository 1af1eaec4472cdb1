# gut-triage: two commands for a new user.
#   make run   install into .venv, migrate the database, seed a demo clinic and start the app
#   make test  install the test dependencies and run the whole suite
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

test: install-test browser-deps
	$(BIN)/python -m pytest -q

lint: install-test
	$(BIN)/ruff check triage tests bench

bench: install-test
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/intake.py --quick
	$(BIN)/python bench/pdf.py
	$(BIN)/python bench/worklist.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis test-artifacts
