# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
# Each creates .venv and installs the locked dependencies first (once; again when the lock changes).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
INSTALLED := $(VENV)/.installed

.PHONY: install postgres-server browser demo report test check fast-tests soak lint format dev sandbox bench bench-load-path lock clean

# Bytecode is compiled at install (uv does not by default): otherwise, where Python may not write it
# (PYTHONDONTWRITEBYTECODE, a read-only venv), every process, each Dagster step and dbt run among
# them, compiles its imports again: about 5 s more to load the definitions, 3 s more per dbt call.
$(INSTALLED): requirements.lock pyproject.toml sandbox/pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required, found " + sys.version.split()[0])'
	@echo "installing the locked dependencies into $(VENV) (once, and again when the lock changes)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	@$(BIN)/uv pip sync --quiet --compile-bytecode --python $(BIN)/python requirements.lock
	@$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python --no-deps --editable . --editable ./sandbox
	@touch $@

install: $(INSTALLED)  ## create .venv with the locked dependencies

# The engine tests start a throwaway PostgreSQL server of their own from the machine's server
# binaries (tests/conftest.py); as root, Debian's package is installed where they are missing.
postgres-server:
	@command -v pg_ctl >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || \
	{ [ "$$(id -u)" = 0 ] && echo "installing Debian's postgresql (the tests start a server of their own)" && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; } || \
	{ echo "the tests need PostgreSQL's server binaries: apt-get install postgresql (as root)" >&2; exit 1; }

# The market report's test opens its page in a headless Chromium (tests/orchestrate/test_market_report.py);
# as root, Debian's package is installed where it is missing; otherwise that test says it skips, and why.
browser:
	@command -v chromium >/dev/null 2>&1 || \
	if [ "$$(id -u)" = 0 ]; then echo "installing Debian's chromium (the market report's test opens its page headless)" && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "no chromium, and not root to install it: the market report's browser test will skip (apt-get install chromium)" >&2; fi

demo: $(INSTALLED)  ## the whole pipeline against the sandbox, three simulated days
	$(BIN)/listings demo

test: $(INSTALLED) postgres-server browser  ## the test suite (sandbox, pipeline, dbt, Dagster), one test file per core at a time
	$(BIN)/python -m pytest -n auto --dist loadfile

check: $(INSTALLED)  ## the edit loop, about 4 minutes: lint beside every test but the slow pipeline files
	$(MAKE) --no-print-directory -j2 lint fast-tests

fast-tests: $(INSTALLED) postgres-server browser
	$(BIN)/python -m pytest -n auto --dist loadfile -m "(check or not slow) and not soak"

soak: $(INSTALLED)  ## the long ones: each fault alone through Dagster; ten loads under readers, then two at once
	$(BIN)/python -m pytest -m soak

lint: $(INSTALLED)  ## ruff on the Python, SQLFluff on the dbt SQL
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python scripts/lint_sql.py  # SQLFluff, rendering with dbt (the in-memory `lint` target) and the provider registry

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

report: $(INSTALLED)  ## the market report again from the marts as they stand (charts and a page beside the serving file)
	$(BIN)/listings report

dev: $(INSTALLED)  ## the Dagster UI on http://127.0.0.1:3000
	$(BIN)/listings ui

sandbox: $(INSTALLED)  ## serve the provider sandbox on ports 8701-8707
	$(BIN)/listings sandbox serve --port-base 8701

bench: $(INSTALLED)  ## the pipeline at 10k, 100k and 1M listings on a replay of the sandbox, against read_json and raw HTTP (BENCHMARKS.md)
	$(BIN)/python scripts/bench.py

bench-load-path: $(INSTALLED)  ## the raw load path at 100,000 listings against DuckDB's read_json
	$(BIN)/python scripts/bench_load_path.py

lock:  ## re-resolve requirements.lock from pyproject.toml (needs network access to PyPI)
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 \
		--python-platform x86_64-manylinux_2_28 --generate-hashes --no-header -o requirements.lock

clean:
	rm -rf $(VENV) data dbt_project/target dbt_project/logs
