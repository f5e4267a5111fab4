# CS Ops warehouse. `make build` and `make test` work on a fresh machine with Python 3.11, make and git.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt python/pyproject.toml | md5sum | cut -c1-12)

# Demo data for `make build` (override: make build SCALE=large SEED=7)
SCALE ?= small
SEED ?= 42
AS_OF ?= 2026-11-01

export DBT_PROFILES_DIR := $(CURDIR)
export CSOPS_RAW_DIR ?= $(CURDIR)/data/raw
export CSOPS_WAREHOUSE ?= $(CURDIR)/warehouse/csops.duckdb

# `make test` works on its own tiny data and warehouse, never on the ones `make build` made.
TEST_RAW_DIR := $(CURDIR)/data/tiny/raw
TEST_WAREHOUSE := $(CURDIR)/warehouse/test.duckdb
TEST_ENV := CSOPS_RAW_DIR=$(TEST_RAW_DIR) CSOPS_WAREHOUSE=$(TEST_WAREHOUSE)

.PHONY: help venv data warehouse build test lint lint-sql lint-python dbt-test quality quality-test coverage pytest docs bench clean

help:
	@echo "make build   - set up .venv, generate $(SCALE) demo data, dbt build into $(CSOPS_WAREHOUSE)"
	@echo "make warehouse CSOPS_RAW_DIR=/your/exports - dbt build on your own raw files (no demo data)"
	@echo "make test    - lint, dbt build + tests on tiny data, pytest"
	@echo "make quality - Great Expectations suites (gx/suites) on the warehouse; data docs in gx/uncommitted/data_docs"
	@echo "make lint    - sqlfluff on every SQL file, ruff on python/ and bench/"
	@echo "make docs    - dbt docs generate (target/index.html and target/static_index.html)"
	@echo "make bench   - time csops generate at each scale, written to bench/results.md"
	@echo "make clean   - remove generated data, warehouses, dbt target and .venv"

venv: $(STAMP)

$(STAMP): requirements.txt python/pyproject.toml
	@test -n "$(PYTHON)" || { echo "error: python3.11 not found; install Python 3.11" >&2; exit 1; }
	rm -f $(VENV)/.installed-*
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e python
	touch $@

data: venv
	$(BIN)/csops generate --scale $(SCALE) --seed $(SEED) --as-of $(AS_OF) --out $(CSOPS_RAW_DIR)

build: data warehouse quality
	@echo
	@echo "Warehouse ready: $(CSOPS_WAREHOUSE)"
	@echo "  query it:  $(BIN)/python -c \"import duckdb; print(duckdb.connect('$(CSOPS_WAREHOUSE)', read_only=True).sql('show all tables'))\""
	@echo "  or:        duckdb $(CSOPS_WAREHOUSE)   (DuckDB CLI), then: select * from marts.dim_customers limit 10;"
	@echo "  data quality report: $(CURDIR)/gx/uncommitted/data_docs/local_site/index.html"

warehouse: venv
	@if [ "$${CSOPS_RAW_SOURCE_MODE:-parquet}" = parquet ] && [ ! -d "$(CSOPS_RAW_DIR)" ]; then \
		echo "error: no raw data in $(CSOPS_RAW_DIR); run make build, or set CSOPS_RAW_DIR" >&2; exit 1; fi
	mkdir -p $(dir $(CSOPS_WAREHOUSE))
	$(BIN)/dbt build

test: venv lint dbt-test quality-test pytest

dbt-test: venv
	$(BIN)/csops generate --scale tiny --seed $(SEED) --as-of $(AS_OF) --out $(TEST_RAW_DIR) --quiet
	rm -f $(TEST_WAREHOUSE)
	mkdir -p $(dir $(TEST_WAREHOUSE))
	$(TEST_ENV) $(BIN)/dbt build --full-refresh
	# every model, seed, snapshot and column described, every model with a primary-key test
	$(TEST_ENV) $(BIN)/dbt docs generate --quiet
	$(BIN)/csops docs-coverage

coverage: venv
	$(BIN)/dbt docs generate --quiet
	$(BIN)/csops docs-coverage

# Great Expectations on the warehouse `make build` made (data docs: gx/uncommitted/data_docs/local_site/index.html)
quality: venv
	$(BIN)/csops quality --warehouse $(CSOPS_WAREHOUSE)

# ... and on the tiny test warehouse
quality-test: venv
	$(TEST_ENV) $(BIN)/csops quality --warehouse $(TEST_WAREHOUSE)

pytest: venv
	$(TEST_ENV) CSOPS_REQUIRE_WAREHOUSE=1 $(BIN)/pytest python/tests -q

lint: lint-sql lint-python

lint-sql: venv
	$(TEST_ENV) $(BIN)/sqlfluff lint models tests analyses snapshots

lint-python: venv
	$(BIN)/ruff check python bench

docs: venv
	$(BIN)/dbt docs generate --static
	@echo "Catalog: $(CURDIR)/target/static_index.html (open it in a browser; no server needed)"

bench: venv
	$(BIN)/python bench/bench_generate.py --out bench/results.md

clean:
	rm -rf data warehouse/*.duckdb warehouse/*.wal target logs dbt_packages $(VENV) \
		gx/uncommitted gx/expectations gx/checkpoints gx/validation_definitions gx/plugins gx/great_expectations.yml gx/.gitignore
