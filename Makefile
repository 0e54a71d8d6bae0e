# Two commands on a fresh machine: `make lab` (the course) and `make test` (the whole suite).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
LAB_STAMP := $(VENV)/.lab-installed
DEV_STAMP := $(VENV)/.dev-installed
# Tests and CI never touch the network for data: they use the generated stand-in.
TEST_ENV := env -u MPLBACKEND D2L_FASHION_MNIST=standin
# `make lab TORCH_INDEX=https://download.pytorch.org/whl/cpu` installs the CPU-only build of
# torch and torchvision (a few hundred MB instead of several GB) before the rest.
TORCH_INDEX ?=
TORCH_PINS := $(shell grep -E '^torch(vision)?==' requirements.txt)
# The portability run: the lessons under nbval with other numerics (threads, SIMD paths, MKL).
PORTABILITY_VARIANTS ?= OMP_NUM_THREADS=1 \
	ATEN_CPU_CAPABILITY=default \
	ATEN_CPU_CAPABILITY=avx2 \
	MKL_CBWR=COMPATIBLE \
	OMP_NUM_THREADS=1,ATEN_CPU_CAPABILITY=default,MKL_CBWR=COMPATIBLE \
	OMP_NUM_THREADS=1,ATEN_CPU_CAPABILITY=avx2,MKL_CBWR=COMPATIBLE

.PHONY: lab test test-fast bench notebooks portability clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(LAB_STAMP): requirements.txt pyproject.toml | $(BIN)/python
	$(if $(TORCH_INDEX),$(BIN)/python -m pip install --index-url $(TORCH_INDEX) $(TORCH_PINS))
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

portability: $(DEV_STAMP)
	@for variant in $(PORTABILITY_VARIANTS); do \
		echo "== nbval with $$variant"; \
		$(TEST_ENV) $$(echo $$variant | tr ',' ' ') $(BIN)/python -m pytest notebooks -q \
			-p no:cacheprovider || exit 1; \
	done

bench: $(DEV_STAMP)
	$(TEST_ENV) $(BIN)/python bench/epoch.py

clean:
	rm -rf $(VENV) build .pytest_cache
