"""The same tasks on several engines: multiprocessing.Pool, concurrent.futures' process, thread and (Python 3.14+)
interpreter pools, and Dask distributed.

Dask runs on a LocalCluster of worker processes started here, or on a real cluster when the
environment variable DASK_SCHEDULER_ADDRESS names its scheduler (for example tcp://10.0.0.5:8786).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from helpers.machine import fingerprint
from helpers.measure import SpeedupSweep, SweepRow, fit_amdahl, fit_counts
from helpers.tasks import io_wait, noop
from helpers.validation import (
    require_int,
    require_number,
    require_portable_worker,
    require_tasks,
    require_worker_counts,
)

ENGINES = ("Pool", "ProcessPoolExecutor", "Dask", "ThreadPoolExecutor", "InterpreterPoolExecutor", "joblib")
EXECUTORS = ("ProcessPoolExecutor", "ThreadPoolExecutor", "InterpreterPoolExecutor")  # concurrent.futures' own
SCHEDULER_VARIABLE = "DASK_SCHEDULER_ADDRESS"


def require_engine(engine: Any) -> str:
    """Return ``engine`` if it is one of ENGINES and this Python has it (InterpreterPoolExecutor: 3.14+)."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {list(ENGINES)}, got {engine!r}")
    if engine == "InterpreterPoolExecutor" and sys.version_info < (3, 14):
        raise ValueError(f"InterpreterPoolExecutor needs Python 3.14 or newer; this is Python {sys.version.split()[0]}")
    return engine


def available_engines(*engines: str) -> list[str]:
    """The given engines (default: all) that this Python has, in the same order."""
    names = engines or ENGINES
    return [e for e in names if e != "InterpreterPoolExecutor" or sys.version_info >= (3, 14)]


def executor(engine: str, workers: int) -> Any:
    """A new concurrent.futures executor of the named kind with ``workers`` workers (not yet warm)."""
    require_engine(engine)
    require_int("workers", workers, minimum=1)
    if engine == "ProcessPoolExecutor":
        return ProcessPoolExecutor(max_workers=workers)
    if engine == "ThreadPoolExecutor":
        return ThreadPoolExecutor(max_workers=workers)
    if engine == "InterpreterPoolExecutor":
        from concurrent.futures import InterpreterPoolExecutor  # type: ignore[attr-defined]

        return InterpreterPoolExecutor(max_workers=workers)
    raise ValueError(f"{engine} is not a concurrent.futures executor; choose one of {list(EXECUTORS)}")


@contextmanager
def dask_client(workers: int) -> Iterator[Any]:
    """A Dask client: on the cluster named by DASK_SCHEDULER_ADDRESS, or on a LocalCluster of ``workers`` processes.

    Each local worker is a process with one thread, like one Pool worker; the dashboard listens on a
    free port (client.dashboard_link). The local cluster (and its processes) is closed when the with
    block ends; a remote cluster is only disconnected from.
    """
    from dask.distributed import Client, LocalCluster

    require_int("workers", workers, minimum=1)
    address = os.environ.get(SCHEDULER_VARIABLE)
    if address:
        with Client(address, timeout="30s") as client:
            yield client
        return
    cluster = LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True,
        host="127.0.0.1", dashboard_address="127.0.0.1:0",  # any free port: clusters may run side by side
        silence_logs=logging.ERROR,  # warnings about a busy machine would clutter a notebook's outputs
    )
    try:
        with Client(cluster) as client:
            yield client
    finally:
        cluster.close()


@contextmanager
def warm_engine(engine: str, workers: int, client: Any = None) -> Iterator[Any]:
    """A started pool, executor or Dask client with ``workers`` workers, each already running (start-up not timed)."""
    require_engine(engine)
    require_int("workers", workers, minimum=1)
    if engine == "Pool":
        with multiprocessing.Pool(workers) as pool:
            pool.map(noop, range(workers))
            yield pool
    elif engine in EXECUTORS:
        with executor(engine, workers) as started:
            # An executor starts workers on demand: tasks that wait make it start all of them.
            list(started.map(io_wait, [0.05] * workers))
            yield started
    elif engine == "joblib":
        from joblib import Parallel, delayed

        # Used as a context manager, one Parallel keeps its loky worker processes for every call inside the block.
        try:
            with Parallel(n_jobs=workers) as parallel:
                parallel(delayed(io_wait)(0.05) for _ in range(workers))
                yield parallel
        finally:
            stop_joblib_workers()
    elif client is not None:
        yield client
    else:
        with dask_client(workers) as started:
            yield started


def stop_joblib_workers() -> None:
    """Stop loky's worker processes now. joblib keeps them after a call, to reuse in the next one, and lets them
    go only after 300 s idle: a notebook or a test that must leave no process behind stops them itself."""
    from joblib.externals.loky import reusable_executor

    running = reusable_executor._executor  # None until joblib first ran something: then there is nothing to stop
    if running is not None:
        running.shutdown(wait=True, kill_workers=True)


def run(engine: str, runner: Any, worker: Callable[[Any], Any], tasks: Sequence[Any], *, chunksize: int = 1, timeout: float = 300.0) -> list[Any]:
    """Map ``worker`` over ``tasks`` on a warm engine (from warm_engine); results in task order."""
    require_engine(engine)
    require_int("chunksize", chunksize, minimum=1)
    require_number("timeout", timeout, minimum=0, strict=True)
    if engine == "Pool":
        return runner.map_async(worker, tasks, chunksize=chunksize).get(timeout)
    if engine in EXECUTORS:
        return list(runner.map(worker, tasks, chunksize=chunksize, timeout=timeout))
    if engine == "joblib":
        from joblib import delayed

        # batch_size: tasks per message, like chunksize (joblib's own default, "auto", sizes batches itself).
        runner.batch_size = chunksize
        return runner(delayed(worker)(task) for task in tasks)
    from dask.distributed import wait

    # pure=False: Dask would otherwise reuse the results of identical earlier calls instead of running them.
    futures = runner.map(worker, tasks, pure=False)
    wait(futures, timeout=timeout)  # raises TimeoutError rather than waiting for ever
    return runner.gather(futures)


def time_on(engine: str, runner: Any, worker: Callable[[Any], Any], tasks: Sequence[Any], *, repeats: int = 3, chunksize: int = 1) -> float:
    """Median seconds to run every task once on a warm engine."""
    require_int("repeats", repeats, minimum=1)
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        run(engine, runner, worker, tasks, chunksize=chunksize)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def engine_sweep(engine: str, worker: Callable[[Any], Any], tasks: Sequence[Any], workers: Sequence[int], *, repeats: int = 3) -> SpeedupSweep:
    """speedup_sweep (notebook 02) on any engine: warm engines of each size, median time, Amdahl fit."""
    require_engine(engine)
    require_portable_worker(worker)
    task_list = require_tasks(tasks)
    counts = sorted(set(require_worker_counts(workers)) | {1})
    seconds = {}
    for count in counts:
        with warm_engine(engine, count) as runner:
            seconds[count] = time_on(engine, runner, worker, task_list, repeats=repeats)
    baseline = seconds[1]
    machine = fingerprint()
    rows = tuple(SweepRow(n, seconds[n], baseline / seconds[n], baseline / seconds[n] / n) for n in counts)
    fitted = fit_counts(counts, machine, len(task_list))
    return SpeedupSweep(
        rows=rows, serial_fraction=fit_amdahl(fitted, [seconds[n] for n in fitted]), machine=machine,
        task_count=len(task_list), worker_name=getattr(worker, "__qualname__", repr(worker)), fit_limit=max(fitted, default=0),
    )


def overhead_per_task(engine: str, runner: Any, tasks: int = 500, chunksize: int = 1) -> float:
    """Seconds per do-nothing task on a warm engine: what the engine itself costs per task."""
    require_int("tasks", tasks, minimum=1)
    return time_on(engine, runner, noop, list(range(tasks)), repeats=3, chunksize=chunksize) / tasks


def slice_sum(array: Any, start: int, stop: int) -> float:
    """Sum of array[start:stop]: a task that needs a large input it should not receive again and again."""
    return float(array[start:stop].sum())


TASK_LIMIT_SCRIPT = """
import multiprocessing
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from helpers.pool import worker_pid

if __name__ == "__main__":
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, max_tasks_per_child={limit}, mp_context=context) as executor:
        pids = list(executor.map(worker_pid, range(8)))
    print(len(set(pids)))
"""


# CPython bug gh-115634 (max_tasks_per_child above 1 can leave queued tasks with no worker: a hang) was fixed in
# these releases (their NEWS files, "gh-115634: Fix a deadlock in ProcessPoolExecutor"); 3.11 and 3.12 receive
# security fixes only and keep it.
GH_115634_FIXED_IN = {(3, 13): (3, 13, 15), (3, 14): (3, 14, 7), (3, 15): (3, 15, 0)}  # 3.15: from beta 4 on


def gh_115634_fixed(version: tuple[int, ...] | None = None) -> bool:
    """True if this Python (or ``version``, such as (3, 14, 10)) has the fix for gh-115634."""
    version = tuple(sys.version_info[:3]) if version is None else tuple(version)
    if len(version) != 3 or not all(isinstance(part, int) and part >= 0 for part in version):
        raise ValueError(f"version must be (major, minor, micro), such as (3, 14, 10), got {version!r}")
    if version[:2] in GH_115634_FIXED_IN:
        return version >= GH_115634_FIXED_IN[version[:2]]
    return version[:2] > max(GH_115634_FIXED_IN)


def task_limit_finishes(limit: int, timeout: float = 5.0) -> bool:
    """Run 8 tasks on ProcessPoolExecutor(2, max_tasks_per_child=limit) in a separate script; False if it hung.

    A hung script is stopped after ``timeout`` seconds together with its worker processes (its own
    process group), so nothing is left behind. CPython bug gh-115634 makes limits above 1 hang on
    Pythons without its fix (gh_115634_fixed).
    """
    from helpers.scripts import run_script

    require_int("limit", limit, minimum=1)
    try:
        result = run_script(TASK_LIMIT_SCRIPT.format(limit=limit), timeout=timeout)
    except TimeoutError:
        return False
    if result.returncode != 0:
        raise RuntimeError(f"the executor script failed: {result.stderr.strip().splitlines()[-1:]}")
    return True


def quiet_task_errors() -> None:
    """Run on every Dask worker with client.run(): stop it logging each failed task to its stderr.

    The client receives the error anyway (future.result() raises it); the workers' log lines, with
    their timestamps and paths, would only clutter a notebook.
    """
    import logging

    logging.getLogger("distributed.worker").setLevel(logging.CRITICAL)
