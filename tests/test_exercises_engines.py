"""Notebook 10's exercise checks: right answers pass; each typical mistake gets specific feedback."""

import pytest

from helpers.exercises.engines import WHICH_ENGINE, check_completed, check_granularity, check_scatter, check_which_engine
from helpers.tasks import TaskRecord


def assert_feedback(feedback, ok, text):
    assert feedback.ok is ok, feedback
    assert text in feedback.message, feedback


def record(i):
    return TaskRecord(i, 1, 1, 0.0, 1.0)


def test_completed():
    assert_feedback(check_completed({i: record(i) for i in range(8)}), True, "8 records")
    assert_feedback(check_completed({i: record(i) for i in range(5)}), False, "No record for tasks [5, 6, 7]")
    assert_feedback(check_completed({i: record(7 - i) for i in range(8)}), False, "record.task_id == key")
    assert_feedback(check_completed({0: type("F", (), {"result": None})()}), False, "holds futures")
    assert_feedback(check_completed([record(0)]), False, "Expected a dict")
    assert_feedback(check_completed(...), False, "Replace the ...")


def test_scatter():
    future = type("Future", (), {"__module__": "distributed.client"})()  # stands in for a Dask Future
    assert_feedback(check_scatter(10.0, future, 10.0), True, "travelled to the workers once")
    assert_feedback(check_scatter(10.0, [1.0, 2.0], 10.0), False, "not the Future")
    from concurrent.futures import Future
    assert_feedback(check_scatter(10.0, Future(), 10.0), False, "not the Future that client.scatter returns")
    assert_feedback(check_scatter(9.0, future, 10.0), False, "not the sum")
    assert_feedback(check_scatter("ten", future, 10.0), False, "as a finite number")
    assert_feedback(check_scatter(..., ..., 10.0), False, "Replace the ...")


@pytest.mark.parametrize("change, ok, text", [
    ({}, True, "Dask beyond one machine"),
    ({"run 1,000,000 tasks of 50 microseconds each": "Dask"}, False, "Look again at 'run 1,000,000 tasks"),
    ({"spread 2,000 one-minute simulations over 10 machines, and watch progress on a dashboard": "Pool"}, False, "how many machines does it need"),
])
def test_which_engine(change, ok, text):
    assert_feedback(check_which_engine({**WHICH_ENGINE, **change}), ok, text)


@pytest.mark.parametrize("seconds, ok, text", [
    (0.099, True, "About 100 ×"),
    (0.05, False, "would lose"),
    (1.0, False, "shorter tasks would too"),
    (0, False, "(> 0)"),
])
def test_granularity(seconds, ok, text):
    assert_feedback(check_granularity(seconds, 0.001), ok, text)


def test_which_engine_second_miss_explains():
    tiny = "run 1,000,000 tasks of 50 microseconds each"
    assert_feedback(check_which_engine({**WHICH_ENGINE, tiny: "Dask"}), False, "Look again at")
    assert_feedback(check_which_engine({**WHICH_ENGINE, tiny: "ProcessPoolExecutor"}), False, "per-task overhead")
