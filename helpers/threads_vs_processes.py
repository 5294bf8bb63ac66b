"""Threads against processes on CPU-bound pure Python, under whatever Python runs this file: a script, stdlib only.

    python3.14t helpers/threads_vs_processes.py --workers 1 4 --tasks 8 --iterations 500000

It prints one JSON object: the interpreter, whether its GIL is enabled, the time of one task on one thread,
and the time of all tasks on each number of threads and of processes. helpers.gil runs it under any
interpreter you name (a free-threaded python3.14t, say), which need not have the course installed.
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys
import sysconfig
import time
import warnings
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor


def burn(iterations: int) -> int:
    """The course's CPU-bound task (as helpers.tasks.cpu_burn): pure Python, no waiting."""
    total = 0
    for i in range(iterations):
        total += i * i % 7
    return total


def timed_map(executor_class: type, workers: int, tasks: int, iterations: int) -> float:
    """Seconds for ``tasks`` tasks on a warm executor of ``workers`` workers."""
    with executor_class(max_workers=workers) as executor:
        list(executor.map(burn, [1] * workers))  # start the workers before the clock
        start = time.perf_counter()
        list(executor.map(burn, [iterations] * tasks))
        return time.perf_counter() - start


def gil_enabled() -> bool:
    """Whether this interpreter runs with its GIL now (always True before Python 3.13)."""
    return sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else True


def measure(workers: list[int], tasks: int, iterations: int, imports: list[str]) -> dict:
    """Everything the report holds, measured here."""
    imported = {}
    for name in imports:  # an extension that has not declared free-threading support turns the GIL back on
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                importlib.import_module(name)
                outcome = "imported"
            except Exception as error:  # report any failure as text: this runs under someone else's Python
                outcome = f"{type(error).__name__}: {error}"
        imported[name] = {"outcome": outcome, "warnings": [str(w.message) for w in caught], "gil_enabled_after": gil_enabled()}
    start = time.perf_counter()
    burn(iterations)
    single = time.perf_counter() - start
    return {
        "python": platform.python_version(),
        "executable": sys.executable,
        "free_threaded_build": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
        "gil_enabled": gil_enabled(),
        "single_task_seconds": single,
        "tasks": tasks,
        "iterations": iterations,
        "threads": {str(n): timed_map(ThreadPoolExecutor, n, tasks, iterations) for n in workers},
        "processes": {str(n): timed_map(ProcessPoolExecutor, n, tasks, iterations) for n in workers},
        "imports": imported,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--tasks", type=int, default=8)
    parser.add_argument("--iterations", type=int, default=500_000)
    parser.add_argument("--import", dest="imports", nargs="*", default=[], help="modules to import first (and report)")
    args = parser.parse_args(argv)
    if min(args.workers) < 1 or args.tasks < 1 or args.iterations < 1:
        parser.error("--workers, --tasks and --iterations must all be ≥ 1")
    print(json.dumps(measure(sorted(set(args.workers)), args.tasks, args.iterations, args.imports)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
