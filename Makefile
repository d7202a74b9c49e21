# Chairside — the two commands are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TRANSLATIONS := src/clinic/translations

.PHONY: run test lint typecheck compile-translations messages bench bench-scripts clean help

help:
	@echo "make run    - install, migrate the embedded SQLite database, serve http://127.0.0.1:5000"
	@echo "make test   - install dev tools, lint, type-check, check layers, run every test"
	@echo "make bench  - realistic clinics at SCALE=small|medium|large on PostgreSQL, the app under load (bench/README.md)"

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.run-installed: $(BIN)/activate pyproject.toml
	$(BIN)/pip install -q -e .
	@touch $@

$(VENV)/.dev-installed: $(BIN)/activate pyproject.toml
	$(BIN)/pip install -q -e '.[dev]'
	@touch $@ $(VENV)/.run-installed

compile-translations:
	@$(BIN)/pybabel -q compile -d $(TRANSLATIONS)

run: $(VENV)/.run-installed compile-translations
	$(BIN)/clinic db upgrade
	$(BIN)/clinic serve --host $${HOST:-127.0.0.1} --port $${PORT:-5000}

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check src tests scripts migrations bench
	$(BIN)/lint-imports
	$(BIN)/mypy src

test: $(VENV)/.dev-installed compile-translations lint
	$(BIN)/pytest

# Re-extract strings after changing user-facing text; then translate what scripts/i18n_fill.py lists.
messages: $(VENV)/.dev-installed
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
	  --project Chairside --copyright-holder Chairside -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/python scripts/i18n_fill.py $(RU)

SCALE ?= small

bench: $(VENV)/.dev-installed compile-translations
	$(BIN)/python -m bench --scale $(SCALE)

# The earlier, narrower measurements (each writes bench/results/*.json)
bench-scripts: $(VENV)/.dev-installed compile-translations
	$(BIN)/python scripts/measure_auth.py
	$(BIN)/python scripts/measure_calendar.py
	$(BIN)/python scripts/bench_patient_search.py --server $${BENCH_POSTGRES:-postgresql+psycopg://postgres@127.0.0.1:5432/test}

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache tests/e2e/artifacts
