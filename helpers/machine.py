"""The machine fingerprint printed at the top of every notebook, and the start-method switch."""

from __future__ import annotations

import multiprocessing
import os
import platform
import sys
from dataclasses import dataclass

from helpers.validation import require_start_method

START_METHOD_VARIABLE = "MP_START_METHOD"


def usable_cpus() -> int:
    """CPUs this process may run on (affinity, cgroup-free), never less than 1."""
    if hasattr(os, "process_cpu_count"):  # Python 3.13+
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):  # Linux and some Unixes
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def default_start_method() -> str:
    """The start method this OS and Python use when nobody chooses one."""
    if sys.platform == "win32" or sys.platform == "darwin":
        return "spawn"
    return "forkserver" if sys.version_info >= (3, 14) else "fork"


@dataclass(frozen=True)
class Fingerprint:
    """What a measurement depends on: Python, platform, CPUs, start method."""

    python: str
    implementation: str
    platform: str
    cpu_count: int
    usable_cpus: int
    start_method: str
    start_method_source: str

    def describe(self) -> str:
        """Several lines for the top of a notebook."""
        return "\n".join(
            [
                f"Python {self.python} ({self.implementation}) on {self.platform}",
                f"CPUs: {self.cpu_count} in the machine, {self.usable_cpus} usable by this process",
                f"Start method: {self.start_method} ({self.start_method_source})",
            ]
        )

    def stamp(self) -> str:
        """One short line to print on every plot."""
        return f"{self.usable_cpus} usable CPUs · start method {self.start_method} · Python {self.python}"


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
        cpu_count=os.cpu_count() or 1,
        usable_cpus=usable_cpus(),
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
