"""Notebook 09 (after the GIL): threads, subinterpreters and processes on the same tasks; free-threaded Python.

The engines themselves (ThreadPoolExecutor, InterpreterPoolExecutor, ProcessPoolExecutor, Pool) come from
helpers.engines; this module measures what sets them apart (start cost, memory per worker), shows a race that
no GIL prevents, and runs helpers/threads_vs_processes.py under another interpreter, such as a free-threaded
python3.14t, to bring its measurements back as data.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers.engines import EXECUTORS, available_engines, executor, require_engine
from helpers.tasks import noop
from helpers.validation import require_int, require_number

FREE_THREADED_VARIABLE = "COURSE_FREE_THREADED_PYTHON"
FREE_THREADED_NAMES = ("python3.15t", "python3.14t", "python3.13t")
SCRIPT = Path(__file__).with_name("threads_vs_processes.py")
HOW_TO_GET_ONE = (
    "To compare with a free-threaded Python: install one (uv python install 3.14t; or, from python.org, the "
    "installer's free-threaded option; or a distribution's python3.14-nogil package), then restart JupyterLab with "
    f"{FREE_THREADED_VARIABLE}=/path/to/python3.14t, or with python3.14t on PATH."
)


def start_cost(engine: str, workers: int, repeats: int = 2) -> float:
    """Seconds per worker to start an executor or pool of ``workers`` workers and have each run one tiny task.

    The best of ``repeats`` starts: the first start of a kind can also pay one-off costs (starting the fork
    server, the first import of a module from disk) that later pools do not.
    """
    require_engine(engine)
    require_int("workers", workers, minimum=1)
    require_int("repeats", repeats, minimum=1)
    return min(_one_start(engine, workers) for _ in range(repeats))


def _one_start(engine: str, workers: int) -> float:
    """One start of ``workers`` workers: seconds per worker."""
    start = time.perf_counter()
    if engine == "Pool":
        with multiprocessing.Pool(workers) as pool:  # a Pool starts all its workers at once
            pool.map(noop, range(workers), chunksize=1)
            elapsed = time.perf_counter() - start
    else:
        with executor(engine, workers) as started:
            list(started.map(_wait_a_moment, range(workers)))  # waiting tasks make it start every worker
            elapsed = time.perf_counter() - start - WAIT  # the waits overlap: one of them is in the time
    return max(0.0, elapsed) / workers


WAIT = 0.05


def _wait_a_moment(_: object = None) -> None:
    """A task that waits WAIT seconds, so that an executor that starts workers on demand starts all of them."""
    time.sleep(WAIT)


def memory_per_worker(engine: str, workers: int) -> float:
    """Bytes of memory unique to one more worker (USS): the new worker processes' own, or this process's growth
    (threads and subinterpreters live inside it)."""
    import psutil

    require_engine(engine)
    require_int("workers", workers, minimum=1)
    me = psutil.Process()
    before, existing = me.memory_full_info().uss, {child.pid for child in me.children(recursive=True)}
    if engine == "Pool":
        started: Any = multiprocessing.Pool(workers)
        started.map(_wait_a_moment, range(workers), chunksize=1)
    else:
        started = executor(engine, workers)
        list(started.map(_wait_a_moment, range(workers)))
    try:
        new = [c for c in me.children(recursive=True) if c.pid not in existing and not _is_helper_process(c)]
        if new:
            return sum(_uss(child) for child in new) / workers
        return max(0, me.memory_full_info().uss - before) / workers
    finally:
        if engine == "Pool":
            started.terminate()
            started.join()
        else:
            started.shutdown()


def _uss(process: Any) -> int:
    """A process's unique memory in bytes (0 if it has ended meanwhile)."""
    import psutil

    try:
        return process.memory_full_info().uss
    except psutil.Error:
        return 0


def _is_helper_process(process: Any) -> bool:
    """multiprocessing's resource tracker or fork server, started on first use: not a worker. (A forkserver's
    workers carry the server's command line too, but they are its children, not ours.)"""
    import psutil

    try:
        command, parent = " ".join(process.cmdline()), process.ppid()
    except psutil.Error:
        return True
    return "resource_tracker" in command or ("forkserver" in command and parent == os.getpid())


@dataclass(frozen=True)
class Race:
    """Threads that each added 1 to one shared counter: what it should be and what it is."""

    threads: int
    locked: bool
    expected: int
    value: int

    @property
    def lost(self) -> int:
        """Updates that vanished."""
        return self.expected - self.value


def lockstep_race(threads: int = 2, locked: bool = False) -> Race:
    """``threads`` threads each read a shared counter, wait for the others, then write it back plus one.

    Without a lock every thread reads the same value before any writes, so all but one update is lost, with
    or without a GIL: a GIL never made `counter += 1` one step. With the lock, the read-and-write of each
    thread happens while it holds the lock, and the barrier is skipped (waiting there would deadlock).
    """
    require_int("threads", threads, minimum=2)
    state = {"counter": 0}
    lock = threading.Lock()
    line = threading.Barrier(threads)

    def add_one() -> None:
        if locked:
            with lock:
                state["counter"] += 1
            return
        seen = state["counter"]  # read...
        line.wait(30)  # ...every thread has read before any writes...
        state["counter"] = seen + 1  # ...then write: all but one update is lost

    workers = [threading.Thread(target=add_one) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    return Race(threads, locked, threads, state["counter"])


def find_free_threaded() -> str | None:
    """A free-threaded Python to compare with: COURSE_FREE_THREADED_PYTHON, else python3.15t/3.14t/3.13t on PATH."""
    chosen = os.environ.get(FREE_THREADED_VARIABLE)
    if chosen:
        return chosen
    for name in FREE_THREADED_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass(frozen=True)
class ThreadsVsProcesses:
    """What helpers/threads_vs_processes.py measured under one interpreter."""

    python: str
    executable: str
    free_threaded_build: bool
    gil_enabled: bool
    single_task_seconds: float
    tasks: int
    threads: dict[int, float]
    processes: dict[int, float]
    imports: dict[str, Any]

    def speedups(self, kind: str) -> dict[int, float]:
        """Speedup over 1 worker for 'threads' or 'processes'."""
        if kind not in ("threads", "processes"):
            raise ValueError(f"kind must be 'threads' or 'processes', got {kind!r}")
        times = getattr(self, kind)
        return {n: times[min(times)] / seconds for n, seconds in times.items()}


def threads_vs_processes(python: str | os.PathLike[str] | None = None, workers: tuple[int, ...] = (1, 2), *, tasks: int = 8,
                         iterations: int = 500_000, imports: tuple[str, ...] = (), timeout: float = 300.0,
                         gil: str | None = None) -> ThreadsVsProcesses:
    """Run the comparison script under ``python`` (default: this kernel's own) and return its measurements.

    ``gil``: '0' or '1' sets PYTHON_GIL for that run (a free-threaded build honours it; '1' turns its GIL on).
    """
    import sys

    executable = str(python) if python is not None else sys.executable
    if not Path(executable).exists() and shutil.which(executable) is None:
        raise FileNotFoundError(f"no Python at {executable!r}: give the path of a Python interpreter (or its name on PATH)")
    if isinstance(workers, (str, bytes)) or not workers:
        raise ValueError(f"workers must be a list of worker counts such as (1, 2), got {workers!r}")
    for count in workers:
        require_int("each worker count", count, minimum=1)
    require_int("tasks", tasks, minimum=1)
    require_int("iterations", iterations, minimum=1)
    require_number("timeout", timeout, minimum=0, strict=True)
    if gil not in (None, "0", "1"):
        raise ValueError(f"gil must be None, '0' or '1' (PYTHON_GIL), got {gil!r}")
    command = [executable, str(SCRIPT), "--workers", *map(str, workers), "--tasks", str(tasks), "--iterations", str(iterations)]
    if imports:
        command += ["--import", *imports]
    environment = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHON_GIL")}
    if gil is not None:
        environment["PYTHON_GIL"] = gil
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=environment, cwd=SCRIPT.parent.parent)
    except PermissionError:
        raise ValueError(f"{executable!r} cannot be run: it is not a Python interpreter") from None
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        said = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["(nothing)"]
        raise ValueError(f"{executable!r} did not run the comparison as a Python 3 interpreter; it said: {said[0]}") from None
    return ThreadsVsProcesses(
        python=report["python"], executable=report["executable"], free_threaded_build=report["free_threaded_build"],
        gil_enabled=report["gil_enabled"], single_task_seconds=report["single_task_seconds"], tasks=report["tasks"],
        threads={int(n): s for n, s in report["threads"].items()}, processes={int(n): s for n, s in report["processes"].items()},
        imports=report["imports"],
    )


__all__ = [
    "EXECUTORS", "FREE_THREADED_VARIABLE", "HOW_TO_GET_ONE", "Race", "ThreadsVsProcesses", "available_engines",
    "find_free_threaded", "lockstep_race", "memory_per_worker", "start_cost", "threads_vs_processes",
]
