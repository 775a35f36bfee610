# Two commands do everything: `make run` and `make test`. Both set themselves up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-readmodels lint bench demo clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/sanctuary run

test: $(STAMP)
	$(BIN)/python -m pytest -q

# The read-model tests alone; CI runs them again with DATABASE_URL pointing at PostgreSQL.
test-readmodels: $(STAMP)
	$(BIN)/python -m pytest -q -m readmodel

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy shared services sanctuary bench tests

# A synthetic scheme year through the real services (needs NATS_URL; `make run` does it all).
demo: $(STAMP)
	$(BIN)/sanctuary demo --out out

bench: $(STAMP)
	$(BIN)/python bench/eventstore.py
	$(BIN)/python bench/fire_lookup.py
	$(BIN)/python bench/commands.py

clean:
	rm -rf $(VENV) var out .pytest_cache .mypy_cache .ruff_cache
