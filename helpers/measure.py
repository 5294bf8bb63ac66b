"""Timing with repeats, speedup sweeps over worker counts, and Amdahl's-law fits."""

from __future__ import annotations

import multiprocessing
import statistics
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from helpers.machine import Fingerprint, fingerprint
from helpers.tasks import import_modules, noop
from helpers.validation import (
    require_int,
    require_number,
    require_portable_worker,
    require_tasks,
    require_worker_counts,
)

T = TypeVar("T")


@dataclass(frozen=True)
class Timing:
    """Repeated timings of one callable, in seconds."""

    samples: tuple[float, ...]

    @property
    def median(self) -> float:
        """The typical time: robust to one slow outlier."""
        return statistics.median(self.samples)

    @property
    def best(self) -> float:
        """The fastest run: closest to the cost without interference."""
        return min(self.samples)

    @property
    def spread(self) -> float:
        """Slowest minus fastest run."""
        return max(self.samples) - min(self.samples)

    def __str__(self) -> str:
        return f"median {format_seconds(self.median)} (best {format_seconds(self.best)}, spread {format_seconds(self.spread)}, {len(self.samples)} runs)"


def format_seconds(seconds: float) -> str:
    """Format a duration with a unit a person reads at a glance (s, ms or µs)."""
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.1f} µs"


def time_call(function: Callable[..., Any], *args: Any, repeats: int = 5, warmup: int = 1, **kwargs: Any) -> Timing:
    """Call ``function(*args, **kwargs)`` ``warmup`` + ``repeats`` times; return the timed repeats."""
    if not callable(function):
        raise TypeError(f"function must be callable, got {type(function).__name__}")
    require_int("repeats", repeats, minimum=1)
    require_int("warmup", warmup, minimum=0)
    for _ in range(warmup):
        function(*args, **kwargs)
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        function(*args, **kwargs)
        samples.append(time.perf_counter() - start)
    return Timing(tuple(samples))


def amdahl_speedup(serial_fraction: float, workers: float) -> float:
    """Speedup Amdahl's law predicts on ``workers`` workers for a given serial fraction."""
    require_number("serial_fraction", serial_fraction)
    if serial_fraction > 1:
        raise ValueError(f"serial_fraction must be between 0 and 1, got {serial_fraction}")
    require_number("workers", workers, minimum=0, strict=True)
    return 1.0 / (serial_fraction + (1.0 - serial_fraction) / workers)


def fit_amdahl(workers: Sequence[int], seconds: Sequence[float]) -> float | None:
    """Least-squares serial fraction f for T(n) = T1 * (f + (1 - f) / n); None with < 2 worker counts."""
    if len(workers) != len(seconds):
        raise ValueError(f"workers and seconds must have the same length, got {len(workers)} and {len(seconds)}")
    points = sorted(zip(workers, seconds))
    if len({n for n, _ in points}) < 2:
        return None
    # T(n) = a + b * (1/n) is linear in 1/n: a is the serial time, b the parallelisable time.
    xs = [1.0 / n for n, _ in points]
    ys = [t for _, t in points]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mean_x) ** 2 for x in xs)
    b = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / sxx
    a = mean_y - b * mean_x
    if b <= 0:  # adding workers did not help at all
        return 1.0
    return min(1.0, max(0.0, a / (a + b)))


@dataclass(frozen=True)
class SweepRow:
    """One worker count of a speedup sweep."""

    workers: int
    seconds: float
    speedup: float
    efficiency: float


# Amdahl's law assumes each added worker brings a whole core and has work to do: fit it only where both hold.
FIT_TASKS_PER_WORKER = 4


def fit_counts(counts: Sequence[int], machine: Fingerprint, tasks: int) -> list[int]:
    """The worker counts an Amdahl fit may use: one physical core each (no SMT sibling, no more than the CPUs
    usable under any quota), and at least FIT_TASKS_PER_WORKER tasks each."""
    require_int("tasks", tasks, minimum=1)
    return [n for n in sorted(set(counts)) if n <= machine.cpus.cores_for_fit and tasks / n >= FIT_TASKS_PER_WORKER]


def task_ceiling(tasks: int, workers: int) -> float:
    """The most speedup ``tasks`` equal tasks allow on ``workers`` workers: tasks ÷ ⌈tasks ÷ workers⌉ rounds."""
    require_int("tasks", tasks, minimum=1)
    require_int("workers", workers, minimum=1)
    return tasks / -(-tasks // workers)


@dataclass(frozen=True)
class SpeedupSweep:
    """Times of the same tasks on pools of several sizes, with the Amdahl fit."""

    rows: tuple[SweepRow, ...]
    serial_fraction: float | None
    machine: Fingerprint
    task_count: int
    worker_name: str
    fit_limit: int = 0  # the largest worker count the fit used (0: no fit)

    def row(self, workers: int) -> SweepRow:
        """The row measured with this many workers."""
        for row in self.rows:
            if row.workers == workers:
                return row
        raise KeyError(f"no row for {workers} workers; measured {[r.workers for r in self.rows]}")

    def table(self) -> str:
        """A plain-text table of the sweep."""
        lines = [f"{'workers':>7}  {'time':>9}  {'speedup':>7}  {'efficiency':>10}"]
        for r in self.rows:
            lines.append(f"{r.workers:>7}  {format_seconds(r.seconds):>9}  {r.speedup:>6.2f}×  {r.efficiency:>9.0%}")
        where = f"workers ≤ {self.fit_limit}: a core and ≥ {FIT_TASKS_PER_WORKER} tasks each"
        if self.serial_fraction is None:
            lines.append(f"Amdahl fit: needs at least 2 worker counts with a core and ≥ {FIT_TASKS_PER_WORKER} tasks each")
        elif self.serial_fraction < 0.005:
            lines.append(f"Amdahl fit ({where}): serial fraction {self.serial_fraction:.1%}: no serial part measured")
        else:
            lines.append(
                f"Amdahl fit ({where}): serial fraction {self.serial_fraction:.1%}, "
                f"so at most {1 / self.serial_fraction:.0f}× with unlimited CPUs"
            )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()


def speedup_sweep(
    worker: Callable[[Any], Any],
    tasks: Sequence[Any],
    workers: Sequence[int],
    *,
    repeats: int = 3,
    chunksize: int = 1,
    progress: bool = True,
    timeout: float = 300.0,
    serial: Callable[[], Any] | None = None,
) -> SpeedupSweep:
    """Time ``pool.map(worker, tasks)`` on warm pools of each size; fit Amdahl's law.

    One worker is always measured, as the baseline. Pool start-up is excluded: every worker imports the
    worker's module in its initializer (a spawn or forkserver worker would otherwise pay that import
    inside its first timed task), and each pool is warmed with one trivial task per worker first.
    The Amdahl fit uses only worker counts with a physical core and 4 tasks each (fit_counts): beyond
    them workers share cores, which the law does not model. Each map waits at most ``timeout`` seconds,
    so a worker that dies (and makes a plain ``Pool.map`` wait forever) ends in a TimeoutError instead.
    ``serial``, if given, is called in the parent inside the timed region before each map: a
    serial part of the job (reading input, merging results) that no number of workers speeds up.
    """
    require_portable_worker(worker)
    task_list = require_tasks(tasks)
    counts = sorted(set(require_worker_counts(workers)) | {1})
    require_int("repeats", repeats, minimum=1)
    require_int("chunksize", chunksize, minimum=1)
    require_number("timeout", timeout, minimum=0, strict=True)
    if serial is not None and not callable(serial):
        raise TypeError(f"serial must be a function to call in the parent, got {type(serial).__name__}")
    machine = fingerprint()
    seconds: dict[int, float] = {}
    bar = _progress(total=len(counts) * repeats, enabled=progress, description="speedup sweep")
    try:
        for count in counts:
            with multiprocessing.Pool(count, initializer=import_modules, initargs=([worker.__module__],)) as pool:
                _map_with_timeout(pool, noop, range(count), 1, timeout)  # warm-up: workers started and imported
                samples = []
                for _ in range(repeats):
                    start = time.perf_counter()
                    if serial is not None:
                        serial()
                    _map_with_timeout(pool, worker, task_list, chunksize, timeout)
                    samples.append(time.perf_counter() - start)
                    bar.update(1)
            seconds[count] = statistics.median(samples)
    finally:
        bar.close()
    baseline = seconds[1]
    rows = tuple(
        SweepRow(n, seconds[n], baseline / seconds[n], baseline / seconds[n] / n) for n in counts
    )
    fitted = fit_counts(counts, machine, len(task_list))
    return SpeedupSweep(
        rows=rows,
        serial_fraction=fit_amdahl(fitted, [seconds[n] for n in fitted]),
        machine=machine,
        task_count=len(task_list),
        worker_name=getattr(worker, "__qualname__", repr(worker)),
        fit_limit=max(fitted, default=0),
    )


def _map_with_timeout(pool: Any, worker: Callable[[Any], Any], tasks: Any, chunksize: int, timeout: float) -> list[Any]:
    """pool.map that gives up after ``timeout`` seconds with an error saying why it might hang."""
    try:
        return pool.map_async(worker, tasks, chunksize=chunksize).get(timeout)
    except multiprocessing.TimeoutError:
        raise TimeoutError(
            f"{getattr(worker, '__qualname__', worker)} did not finish {len(tasks)} tasks within {timeout} s: "
            "a worker process may have died (Pool does not notice and waits forever), or the tasks are "
            "larger than expected; raise timeout= if they are just slow"
        ) from None


class _NoProgress:
    """Stands in for a tqdm bar when progress is off."""

    def update(self, _: int) -> None:
        """Ignore progress."""

    def close(self) -> None:
        """Nothing to close."""


def _progress(total: int, enabled: bool, description: str) -> Any:
    """A text progress bar on stderr (works in JupyterLab, a terminal and under nbval)."""
    if not enabled:
        return _NoProgress()
    from tqdm.std import tqdm

    return tqdm(total=total, desc=description, leave=False)


def progress(items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
    """Iterate over ``items`` (a list, or an iterator such as imap_unordered's) with a text progress bar."""
    from tqdm.std import tqdm

    return iter(tqdm(items, desc=description, total=total, leave=False))


# ------------------------------------------------------------- which clock to time with (the source used time.time)


@dataclass(frozen=True)
class Clock:
    """What the operating system says about one of Python's clocks, and its smallest step measured here."""

    name: str
    monotonic: bool  # never goes backwards
    adjustable: bool  # can be set (by NTP, by an administrator), so an interval across a change is wrong
    resolution: float  # seconds, as the operating system reports it
    smallest_step: float  # seconds: the smallest nonzero difference between two readings in a row, measured


def clock_facts(names: Sequence[str] = ("time", "perf_counter", "monotonic"), readings: int = 100_000) -> list[Clock]:
    """The facts of each clock in ``names`` (``time.get_clock_info``), and its smallest step over ``readings`` reads."""
    require_int("readings", readings, minimum=2)
    facts = []
    for name in names:
        if name not in ("time", "perf_counter", "monotonic", "process_time", "thread_time"):
            raise ValueError(f"clock must be one of time, perf_counter, monotonic, process_time, thread_time; got {name!r}")
        read = getattr(time, name)
        info = time.get_clock_info(name)
        previous, smallest = read(), float("inf")
        for _ in range(readings):
            now = read()
            if now != previous:
                smallest = min(smallest, now - previous)
            previous = now
        facts.append(Clock(name, info.monotonic, info.adjustable, info.resolution, smallest))
    return facts
