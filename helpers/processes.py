"""Workers and measurements for notebook 01 (Process): lifecycle, how many processes, batches vs a pool."""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import statistics
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from helpers.guards import join_all
from helpers.tasks import TaskRecord, traced_cpu, traced_sleep
from helpers.validation import require_int, require_number, require_start_method

# Per-task sizes for the "how many processes?" measurement: a few ms of CPU, or a short wait.
SMALL_CPU_TASK = 250_000
SMALL_WAIT = 0.01
KINDS = ("cpu", "io")


def greet(name: str) -> str:
    """Return a greeting: a worker that takes exactly one argument."""
    return f"hello, {name}"


def exit_with(code: int | str) -> None:
    """End the process with sys.exit(code): the exit code becomes code (an int)."""
    sys.exit(code)


def start_a_child() -> int | None:
    """Start (and join) a child process of this process; return its exit code."""
    child = multiprocessing.Process(target=time.sleep, args=(0,))
    child.start()
    child.join(10)
    return child.exitcode


def wait_for_go(go: Any, timeout: float = 60.0) -> bool:
    """Work of unknown length: wait until the parent sets the Event ``go`` (at most ``timeout`` s); True if it did."""
    require_number("timeout", timeout, minimum=0, strict=True)
    return go.wait(timeout)


def until_interrupted(ready: Any, timeout: float = 60.0) -> None:
    """Set ``ready``, then wait (at most ``timeout`` s) for SIGINT, which ends this process with exit code 1.

    Uncaught, the KeyboardInterrupt that SIGINT raises would also end the process with exit code 1, after
    printing a traceback. Python's own Ctrl-C handler is installed first: a child of a Jupyter kernel may
    otherwise inherit the kernel's handling of SIGINT.
    """
    require_number("timeout", timeout, minimum=0, strict=True)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        ready.set()  # the signal may come while set() is still finishing: inside the try, it is handled too
        time.sleep(timeout)
    except KeyboardInterrupt:
        sys.exit(1)


def sleep_and_report(results: Any, task_id: int, seconds: float) -> None:
    """Sleep, then put a TaskRecord whose value is this process's parent pid on ``results``."""
    start = time.perf_counter()
    time.sleep(seconds)
    results.put(TaskRecord(task_id, os.getpid(), threading.get_native_id(), start, time.perf_counter(), os.getppid()))


class ReportedPid(int):
    """A pid as report_pid sent it: a plain int to use, whose type tells an exercise check where it came from."""


def report_pid(results: Any) -> None:
    """Put this process's pid on ``results`` (a Queue)."""
    results.put(ReportedPid(os.getpid()))


def chatter(name: str, lines: int = 3, pause: float = 0.01) -> None:
    """Print a few lines with short pauses, as a child process that logs by printing would."""
    for line in range(1, lines + 1):
        print(f"{name}: line {line}", flush=True)
        time.sleep(pause)


def run_share(results: Any, kind: str, task_ids: Sequence[int]) -> None:
    """Run this process's share of small tasks (``kind`` "cpu" or "io"), putting each TaskRecord on ``results``."""
    for task_id in task_ids:
        record = traced_cpu(task_id, SMALL_CPU_TASK) if kind == "cpu" else traced_sleep(task_id, SMALL_WAIT)
        results.put(record)


@dataclass(frozen=True)
class ProcessRun:
    """A fixed amount of work split over some processes: wall time (start-up included) and task records."""

    kind: str
    processes: int
    seconds: float
    records: tuple[TaskRecord, ...]


def split_over_processes(kind: str, tasks: int, processes: int, timeout: float = 60.0) -> ProcessRun:
    """Start ``processes`` processes sharing ``tasks`` small tasks round-robin; time from first start to last join."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    require_int("tasks", tasks, minimum=1)
    require_int("processes", processes, minimum=1)
    require_number("timeout", timeout, minimum=0, strict=True)
    results = multiprocessing.Queue()
    shares = [list(range(tasks))[i::processes] for i in range(processes)]
    workers = [multiprocessing.Process(target=run_share, args=(results, kind, share)) for share in shares]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    # Drain the queue before joining: a process that still has items to flush cannot exit.
    records = _collect(results, tasks, timeout, workers)
    for worker in workers:
        worker.join(timeout)
    seconds = time.perf_counter() - start
    results.close()
    return ProcessRun(kind, processes, seconds, tuple(records))


def run_in_batches(task_ids: Sequence[int], batch_size: int = 20, n: int = SMALL_CPU_TASK, timeout: float = 60.0) -> list[TaskRecord]:
    """The source's pattern: one Process per task, started and joined ``batch_size`` at a time."""
    require_int("batch_size", batch_size, minimum=1)
    require_number("timeout", timeout, minimum=0, strict=True)
    if not task_ids:
        raise ValueError("task_ids is empty: give at least one task")
    results = multiprocessing.Queue()
    records: list[TaskRecord] = []
    ids = list(task_ids)
    for first in range(0, len(ids), batch_size):
        batch = [multiprocessing.Process(target=_traced_cpu_to, args=(results, i, n)) for i in ids[first:first + batch_size]]
        for process in batch:
            process.start()
        records += _collect(results, len(batch), timeout, batch)
        for process in batch:
            process.join(timeout)
    results.close()
    return records


def _traced_cpu_to(results: Any, task_id: int, n: int) -> None:
    """Run traced_cpu and put its record on ``results``."""
    results.put(traced_cpu(task_id, n))


def _collect(results: Any, count: int, timeout: float, workers: Sequence[Any]) -> list[Any]:
    """Get ``count`` items from a queue, giving up (and stopping the workers) after ``timeout`` seconds."""
    items = []
    deadline = time.monotonic() + timeout
    try:
        for _ in range(count):
            items.append(results.get(timeout=max(0.01, deadline - time.monotonic())))
    except queue.Empty:
        for worker in workers:
            worker.kill()
            worker.join(5)
        raise TimeoutError(f"only {len(items)} of {count} results arrived within {timeout} s; the workers were stopped") from None
    return items


def _burn_together(start_line: Any, results: Any, task_id: int, n: int) -> None:
    """Wait at the start line with the others, then run traced_cpu and put its record on ``results``."""
    start_line.wait(60)
    results.put(traced_cpu(task_id, n))


@dataclass(frozen=True)
class BusySpeed:
    """Per-worker speed with ``busy`` processes computing at once, relative to one alone (1.0 = as fast)."""

    busy: int
    median: float  # the typical worker's speed, relative to one process alone
    slowest: float
    fastest: float


def speed_when_busy(counts: Sequence[int], n: int = 2_000_000, timeout: float = 120.0) -> list[BusySpeed]:
    """For each count, start that many processes together, each burning ``n`` iterations; compare their speeds
    with that of one process alone. Turbo, shared SMT cores and slower efficiency cores all show here."""
    require_int("n", n, minimum=1)
    require_number("timeout", timeout, minimum=0, strict=True)
    if isinstance(counts, (str, bytes)) or not counts:
        raise ValueError(f"counts must be a non-empty list of process counts such as [1, 2, 4], got {counts!r}")
    for count in counts:
        require_int("each count", count, minimum=1)
    speeds: dict[int, list[float]] = {}
    for count in sorted(set(counts) | {1}):
        start_line, results = multiprocessing.Barrier(count), multiprocessing.Queue()
        workers = [multiprocessing.Process(target=_burn_together, args=(start_line, results, i, n)) for i in range(count)]
        for worker in workers:
            worker.start()
        records = _collect(results, count, timeout, workers)
        join_all(workers, timeout)
        speeds[count] = [n / record.seconds for record in records]
    alone = speeds[1][0]
    return [
        BusySpeed(count, statistics.median(speeds[count]) / alone, min(speeds[count]) / alone, max(speeds[count]) / alone)
        for count in sorted(set(counts))
    ]


def is_running(pid: int) -> bool:
    """True if a process with this pid exists and has not ended (a zombie awaiting its parent counts as ended)."""
    import psutil

    require_int("pid", pid, minimum=1)
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@dataclass(frozen=True)
class ChildMemory:
    """Memory of one idle child process, in MiB: resident (shared pages included) and unique to it."""

    method: str
    rss_mib: float
    uss_mib: float


def child_memory(method: str, timeout: float = 30.0) -> ChildMemory:
    """Start one idle child with ``method``, measure its memory with psutil, then stop it."""
    import psutil

    require_start_method(method)
    require_number("timeout", timeout, minimum=0, strict=True)
    context = multiprocessing.get_context(method)
    ready = context.Queue()
    child = context.Process(target=_wait_until_told, args=(ready,), daemon=True)
    child.start()
    try:
        ready.get(timeout=timeout)  # the child is fully started: its imports are done
        info = psutil.Process(child.pid).memory_full_info()
        return ChildMemory(method, info.rss / 2**20, info.uss / 2**20)
    finally:
        child.terminate()
        child.join(timeout)
        ready.close()


def _wait_until_told(ready: Any) -> None:
    """Say "ready", then idle until terminated (at most a minute)."""
    ready.put(True)
    time.sleep(60)


# --------------------------------------------------------------- reading inherited objects copies them (fork)

READ_ACTIONS = ("nothing", "read every object", "gc.collect()", "gc.collect() after the parent's gc.freeze()")


def _own_after(action: str, data: list[list[int]], results: Any) -> None:
    """In a forked child: do ``action`` to the inherited ``data``; send how many bytes of its own (USS) it gained."""
    import gc

    import psutil

    me = psutil.Process()
    before = me.memory_full_info().uss
    if action == "read every object":
        total = 0
        for item in data:  # only reads; but each read adds 1 to the object's reference count, in its header
            total += item[0]
    elif action.startswith("gc.collect()"):
        gc.collect()  # the collector visits every tracked object, and marks each one in its header
    results.send(me.memory_full_info().uss - before)


def copy_on_read(objects: int = 300_000, timeout: float = 60.0) -> tuple[float, dict[str, float]]:
    """Fork a child of a process that holds ``objects`` small lists, once per READ_ACTIONS; return the data's size
    and, per action, the MiB the child came to own: the pages of inherited objects it wrote to, and so copied.

    Needs fork (only a forked child inherits the parent's objects). The parent's gc.freeze() is undone afterwards.
    """
    import gc
    import sys

    require_int("objects", objects, minimum=1000)
    require_number("timeout", timeout, minimum=0, strict=True)
    if "fork" not in multiprocessing.get_all_start_methods():
        raise RuntimeError("copy_on_read needs the fork start method, which this platform does not have")
    context = multiprocessing.get_context("fork")
    data = [[i + 1000] for i in range(objects)]  # a list object and an int per item (ints past 256 are not shared)
    size = (sys.getsizeof(data) + sum(sys.getsizeof(item) + sys.getsizeof(item[0]) for item in data)) / 2**20
    grown: dict[str, float] = {}
    for action in READ_ACTIONS:
        frozen = action.endswith("gc.freeze()")
        if frozen:
            gc.freeze()  # move every object the parent has to a generation the collector never visits
        receive, send = context.Pipe(duplex=False)
        child = context.Process(target=_own_after, args=(action, data, send))
        try:
            child.start()
            send.close()
            if not receive.poll(timeout):
                raise TimeoutError(f"the child measuring {action!r} did not answer within {timeout} s")
            grown[action] = receive.recv() / 2**20
        finally:
            if frozen:
                gc.unfreeze()
            child.join(timeout)
            if child.is_alive():
                child.kill()
                child.join(timeout)
            receive.close()
    return size, grown
