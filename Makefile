# canbao — the two set-up commands are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

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

install: $(STAMP)

run: $(STAMP)
	$(BIN)/canbao demo --persons $(PERSONS) --seed $(SEED) --periods $(PERIODS) --data $(DATA) --home $(HOME_DIR)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest -q

ui: $(STAMP)
	CANBAO_HOME=$(HOME_DIR) CANBAO_LANDING=$(DATA)/landing $(BIN)/dg dev --host 127.0.0.1 --port 3000

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python benchmarks/run_bench.py --scale $(SCALE)

clean:
	rm -rf data/default dbt_project/target dbt_project/logs
