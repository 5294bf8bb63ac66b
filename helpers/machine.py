"""The machine fingerprint printed at the top of every notebook, and the start-method switch."""

from __future__ import annotations

import multiprocessing
import os
import platform
import sys
from dataclasses import dataclass

from helpers.cpus import CpuProfile, cpu_profile, usable_cpus
from helpers.validation import require_start_method

__all__ = ["Fingerprint", "default_start_method", "fingerprint", "setup_notebook", "usable_cpus"]

START_METHOD_VARIABLE = "MP_START_METHOD"


def default_start_method() -> str:
    """The start method this OS and Python use when nobody chooses one."""
    if sys.platform == "win32" or sys.platform == "darwin":
        return "spawn"
    return "forkserver" if sys.version_info >= (3, 14) else "fork"


@dataclass(frozen=True)
class Fingerprint:
    """What a measurement depends on: Python, platform, the CPUs (CpuProfile), start method."""

    python: str
    implementation: str
    platform: str
    cpus: CpuProfile
    start_method: str
    start_method_source: str

    @property
    def cpu_count(self) -> int:
        """Logical CPUs in the machine (os.cpu_count())."""
        return self.cpus.logical

    @property
    def usable_cpus(self) -> int:
        """CPUs this process may run on."""
        return self.cpus.usable

    @property
    def effective_cpus(self) -> int:
        """The CPUs pools and sweeps are sized for: usable ones, fewer under a container's CPU quota."""
        return self.cpus.effective

    def describe(self) -> str:
        """Four lines for the top of a notebook."""
        return "\n".join(
            [
                f"Python {self.python} ({self.implementation}) on {self.platform}",
                self.cpus.describe(),
                f"Start method: {self.start_method} ({self.start_method_source})",
            ]
        )

    def stamp(self) -> str:
        """One short line to print on every plot."""
        cores = f" ({self.cpus.cores_for_fit} cores)" if self.cpus.cores_for_fit < self.effective_cpus else ""
        return f"{self.effective_cpus} CPUs{cores} · start method {self.start_method} · Python {self.python}"


def fingerprint() -> Fingerprint:
    """Read the machine fingerprint now (the start method in force, Python, CPUs)."""
    method = multiprocessing.get_start_method(allow_none=True) or default_start_method()
    chosen = os.environ.get(START_METHOD_VARIABLE)
    if chosen and chosen == method:
        source = f"set by {START_METHOD_VARIABLE}"
    elif method == default_start_method():
        source = "the default here"
    else:
        source = "set in this session"
    return Fingerprint(
        python=platform.python_version(),
        implementation=platform.python_implementation(),
        platform=platform.platform(terse=True),
        cpus=cpu_profile(),
        start_method=method,
        start_method_source=source,
    )


def setup_notebook(start_method: str | None = None) -> Fingerprint:
    """Apply MP_START_METHOD (or ``start_method``) if given, print the fingerprint, and return it."""
    method = start_method or os.environ.get(START_METHOD_VARIABLE) or None
    if method is not None:
        require_start_method(method)
        multiprocessing.set_start_method(method, force=True)
    machine = fingerprint()
    print(machine.describe())
    return machine
