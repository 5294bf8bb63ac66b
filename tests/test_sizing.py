"""helpers.sizing: sweeps sized for 1 to 128 CPUs keep ≥ 4 tasks per worker, hide dispatch, and fit the budget."""

import math

import pytest

from helpers.cpus import CpuProfile
from helpers.sizing import (
    MAX_WORKERS,
    OVERHEAD_SHARE,
    POOL_OVERHEAD,
    TASKS_PER_WORKER,
    plan_sweep,
    plan_tasks,
    seconds_per_iteration,
    sweep_counts,
    sweep_rounds,
)
from test_cpus import MACHINES

SECONDS_PER_ITERATION = 5e-8  # a fixed calibration, so the plans do not depend on this machine's speed


@pytest.mark.parametrize("name", MACHINES)
@pytest.mark.parametrize("budget", [3.0, 10.0])
def test_every_machine_gets_enough_tasks_long_enough_within_the_budget(name, budget):
    profile = MACHINES[name][0]
    plan = plan_sweep(profile, budget, seconds_per_iter=SECONDS_PER_ITERATION)
    cpus = min(profile.effective, MAX_WORKERS)
    assert plan.cpus == cpus and 1 in plan.workers and max(plan.workers) <= MAX_WORKERS
    for workers in plan.workers:
        if workers <= cpus:
            assert plan.tasks / workers >= TASKS_PER_WORKER, f"{workers} workers get fewer than 4 tasks each"
    assert plan.task_seconds >= POOL_OVERHEAD / OVERHEAD_SHARE * 0.99, "dispatch would cost more than 1 % of a task"
    # The shortest sweep the rules allow: one run, tasks of the shortest length, no oversubscribed count.
    fewest = sweep_rounds(plan.tasks, sweep_counts(profile, beyond=False), cpus) * POOL_OVERHEAD / OVERHEAD_SHARE
    if fewest <= budget:
        assert plan.estimated_seconds <= budget * 1.01 and not plan.over_budget, plan.describe()
    else:  # 64+ CPUs and a 3 s budget: the rules win, and the plan says so
        assert plan.over_budget and "need more" in plan.describe()
    assert plan.estimated_seconds == pytest.approx(plan.repeats * sweep_rounds(plan.tasks, plan.workers, cpus) * plan.task_seconds)
    assert plan.task_list()[:2] == [(0, plan.iterations), (1, plan.iterations)] and len(plan.task_list()) == plan.tasks


def test_counts_include_the_cores_the_cpus_and_oversubscription():
    assert sweep_counts(CpuProfile(1, 1, 1, None)) == (1, 2)
    assert sweep_counts(CpuProfile(2, 2, 2, None)) == (1, 2, 4)
    assert sweep_counts(CpuProfile(12, 6, 12, None)) == (1, 2, 4, 6, 8, 12, 24)  # 6 cores: where SMT bends the curve
    assert sweep_counts(CpuProfile(128, 64, 128, None)) == (1, 2, 4, 8, 16, 32, 64)  # capped
    assert sweep_counts(CpuProfile(64, 32, 64, 1.5)) == (1, 2, 4)  # the quota, not the host, decides
    assert sweep_counts(CpuProfile(4, 4, 4, None), beyond=False) == (1, 2, 4)


def test_a_budget_too_small_for_the_rules_keeps_the_rules_and_says_so():
    plan = plan_sweep(CpuProfile(64, 64, 64, None), 0.5, seconds_per_iter=SECONDS_PER_ITERATION)
    assert plan.repeats == 1 and plan.task_seconds >= POOL_OVERHEAD / OVERHEAD_SHARE * 0.99
    assert plan.over_budget and plan.workers == (1, 2, 4, 8, 16, 32, 64) and "budget 0.5 s; the fewest tasks" in plan.describe()


def test_a_serial_step_counts_against_the_budget():
    without = plan_sweep(CpuProfile(2, 2, 2, None), 3.0, seconds_per_iter=SECONDS_PER_ITERATION)
    with_serial = plan_sweep(CpuProfile(2, 2, 2, None), 3.0, seconds_per_iter=SECONDS_PER_ITERATION, serial_seconds=0.2)
    assert with_serial.estimated_seconds <= 3.0 * 1.01 and with_serial.task_seconds <= without.task_seconds


@pytest.mark.parametrize("name", MACHINES)
def test_plan_tasks_gives_every_cpu_its_share_of_tasks_long_enough(name):
    profile = MACHINES[name][0]
    tasks, iterations = plan_tasks(profile, 1.0, seconds_per_iter=SECONDS_PER_ITERATION)
    assert tasks == TASKS_PER_WORKER * min(profile.effective, MAX_WORKERS)
    task_seconds = iterations * SECONDS_PER_ITERATION
    assert task_seconds >= POOL_OVERHEAD / OVERHEAD_SHARE * 0.99
    assert tasks * task_seconds == pytest.approx(max(1.0, tasks * POOL_OVERHEAD / OVERHEAD_SHARE), rel=0.01)


def test_calibration_is_a_positive_time_per_iteration():
    seconds = seconds_per_iteration(sample=10_000, repeats=1)
    assert 0 < seconds < 1e-3 and math.isfinite(seconds)


@pytest.mark.parametrize("call, error, text", [
    (lambda: plan_sweep(4, 3.0), TypeError, "cpus must be a CpuProfile"),
    (lambda: plan_sweep(CpuProfile(2, 2, 2, None), 0), ValueError, "budget must be > 0"),
    (lambda: plan_sweep(CpuProfile(2, 2, 2, None), 3.0, seconds_per_iter=0), ValueError, "seconds_per_iter must be > 0"),
    (lambda: plan_sweep(CpuProfile(2, 2, 2, None), 3.0, overhead=-1), ValueError, "overhead must be ≥ 0"),
    (lambda: sweep_counts(CpuProfile(2, 2, 2, None), cap=0), ValueError, "cap must be ≥ 1"),
    (lambda: plan_tasks(CpuProfile(2, 2, 2, None), 1.0, per_worker=0), ValueError, "per_worker must be ≥ 1"),
    (lambda: seconds_per_iteration(sample=0), ValueError, "sample must be ≥ 1"),
])
def test_bad_arguments_get_clear_errors(call, error, text):
    with pytest.raises(error, match=text):
        call()


def test_chosen_counts_and_a_shorter_target():
    plan = plan_sweep(CpuProfile(16, 8, 16, None), 4.0, seconds_per_iter=SECONDS_PER_ITERATION, counts=[1, 16], target=0.02)
    assert plan.workers == (1, 16) and plan.tasks == 64 and plan.task_seconds <= 0.02 * 1.01
    with pytest.raises(ValueError, match="counts must not exceed cap"):
        plan_sweep(CpuProfile(16, 8, 16, None), 4.0, seconds_per_iter=SECONDS_PER_ITERATION, counts=[1, 128])
    with pytest.raises(ValueError, match="target must be > 0"):
        plan_sweep(CpuProfile(2, 2, 2, None), 4.0, seconds_per_iter=SECONDS_PER_ITERATION, target=0)


def test_the_time_scale_shrinks_budgets_and_demos_and_refuses_nonsense(monkeypatch):
    from helpers.sizing import plan_sweep, plan_tasks, time_scale

    profile = CpuProfile(8, 4, 8, None)
    full = plan_sweep(profile, budget=10, seconds_per_iter=1e-7)
    full_tasks = plan_tasks(profile, 2.0, seconds_per_iter=1e-7)
    monkeypatch.setenv("COURSE_TIME_SCALE", "0.25")
    assert time_scale() == 0.25
    quarter = plan_sweep(profile, budget=10, seconds_per_iter=1e-7)
    assert quarter.budget == 2.5 and quarter.estimated_seconds <= 2.5 * 1.01 < full.estimated_seconds
    assert quarter.tasks == full.tasks and quarter.workers == full.workers  # the same sweep, shorter tasks
    tasks, iterations = plan_tasks(profile, 2.0, seconds_per_iter=1e-7)
    assert tasks == full_tasks[0] and iterations < full_tasks[1]
    for bad in ("0", "1.5", "fast"):
        monkeypatch.setenv("COURSE_TIME_SCALE", bad)
        with pytest.raises(ValueError, match=r"COURSE_TIME_SCALE must be a number in \(0, 1\]"):
            time_scale()
