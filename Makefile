# Laurel — the two commands: `make run` and `make test`. Everything else is a helper for them.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)

.PHONY: run test bench lint format install migrate clean

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed" if sys.version_info < (3, 11) else 0)'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[test]"
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

## Start the platform on http://127.0.0.1:8000 (web server + Celery worker with its beat), embedded defaults.
run: migrate
	$(PY) manage.py seed_demo > /dev/null
	bin/run-dev

## Run every test. Interop verifiers and browsers are installed on first use under var/ and tests/interop/.
test: install
	$(PY) manage.py check --fail-level WARNING
	$(PY) -m ruff check .
	$(PY) -m pytest $(PYTEST_ARGS)

## Benchmarks (not tests): print figures and ratios against baselines measured in the same run.
bench: install
	bin/bench

lint: install
	$(PY) -m ruff check . && $(PY) -m ruff format --check .

format: install
	$(PY) -m ruff format . && $(PY) -m ruff check --fix .

clean:
	rm -rf var/ $(VENV)
