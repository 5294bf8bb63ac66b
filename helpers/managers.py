"""Workers for notebook 05 (Manager): proxies, their cost, nested mutation, custom and remote managers.

A manager is a server process that holds ordinary Python objects; other processes get *proxies*
that send every method call to the server and wait for the answer. Workers here receive proxies
as arguments, which is allowed (unlike Value and Array) for Process and Pool tasks alike.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.managers import BaseManager
from typing import Any

from helpers.guards import join_all
from helpers.validation import require_int, require_number


def record(numbers: Any, items: Any, key: int) -> None:
    """The source's worker: write key → key into a shared dict and append key to a shared list."""
    numbers[key] = key
    items.append(key)


def record_task(task: tuple[Any, Any, int]) -> int:
    """record() for Pool.map, which passes one argument: (dict proxy, list proxy, key); returns the pid."""
    numbers, items, key = task
    record(numbers, items, key)
    return os.getpid()


def remember(seen: Any, item: Any) -> None:
    """Add ``item`` to a shared set (a SyncManager.set() proxy, Python 3.14+)."""
    seen.add(item)


def append_to(shared: Any, key: str, item: Any) -> None:
    """Append ``item`` to the list stored under ``key`` in a shared dict: ``shared[key].append(item)``."""
    shared[key].append(item)


def append_by_reassigning(shared: Any, key: str, item: Any, lock: Any | None = None) -> None:
    """Read the list under ``key``, append, and store it back (holding ``lock`` if given): read-modify-write."""
    if lock is None:
        items = shared[key]
        items.append(item)
        shared[key] = items
        return
    with lock:
        items = shared[key]
        items.append(item)
        shared[key] = items


# ---------------------------------------------------------------- cost of an operation


@dataclass(frozen=True)
class OperationCost:
    """Seconds per ``d[key] = value`` (and read back) on one kind of shared store."""

    store: str
    seconds_per_operation: float

    @property
    def operations_per_second(self) -> float:
        """Operations per second."""
        return 1.0 / self.seconds_per_operation


def _time_per_operation(operation: Callable[[int], Any], count: int) -> float:
    """Seconds per call of operation(i), best of three rounds of ``count`` calls."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for i in range(count):
            operation(i)
        best = min(best, (time.perf_counter() - start) / count)
    return best


def operation_costs(manager: Any, count: int = 2_000) -> list[OperationCost]:
    """Time one write plus one read on a local dict, a shared Value (with its lock) and a manager's dict proxy."""
    require_int("count", count, minimum=1)
    local: dict[int, int] = {}
    value = multiprocessing.Value("q", 0)
    proxy = manager.dict()

    def on_local(i: int) -> int:
        local[i % 100] = i
        return local[i % 100]

    def on_value(i: int) -> int:
        with value.get_lock():
            value.value = i
            return value.value

    def on_proxy(i: int) -> int:
        proxy[i % 100] = i
        return proxy[i % 100]

    return [
        OperationCost("local dict", _time_per_operation(on_local, count * 100)),
        OperationCost("shared Value (shared memory)", _time_per_operation(on_value, count * 10)),
        OperationCost("Manager dict (proxy)", _time_per_operation(on_proxy, count)),
    ]


# ---------------------------------------------------------------- the source's fan-in pattern


def feature(task_id: int, size: int = 20_000) -> int:
    """The per-task work of the fan-in designs: a little CPU-bound Python (a few milliseconds)."""
    require_int("task_id", task_id)
    require_int("size", size, minimum=1)
    value = task_id
    for i in range(size):
        value = (value * 31 + i) % 1_000_003
    return value


def store_in_value(shared: Any, lock: Any | None, task_id: int) -> None:
    """The source's worker: compute, then replace the whole dict held by a Manager Value with a copy plus one key."""
    result = feature(task_id)
    if lock is None:  # what happens when the lock is forgotten
        merged = shared.value
        merged[task_id] = result
        shared.value = merged
        return
    with lock:
        merged = shared.value  # a copy of the whole dict comes over the connection...
        merged[task_id] = result
        shared.value = merged  # ...and the whole dict goes back


def store_racing(shared: Any, ready: Any, task_id: int) -> None:
    """The source's read-modify-write without its lock, with both reads forced to happen before either write."""
    merged = shared.value
    ready.wait(30)  # every racing process has read the dict before anyone writes it back
    merged[task_id] = feature(task_id)
    shared.value = merged


def source_fan_in(manager: Any, task_ids: list[int], *, lock: bool = True, batch: int = 20, timeout: float = 120.0) -> dict[int, int]:
    """The source's pattern: a Manager Value holding a dict; one Process per task, started and joined ``batch`` at a time."""
    require_int("batch", batch, minimum=1)
    require_number("timeout", timeout, minimum=0, strict=True)
    shared = manager.Value(dict, {})
    guard = manager.Lock() if lock else None
    deadline = time.monotonic() + timeout
    for first in range(0, len(task_ids), batch):
        processes = [multiprocessing.Process(target=store_in_value, args=(shared, guard, t)) for t in task_ids[first:first + batch]]
        for process in processes:
            process.start()
        stuck = join_all(processes, max(0.1, deadline - time.monotonic()))
        if stuck:
            raise TimeoutError(f"{len(stuck)} task processes were still running after {timeout} s")
    return dict(shared.value)


def store_key(task: tuple[Any, int]) -> None:
    """A pool task: compute, then write one key of a Manager dict (one operation: no lock needed)."""
    shared, task_id = task
    shared[task_id] = feature(task_id)


def keyed_feature(task_id: int) -> tuple[int, int]:
    """A pool task that returns its result with its key, for the parent to merge."""
    return task_id, feature(task_id)


def expected_features(task_ids: list[int]) -> dict[int, int]:
    """What every fan-in design must produce."""
    return {t: feature(t) for t in task_ids}


# ---------------------------------------------------------------- custom and remote managers


class Tally:
    """A counter of words, to be shared through a custom manager (any class of yours works)."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()

    def add(self, word: str, times: int = 1) -> None:
        """Count ``word`` ``times`` times."""
        self._counts[word] += times

    def top(self, n: int = 3) -> list[tuple[str, int]]:
        """The ``n`` most frequent words and their counts (ties by word)."""
        return sorted(self._counts.items(), key=lambda item: (-item[1], item[0]))[:n]

    def total(self) -> int:
        """All words counted."""
        return sum(self._counts.values())


class TallyManager(BaseManager):
    """A manager that serves Tally objects: TallyManager().Tally() returns a proxy."""


TallyManager.register("Tally", Tally)


def count_words(task: tuple[Any, str]) -> int:
    """A pool task: count each word of a line in the shared Tally; return how many words."""
    tally, line = task
    words = line.lower().split()
    for word in words:
        tally.add(word.strip(".,;:!?\"'"))
    return len(words)


class QueueManager(BaseManager):
    """A manager serving one queue over the network (here: 127.0.0.1 only)."""


_served: dict[str, Any] = {}


def _the_queue() -> Any:
    """The one queue a QueueManager server holds (created on first use, inside the server process)."""
    import queue

    return _served.setdefault("queue", queue.Queue())


QueueManager.register("get_queue", callable=_the_queue)


def connect(address: tuple[str, int], authkey: bytes) -> QueueManager:
    """Connect a client to a QueueManager server; AuthenticationError if the authkey is wrong."""
    if not isinstance(authkey, bytes):
        raise TypeError(f"authkey must be bytes, such as b'secret', got {type(authkey).__name__}")
    client = QueueManager(address=address, authkey=authkey)
    client.connect()
    return client


def remote_put(address: tuple[str, int], authkey: bytes, item: Any) -> str:
    """Run in another process: connect to the server and put ``item`` on its queue; return what happened."""
    try:
        connect(address, authkey).get_queue().put(item)
        return f"put {item!r}"
    except multiprocessing.AuthenticationError as error:
        return f"AuthenticationError: {error}"


def server_pid(manager: BaseManager) -> int:
    """The pid of a started manager's server process (read from the manager's private ``_process``)."""
    process = getattr(manager, "_process", None)
    if process is None or process.pid is None:
        raise ValueError("this manager has no server process of its own: call start() first (connect() has none)")
    return process.pid


class RunsOnUnpickle:
    """Whoever unpickles this object calls os.getpid(): proof that unpickling runs code chosen by the sender."""

    def __reduce__(self) -> tuple[Callable[[], int], tuple[()]]:
        return os.getpid, ()
