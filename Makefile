# Two commands do everything: `make run` and `make test`. Both set themselves up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-readmodels lint bench demo clean

# A .venv made by a Python older than 3.11 (or a broken one) is removed and made again,
# instead of leaving every later command to fail on a syntax or import error.
OLD_VENV := $(shell test -e $(VENV) && ! $(BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && echo yes)
ifeq ($(OLD_VENV),yes)
$(shell rm -rf $(VENV))
$(info .venv was made with a Python older than 3.11 (or is broken): removed, it is being made again)
endif

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "$(PYTHON) is older than 3.11: run make PYTHON=python3.11 (or newer)"; exit 2; }
	@echo "[1/3] creating $(VENV) with $$($(PYTHON) --version)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "[2/3] upgrading pip"
	$(BIN)/python -m pip install --progress-bar on --upgrade pip
	@echo "[3/3] installing sanctuary and its development tools (a few minutes the first time)"
	$(BIN)/python -m pip install --progress-bar on -e '.[dev]'
	@touch $(STAMP)
	@echo "ready: $(VENV)"

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
