"""Start methods: what each does, and what starting a process costs under each."""

from __future__ import annotations

import multiprocessing
import pickle
import time
from collections.abc import Callable, Sequence
from typing import Any

from helpers.guards import join_all, run_in_child
from helpers.tasks import import_modules, noop
from helpers.validation import require_int, require_number, require_start_method

# The order the course prints start methods in: Python 3.14 lists the platform's default first, which would make
# every output that lists them depend on the Python version.
ORDER = ("fork", "forkserver", "spawn")

# What a new process starts from, under each method (CPython 3.11–3.15).
HOW_EACH_STARTS = {
    "fork": "a copy of the parent at the moment of start(): memory, imported modules, open files, but only the calling thread",
    "spawn": "a fresh interpreter that imports the worker's module and unpickles the Process object",
    "forkserver": "a fork of a small single-threaded server process that was started fresh (like spawn) on first use",
}


def start_and_join(method: str, count: int = 10, timeout: float = 30.0) -> float:
    """Start ``count`` do-nothing processes with ``method``, join them all; return seconds per process."""
    require_start_method(method)
    require_int("count", count, minimum=1)
    require_number("timeout", timeout, minimum=0, strict=True)
    context = multiprocessing.get_context(method)
    start = time.perf_counter()
    processes = [context.Process(target=noop) for _ in range(count)]
    for process in processes:
        process.start()
    stuck = join_all(processes, timeout)
    elapsed = time.perf_counter() - start
    if stuck:
        raise TimeoutError(f"{len(stuck)} of {count} {method} processes had not finished after {timeout} s")
    return elapsed / count


def available_methods() -> list[str]:
    """The start methods this platform offers, always in the same order (fork, forkserver, spawn).

    Only the three of the standard library: on Python 3.15, once joblib is imported, get_all_start_methods()
    also lists the start methods loky registers ("loky", "loky_init_main").
    """
    offered = multiprocessing.get_all_start_methods()
    return [method for method in ORDER if method in offered]


# A module-level setting, for the lesson on what a child sees of changes its parent made at run time.
SETTING = "as imported"


def read_setting() -> str:
    """SETTING as this process sees it."""
    return SETTING


def target_outcome(target: Callable[..., Any], method: str, *args: Any, timeout: float = 30.0) -> str:
    """What becomes of ``target(*args)`` as the target of a child started with ``method``, in a few words."""
    require_start_method(method)
    try:
        outcome = run_in_child(target, *args, method=method, timeout=timeout)
    except (pickle.PicklingError, AttributeError, TypeError):  # raised here, in the parent, by start()
        return "cannot be pickled"
    if outcome.ok:
        return "works"
    if "has no attribute" in outcome.error or "Can't get attribute" in outcome.error:  # 3.14+ / 3.11-3.13 wording
        return "the child cannot find it"
    return f"fails: {outcome.error}"


_PRELOAD_SCRIPT = """
import multiprocessing, time
from helpers.tasks import import_modules, noop

if __name__ == "__main__":
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload({preload!r})
    first = context.Process(target=noop)  # starts the server, which imports the preloaded modules once
    first.start()
    first.join(60)
    start = time.perf_counter()
    for _ in range({count}):
        child = context.Process(target=import_modules, args=({modules!r},))
        child.start()
        child.join(60)
    print((time.perf_counter() - start) / {count})
"""


def forkserver_preload_cost(modules: Sequence[str] = ("numpy",), count: int = 5) -> dict[str, float]:
    """Seconds per forkserver child that imports ``modules``: without preloading them, and with.

    Each measurement runs in a fresh interpreter (a script), because the preload list only applies to a
    forkserver that has not started yet.
    """
    from helpers.scripts import run_script

    require_int("count", count, minimum=1)
    if isinstance(modules, str) or not modules or not all(isinstance(m, str) for m in modules):
        raise ValueError(f"modules must be a list of module names such as ['numpy'], got {modules!r}")
    if "forkserver" not in multiprocessing.get_all_start_methods():
        raise ValueError("this platform has no forkserver start method (Windows)")
    costs = {}
    for label, preload in (("no preload", []), (f"preload {list(modules)}", list(modules))):
        result = run_script(_PRELOAD_SCRIPT.format(preload=preload, modules=list(modules), count=count), timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"the measurement script failed: {result.stderr.strip().splitlines()[-1:]}")
        costs[label] = float(result.stdout.strip())
    return costs
