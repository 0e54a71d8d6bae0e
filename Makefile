# Two commands on a fresh machine: `make lab` (the course) and `make test` (the whole suite).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
LAB_STAMP := $(VENV)/.lab-installed
DEV_STAMP := $(VENV)/.dev-installed
# Tests and CI never touch the network for data: they use the generated stand-in.
TEST_ENV := env -u MPLBACKEND D2L_FASHION_MNIST=standin

.PHONY: lab test test-fast bench notebooks clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(LAB_STAMP): requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -r requirements.txt
	$(BIN)/python -m pip install --no-deps -e .
	touch $@

$(DEV_STAMP): $(LAB_STAMP) requirements-dev.txt
	$(BIN)/python -m pip install -r requirements-dev.txt
	# The book's own helpers, for the parity tests only: its pins do not install today.
	$(BIN)/python -m pip install --no-deps d2l==0.17.6
	touch $@

lab: $(LAB_STAMP)
	env -u MPLBACKEND $(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 \
		--ServerApp.root_dir=notebooks --LabApp.default_url=/lab/tree/README.md \
		$(if $(filter 0,$(shell id -u)),--allow-root)

test: $(DEV_STAMP)
	$(TEST_ENV) $(BIN)/python -m pytest

test-fast: $(DEV_STAMP)
	$(TEST_ENV) $(BIN)/python -m pytest tests -m "not browser"

notebooks: $(DEV_STAMP)
	$(TEST_ENV) $(BIN)/python tools/run_notebooks.py

bench: $(DEV_STAMP)
	$(TEST_ENV) $(BIN)/python bench/epoch.py

clean:
	rm -rf $(VENV) build .pytest_cache
