# The two commands in the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install install-test run test lint openapi serve bench

$(BIN)/python:
	@$(PYTHON) -m venv $(VENV) || { echo "python3 -m venv failed; on Debian: apt-get install python3-venv"; exit 1; }
	$(BIN)/pip install --quiet --upgrade pip

# With the semantic extra: suggestions' meaning factor (docs/suggestions.md, "Meaning").
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[semantic]'
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

# ical.js and axe-core for the calendar and browser tests; without npm those tests skip, saying so.
tests/js/node_modules/.installed: tests/js/package-lock.json
	@if command -v npm >/dev/null; then npm ci --prefix tests/js --no-audit --no-fund && touch $@; \
	else echo "npm not found: the ical.js and axe-core tests will skip (apt-get install npm)"; fi

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

# Another port when 5000 is taken: PORT=5050 make run
PORT ?= 5000

run: install
	$(BIN)/planner db upgrade
	$(BIN)/planner demo load --url http://127.0.0.1:$(PORT)
	@echo "Serving on http://127.0.0.1:$(PORT)/ (another port: PORT=5050 make run)"
	$(BIN)/planner run --host 127.0.0.1 --port $(PORT)

# Production serving: gunicorn on 127.0.0.1:8000 unless PLANNER_BIND etc. say otherwise.
serve: install
	$(BIN)/planner db upgrade
	$(BIN)/planner serve

test: install-test tests/js/node_modules/.installed
	$(BIN)/pytest

# import-linter's contracts (pyproject.toml) check the layering that ruff cannot see.
lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

openapi: install
	$(BIN)/planner dev openapi write --format=yaml openapi.yaml

# Every benchmark, then BENCHMARKS.md rewritten (about 10 minutes). PostgreSQL figures too when
# BENCH_DATABASE_URL (else PLANNER_TEST_DATABASE_URL) names a database the benchmarks may fill.
bench: install-test
	$(BIN)/python bench/run_all.py
