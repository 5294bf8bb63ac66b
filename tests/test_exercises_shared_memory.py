"""Notebook 04's exercise checks: right answers pass; each typical mistake gets specific feedback."""

import multiprocessing

import pytest

from helpers.exercises.shared_memory import (
    CLOSE_OR_UNLINK,
    GRID_SHAPE,
    check_close_or_unlink,
    check_counter,
    check_grid,
    check_pool_count,
)
from helpers.shared import attach_counter, count_task, increment, increment_batched, increment_locked, when_all_ready
from helpers.shared_numpy import SharedArray, create_shared_array


def assert_feedback(feedback, ok, text):
    assert feedback.ok is ok, feedback
    assert text in feedback.message, feedback


def run_counter(worker, times=10_000):
    counter = multiprocessing.Value("i", 0)
    workers = [multiprocessing.Process(target=worker, args=(counter, times)) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(30)
    return counter, workers


def test_counter_passes_with_a_lock():
    assert_feedback(check_counter(*run_counter(increment_locked), increment_locked), True, "40,000, and increment_locked")


FINISHED = [type("P", (), {"exitcode": 0})() for _ in range(4)]


def read_outside_the_lock(counter, times):
    for _ in range(times):
        current = counter.value
        with counter.get_lock():
            counter.value = current + 1


def nested_locks(counter, times):
    for _ in range(times):
        with counter.get_lock():
            with counter.get_lock():  # a Value's lock is re-entrant
                pass
            counter.value += 1


def adds_two(counter, times):
    for _ in range(times):
        with counter.get_lock():
            counter.value += 2


@pytest.mark.parametrize("value, worker, ok, text", [
    (40_000, increment_locked, True, "only under its lock"),
    (40_000, increment_batched, True, "only under its lock"),
    # The unlocked worker fails whether or not this run happened to lose an update: no timing luck.
    (40_000, increment, False, "this run happened to lose none, the next may"),
    (14_089, increment, False, "this run lost 25,911 of 40,000"),
    (40_000, read_outside_the_lock, False, "without holding counter.get_lock()"),
    (40_000, adds_two, False, "added 6 instead of 3"),
    (40_000, None, False, "as the third argument"),
    (40_000, "increment_locked", False, "as the third argument, got str"),
    (40_000, when_all_ready, False, "only the start line"),
    (40_000, max, False, "raised TypeError"),
    (39_000, increment_locked, False, "did the processes run another worker?"),
    (41_000, increment_locked, False, "fresh Value"),
    (40_000, nested_locks, True, "only under its lock"),
])
def test_counter_judges_the_worker_not_the_luck_of_one_race(value, worker, ok, text):
    assert_feedback(check_counter(value, FINISHED, worker), ok, text)


def test_counter_other_mistakes():
    assert_feedback(check_counter(40_000, "workers"), False, "list of worker Process objects")
    assert_feedback(check_counter(0, [type("P", (), {"exitcode": None})()]), False, "still running")


def test_pool_count():
    counter = multiprocessing.Value("i", 0)
    with multiprocessing.Pool(2, initializer=attach_counter, initargs=(counter,)) as pool:
        pool.map(count_task, range(12))
    assert_feedback(check_pool_count(counter), True, "initargs")
    assert_feedback(check_pool_count(multiprocessing.Value("i", 0)), False, "still 0")
    assert_feedback(check_pool_count(5), False, "only a multiprocessing.Value (one with get_lock())")
    assert_feedback(check_pool_count(12), False, "Pass the shared Value")
    counted_5 = multiprocessing.Value("i", 5)
    assert_feedback(check_pool_count(counted_5), False, "not 12")
    assert_feedback(check_pool_count(...), False, "Replace the ...")
    assert_feedback(check_pool_count("twelve"), False, "Pass the shared Value")


def test_grid():
    import numpy as np

    segment, grid, spec = create_shared_array(GRID_SHAPE, "float64")
    for row in range(GRID_SHAPE[0]):
        grid[row] = row
    result = grid.copy()
    assert_feedback(check_grid(result, spec), False, "the segment still exists")
    del grid
    segment.close()
    segment.unlink()
    assert_feedback(check_grid(result, spec), True, "closed and unlinked")
    result[2, 5] = 0
    assert_feedback(check_grid(result, spec), False, "Row 2 has 1 values")
    assert_feedback(check_grid(np.zeros((2, 2)), spec), False, "shape (4, 100000)")
    assert_feedback(check_grid(result, "psm_x"), False, "SharedArray description")
    assert_feedback(check_grid(..., None), False, "Replace the ...")
    assert isinstance(spec, SharedArray)


@pytest.mark.parametrize("change, ok, text", [
    ({}, True, "the owner alone unlinks"),
    ({"the creator, while workers are still reading the segment": "unlink"}, False, "does this process own the segment"),
    ({"a pool worker that attached by name and has finished its task": "close and unlink"}, False, "Look again at 'a pool worker that"),
    ({"a pool worker that attached by name and has finished its task": "delete"}, False, "is not one of"),
])
def test_close_or_unlink(change, ok, text):
    assert_feedback(check_close_or_unlink({**CLOSE_OR_UNLINK, **change}), ok, text)


def test_close_or_unlink_second_miss_explains():
    worker = "a pool worker that attached by name and has finished its task"
    assert_feedback(check_close_or_unlink({**CLOSE_OR_UNLINK, worker: "close and unlink"}), False, "Look again at")
    assert_feedback(check_close_or_unlink({**CLOSE_OR_UNLINK, worker: "unlink"}), False, "only the owner")
