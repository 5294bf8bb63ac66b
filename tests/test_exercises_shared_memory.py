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
from helpers.shared import attach_counter, count_task, increment, increment_locked, when_all_ready
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
    assert_feedback(check_counter(*run_counter(increment_locked)), True, "40,000: no update lost")


def test_counter_names_the_lost_updates():
    # As in the notebook's exercise: the racers wait at a start line. On a machine busy with other tests,
    # four short counts can still run one at a time on one CPU and lose nothing, so race up to 20 times.
    for _ in range(20):
        counter = multiprocessing.Value("i", 0)
        start_line = multiprocessing.Barrier(4)
        workers = [multiprocessing.Process(target=when_all_ready, args=(start_line, increment, counter, 10_000)) for _ in range(4)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(30)
        if counter.value < 40_000:
            break
    assert counter.value < 40_000, "four unlocked racers that started together lost no update in 20 races"
    assert_feedback(check_counter(counter, workers), False, f"{40_000 - counter.value:,} updates lost")


def test_counter_other_mistakes():
    assert_feedback(check_counter(40_000, "workers"), False, "list of worker Process objects")
    assert_feedback(check_counter(0, [type("P", (), {"exitcode": None})()]), False, "still running")
    assert_feedback(check_counter(39_000, [type("P", (), {"exitcode": 0})()]), False, "1,000 updates lost")


def test_pool_count():
    counter = multiprocessing.Value("i", 0)
    with multiprocessing.Pool(2, initializer=attach_counter, initargs=(counter,)) as pool:
        pool.map(count_task, range(12))
    assert_feedback(check_pool_count(counter), True, "initargs")
    assert_feedback(check_pool_count(multiprocessing.Value("i", 0)), False, "still 0")
    assert_feedback(check_pool_count(5), False, "not 12")
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
    ({"the creator, while workers are still reading the segment": "unlink"}, False, "FileNotFoundError"),
    ({"a pool worker that attached by name and has finished its task": "close and unlink"}, False, "only the owner"),
    ({"a pool worker that attached by name and has finished its task": "delete"}, False, "is not one of"),
])
def test_close_or_unlink(change, ok, text):
    assert_feedback(check_close_or_unlink({**CLOSE_OR_UNLINK, **change}), ok, text)
