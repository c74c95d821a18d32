# canbao — the two set-up commands are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
TEST_STAMP := $(VENV)/.installed-test-stamp

# The embedded default city (override on the command line: make run PERSONS=100000).
PERSONS ?= 50000
SEED ?= 20150101
PERIODS ?= 2015-01:2015-03
DATA ?= $(CURDIR)/data/default
HOME_DIR ?= $(CURDIR)/data/default/home
SCALE ?= 100000

.PHONY: install run test ui lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	@touch $(STAMP)

# The tests also run the Spark backend against DuckDB: they need the optional [spark] extra (pyspark; Java 17
# is a system requirement, the Spark tests skip with a reason when it is missing).
$(TEST_STAMP): $(STAMP)
	$(BIN)/pip install -q -e ".[dev,spark]"
	@touch $(TEST_STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/canbao demo --persons $(PERSONS) --seed $(SEED) --periods $(PERIODS) --data $(DATA) --home $(HOME_DIR)

# Two pytest workers (the machine's cores), one test file per worker at a time: each file's expensive
# fixture (a city run end to end) is then built once.
test: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest -q -n 2 --dist loadfile

# The UI reads the same Dagster instance as `make run` (<home>/dagster), so its runs are visible there.
ui: $(STAMP)
	mkdir -p $(HOME_DIR)/dagster
	CANBAO_HOME=$(HOME_DIR) CANBAO_LANDING=$(DATA)/landing DAGSTER_HOME=$(HOME_DIR)/dagster \
		$(BIN)/dg dev --host 127.0.0.1 --port 3000

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python benchmarks/run_bench.py --scale $(SCALE)

clean:
	rm -rf data/default dbt_project/target dbt_project/logs
