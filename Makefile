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

.PHONY: lab test soak sync notebooks clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed, found " + sys.version.split()[0] + ": run make PYTHON=python3.12 (or another 3.11+)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

## lab: start JupyterLab on the notebooks (set MP_START_METHOD=spawn to try another start method)
# Served from the repository's root so that jupytext (jupytext.toml) can save each notebook's text source in
# sources/ too; the browser opens notebooks/00_start_here.ipynb, with the notebooks folder in the file browser.
lab: $(STAMP)
	$(BIN)/python -m jupyter lab --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb $(LAB_ARGS)

## test: unit tests, then every notebook under nbval once per start method
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## soak: the unit and exercise-check tests SOAK times (default 5) while one CPU is kept busy; lists every test that failed
SOAK ?= 5
soak: $(STAMP)
	$(BIN)/python tests/soak.py --count $(SOAK) $(if $(PYTEST_ARGS),-- $(PYTEST_ARGS))

## sync: copy inputs between each notebook and its text source in sources/ (the file changed last wins); outputs stay
sync: $(STAMP)
	$(BIN)/jupytext --sync --quiet notebooks/*.ipynb

## notebooks: sync, re-execute the notebooks and store their outputs (NOTEBOOKS="notebooks/03_*.ipynb" for some)
NOTEBOOKS ?= notebooks/*.ipynb
notebooks: sync
	IPYKERNEL_CELL_NAME='<cell>' $(BIN)/python -m jupyter nbconvert --to notebook --execute --inplace \
		--ExecutePreprocessor.timeout=120 --ExecutePreprocessor.record_timing=False \
		--ExecutePreprocessor.kernel_name=python3 $(NOTEBOOKS)
	$(BIN)/jupytext --sync --quiet $(NOTEBOOKS)  # the text sources take the notebooks' new time stamps

clean:
	rm -rf $(VENV) *.egg-info
