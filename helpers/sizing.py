"""Workloads sized for the machine they run on, not for the machine the course was written on.

A speedup sweep is honest only if, at every worker count it plots up to the machine's CPUs, each worker gets
several tasks (4 here), and each task is long enough that sending it costs next to nothing (under 1 %). Those
two rules fix how many tasks and how long each must be; a time budget then bounds the whole sweep, so it takes
a few seconds on 2 CPUs and stays inside the budget on 64 or 128.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from helpers.cpus import CpuProfile
from helpers.tasks import cpu_burn
from helpers.validation import require_int, require_number, require_worker_counts

TASKS_PER_WORKER = 4  # at every plotted worker count up to the CPUs: so no worker idles while others work
OVERHEAD_SHARE = 0.01  # what sending a task may cost, as a share of the task's own time
POOL_OVERHEAD = 100e-6  # s a Pool spends per task sent one by one and its result (measured 30-130 µs; notebook 10)
TARGET_TASK = 0.05  # s: long enough to time well, short enough for a lively demo on 1 or 2 CPUs
MAX_WORKERS = 64  # the largest pool a sweep starts, whatever the machine


@dataclass(frozen=True)
class SweepPlan:
    """How to run a speedup sweep on one machine: worker counts, tasks, work per task, repeats, and the time it takes."""

    workers: tuple[int, ...]
    tasks: int
    iterations: int  # cpu_burn iterations per task
    task_seconds: float  # one task's time on one core, as calibrated
    repeats: int
    estimated_seconds: float
    budget: float
    cpus: int  # the effective CPUs the plan was made for

    def task_list(self) -> list[tuple[int, int]]:
        """The tasks, as (task id, iterations) pairs for helpers.tasks.traced_cpu_task."""
        return [(task_id, self.iterations) for task_id in range(self.tasks)]

    @property
    def over_budget(self) -> bool:
        """True when even one run of each count, with the shortest tasks the rules allow, needs more than the budget."""
        return self.estimated_seconds > self.budget * 1.01

    def describe(self) -> str:
        """One line: what the sweep will do and how long it should take."""
        return (
            f"{self.tasks} tasks of ~{self.task_seconds * 1000:.0f} ms on {', '.join(map(str, self.workers))} workers, "
            f"{self.repeats} run{'s' if self.repeats > 1 else ''} each: about {self.estimated_seconds:.0f} s "
            f"(budget {self.budget:g} s{'; the fewest tasks that are fair to every worker need more' if self.over_budget else ''})"
        )


def seconds_per_iteration(sample: int = 200_000, repeats: int = 3) -> float:
    """Seconds one cpu_burn iteration takes on one core of this machine (best of ``repeats`` timings)."""
    require_int("sample", sample, minimum=1)
    require_int("repeats", repeats, minimum=1)
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        cpu_burn(sample)
        best = min(best, time.perf_counter() - start)
    return best / sample


def sweep_counts(cpus: CpuProfile, *, beyond: bool = True, cap: int = MAX_WORKERS) -> tuple[int, ...]:
    """Worker counts to plot: 1, powers of two, the physical cores (with SMT), the CPUs, and twice the CPUs."""
    _require_profile(cpus)
    require_int("cap", cap, minimum=1)
    top = min(cpus.effective, cap)
    counts = {1, top}
    count = 2
    while count < top:
        counts.add(count)
        count *= 2
    if cpus.cores_for_fit < top:
        counts.add(cpus.cores_for_fit)  # where SMT makes the speedup bend
    if beyond and 2 * top <= cap:
        counts.add(2 * top)  # more workers than CPUs: what oversubscription costs
    return tuple(sorted(counts))


def sweep_rounds(tasks: int, workers: Sequence[int], cpus: int) -> int:
    """Task-lengths one run of every worker count takes: ⌈tasks / n⌉ each, at most as many workers as CPUs at once."""
    require_int("tasks", tasks, minimum=1)
    require_int("cpus", cpus, minimum=1)
    return sum(math.ceil(tasks / min(n, cpus)) for n in workers)


TIME_SCALE_VARIABLE = "COURSE_TIME_SCALE"


def time_scale() -> float:
    """The factor every sized workload's time is multiplied by: COURSE_TIME_SCALE (0 < scale ≤ 1), default 1.

    For test runs that check what a notebook prints rather than what it measures (the suite's pretend-8-CPU run,
    the other Pythons' passes): shorter sweeps and demos, noisier numbers. The rules themselves (4 tasks per
    worker, no task shorter than 100× its dispatch) still hold.
    """
    import os

    text = os.environ.get(TIME_SCALE_VARIABLE, "").strip()
    if not text:
        return 1.0
    try:
        scale = float(text)
    except ValueError:
        raise ValueError(f"{TIME_SCALE_VARIABLE} must be a number in (0, 1], got {text!r}") from None
    if not 0 < scale <= 1:
        raise ValueError(f"{TIME_SCALE_VARIABLE} must be a number in (0, 1], got {text!r}")
    return scale


def plan_sweep(
    cpus: CpuProfile,
    budget: float = 10.0,
    *,
    seconds_per_iter: float | None = None,
    overhead: float = POOL_OVERHEAD,
    beyond: bool = True,
    cap: int = MAX_WORKERS,
    serial_seconds: float = 0.0,
    counts: Sequence[int] | None = None,
    target: float = TARGET_TASK,
) -> SweepPlan:
    """A sweep for this machine: ≥ 4 tasks per worker at each count up to the CPUs, dispatch under 1 % of a task,
    and at most ``budget`` seconds in all (fewer repeats, then shorter tasks, on machines with many CPUs).

    ``serial_seconds``: time the parent spends alone before each map (a serial step), included in the budget.
    ``counts``: these worker counts instead of sweep_counts' choice. ``target``: the task length to aim for.
    """
    _require_profile(cpus)
    require_number("budget", budget, minimum=0, strict=True)
    budget *= time_scale()
    require_number("overhead", overhead, minimum=0)
    require_number("serial_seconds", serial_seconds, minimum=0)
    if seconds_per_iter is None:
        seconds_per_iter = seconds_per_iteration()
    require_number("seconds_per_iter", seconds_per_iter, minimum=0, strict=True)
    require_number("target", target, minimum=0, strict=True)
    effective = min(cpus.effective, cap)
    shortest = overhead / OVERHEAD_SHARE  # a task this long hides its dispatch cost
    if counts is not None:
        choices = [tuple(require_worker_counts(counts))]
        if max(choices[0]) > cap:
            raise ValueError(f"counts must not exceed cap ({cap}), got {max(choices[0])}")
    else:  # fewer repeats first; then no oversubscribed count; the rules themselves are never bent (the plan says so)
        choices = list(dict.fromkeys([sweep_counts(cpus, beyond=beyond, cap=cap), sweep_counts(cpus, beyond=False, cap=cap)]))
    for counts in choices:
        tasks = TASKS_PER_WORKER * max([n for n in counts if n <= effective] or [effective])
        rounds = sweep_rounds(tasks, counts, effective)
        for repeats in (3, 2, 1):
            room = budget / repeats - len(counts) * serial_seconds
            task_seconds = min(target, room / rounds) if room > 0 else 0.0
            if task_seconds >= shortest:
                break
        if task_seconds >= shortest:
            break
    else:
        repeats, task_seconds = 1, shortest  # the rules need more time than the budget: keep them, and say so
    iterations = max(1, round(task_seconds / seconds_per_iter))
    task_seconds = iterations * seconds_per_iter
    estimated = repeats * (rounds * task_seconds + len(counts) * serial_seconds)
    return SweepPlan(counts, tasks, iterations, task_seconds, repeats, estimated, budget, effective)


def plan_tasks(cpus: CpuProfile, serial_seconds: float, *, seconds_per_iter: float | None = None,
               per_worker: int = TASKS_PER_WORKER, overhead: float = POOL_OVERHEAD) -> tuple[int, int]:
    """(tasks, iterations per task) for a demo on every CPU (up to MAX_WORKERS): ``per_worker`` tasks each, about
    ``serial_seconds`` of work in all on one core (more where the CPUs are many: no task shorter than 100× its dispatch)."""
    _require_profile(cpus)
    require_number("serial_seconds", serial_seconds, minimum=0, strict=True)
    require_int("per_worker", per_worker, minimum=1)
    if seconds_per_iter is None:
        seconds_per_iter = seconds_per_iteration()
    require_number("seconds_per_iter", seconds_per_iter, minimum=0, strict=True)
    tasks = per_worker * min(cpus.effective, MAX_WORKERS)
    task_seconds = max(overhead / OVERHEAD_SHARE, serial_seconds * time_scale() / tasks)
    return tasks, max(1, round(task_seconds / seconds_per_iter))


def _require_profile(cpus: object) -> None:
    if not isinstance(cpus, CpuProfile):
        raise TypeError(f"cpus must be a CpuProfile (machine.cpus from setup_notebook()), got {type(cpus).__name__}")
