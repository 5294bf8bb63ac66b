"""Deliberately broken workers for pitfall cells and the hang checks: each must end in a clear error."""

from __future__ import annotations

import os
import signal
import threading


def fail(x: object) -> object:
    """Raise ValueError: a worker with a bug in it."""
    raise ValueError(f"this worker fails on purpose (task {x!r})")


def die(x: object = None) -> None:
    """Kill this worker process abruptly, as the OS's out-of-memory killer would (no exception, no cleanup)."""
    if hasattr(signal, "SIGKILL"):
        os.kill(os.getpid(), signal.SIGKILL)
    os._exit(1)  # Windows has no SIGKILL: exit without any cleanup instead


def unpicklable_result(x: object = None) -> threading.Lock:
    """Return a lock, which cannot be pickled and so cannot travel back to the parent."""
    return threading.Lock()
