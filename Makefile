# The two commands of the README: `make run` and `make test`.
# Both create the virtual environment when it is missing and install the
# project into it; nothing needs to be installed by hand besides Python 3.11.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint build clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/cica-graph build

test: $(STAMP)
	$(BIN)/ruff check cica_graph tests benchmarks
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check cica_graph tests benchmarks

clean:
	rm -rf dist .pytest_cache
