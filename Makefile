# Two commands: `make lab` opens the notebooks in JupyterLab, `make test` runs the whole test suite.
# Each creates .venv and installs the course package on first use, and again only when pyproject.toml changes.
PYTHON ?= python3
VENV ?= .venv
ifeq ($(OS),Windows_NT)
BIN := $(VENV)/Scripts
else
BIN := $(VENV)/bin
endif
STAMP := $(VENV)/.installed
# JupyterLab refuses to run as root (common in containers) unless told to.
LAB_ARGS ?= $(shell [ "$$(id -u 2>/dev/null)" = 0 ] && echo --allow-root)

.PHONY: lab test soak notebooks clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed, found " + sys.version.split()[0] + ": run make PYTHON=python3.12 (or another 3.11+)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

## lab: start JupyterLab on the notebooks (set MP_START_METHOD=spawn to try another start method)
lab: $(STAMP)
	$(BIN)/python -m jupyter lab --ServerApp.root_dir=notebooks $(LAB_ARGS)

## test: unit tests, then every notebook under nbval once per start method
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## soak: the unit and exercise-check tests SOAK times (default 5) while one CPU is kept busy; lists every test that failed
SOAK ?= 5
soak: $(STAMP)
	$(BIN)/python tests/soak.py --count $(SOAK) $(if $(PYTEST_ARGS),-- $(PYTEST_ARGS))

## notebooks: re-execute every notebook and store its outputs (after changing a notebook or a helper)
notebooks: $(STAMP)
	IPYKERNEL_CELL_NAME='<cell>' $(BIN)/python -m jupyter nbconvert --to notebook --execute --inplace \
		--ExecutePreprocessor.timeout=120 --ExecutePreprocessor.record_timing=False \
		--ExecutePreprocessor.kernel_name=python3 notebooks/*.ipynb

clean:
	rm -rf $(VENV) *.egg-info
