"""Memory of a whole process tree (this process and its children), sampled in the background."""

from __future__ import annotations

import os
import threading
from typing import Any

from helpers.validation import require_number


def _own_memory(process: Any) -> int:
    """Bytes this process accounts for without double counting what it shares: PSS on Linux, else USS."""
    info = process.memory_full_info()
    return int(getattr(info, "pss", info.uss))


def tree_memory(pid: int | None = None) -> int:
    """Memory of a process and all its descendants, in bytes (shared pages split between their users)."""
    import psutil

    root = psutil.Process(pid or os.getpid())
    total = 0
    for process in [root, *root.children(recursive=True)]:
        try:
            total += _own_memory(process)
        except psutil.Error:  # it ended while we looked
            pass
    return total


def memory_metric() -> str:
    """Which per-process number tree_memory adds up here: 'PSS' (Linux) or 'USS'."""
    import psutil

    return "PSS" if hasattr(psutil.Process().memory_full_info(), "pss") else "USS"


class PeakMemory:
    """Context manager: samples tree_memory() every ``interval`` s in a thread; ``peak`` and ``baseline`` in bytes.

    PSS (proportional set size) divides each shared page among the processes that map it, so a
    shared-memory segment seen by five processes is counted once, not five times, in the sum.
    """

    def __init__(self, interval: float = 0.01) -> None:
        require_number("interval", interval, minimum=0, strict=True)
        self.interval = interval
        self.baseline = 0
        self.peak = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def sample(self) -> int:
        """Measure now and update the peak (the thread samples on its own; call this not to miss a short-lived peak)."""
        now = tree_memory()
        # Under a lock, and measured before it: `self.peak = max(self.peak, tree_memory())` reads the old peak,
        # then measures for milliseconds, so the sampler thread could write back a stale smaller peak over the
        # larger one this call had just stored (a lost update, seen once in the test suite).
        with self._lock:
            self.peak = max(self.peak, now)
            return self.peak

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        self.baseline = self.peak = tree_memory()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(10)
        self.sample()

    @property
    def extra(self) -> int:
        """Peak minus the memory in use when sampling began, in bytes (never below 0)."""
        return max(0, self.peak - self.baseline)



# -------------------------------------------------------------- a worker that leaks (notebook 06)

_kept: list[bytes] = []  # what leaky_task never lets go of, in each worker process


def leaky_task(task: tuple[int, int]) -> tuple[int, int, int]:
    """Task ``(task_id, kib)``: keep ``kib`` KiB for good (a cache that never forgets); return (task_id, pid, USS bytes).

    Each worker process grows by ``kib`` KiB per task it runs, until it exits: maxtasksperchild replaces it
    after that many tasks, and its memory goes back to the system.
    """
    import psutil

    task_id, kib = task
    if kib < 0:
        raise ValueError(f"kib must be ≥ 0, got {kib}")
    # Written, not just reserved: a block of zeros could stay unmapped pages that no USS counts.
    _kept.append(bytes([task_id % 251 + 1]) * (kib * 1024))
    return task_id, os.getpid(), psutil.Process().memory_full_info().uss
