"""Demo workers used across the notebooks: CPU-bound, I/O-like, and self-timing tasks."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass

from helpers.validation import require_int, require_number

# Iterations of ``cpu_burn`` that take a few tens of milliseconds on a current laptop core.
CPU_TASK_SIZE = 1_000_000


@dataclass(frozen=True)
class TaskRecord:
    """When and where one task ran: the raw material of a task timeline."""

    task_id: int
    pid: int
    thread: int
    start: float  # time.perf_counter(); the same system-wide clock in every process on Linux, macOS, Windows
    end: float
    value: object = None

    @property
    def seconds(self) -> float:
        """How long the task ran."""
        return self.end - self.start


def square(x: float) -> float:
    """Return x * x: the smallest useful worker."""
    return x * x


def noop(_: object = None) -> None:
    """Do nothing: used to measure the cost of starting a process or sending a task."""
    return None


def cpu_burn(n: int = CPU_TASK_SIZE) -> int:
    """Spin the CPU in pure Python for ``n`` iterations (holds the GIL throughout)."""
    require_int("n", n)
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def io_wait(seconds: float = 0.1) -> float:
    """Sleep like a task waiting for a disk or network (releases the GIL); return the seconds."""
    require_number("seconds", seconds)
    time.sleep(seconds)
    return seconds


def traced_cpu(task_id: int, n: int = CPU_TASK_SIZE) -> TaskRecord:
    """Run ``cpu_burn(n)`` and return a TaskRecord of when and where it ran."""
    require_int("task_id", task_id)
    start = time.perf_counter()
    value = cpu_burn(n)
    return TaskRecord(task_id, os.getpid(), threading.get_native_id(), start, time.perf_counter(), value)


def traced_cpu_task(task: tuple[int, int]) -> TaskRecord:
    """traced_cpu taking one (task_id, iterations) pair, for map: the tasks of a sized sweep (helpers.sizing)."""
    task_id, iterations = task
    return traced_cpu(task_id, iterations)


def traced_cpu_in_interpreter(task: tuple[int, int]) -> TaskRecord:
    """traced_cpu_task whose record's value names the interpreter that ran it: 'interpreter 0' is the main one."""
    record = traced_cpu_task(task)
    try:
        from concurrent import interpreters  # Python 3.14+
    except ImportError:  # before 3.14 every task runs in its process's main interpreter
        current = 0
    else:
        current = int(interpreters.get_current().id)
    return TaskRecord(record.task_id, record.pid, record.thread, record.start, record.end, f"interpreter {current}")


def import_modules(names: list[str]) -> None:
    """Import each named module now (a pool initializer: imports before the first timed task, not during it)."""
    import importlib

    for name in names:
        importlib.import_module(name)


def traced_sleep(task_id: int, seconds: float = 0.1) -> TaskRecord:
    """Run ``io_wait(seconds)`` and return a TaskRecord of when and where it ran."""
    require_int("task_id", task_id)
    start = time.perf_counter()
    value = io_wait(seconds)
    return TaskRecord(task_id, os.getpid(), threading.get_native_id(), start, time.perf_counter(), value)


def wall_time(records: list[TaskRecord]) -> float:
    """Seconds from the first task's start to the last task's end."""
    if not records:
        raise ValueError("records is empty: run at least one traced task first")
    return max(r.end for r in records) - min(r.start for r in records)
