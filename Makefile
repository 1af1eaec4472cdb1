# gut-triage: two commands for a new user.
#   make run   install into .venv, migrate the database, seed a demo clinic and start the app and its worker
#   make test  install the test dependencies and run the whole suite
#   make lint  ruff (lint and format check) and mypy (setup.cfg [mypy])
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install install-test browser-deps lint bench audit clean messages

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

# Unset TRIAGE_ENV means production (the app fails closed): the demo install says development, the tests say test.
# HOST and PORT reach everything: the patient links, the staff sign-in URL and the app's own address.
run: export TRIAGE_ENV = development
run: export PUBLIC_BASE_URL = http://$(HOST):$(PORT)
# make run starts a worker beside the app, so /readyz also waits for its heartbeat; unbuffered so lines keep their order.
run: export WORKER_EXPECTED = 1
run: export PYTHONUNBUFFERED = 1
test: export TRIAGE_ENV = test
run: install
	$(BIN)/triage db upgrade
	@# The demo's last two lines (staff sign-in, patient link) are printed again once the app and the worker are ready,
	@# so that they end the output. The trap stops the worker whenever and however the app ends.
	@links=$$($(BIN)/triage demo) || exit 1; echo "$$links"; \
	echo "gut-triage is starting at http://$(HOST):$(PORT)/ with its outbox worker  (Ctrl+C stops both)"; \
	$(BIN)/triage worker & worker=$$!; \
	$(BIN)/python -c "$$WAIT_READY" "$(HOST)" "$(PORT)" "$$links" & announcer=$$!; \
	trap 'kill -TERM $$worker $$announcer 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/triage run --host $(HOST) --port $(PORT)

# Waits (up to 2 minutes) until the app answers /readyz, then prints the last two lines it was given: the links.
define WAIT_READY
import sys, time, urllib.error, urllib.request
host, port, links = sys.argv[1], sys.argv[2], sys.argv[3]
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    try:
        opener.open(f"http://{host}:{port}/readyz", timeout=5).close()
    except (urllib.error.URLError, OSError):
        time.sleep(1)
        continue
    print("\n".join(links.splitlines()[-2:]))
    sys.exit(0)
print(f"make run: no ready answer from http://{host}:{port}/readyz after 2 minutes; see the messages above", file=sys.stderr)
sys.exit(1)
endef
export WAIT_READY

# The patient-facing messages (babel.cfg: forms/questionnaire.yaml, patient templates and views) into
# translations/messages.pot, then merged into each language's .po (new messages arrive empty, to be translated).
# No compile step: the app reads the .po files at start (triage/web/i18n.py), so a fresh clone needs nothing more.
messages: install-test
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-location --sort-output --project=gut-triage \
		--copyright-holder="gut-triage project" -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --ignore-obsolete --no-fuzzy-matching

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

# Known vulnerabilities in the installed packages (pip-audit, PyPI's advisory data). When PyPI's JSON API cannot be
# reached pip-audit skips every package yet still says "No known vulnerabilities found": the summary below says
# "not checked" instead (exit 0), and exits 1 when a vulnerability is found or pip-audit fails for another reason.
define AUDIT_SUMMARY
import json, sys
status, report_path, log_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
log = open(log_path, encoding="utf-8", errors="replace").read()
try:
    deps = json.load(open(report_path, encoding="utf-8"))["dependencies"]
except (OSError, ValueError, KeyError):
    deps = None
unreachable = ("ConnectionError", "Max retries exceeded", "Name or service not known", "ConnectTimeout", "ReadTimeout")
if deps is None:
    if any(sign in log for sign in unreachable):
        print("make audit: could not reach the advisory database; not checked")
        sys.exit(0)
    print(log[-3000:])
    print(f"make audit: pip-audit failed (exit {status}) without a report; not checked")
    sys.exit(status or 1)
vulnerable = [d for d in deps if d.get("vulns")]
skipped = [d for d in deps if "skip_reason" in d]
checked = len(deps) - len(skipped)
for dep in vulnerable:
    for vuln in dep["vulns"]:
        fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
        print(f"VULNERABLE {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixed})")
if vulnerable:
    print(f"make audit: {len(vulnerable)} of {checked} checked packages have known vulnerabilities")
    sys.exit(1)
if checked == 0:
    reason = skipped[0]["skip_reason"] if skipped else "no packages found"
    print(f"make audit: could not reach the advisory database; not checked ({len(skipped)} packages skipped, e.g. {reason})")
    sys.exit(0)
names = ", ".join(d["name"] for d in skipped)
print(f"make audit: no known vulnerabilities in {checked} packages" + (f"; not checked: {names}" if skipped else ""))
endef
export AUDIT_SUMMARY

audit: install-test
	@rm -f $(VENV)/pip-audit.json; status=0; $(BIN)/pip-audit --progress-spinner off --skip-editable --desc off --format json \
		--output $(VENV)/pip-audit.json >$(VENV)/pip-audit.log 2>&1 || status=$$?; \
	$(BIN)/python -c "$$AUDIT_SUMMARY" $$status $(VENV)/pip-audit.json $(VENV)/pip-audit.log

bench: install-test
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/intake.py --quick
	$(BIN)/python bench/pdf.py
	$(BIN)/python bench/worklist.py
	$(BIN)/python bench/shutdown.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis test-artifacts
