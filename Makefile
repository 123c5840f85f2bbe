# Two commands do all set-up on a fresh Debian machine with Python 3.11:
#   make demo   — install, then run the platform on SQLite with a seeded demo region
#   make test   — install, then run the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test test-postgres lint format messages bench faults clean

install: $(STAMP)

$(STAMP): pyproject.toml requirements/constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements/constraints.txt -e '.[test]'
	touch $(STAMP)

demo: install
	$(BIN)/payvand demo

test: install
	$(BIN)/pytest

# The same suite against PostgreSQL (DATABASE_URL defaults to the local test server).
test-postgres: install
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} $(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: install
	$(BIN)/payvand messages update

bench: install
	$(BIN)/python -m bench

# Load, server crash and database restart on a throwaway PostgreSQL cluster of their own
# (needs PostgreSQL 15's server programs; about half an hour); updates bench/RESULTS.md.
faults: install
	$(BIN)/python -m bench.faults all --write-results

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
