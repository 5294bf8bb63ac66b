"""Notebook 09's exercise checks: right answers pass; each typical mistake gets specific feedback."""

import os
import sys
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest

from helpers.exercises.gil import (
    EXERCISE_TASKS,
    SHAREABLE,
    WHICH_RUNTIME,
    check_records_in_subinterpreters,
    check_shareable,
    check_which_runtime,
)
from helpers.tasks import TaskRecord, traced_cpu_in_interpreter, traced_cpu_task


def assert_feedback(feedback, ok, text):
    assert feedback.ok is ok, feedback
    assert text in feedback.message, feedback


@pytest.mark.parametrize("change, ok, text", [
    ({}, True, "Threads for waiting"),
    ({"CPU-bound pure-Python loops that also import NumPy, on a standard (GIL) build of Python 3.14": "subinterpreters"}, False, "Look again at 'CPU-bound pure-Python loops that also import NumPy, on a standard (GIL) build of Python 3.14'"),
    ({"download 500 web pages": "processes"}, False, "waiting, isolation from crashes, whether it may start processes"),
    ({"download 500 web pages": "Threads "}, True, "Threads for waiting"),  # case and spacing do not matter
    ({"download 500 web pages": "asyncio"}, False, "is not one of"),
])
def test_which_runtime(change, ok, text):
    assert_feedback(check_which_runtime({**WHICH_RUNTIME, **change}), ok, text)
    assert_feedback(check_which_runtime(...), False, "Replace the ...")


def test_which_runtime_second_miss_explains():
    numpy = "CPU-bound pure-Python loops that also import NumPy, on a standard (GIL) build of Python 3.14"
    assert_feedback(check_which_runtime({**WHICH_RUNTIME, numpy: "subinterpreters"}), False, "Look again at")
    assert_feedback(check_which_runtime({**WHICH_RUNTIME, numpy: "threads"}), False, "every worker must load NumPy")


def test_which_runtime_one_process_only_wants_subinterpreters():
    job = next(job for job, tool in WHICH_RUNTIME.items() if tool == "subinterpreters")
    assert "may not start child processes" in job  # processes are ruled out by the job itself, not by a memory claim
    assert_feedback(check_which_runtime({**WHICH_RUNTIME, job: "processes"}), False, f"Look again at {job!r}")
    assert_feedback(check_which_runtime({**WHICH_RUNTIME, job: "threads"}), False, "without a second process")


@pytest.mark.parametrize("change, ok, text", [
    ({}, True, "Immutable values"),
    ({"[1, 2, 3]": "shareable"}, False, "Look again at '[1, 2, 3]': can this object change after it is sent?"),
    ({"(1, 'a')": "pickled"}, False, "Look again at \"(1, 'a')\""),
    ({"42": "copied"}, False, "is not one of: 'shareable', 'pickled'"),
])
def test_shareable(change, ok, text):
    assert_feedback(check_shareable({**SHAREABLE, **change}), ok, text)


def fake_records(pid=None, threads=(101, 102), interpreters=("interpreter 1", "interpreter 2")):
    return [TaskRecord(task_id, pid or os.getpid(), threads[task_id % len(threads)], 0.0, 1.0, interpreters[task_id % len(interpreters)])
            for task_id, _ in EXERCISE_TASKS]


@pytest.mark.parametrize("records, ok, text", [
    (fake_records(), True, "each running an interpreter of its own"),
    (fake_records(pid=1), False, "ran in other processes"),
    (fake_records(threads=(threading.get_native_id(),), interpreters=("interpreter 0",)), False, "this kernel's own thread"),
    (fake_records(interpreters=("interpreter 0",)), False, "a ThreadPoolExecutor shares one GIL"),
    (fake_records(threads=(1, 2, 3)), False, "ran in 3 threads"),
    (fake_records(interpreters=("interpreter 1", "interpreter 2", "interpreter 3")), False, "3 interpreters: more workers"),
    # One worker took every task while the other started (seen under 3.14 in CI): still right, not a timing verdict.
    (fake_records(threads=(101,), interpreters=("interpreter 1",)), True, "each running an interpreter of its own"),
    (fake_records(interpreters=(5, 6)), False, "Use traced_cpu_in_interpreter"),
    (fake_records()[:2], False, "one record for each of the 6 tasks"),
    (iter([]), False, "Expected a list of TaskRecords"),
    ("records", False, "Expected a list"),
    ([1, 2], False, "the TaskRecord"),
    (..., False, "Replace the ..."),
])
def test_records_in_subinterpreters(records, ok, text):
    assert_feedback(check_records_in_subinterpreters(records), ok, text)


def test_records_from_real_pools_are_told_apart():
    with ThreadPoolExecutor(2) as threads:
        from_threads = list(threads.map(traced_cpu_in_interpreter, EXERCISE_TASKS))
    assert_feedback(check_records_in_subinterpreters(from_threads), False, "ThreadPoolExecutor")
    with ProcessPoolExecutor(2) as processes:
        from_processes = list(processes.map(traced_cpu_task, EXERCISE_TASKS))
    assert_feedback(check_records_in_subinterpreters(from_processes), False, "ran in other processes")
    if sys.version_info >= (3, 14):
        from concurrent.futures import InterpreterPoolExecutor

        with InterpreterPoolExecutor(2) as interpreters:
            records = list(interpreters.map(traced_cpu_in_interpreter, EXERCISE_TASKS, timeout=60))
        assert_feedback(check_records_in_subinterpreters(records), True, "an interpreter of its own")
