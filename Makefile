# The two commands: `make run` and `make test`. Everything they need is set up on the way.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app market
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-sqlite test-postgres translations messages lint typecheck bench clean

run: $(VENV)/.run-installed translations
	$(FLASK) db upgrade
	$(FLASK) ledger keygen --if-missing
	$(FLASK) demo
	@echo ""
	@echo "  market is served on http://$(HOST):$(PORT)/  (Ctrl+C to stop)"
	@echo ""
	$(FLASK) run --host $(HOST) --port $(PORT)

test: $(VENV)/.dev-installed translations test-sqlite
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

translations: $(VENV)/.run-installed
	$(BIN)/pybabel compile -d translations >/dev/null

# Developers: refresh the catalogue after changing user-facing strings, then translate.
messages: $(VENV)/.dev-installed
	$(BIN)/pybabel extract --no-wrap -F babel.cfg -k _l -o translations/messages.pot .
	$(BIN)/pybabel update --no-wrap -N -i translations/messages.pot -d translations

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# mypy over market/, as pyproject.toml's [tool.mypy] sets it.
typecheck: $(VENV)/.dev-installed
	$(BIN)/mypy

bench: $(VENV)/.dev-installed translations
	@for script in bench/[!_]*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) instance/market.db
