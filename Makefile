# The two commands: `make run` and `make test`. Everything they need is set up on the way.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app market
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: help run test test-sqlite test-postgres translations messages lint typecheck format bench clean

help: ## what each command does
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## (.*)/  make \1\t\2/' | expand -t 22

run: $(VENV)/.run-installed translations ## set up, seed the demo data and serve on http://127.0.0.1:5000 (HOST=, PORT= to change)
	$(FLASK) db upgrade
	$(FLASK) ledger keygen --if-missing
	$(FLASK) demo
	@echo ""
	@echo "  market is served on http://$(HOST):$(PORT)/  (Ctrl+C to stop)"
	@echo ""
	$(FLASK) run --host $(HOST) --port $(PORT)

test: $(VENV)/.dev-installed translations test-sqlite ## the whole suite on SQLite (and on PostgreSQL when MARKET_TEST_DATABASE_URL is set)
	@if [ -n "$$MARKET_TEST_DATABASE_URL" ]; then $(MAKE) --no-print-directory test-postgres; fi

test-sqlite:
	env -u MARKET_TEST_DATABASE_URL $(BIN)/pytest $(PYTEST_ARGS)

test-postgres:
	$(BIN)/pytest $(PYTEST_ARGS)

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "market needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.run-installed: pyproject.toml $(VENV)/bin/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml $(VENV)/bin/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.run-installed

translations: $(VENV)/.run-installed ## compile the French and English catalogues
	$(BIN)/pybabel compile -d translations >/dev/null

# Developers: refresh the catalogue after changing user-facing strings, then translate.
messages: $(VENV)/.dev-installed ## refresh the catalogues after changing user-facing strings
	$(BIN)/pybabel extract --no-wrap -F babel.cfg -k _l -k lazy_pgettext:1c,2 -o translations/messages.pot .
	$(BIN)/pybabel update --no-wrap -N -i translations/messages.pot -d translations

lint: $(VENV)/.dev-installed ## ruff (checks and formatting), the import contract, the template linter
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/djlint templates --lint

typecheck: $(VENV)/.dev-installed ## mypy over market/, as pyproject.toml sets it
	$(BIN)/mypy

format: $(VENV)/.dev-installed ## format the code (ruff format) and sort imports
	$(BIN)/ruff check --select I --fix --quiet .
	$(BIN)/ruff format .

bench: $(VENV)/.dev-installed translations ## run every benchmark in bench/ (needs MARKET_BENCH_DATABASE_URL)
	@for script in bench/[!_]*.py; do \
		[ $$script = bench/floor_app.py ] && continue; \
		echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean: ## remove the virtualenv and the demo database
	rm -rf $(VENV) instance/market.db
