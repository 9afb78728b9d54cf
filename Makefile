# backbeat: each target sets itself up (virtual environment, pip, npm) idempotently.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP_STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed

.PHONY: setup demo test lint bench fuzz clean

setup: $(PIP_STAMP) $(NPM_STAMP)

$(PIP_STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

lint: setup
	$(VENV)/bin/ruff check .

test: setup lint
	$(PY) -m pytest -q

demo: setup
	$(VENV)/bin/backbeat demo

bench: setup
	$(PY) bench/run.py

# The fuzz tests of make test with FUZZ times as many cases each, new ones on every run.
FUZZ ?= 50
fuzz: setup
	BACKBEAT_FUZZ=$(FUZZ) $(PY) -m pytest -q tests/test_fuzz_routines.py tests/test_fuzz_formats.py

clean:
	rm -rf $(VENV) node_modules build bench/results.json
