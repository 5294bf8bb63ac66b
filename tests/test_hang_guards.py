"""A broken, a killed and an unpicklable worker each end in a clear error, never a hang.

These exercise the timeout guards that the notebooks' pitfall cells rely on, under every
start method. The time bounds only prove that a guard fired instead of waiting forever.
"""

import multiprocessing
import time

import pytest

import helpers.start_methods
from helpers.faults import die, fail, unpicklable_result
from helpers.guards import run_in_child
from helpers.measure import speedup_sweep
from helpers.start_methods import start_and_join
from helpers.tasks import io_wait
from helpers.start_methods import available_methods

METHODS = available_methods()
GUARD_BOUND = 60  # seconds: far above any guard used here, far below "hung"


@pytest.fixture(autouse=True)
def no_children_left():
    yield
    assert multiprocessing.active_children() == [], "a guard left a child process running"


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("worker, expected", [
    (fail, "ValueError: this worker fails on purpose (task 1)"),
    (unpicklable_result, "the result could not be sent back: TypeError: cannot pickle '_thread.lock' object"),
])
def test_run_in_child_reports_broken_and_unpicklable_workers(method, worker, expected):
    start = time.monotonic()
    outcome = run_in_child(worker, 1, method=method, timeout=20)
    assert time.monotonic() - start < GUARD_BOUND
    assert outcome.exitcode == 1 and outcome.error == expected
    with pytest.raises(ChildProcessError, match="exited with code 1"):
        outcome.result()


@pytest.mark.parametrize("method", METHODS)
def test_run_in_child_reports_a_killed_worker(method):
    outcome = run_in_child(die, method=method, timeout=20)
    assert outcome.exitcode is not None and outcome.exitcode != 0
    with pytest.raises(ChildProcessError, match=f"exited with code {outcome.exitcode}"):
        outcome.result()


def test_run_in_child_rejects_a_worker_spawn_cannot_pickle():
    with pytest.raises(Exception, match="pickle|Pickl"):
        run_in_child(lambda: 1, method="spawn", timeout=20)


def test_pool_guard_turns_a_killed_worker_into_a_timeout_error(start_method):
    start = time.monotonic()
    with pytest.raises(TimeoutError, match="a worker process may have died"):
        speedup_sweep(die, [1, 2], workers=[1], repeats=1, progress=False, timeout=3)
    assert time.monotonic() - start < GUARD_BOUND


def test_pool_guard_passes_on_a_worker_exception_and_an_unpicklable_result():
    with pytest.raises(ValueError, match="fails on purpose"):
        speedup_sweep(fail, [1], workers=[1], progress=False, timeout=30)
    with pytest.raises(multiprocessing.pool.MaybeEncodingError, match="cannot pickle"):
        speedup_sweep(unpicklable_result, [1], workers=[1], progress=False, timeout=30)


def test_pool_guard_fires_on_slow_tasks():
    with pytest.raises(TimeoutError, match="raise timeout= if they are just slow"):
        speedup_sweep(io_wait, [30], workers=[1], repeats=1, progress=False, timeout=1)


@pytest.mark.skipif("fork" not in METHODS, reason="needs fork to swap the target in the child")
def test_start_and_join_guard_fires(monkeypatch):
    # Under fork the child runs the patched target: a process that would run for 60 s.
    monkeypatch.setattr(helpers.start_methods, "noop", lambda: time.sleep(60))
    start = time.monotonic()
    with pytest.raises(TimeoutError, match="1 of 1 fork processes had not finished after 1.0 s"):
        start_and_join("fork", count=1, timeout=1.0)
    assert time.monotonic() - start < GUARD_BOUND
