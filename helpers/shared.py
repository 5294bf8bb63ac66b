"""Workers for notebook 04 (shared memory), part 1: Value and Array, races and locks, pool initializers."""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from helpers.guards import join_all
from helpers.validation import require_int, require_number

# The source's float: a child writes it into a shared Value('d').
PI_ISH = 3.1415927


def negate_and_set(number: Any, numbers: Any) -> None:
    """The source's example: set a shared float, and negate every item of a shared array in place."""
    number.value = PI_ISH
    for i in range(len(numbers)):
        numbers[i] = -numbers[i]


def increment(counter: Any, times: int) -> None:
    """Add 1 to ``counter.value``, ``times`` times, WITHOUT holding its lock: updates get lost."""
    for _ in range(times):
        counter.value += 1  # a read, then a write: another process can write in between


def increment_locked(counter: Any, times: int) -> None:
    """Add 1 to ``counter.value``, ``times`` times, holding its lock for each read-and-write."""
    for _ in range(times):
        with counter.get_lock():
            counter.value += 1


def increment_batched(counter: Any, times: int) -> None:
    """Count ``times`` locally, then add the total to ``counter`` once, under its lock."""
    local = 0
    for _ in range(times):
        local += 1
    with counter.get_lock():
        counter.value += local


WORKERS = {"no lock": increment, "lock per increment": increment_locked, "local count, one locked add": increment_batched}

# How long a racer waits at the start line for the others before giving up.
START_LINE_TIMEOUT = 60.0


def when_all_ready(start_line: Any, worker: Callable[..., Any], *args: Any) -> None:
    """Wait at the ``start_line`` Barrier until every racer has started, then run ``worker(*args)``.

    Starting a process can take longer than the work itself (tens of ms under spawn), so without a start
    line the racers may run one after another and lose nothing, which hides the race rather than fixing it.
    """
    try:
        start_line.wait(START_LINE_TIMEOUT)
    except threading.BrokenBarrierError:
        raise RuntimeError(f"the other racers did not reach the start line within {START_LINE_TIMEOUT} s") from None
    worker(*args)


@dataclass(frozen=True)
class CounterRun:
    """Several processes adding to one shared counter: what it should be, what it is, how long it took."""

    way: str
    processes: int
    times: int
    value: int
    seconds: float

    @property
    def expected(self) -> int:
        """The value if no update were lost."""
        return self.processes * self.times

    @property
    def lost(self) -> int:
        """Updates that were overwritten by another process."""
        return self.expected - self.value


def count_together(way: str, processes: int = 4, times: int = 20_000, timeout: float = 60.0) -> CounterRun:
    """Start ``processes`` processes that each add 1 to one shared Value ``times`` times, in the given way."""
    if way not in WORKERS:
        raise ValueError(f"way must be one of {list(WORKERS)}, got {way!r}")
    require_int("processes", processes, minimum=1)
    require_int("times", times, minimum=1)
    require_number("timeout", timeout, minimum=0, strict=True)
    counter = multiprocessing.Value("i", 0)
    start_line = multiprocessing.Barrier(processes + 1)  # the racers, and this process to start the clock
    workers = [
        multiprocessing.Process(target=when_all_ready, args=(start_line, WORKERS[way], counter, times))
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    try:
        start_line.wait(timeout)
    except threading.BrokenBarrierError:
        join_all(workers, 0.1)  # kills them
        raise TimeoutError(f"the {processes} counting processes had not all started after {timeout} s") from None
    start = time.perf_counter()  # every racer is running: time the counting, not the start-up
    stuck = join_all(workers, timeout)
    seconds = time.perf_counter() - start
    if stuck:
        raise TimeoutError(f"{len(stuck)} of {processes} counting processes had not finished after {timeout} s")
    return CounterRun(way, processes, times, counter.value, seconds)


def fill_own_slots(numbers: Any, worker: int, workers: int) -> None:
    """Write ``worker`` into every slot i with i % workers == worker: each process owns its own slots."""
    for i in range(worker, len(numbers), workers):
        numbers[i] = worker


# A shared Value handed to each pool worker once, by the pool's initializer.
_shared: dict[str, Any] = {}


def attach_counter(counter: Any) -> None:
    """Pool initializer: keep the shared counter in this worker, for the tasks that follow."""
    _shared["counter"] = counter


def count_task(_: object = None) -> int:
    """A pool task: add 1 to the counter given to attach_counter, under its lock; return the new value."""
    if "counter" not in _shared:
        raise RuntimeError("no shared counter in this worker: create the pool with initializer=attach_counter, initargs=(counter,)")
    counter = _shared["counter"]
    with counter.get_lock():
        counter.value += 1
        return counter.value


def add_to(task: tuple[Any, int]) -> None:
    """A pool task that receives a shared Value in its arguments (which is not allowed: see notebook 04)."""
    counter, amount = task
    with counter.get_lock():
        counter.value += amount
