"""Workers and measurements for notebook 02 (Pool): the source's examples, chunksize, initializers."""

from __future__ import annotations

import multiprocessing
import os
import random
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from helpers.measure import Timing, time_call
from helpers.tasks import TaskRecord, cpu_burn, square
from helpers.validation import require_int, require_number

# The source's random sleeps (0–10 s), scaled down 20× so that ten of them take seconds, not a minute.
SLEEP_SCALE = 0.05


def random_sleep(task_id: int, seed: int = 2024) -> TaskRecord:
    """Sleep 0–10 steps of SLEEP_SCALE seconds (0–0.5 s), the number drawn from ``seed`` and ``task_id``."""
    require_int("task_id", task_id)
    steps = random.Random(seed * 1_000_003 + task_id).randint(0, 10)
    start = time.perf_counter()
    time.sleep(steps * SLEEP_SCALE)
    return TaskRecord(task_id, os.getpid(), threading.get_native_id(), start, time.perf_counter(), round(steps * SLEEP_SCALE, 3))


def sleepy_square(x: int, seconds: float = 0.25) -> TaskRecord:
    """The source's map example: sleep, then return x * x (as a TaskRecord whose value is x * x)."""
    require_number("seconds", seconds)
    start = time.perf_counter()
    time.sleep(seconds)
    return TaskRecord(x, os.getpid(), threading.get_native_id(), start, time.perf_counter(), x * x)


def sleep_for(task_id: int, seconds: float) -> TaskRecord:
    """Sleep ``seconds`` and return a TaskRecord (for timelines and arrival orders)."""
    require_int("task_id", task_id)
    require_number("seconds", seconds)
    start = time.perf_counter()
    time.sleep(seconds)
    return TaskRecord(task_id, os.getpid(), threading.get_native_id(), start, time.perf_counter(), seconds)


def sleep_task(task: tuple[int, float]) -> TaskRecord:
    """sleep_for taking one (task_id, seconds) tuple, for map and imap (which pass one argument)."""
    task_id, seconds = task
    return sleep_for(task_id, seconds)


def default_chunksize(tasks: int, workers: int) -> int:
    """The chunksize Pool.map uses when none is given: tasks / (4 × workers), rounded up."""
    require_int("tasks", tasks)
    require_int("workers", workers, minimum=1)
    chunksize, extra = divmod(tasks, workers * 4)
    return chunksize + 1 if extra else chunksize


def map_throughput(chunksize: int | None, tasks: int = 10_000, workers: int = 2, repeats: int = 3) -> float:
    """Tasks per second of ``pool.map(square, range(tasks), chunksize)`` on a warm pool (median of repeats)."""
    if chunksize is not None:
        require_int("chunksize", chunksize, minimum=1)
    require_int("tasks", tasks, minimum=1)
    require_int("workers", workers, minimum=1)
    with multiprocessing.Pool(workers) as pool:
        pool.map(square, range(workers))  # warm-up: every worker started
        timing: Timing = time_call(
            lambda: pool.map_async(square, range(tasks), chunksize).get(timeout=120), repeats=repeats, warmup=0
        )
    return tasks / timing.median


# Per-worker state, set once in each worker process by the pool's initializer.
_worker_state: dict[str, Any] = {}


def open_connection(name: str) -> None:
    """Pool initializer: pretend to open an expensive connection, once per worker process."""
    _worker_state["connection"] = f"{name} connection opened by pid {os.getpid()}"
    _worker_state["tasks"] = 0


def use_connection(task_id: int) -> tuple[int, str, int]:
    """A task that uses its worker's connection: (task_id, the connection, tasks this worker has run)."""
    if "connection" not in _worker_state:
        raise RuntimeError("no connection in this worker: create the pool with initializer=open_connection")
    _worker_state["tasks"] += 1
    return task_id, _worker_state["connection"], _worker_state["tasks"]


def worker_pid(_: object = None) -> int:
    """Return the pid of the worker process that ran this task."""
    return os.getpid()


class CountingIterable:
    """An iterable of 0..n-1 that counts how many items have been taken from it."""

    def __init__(self, n: int) -> None:
        require_int("n", n)
        self.n = n
        self.taken = 0

    def __iter__(self) -> Iterator[int]:
        for item in range(self.n):
            self.taken += 1
            yield item


@dataclass(frozen=True)
class Arrival:
    """A result (a TaskRecord) and when the parent received it, in seconds since submission."""

    record: TaskRecord
    seconds: float

    @property
    def task_id(self) -> int:
        """The task this result belongs to."""
        return self.record.task_id


def arrivals(results: Iterable[TaskRecord], start: float) -> list[Arrival]:
    """Consume results as they arrive, noting when each one did."""
    return [Arrival(record, time.perf_counter() - start) for record in results]


def uneven_durations(count: int = 16, long: float = 0.12, short: float = 0.02, long_ones: int = 4) -> list[float]:
    """Task durations where the first ``long_ones`` tasks are long and the rest short (load imbalance)."""
    require_int("count", count, minimum=1)
    require_int("long_ones", long_ones)
    require_number("long", long)
    require_number("short", short)
    return [long if i < long_ones else short for i in range(count)]


def arrival_order(durations: Sequence[float], workers: int) -> list[int]:
    """The order imap_unordered yields tasks with these durations on ``workers`` idle workers (chunksize 1)."""
    require_int("workers", workers, minimum=1)
    free_at = [0.0] * workers
    finished = []
    for task_id, duration in enumerate(durations):
        worker = min(range(workers), key=lambda w: free_at[w])
        free_at[worker] += duration
        finished.append((free_at[worker], task_id))
    return [task_id for _, task_id in sorted(finished)]


# ------------------------------------------------------------- nested pools, and progress from workers (notebook 06)


def pool_inside_a_task(workers: int = 2) -> list[float]:
    """A task that starts a Pool of its own. In a Pool worker (a daemonic process) that fails: daemonic
    processes may not have children, because they are terminated without a chance to clean up after them."""
    require_int("workers", workers, minimum=1)
    with multiprocessing.Pool(workers) as inner:
        return inner.map_async(square, range(workers)).get(timeout=60)


_ticks: Any = None


def report_progress_to(ticks: Any) -> None:
    """Pool initializer: keep the queue this worker reports its progress on."""
    global _ticks
    _ticks = ticks


def stepped_task(task: tuple[int, int, int]) -> int:
    """Task ``(task_id, steps, iterations per step)``: do the steps, putting 1 on the progress queue after each."""
    task_id, steps, iterations = task
    total = 0
    for _ in range(steps):
        total += cpu_burn(iterations)
        if _ticks is not None:
            _ticks.put(1)
    return task_id
