# Laurel — the two commands: `make run` and `make test`. Everything else is a helper for them.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
DEPS := $(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)
# Two stamps: running needs the runtime dependencies only; testing adds the test extras on top.
RUN_STAMP := $(VENV)/.installed-run-$(DEPS)
TEST_STAMP := $(VENV)/.installed-test-$(DEPS)

.PHONY: run test bench lint format install install-run migrate complexity clean mutation

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed" if sys.version_info < (3, 11) else 0)'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml constraints.txt | $(PY)
	$(PY) -m pip install --quiet -c constraints.txt -e .
	rm -f $(VENV)/.installed-run-* && touch $@

$(TEST_STAMP): $(RUN_STAMP)
	$(PY) -m pip install --quiet -c constraints.txt -e ".[test]"
	rm -f $(VENV)/.installed-test-* && touch $@

install-run: $(RUN_STAMP)

install: $(TEST_STAMP)

migrate: install-run
	$(PY) manage.py migrate --noinput

## Start the platform on http://127.0.0.1:8000 (web server + Celery worker with its beat), embedded defaults.
## Ctrl-C stops it all; logs, e-mails, the database and the broker's files stay under var/.
run: migrate
	VENV=$(VENV) bin/run-dev

## Run every test. Interop verifiers and browsers are installed on first use under var/ and tests/interop/.
test: install
	$(PY) manage.py check --fail-level WARNING
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/deptry .
	$(PY) -m pytest $(PYTEST_ARGS)

## Cyclomatic complexity (radon): every function graded C or worse; tests/test_architecture.py holds some at B.
complexity: install
	$(VENV)/bin/radon cc --min C --show-complexity config issuers courses badges learners

## Benchmarks (not tests): print figures and ratios against baselines measured in the same run.
bench: install
	bin/bench

## Mutation testing (cosmic-ray) of the trust-critical modules, each with its own tests, in copies of the tree under
## var/mutation/; config [tool.laurel-mutation] in pyproject.toml; report in test-artifacts/mutation/. Not part of
## `make test` (it takes long). MODULES="badges/issuing.py ..." limits it; FRESH=1 starts the sessions anew.
mutation: install
	nice -n 10 $(PY) bin/mutation $(MODULES)

lint: install
	$(PY) -m ruff check . && $(PY) -m ruff format --check .

format: install
	$(PY) -m ruff format . && $(PY) -m ruff check --fix .

clean:
	rm -rf var/ $(VENV)
