"""Argument checks shared by the helpers, each raising an error that says what is allowed."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any


def require_int(name: str, value: Any, minimum: int = 0) -> int:
    """Return ``value`` if it is an int ≥ ``minimum``, else raise TypeError/ValueError."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be a whole number (int), got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be ≥ {minimum}, got {value}")
    return value


def require_number(name: str, value: Any, minimum: float = 0.0, *, strict: bool = False) -> float:
    """Return ``value`` as float if it is a finite number ≥ (or > when strict) ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if value < minimum or (strict and value == minimum):
        relation = ">" if strict else "≥"
        raise ValueError(f"{name} must be {relation} {minimum}, got {value}")
    return float(value)


def require_start_method(method: Any) -> str:
    """Return ``method`` if this platform offers it as a multiprocessing start method."""
    from helpers.start_methods import available_methods

    available = available_methods()
    if not isinstance(method, str) or method not in available:
        raise ValueError(f"start method must be one of {available} on this platform, got {method!r}")
    return method


def require_worker_counts(counts: Any) -> list[int]:
    """Return the worker counts sorted and de-duplicated; each must be an int ≥ 1."""
    if isinstance(counts, (str, bytes)) or not isinstance(counts, Sequence) or len(counts) == 0:
        raise ValueError(f"workers must be a non-empty list of worker counts such as [1, 2, 4], got {counts!r}")
    for count in counts:
        require_int("each worker count", count, minimum=1)
    return sorted(set(counts))


def require_portable_worker(worker: Any) -> Callable[..., Any]:
    """Return ``worker`` if a child process can import it by name under every start method."""
    if not callable(worker):
        raise TypeError(f"worker must be a function, got {type(worker).__name__} {worker!r}")
    name = getattr(worker, "__qualname__", getattr(worker, "__name__", repr(worker)))
    module = getattr(worker, "__module__", None)
    fix = "define it at the top level of an importable module (for example in the helpers package) and import it"
    if name == "<lambda>":
        raise TypeError(f"a lambda cannot be sent to a worker process under spawn or forkserver: {fix}")
    if "<locals>" in name:
        raise TypeError(f"{name} is defined inside another function, so a worker process cannot import it: {fix}")
    if module == "__main__":
        raise TypeError(
            f"{name} is defined in the notebook (module __main__); it works under fork only, "
            f"and fails under spawn and forkserver: {fix}"
        )
    return worker


def require_tasks(tasks: Any) -> list[Any]:
    """Return the tasks as a list; there must be at least one."""
    if isinstance(tasks, (str, bytes)) or not isinstance(tasks, Sequence):
        raise TypeError(f"tasks must be a list or range of task arguments, got {type(tasks).__name__}")
    if len(tasks) == 0:
        raise ValueError("tasks is empty: give at least one task to run")
    return list(tasks)
