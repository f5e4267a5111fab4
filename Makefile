# CS Ops warehouse. `make build` and `make test` work on a fresh machine with Python 3.11, make and git.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt python/pyproject.toml | md5sum | cut -c1-12)

# Demo data for `make build` (override: make build SCALE=large SEED=7). It has its own folder:
# `make build` never writes to CSOPS_RAW_DIR, the raw data you point at your own exports.
SCALE ?= small
SEED ?= 42
AS_OF ?= 2026-11-01
CSOPS_DEMO_DIR ?= $(CURDIR)/data/demo/raw

export DBT_PROFILES_DIR := $(CURDIR)
# The raw data `make warehouse` builds from: your exports, or else the demo data.
export CSOPS_RAW_DIR ?= $(CSOPS_DEMO_DIR)
# The published warehouse BI tools open; builds happen in warehouse/.build/ and replace it atomically.
export CSOPS_WAREHOUSE ?= $(CURDIR)/warehouse/csops.duckdb
# FULL_REFRESH=1: build from an empty file instead of a copy of the published warehouse
FULL_REFRESH ?=
BUILD_FLAGS := $(if $(filter-out 0 no false,$(FULL_REFRESH)),--full-refresh)
DEMO_QUERY := select segment, count(*) as paying_customers, sum(mrr_amount) as mrr_amount from marts.dim_customers \
	where lifecycle_status = 'paying' group by segment order by mrr_amount desc

# `make test` works on its own tiny data and warehouse, never on the ones `make build` made.
TEST_RAW_DIR := $(CURDIR)/data/tiny/raw
TEST_WAREHOUSE := $(CURDIR)/warehouse/test.duckdb
TEST_ENV := CSOPS_RAW_DIR=$(TEST_RAW_DIR) CSOPS_WAREHOUSE=$(TEST_WAREHOUSE)
# The systems a company may not have (vars enable_<system>; macros/systems.sql) and the scratch
# folder where `make dbt-test-switches` builds the tiny data without them.
OPTIONAL_SYSTEMS := product support surveys cs_platform community
SWITCH_DIR := $(CURDIR)/warehouse/.switches
# Empty optional tables and a plan tier the demo never uses (make dbt-test-company-data).
EMPTY_TABLES := community.posts product.events surveys.csat_responses cs_platform.check_ins support.tickets
VARIANT_DIR := $(CURDIR)/warehouse/.company-data
# `dbt docs generate` opens its warehouse for writing: it runs on a copy, so readers are never locked out.
DOCS_COPY_DIR := $(CURDIR)/warehouse/.build/docs

.PHONY: help venv data warehouse build sql readme test lint lint-sql lint-python dbt-test dbt-test-switches dbt-test-company-data quality quality-test coverage pytest docs docs-catalog bench clean

help:
	@echo "make build   - set up .venv, generate the $(SCALE) demo data into $(CSOPS_DEMO_DIR), build and publish"
	@echo "               $(CSOPS_WAREHOUSE) (ignores CSOPS_RAW_DIR: your exports are never touched)"
	@echo "make warehouse CSOPS_RAW_DIR=/your/exports - check them (csops check-raw), build from them and publish (never writes there)"
	@echo "               CHECK_RAW_FLAGS=\"--skip-system community\": a system you do not export (crm and billing are required)"
	@echo "               FULL_REFRESH=1: from an empty file (required when the raw data is another dataset)"
	@echo "               (both build in warehouse/.build/, run dbt build and the GX suites, and replace the published"
	@echo "               warehouse only if both pass; the one before is kept as *.previous.duckdb)"
	@echo "make sql Q=\"select ...\" - query the published warehouse, read-only (never blocks a build)"
	@echo "make test    - lint, csops build (dbt build + tests + GX) on tiny data, docs gate, pytest"
	@echo "make quality - Great Expectations suites (gx/suites) on the published warehouse; data docs in gx/uncommitted/data_docs"
	@echo "make lint    - sqlfluff on every SQL file, ruff on python/ and bench/"
	@echo "make readme  - rewrite the README figures that come from the project (test counts, benchmark, tables)"
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
	$(BIN)/csops generate --scale $(SCALE) --seed $(SEED) --as-of $(AS_OF) --out $(CSOPS_DEMO_DIR)

build: venv
	@echo "make build builds the demo data in $(CSOPS_DEMO_DIR); make warehouse CSOPS_RAW_DIR=/your/exports builds your own"
	$(BIN)/csops generate --scale $(SCALE) --seed $(SEED) --as-of $(AS_OF) --out $(CSOPS_DEMO_DIR)
	CSOPS_RAW_DIR=$(CSOPS_DEMO_DIR) $(BIN)/csops build $(BUILD_FLAGS)
	@echo
	@echo "Warehouse published: $(CSOPS_WAREHOUSE)"
	@echo "  paying customers and their MRR by segment:"
	@echo "    make sql Q=\"$(DEMO_QUERY)\""
	@echo "  every build, its raw data and checks: make sql Q=\"select * from meta.build_runs order by started_at\""
	@echo "  data quality report: $(CURDIR)/gx/uncommitted/data_docs/local_site/index.html"

# your exports are checked against the raw contract first (CHECK_RAW_FLAGS="--skip-system community" if you have none)
warehouse: venv
	$(if $(filter tables,$(CSOPS_RAW_SOURCE_MODE)),,$(BIN)/csops check-raw $(CHECK_RAW_FLAGS) $(CSOPS_RAW_DIR))
	$(BIN)/csops build $(BUILD_FLAGS)

sql: venv
	@test -n "$${Q:-}" || { echo 'usage: make sql Q="select ..."  (read-only, on $(CSOPS_WAREHOUSE))' >&2; exit 2; }
	@$(BIN)/csops sql "$$Q"

# Steps that are independent run two at a time, each target's output printed together when it
# ends: the linters beside the tiny build (sqlfluff keeps its dbt files in LINT_DIR), then the
# switched-off and company-data builds.
test: venv
	$(MAKE) --no-print-directory -j2 --output-sync=target lint dbt-test
	$(MAKE) --no-print-directory -j2 --output-sync=target dbt-test-switches dbt-test-company-data
	$(MAKE) --no-print-directory pytest

dbt-test: venv
	$(BIN)/csops generate --scale tiny --seed $(SEED) --as-of $(AS_OF) --out $(TEST_RAW_DIR) --quiet
	rm -f $(TEST_WAREHOUSE) $(TEST_WAREHOUSE:.duckdb=.previous.duckdb)
	# dbt build (every model, snapshot and test) and the GX suites in a private file, published only if both pass
	$(TEST_ENV) $(BIN)/csops build --full-refresh --quiet
	# every model, seed, snapshot and column described, every model with a primary-key test (the gate
	# reads the catalog and the parsed docs: --no-compile, the build has just compiled every node)
	$(TEST_ENV) $(BIN)/dbt docs generate --quiet --no-compile
	$(BIN)/csops docs-coverage
	# the README's figures that come from the project (test counts, benchmark, raw tables, truth) are current
	$(BIN)/csops readme-facts --check

# The tiny data (made by dbt-test) built with the optional systems switched off in three builds that
# cover every system off both beside others that are on and all together: the two halves of
# SWITCH_GROUPS (dbt build: every model, snapshot and test; the unit tests, whose inputs are fixed,
# run with every system on in dbt-test and with every system off here) and all of them at once
# (csops build: dbt build, unit tests and the GX suites, which skip the suites that need a
# switched-off system). Each runs on a scratch warehouse from a copy of the raw folder without the
# switched-off folders, so nothing can read them. All of it (warehouses, dbt's target/ and logs, GX
# data docs) stays in $(SWITCH_DIR)/<group>. Each group is its own target, so `make test` runs them
# and the company data two at a time (a tiny build keeps about 1.4 of the 2 cores busy).
SWITCH_GROUPS := product-surveys-community support-cs_platform all
SWITCH_TARGETS := $(SWITCH_GROUPS:%=dbt-test-switch-%)
.PHONY: $(SWITCH_TARGETS)
dbt-test-switches: $(SWITCH_TARGETS)
$(SWITCH_TARGETS): dbt-test-switch-%: venv
	@test -d $(TEST_RAW_DIR) || { echo "error: no tiny data in $(TEST_RAW_DIR); run make dbt-test" >&2; exit 2; }
	systems=$$(if [ $* = all ]; then echo $(OPTIONAL_SYSTEMS); else echo $* | tr - ' '; fi); \
	dir=$(SWITCH_DIR)/$*; vars=; \
	for system in $$systems; do vars="$$vars$${vars:+, }enable_$$system: false"; done; \
	rm -rf $$dir; \
	$(BIN)/python -m csops.raw_variants copy $(TEST_RAW_DIR) $$dir/raw $$(printf -- ' --without %s' $$systems); \
	echo "== switched off, raw folder removed: $$systems"; \
	export DBT_TARGET_PATH=$$dir/target DBT_LOG_PATH=$$dir/logs CSOPS_RAW_DIR=$$dir/raw CSOPS_WAREHOUSE=$$dir/csops.duckdb; \
	if [ $* = all ]; then \
		$(BIN)/csops build --full-refresh --quiet --raw-dir $$dir/raw --gx-root $$dir --vars "{$$vars}"; \
	else \
		$(BIN)/dbt build --quiet --exclude resource_type:unit_test --vars "{$$vars}"; \
	fi; \
	rm -rf $$dir

# A company's data is not the demo's: optional raw tables with no rows (their columns only) and a plan
# tier the demo never uses ('growth' renamed 'basic'), from a hard-linked copy of the tiny data.
# csops build (dbt build, every test, the GX suites) must pass, and the plan_tier vocabulary test
# must warn (a company's vocabulary is configuration: seeds/company_vocabularies.csv).
dbt-test-company-data: venv
	@test -d $(TEST_RAW_DIR) || { echo "error: no tiny data in $(TEST_RAW_DIR); run make dbt-test" >&2; exit 2; }
	rm -rf $(VARIANT_DIR)
	$(BIN)/python -m csops.raw_variants copy $(TEST_RAW_DIR) $(VARIANT_DIR)/raw
	for table in $(EMPTY_TABLES); do $(BIN)/python -m csops.raw_variants empty $(VARIANT_DIR)/raw $$table; done
	$(BIN)/python -m csops.raw_variants set $(VARIANT_DIR)/raw billing.plans tier growth basic
	DBT_TARGET_PATH=$(VARIANT_DIR)/target DBT_LOG_PATH=$(VARIANT_DIR)/logs CSOPS_WAREHOUSE=$(VARIANT_DIR)/csops.duckdb \
		$(BIN)/csops build --full-refresh --quiet --raw-dir $(VARIANT_DIR)/raw --gx-root $(VARIANT_DIR)
	$(BIN)/python -m csops.raw_variants expect-warn $(VARIANT_DIR)/target/run_results.json in_vocabulary_stg_billing__plans_plan_tier
	rm -rf $(VARIANT_DIR)

# rewrite those README figures (after dbt parse or build has written target/manifest.json)
readme: venv
	$(TEST_ENV) $(BIN)/dbt parse --quiet
	$(BIN)/csops readme-facts --write

coverage: venv
	$(MAKE) --no-print-directory docs-catalog DOCS_FLAGS=--quiet
	$(BIN)/csops docs-coverage

# Great Expectations on the published warehouse (data docs: gx/uncommitted/data_docs/local_site/index.html)
quality: venv
	$(BIN)/csops quality --warehouse $(CSOPS_WAREHOUSE)

# ... and on the tiny test warehouse
quality-test: venv
	$(TEST_ENV) $(BIN)/csops quality --warehouse $(TEST_WAREHOUSE)

# two workers (PYTEST_WORKERS=0 for one process): most tests wait on a dbt or DuckDB subprocess,
# so two run side by side in about two thirds of the time; each file stays on one worker, so its
# module fixtures (a tiny build, a company's exports) are built once
PYTEST_WORKERS ?= 2
pytest: venv
	$(TEST_ENV) CSOPS_REQUIRE_WAREHOUSE=1 $(BIN)/pytest python/tests -q --durations=15 $(if $(filter-out 0,$(PYTEST_WORKERS)),-n $(PYTEST_WORKERS) --dist loadfile)

lint: lint-sql lint-python

# sqlfluff on two processes: the dbt templater compiles once, the files lint in parallel (on our
# 2-core machines 62 s instead of 110 s; the same findings)
SQLFLUFF_PROCESSES ?= 2
# sqlfluff's dbt templater compiles the project: in its own target folder and an empty scratch
# warehouse (never the test warehouse a build beside it is writing; incremental models lint as a
# first build, the same on every machine)
LINT_DIR := $(CURDIR)/target/sqlfluff
lint-sql: venv
	mkdir -p $(LINT_DIR)
	DBT_TARGET_PATH=$(LINT_DIR) DBT_LOG_PATH=$(LINT_DIR)/logs CSOPS_RAW_DIR=$(TEST_RAW_DIR) \
		CSOPS_WAREHOUSE=$(LINT_DIR)/lint.duckdb $(BIN)/sqlfluff lint models tests analyses snapshots \
		--processes $(SQLFLUFF_PROCESSES)

lint-python: venv
	$(BIN)/ruff check python bench

docs: venv
	$(MAKE) --no-print-directory docs-catalog DOCS_FLAGS=--static
	@echo "Catalog: $(CURDIR)/target/static_index.html (open it in a browser; no server needed)"

# the catalog of the published warehouse, read from a copy of it
docs-catalog: venv
	@test -f $(CSOPS_WAREHOUSE) || { echo "error: no warehouse at $(CSOPS_WAREHOUSE); run make build" >&2; exit 2; }
	rm -rf $(DOCS_COPY_DIR) && mkdir -p $(DOCS_COPY_DIR) && cp $(CSOPS_WAREHOUSE) $(DOCS_COPY_DIR)/
	status=0; CSOPS_WAREHOUSE=$(DOCS_COPY_DIR)/$(notdir $(CSOPS_WAREHOUSE)) $(BIN)/dbt docs generate $(DOCS_FLAGS) \
		|| status=$$?; rm -rf $(DOCS_COPY_DIR); exit $$status

bench: venv
	$(BIN)/python bench/bench_generate.py --out bench/results.md

clean:
	rm -rf data warehouse/*.duckdb warehouse/*.wal warehouse/.build target logs dbt_packages $(VENV) \
		gx/uncommitted gx/expectations gx/checkpoints gx/validation_definitions gx/plugins gx/great_expectations.yml gx/.gitignore
