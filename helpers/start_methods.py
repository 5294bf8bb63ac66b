"""Start methods: what each does, and what starting a process costs under each."""

from __future__ import annotations

import multiprocessing
import time

from helpers.guards import join_all
from helpers.tasks import noop
from helpers.validation import require_int, require_number, require_start_method

# What a new process starts from, under each method (CPython 3.11–3.14).
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
