"""Importable workers, measurements, plots and exercise checks for the multiprocessing course.

Worker functions live in this package, not in notebook cells, because under the ``spawn`` and
``forkserver`` start methods a child process re-imports its worker by module name, and a
notebook's ``__main__`` cannot be re-imported. Importing this package starts no process and
prints nothing; submodules that need matplotlib or NumPy import them themselves.
"""

from helpers.machine import Fingerprint, fingerprint, setup_notebook
from helpers.source import show_source

__all__ = ["Fingerprint", "fingerprint", "setup_notebook", "show_source"]
