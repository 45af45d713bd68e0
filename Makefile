# Developer entry points. Everything runs from the project venv (.venv), made by `make install`.
SHELL := /bin/bash
BIN := .venv/bin
PYTEST_ARGS ?=
# pytest's worker processes (pytest-xdist); each test file runs whole in one of them, each worker
# with its own test databases and, for the browser tests, its own server. 0: one process.
TEST_WORKERS ?= 2

.PHONY: install console console-types run test lint bench clean-db

define LINT
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo
endef

install:
	@bash scripts/bootstrap.sh

# The browser console (console/): npm ci and vite build only when their inputs changed; the build
# fails when the committed API types differ from the service's OpenAPI document.
console: install
	@bash scripts/console.sh build

# Regenerate console/src/api/schema.d.ts after changing the API.
console-types: install
	@bash scripts/console.sh types

run: install console
	$(BIN)/gridloop up

lint: install
	$(LINT)

# The local cluster is started unless GRIDLOOP_DATABASE_URL points elsewhere; the tests create
# their own throwaway databases on that server.
test: install console
	$(LINT)
	@bash scripts/console.sh test
	@if [ -z "$${GRIDLOOP_DATABASE_URL:-}" ]; then $(BIN)/gridloop db start; fi
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

bench: install
	@test -f bench/locate.py || { echo "bench/locate.py does not exist yet" >&2; exit 1; }
	$(BIN)/python bench/locate.py

# The local cluster goes wherever it lives (under /var/lib/gridloop when the postgres user cannot
# reach .gridloop/), then what else .gridloop/ holds (photos).
clean-db:
	@if [ -x $(BIN)/gridloop ]; then $(BIN)/gridloop db destroy --yes; fi
	rm -rf .gridloop
