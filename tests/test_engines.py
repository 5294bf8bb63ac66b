"""helpers.engines: the same tasks on Pool, ProcessPoolExecutor and Dask; sweeps, overheads, the task-limit hang."""

import multiprocessing

import numpy as np
import pytest

from helpers.engines import (
    ENGINES,
    available_engines,
    dask_client,
    engine_sweep,
    overhead_per_task,
    quiet_task_errors,
    require_engine,
    run,
    gh_115634_fixed,
    slice_sum,
    task_limit_finishes,
    warm_engine,
)
from helpers.tasks import TaskRecord, square, traced_cpu_task


@pytest.fixture(autouse=True)
def no_children_left():
    yield
    assert multiprocessing.active_children() == [], "an engine left a worker process running"


@pytest.mark.parametrize("engine", available_engines(*ENGINES))
def test_every_engine_runs_the_same_tasks_in_order(engine):
    with warm_engine(engine, 2) as runner:
        assert run(engine, runner, square, list(range(20)), chunksize=5 if engine != "Dask" else 1) == [x * x for x in range(20)]
        assert run(engine, runner, square, list(range(20))) == [x * x for x in range(20)]  # again: Dask must not reuse
        assert overhead_per_task(engine, runner, 20) > 0


def test_engine_sweep_returns_a_speedup_sweep():
    sweep = engine_sweep("ProcessPoolExecutor", traced_cpu_task, [(i, 100_000) for i in range(4)], [2], repeats=1)
    assert [r.workers for r in sweep.rows] == [1, 2] and sweep.row(1).speedup == pytest.approx(1)
    assert sweep.worker_name == "traced_cpu_task" and isinstance(traced_cpu_task((3, 10)), TaskRecord)


def test_dask_client_runs_and_closes_a_local_cluster():
    with dask_client(1) as client:
        assert client.dashboard_link.startswith("http://127.0.0.1:")
        client.run(quiet_task_errors)
        values = np.arange(10.0)
        big = client.scatter(values, broadcast=True)
        assert client.submit(slice_sum, big, 2, 5).result(timeout=30) == 9.0
        with pytest.raises(ValueError, match="fails on purpose"):
            from helpers.faults import fail

            client.submit(fail, 1).result(timeout=30)


def test_bad_input():
    with pytest.raises(ValueError, match="engine must be one of"):
        require_engine("Spark")
    with pytest.raises(ValueError, match="workers must be ≥ 1"):
        with warm_engine("Pool", 0):
            pass
    with pytest.raises(TypeError, match="lambda"):
        engine_sweep("Pool", lambda x: x, range(2), [1])
    with pytest.raises(ValueError, match="limit must be ≥ 1"):
        task_limit_finishes(0)


def test_a_task_limit_of_one_finishes():
    assert task_limit_finishes(1, timeout=30)


@pytest.mark.parametrize("version, fixed", [
    ((3, 11, 14), False), ((3, 12, 12), False), ((3, 13, 14), False), ((3, 13, 15), True),
    ((3, 14, 6), False), ((3, 14, 7), True), ((3, 14, 10), True), ((3, 15, 0), True), ((3, 15, 2), True), ((3, 16, 0), True),
])
def test_gh_115634_fix_by_version(version, fixed):
    assert gh_115634_fixed(version) is fixed


def test_gh_115634_needs_a_full_version():
    assert gh_115634_fixed() in (True, False)
    with pytest.raises(ValueError, match="major, minor, micro"):
        gh_115634_fixed((3, 14))
