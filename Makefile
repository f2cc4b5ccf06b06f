# The two commands of the README: `make run` and `make test`.
# Both create the virtual environment when it is missing and install the
# project into it; nothing needs to be installed by hand besides Python 3.11.
# `make test` also installs the system packages its tests drive (Debian's
# Chromium and Virtuoso) when it runs as root; elsewhere those tests skip and
# say why.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint system-deps clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/cica-graph build

system-deps:
	bash .ci/install-system-deps.sh
	bash .ci/install-virtuoso.sh

test: $(STAMP) system-deps
	$(BIN)/ruff check cica_graph tests benchmarks
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check cica_graph tests benchmarks

clean:
	rm -rf dist .pytest_cache
