# Two commands do all the set-up on a fresh machine with Python 3.11:
#   make demo   - builds the environment, then runs the main job on the embedded DuckDB
#   make test   - builds the environment, then runs every check CI runs
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint install java clean

$(BIN)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.8
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

install: $(BIN)/.installed

# Spark (the parity test, `saas-metrics build --target spark`) needs a Java runtime: 17 from Debian's
# packages when none is on the PATH (needs root and apt-get).
java:
	@command -v java >/dev/null || { export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y -q openjdk-17-jre-headless || \
		{ apt-get update -q && apt-get install -y -q openjdk-17-jre-headless; }; }
	@java -version 2>&1 | head -1

demo: install
	$(BIN)/saas-metrics demo

lint: install
	$(BIN)/ruff check saas_metrics tests
	$(BIN)/ruff format --check saas_metrics tests
	mkdir -p target
	SAAS_METRICS_DATABASE=target/sqlfluff.duckdb $(BIN)/sqlfluff lint models analyses tests/dbt

test: lint java
	$(BIN)/pytest

clean:
	rm -rf $(VENV) target logs warehouse/*.duckdb
