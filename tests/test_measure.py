"""Timing, Amdahl fits and speedup sweeps, including the errors a learner meets."""

import math

import pytest

from helpers.measure import Timing, amdahl_speedup, fit_amdahl, format_seconds, speedup_sweep, time_call
from helpers.tasks import cpu_burn, square


def test_time_call_runs_warmup_plus_repeats():
    calls = []
    timing = time_call(calls.append, 1, repeats=4, warmup=2)
    assert len(calls) == 6
    assert len(timing.samples) == 4 and all(s >= 0 for s in timing.samples)
    assert timing.best <= timing.median and timing.spread >= 0


def test_timing_statistics():
    timing = Timing((0.3, 0.1, 0.2, 1.0))
    assert timing.median == pytest.approx(0.25)
    assert timing.best == 0.1
    assert timing.spread == pytest.approx(0.9)
    assert "median 250.0 ms" in str(timing)


@pytest.mark.parametrize("kwargs, error, text", [
    ({"repeats": 0}, ValueError, "repeats must be ≥ 1"),
    ({"warmup": -1}, ValueError, "warmup must be ≥ 0"),
    ({"repeats": 2.0}, TypeError, "repeats must be a whole number"),
])
def test_time_call_rejects_bad_counts(kwargs, error, text):
    with pytest.raises(error, match=text):
        time_call(square, 2, **kwargs)


def test_time_call_rejects_non_callable():
    with pytest.raises(TypeError, match="function must be callable"):
        time_call(42)


def test_format_seconds_picks_a_readable_unit():
    assert format_seconds(2.5) == "2.50 s"
    assert format_seconds(0.0123) == "12.3 ms"
    assert format_seconds(0.0000045) == "4.5 µs"


def test_amdahl_speedup_limits():
    assert amdahl_speedup(0.0, 4) == pytest.approx(4)
    assert amdahl_speedup(1.0, 4) == pytest.approx(1)
    assert amdahl_speedup(0.1, 8) == pytest.approx(1 / (0.1 + 0.9 / 8))
    with pytest.raises(ValueError, match="between 0 and 1"):
        amdahl_speedup(1.5, 2)
    with pytest.raises(ValueError, match="workers must be > 0"):
        amdahl_speedup(0.1, 0)


@pytest.mark.parametrize("serial", [0.0, 0.05, 0.2, 0.5])
def test_fit_amdahl_recovers_the_serial_fraction_of_exact_data(serial):
    workers = [1, 2, 3, 4]
    seconds = [10 * (serial + (1 - serial) / n) for n in workers]
    assert fit_amdahl(workers, seconds) == pytest.approx(serial, abs=1e-9)


def test_fit_amdahl_edge_cases():
    assert fit_amdahl([1], [1.0]) is None  # one CPU: nothing to fit
    assert fit_amdahl([1, 1], [1.0, 1.1]) is None
    assert fit_amdahl([1, 2], [1.0, 1.2]) == 1.0  # slower with more workers: all serial
    with pytest.raises(ValueError, match="same length"):
        fit_amdahl([1, 2], [1.0])


def test_speedup_sweep_measures_every_count_and_the_baseline():
    sweep = speedup_sweep(cpu_burn, [20_000] * 8, workers=[2], repeats=1, progress=False)
    assert [r.workers for r in sweep.rows] == [1, 2]  # 1 is always added as the baseline
    base = sweep.row(1)
    assert base.speedup == pytest.approx(1) and base.efficiency == pytest.approx(1)
    two = sweep.row(2)
    assert two.speedup == pytest.approx(base.seconds / two.seconds)
    assert two.efficiency == pytest.approx(two.speedup / 2)
    assert sweep.task_count == 8 and sweep.worker_name == "cpu_burn"
    if sweep.machine.cpus.cores_for_fit >= 2:
        assert sweep.serial_fraction is not None and 0 <= sweep.serial_fraction <= 1
    assert "speedup" in sweep.table() and "Amdahl fit" in sweep.table()
    with pytest.raises(KeyError, match="no row for 3 workers"):
        sweep.row(3)


def test_sweep_table_states_the_limit_or_its_absence():
    from helpers.machine import fingerprint
    from helpers.measure import SpeedupSweep, SweepRow

    rows = (SweepRow(1, 1.0, 1.0, 1.0), SweepRow(2, 0.55, 1.82, 0.91))
    limited = SpeedupSweep(rows, 0.1, fingerprint(), 8, "w", 2).table()
    assert "serial fraction 10.0%, so at most 10× with unlimited CPUs" in limited
    unlimited = SpeedupSweep(rows, 0.0, fingerprint(), 8, "w", 2).table()
    assert "serial fraction 0.0%: no serial part measured" in unlimited and "at most" not in unlimited


def _nested_worker_factory():
    def inner(x):
        return x

    return inner


@pytest.mark.parametrize("worker, text", [
    (lambda x: x, "a lambda cannot be sent"),
    (_nested_worker_factory(), "defined inside another function"),
    ("square", "worker must be a function"),
])
def test_speedup_sweep_rejects_workers_a_child_cannot_import(worker, text):
    with pytest.raises(TypeError, match=text):
        speedup_sweep(worker, [1, 2], workers=[1, 2], progress=False)


def test_speedup_sweep_rejects_notebook_defined_worker():
    def cube(x):
        return x**3

    cube.__module__, cube.__qualname__ = "__main__", "cube"
    with pytest.raises(TypeError, match="defined in the notebook .* fails under spawn and forkserver"):
        speedup_sweep(cube, [1, 2], workers=[1, 2], progress=False)


@pytest.mark.parametrize("workers, error, text", [
    ([0, 2], ValueError, "each worker count must be ≥ 1"),
    ([-1], ValueError, "each worker count must be ≥ 1"),
    ([], ValueError, "non-empty list of worker counts"),
    (4, ValueError, "non-empty list of worker counts"),
    ([1.5], TypeError, "whole number"),
])
def test_speedup_sweep_rejects_bad_worker_counts(workers, error, text):
    with pytest.raises(error, match=text):
        speedup_sweep(square, [1, 2], workers=workers, progress=False)


@pytest.mark.parametrize("tasks, error, text", [
    ([], ValueError, "tasks is empty"),
    ("abc", TypeError, "tasks must be a list"),
    (iter([1, 2]), TypeError, "tasks must be a list"),
])
def test_speedup_sweep_rejects_bad_tasks(tasks, error, text):
    with pytest.raises(error, match=text):
        speedup_sweep(square, tasks, workers=[1], progress=False)


def test_speedup_sweep_rejects_bad_repeats_and_chunksize():
    with pytest.raises(ValueError, match="repeats must be ≥ 1"):
        speedup_sweep(square, [1], workers=[1], repeats=0, progress=False)
    with pytest.raises(ValueError, match="chunksize must be ≥ 1"):
        speedup_sweep(square, [1], workers=[1], chunksize=0, progress=False)


def test_sweep_table_without_fit_says_why():
    from helpers.machine import fingerprint
    from helpers.measure import SpeedupSweep, SweepRow

    sweep = SpeedupSweep((SweepRow(1, 1.0, 1.0, 1.0),), None, fingerprint(), 3, "square", 1)
    assert "needs at least 2 worker counts" in sweep.table()
    assert not math.isnan(sweep.rows[0].speedup)


def test_progress_yields_every_item_in_order():
    from helpers.measure import progress

    assert list(progress(range(5), "counting")) == [0, 1, 2, 3, 4]


def test_fit_counts_keep_a_core_and_four_tasks_per_worker():
    from dataclasses import replace

    from helpers.cpus import CpuProfile
    from helpers.machine import fingerprint
    from helpers.measure import fit_counts

    laptop = replace(fingerprint(), cpus=CpuProfile(16, 8, 16, None))
    assert fit_counts([1, 2, 4, 8, 16, 32], laptop, 64) == [1, 2, 4, 8]  # not past the physical cores
    assert fit_counts([1, 2, 4, 8, 16, 32], laptop, 12) == [1, 2]  # 12 tasks: 4 each only up to 3 workers
    container = replace(fingerprint(), cpus=CpuProfile(64, 32, 64, 1.5))
    assert fit_counts([1, 2, 4], container, 8) == [1, 2]
    with pytest.raises(ValueError, match="tasks must be ≥ 1"):
        fit_counts([1], laptop, 0)


@pytest.mark.parametrize("tasks, workers, ceiling", [(12, 16, 12.0), (12, 8, 6.0), (10, 8, 5.0), (64, 16, 16.0), (64, 3, 64 / 22)])
def test_task_ceiling(tasks, workers, ceiling):
    from helpers.measure import task_ceiling

    assert task_ceiling(tasks, workers) == pytest.approx(ceiling)


def test_clock_facts_tell_the_wall_clock_from_the_performance_counter():
    from helpers.measure import clock_facts

    wall, counter = clock_facts(("time", "perf_counter"), readings=1000)
    assert (wall.name, wall.monotonic, wall.adjustable) == ("time", False, True)
    assert (counter.name, counter.monotonic, counter.adjustable) == ("perf_counter", True, False)
    assert 0 < counter.smallest_step < 0.1 and counter.resolution > 0
    with pytest.raises(ValueError, match="clock must be one of"):
        clock_facts(("sundial",))
    with pytest.raises(ValueError, match="readings must be ≥ 2"):
        clock_facts(readings=1)
