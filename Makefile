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

.PHONY: lab lab-class test soak sync notebooks execute guide timings measure-timings live cheatsheet classroom clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed, found " + sys.version.split()[0] + ": run make PYTHON=python3.12 (or another 3.11+)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

## lab: start JupyterLab on the notebooks (set MP_START_METHOD=spawn to try another start method)
# Served from the repository's root so that jupytext (jupytext.toml) can save each notebook's text source in
# sources/ too; the browser opens notebooks/00_start_here.ipynb, with the notebooks folder in the file browser.
# The project's JupyterLab settings (lab/settings/overrides.json: no news pop-up) are defaults: your own settings win.
LAB_START := --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb
lab: $(STAMP)
	$(BIN)/python -m jupyter lab $(LAB_START) --LabApp.app_settings_dir="$(CURDIR)/lab/settings" $(LAB_ARGS)

## lab-class: JupyterLab for a projector: Presentation Mode with larger text, side panel hidden (View menu undoes both)
# lab/class holds a small JupyterLab extension that only this target loads (JUPYTER_PATH).
lab-class: $(STAMP)
	JUPYTER_PATH="$(CURDIR)/lab/class" $(BIN)/python -m jupyter lab $(LAB_START) \
		--LabApp.app_settings_dir="$(CURDIR)/lab/class-settings" $(LAB_ARGS)

## test: unit tests, then every notebook under nbval once per start method
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## soak: the unit and exercise-check tests SOAK times (default 5) while one CPU is kept busy; lists every test that failed
SOAK ?= 5
soak: $(STAMP)
	$(BIN)/python tests/soak.py --count $(SOAK) $(if $(PYTEST_ARGS),-- $(PYTEST_ARGS))

## sync: copy inputs between each notebook and its text source in sources/ (the file changed last wins); outputs stay.
## A new sources/NN_name.md gets its notebook here.
## Then every cell gets its slide metadata (RISE), which the text sources leave out (jupytext.toml).
sync: $(STAMP)
	$(BIN)/jupytext --sync --quiet notebooks/*.ipynb
	@for source in sources/*.md; do \
		[ -e "notebooks/$$(basename "$$source" .md).ipynb" ] || $(BIN)/jupytext --sync --quiet "$$source"; \
	done
	$(BIN)/python -m teaching slides

## notebooks: sync, re-execute the notebooks and store their outputs (NOTEBOOKS="notebooks/03_*.ipynb" for some)
# The stored outputs come from Python 3.14 under forkserver, its default on Linux: with REFERENCE_PYTHON where it
# is on PATH, otherwise in the Debian sid root of tools/sid-python. REFERENCE_PYTHON=python3 uses another Python
# (the tests still compare its outputs on every Python; commit outputs from 3.14).
REFERENCE_PYTHON ?= python3.14
NOTEBOOKS ?= notebooks/*.ipynb
notebooks: sync
	@if command -v $(REFERENCE_PYTHON) >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory execute PYTHON=$(REFERENCE_PYTHON) VENV=.venv-reference NOTEBOOKS="$(NOTEBOOKS)"; \
	else \
		echo "$(REFERENCE_PYTHON) is not on PATH: running it in the Debian sid root (tools/sid-python)"; \
		tools/sid-python setup && tools/sid-python run make --no-print-directory execute PYTHON=python3.14 VENV=.venv-3.14-sid NOTEBOOKS="$(NOTEBOOKS)"; \
	fi
	$(BIN)/jupytext --sync --quiet $(NOTEBOOKS)  # the text sources take the notebooks' new time stamps

# execute: re-execute NOTEBOOKS in place with this PYTHON, under forkserver (used by `make notebooks`)
execute: $(STAMP)
	MP_START_METHOD=forkserver IPYKERNEL_CELL_NAME='<cell>' $(BIN)/python -m jupyter nbconvert --to notebook --execute \
		--inplace --ExecutePreprocessor.timeout=120 --ExecutePreprocessor.record_timing=False \
		--ExecutePreprocessor.kernel_name=python3 $(NOTEBOOKS)

## timings: run every notebook once, as `make notebooks` does (Python 3.14, forkserver), and store each cell's run
## time in instructors/cell_times.json
timings: $(STAMP)
	@if command -v $(REFERENCE_PYTHON) >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory measure-timings PYTHON=$(REFERENCE_PYTHON) VENV=.venv-reference; \
	else \
		echo "$(REFERENCE_PYTHON) is not on PATH: running it in the Debian sid root (tools/sid-python)"; \
		tools/sid-python setup && tools/sid-python run make --no-print-directory measure-timings PYTHON=python3.14 VENV=.venv-3.14-sid; \
	fi

measure-timings: $(STAMP)
	$(BIN)/python -m teaching timings

## guide: instructors/*.md and the time line at the top of each notebook, from the notebooks, instructors/notes/*.toml
## and instructors/cell_times.json
guide: $(STAMP)
	$(BIN)/python -m teaching guide
	$(BIN)/jupytext --sync --quiet notebooks/*.ipynb
	$(BIN)/python -m teaching slides  # a sync from the text sources leaves the slide metadata out

## live: live/NN_*.ipynb, the live-coding notebooks (cells tagged live-code left as '# Live: ...', no solutions or outputs)
live: $(STAMP)
	$(BIN)/python -m teaching live

## cheatsheet: cheatsheet/cheatsheet.pdf from cheatsheet/cheatsheet.md, printed by headless Chromium (two pages at most)
cheatsheet: $(STAMP)
	$(BIN)/python -m teaching cheatsheet

## classroom: everything above that a notebook change can make stale (after `make timings` when cells changed)
classroom: sync guide live cheatsheet

clean:
	rm -rf $(VENV) .venv-* *.egg-info
