"""Collect every notebook once per start method and run it under nbval with stored outputs compared.

Each notebook becomes one collector per start method, named like
``notebooks/00_start_here.ipynb::spawn``, whose kernel runs with MP_START_METHOD set
(the notebooks' setup helper applies it) and without PYTEST_CURRENT_TEST (whose presence
makes ipykernel stop capturing child processes' output at the file-descriptor level).

Options: ``--start-methods=fork,spawn`` limits the methods; ``--no-notebooks`` runs unit tests only.
"""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pytest
from nbval.plugin import IPyNbFile

ROOT = Path(__file__).resolve().parent
NOTEBOOKS = ROOT / "notebooks"
SANITIZE = ROOT / "tests" / "sanitize.cfg"
CELL_TIMEOUT = 60  # seconds; a hung pool fails in a minute, not nbval's default 33 minutes


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("course notebooks")
    group.addoption(
        "--start-methods",
        default=",".join(multiprocessing.get_all_start_methods()),
        help="comma-separated start methods to run every notebook under (default: all on this platform)",
    )
    group.addoption("--no-notebooks", action="store_true", help="skip the notebook (nbval) runs")


def pytest_configure(config: pytest.Config) -> None:
    # nbval's own options, set here so a plain `pytest` compares outputs the project's way.
    config.option.nbval_current_env = True  # the kernel is this Python, whatever kernelspecs exist
    config.option.nbval_cell_timeout = CELL_TIMEOUT
    config.option.nbval_sanitize_with = str(SANITIZE)
    methods = [m.strip() for m in config.option.start_methods.split(",") if m.strip()]
    unknown = set(methods) - set(multiprocessing.get_all_start_methods())
    if unknown or not methods:
        raise pytest.UsageError(
            f"--start-methods: {sorted(unknown) or 'none given'}; available here: {multiprocessing.get_all_start_methods()}"
        )
    config.course_start_methods = methods


class StartMethodNotebook(IPyNbFile):
    """A notebook run by nbval in a kernel whose multiprocessing start method is fixed."""

    start_method: str = "fork"

    def setup(self) -> None:
        saved = dict(os.environ)
        os.environ.pop("PYTEST_CURRENT_TEST", None)
        os.environ["MP_START_METHOD"] = self.start_method
        # Warnings name the cell's temporary file; a fixed name keeps outputs comparable.
        os.environ["IPYKERNEL_CELL_NAME"] = "<cell>"
        try:
            super().setup()
        finally:
            os.environ.clear()
            os.environ.update(saved)


class NotebookUnderEveryMethod(pytest.File):
    """One notebook file: yields one nbval run per start method."""

    def collect(self):
        for method in self.config.course_start_methods:
            run = StartMethodNotebook.from_parent(self, path=self.path, name=method, nodeid=f"{self.nodeid}::{method}")
            run.start_method = method
            yield run


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    if file_path.suffix != ".ipynb" or parent.config.option.no_notebooks:
        return None
    if NOTEBOOKS not in file_path.resolve().parents:
        return None
    return NotebookUnderEveryMethod.from_parent(parent, path=file_path)
