"""helpers.pool: the workers and measurements of notebook 02, and their argument checks."""

import multiprocessing
import os

import pytest

from helpers.pool import (
    SLEEP_SCALE,
    CountingIterable,
    arrival_order,
    arrivals,
    default_chunksize,
    map_throughput,
    open_connection,
    random_sleep,
    sleep_for,
    sleep_task,
    sleepy_square,
    uneven_durations,
    use_connection,
    worker_pid,
)
from helpers.tasks import TaskRecord


def test_random_sleep_is_reproducible_and_bounded():
    first = [random_sleep(t, seed=7).value for t in range(5)]
    assert first == [random_sleep(t, seed=7).value for t in range(5)]
    assert all(0 <= v <= 10 * SLEEP_SCALE for v in first)
    with pytest.raises(TypeError, match="task_id"):
        random_sleep("a")


def test_sleepy_square_and_sleep_task():
    record = sleepy_square(6, seconds=0)
    assert isinstance(record, TaskRecord) and record.value == 36 and record.task_id == 6
    assert sleep_task((3, 0.0)).task_id == 3 and sleep_for(2, 0.0).value == 0.0
    with pytest.raises(ValueError, match="seconds must be ≥ 0"):
        sleepy_square(2, seconds=-1)


@pytest.mark.parametrize("tasks, workers, expected", [(6, 4, 1), (100, 2, 13), (10_000, 2, 1250), (0, 2, 0), (16, 2, 2)])
def test_default_chunksize_matches_pool_map(tasks, workers, expected):
    assert default_chunksize(tasks, workers) == expected


def test_default_chunksize_rejects_zero_workers():
    with pytest.raises(ValueError, match="workers must be ≥ 1"):
        default_chunksize(10, 0)


def test_map_throughput_is_positive_and_rejects_bad_chunksize():
    assert map_throughput(50, tasks=200, workers=1, repeats=1) > 0
    assert map_throughput(None, tasks=200, workers=1, repeats=1) > 0
    with pytest.raises(ValueError, match="chunksize must be ≥ 1"):
        map_throughput(0)


def test_initializer_state_lives_in_each_worker():
    with multiprocessing.Pool(1, initializer=open_connection, initargs=("test",)) as pool:
        results = pool.map(use_connection, range(3), chunksize=1)
    assert [n for _, _, n in results] == [1, 2, 3]
    assert all(connection.startswith("test connection opened by pid") for _, connection, _ in results)


def test_use_connection_without_initializer_explains():
    with multiprocessing.Pool(1) as pool:
        with pytest.raises(RuntimeError, match="initializer=open_connection"):
            pool.apply_async(use_connection, (1,)).get(timeout=30)


def test_worker_pid_runs_elsewhere():
    with multiprocessing.Pool(1) as pool:
        assert pool.apply_async(worker_pid).get(timeout=30) != os.getpid()


def test_counting_iterable_counts_what_was_taken():
    items = CountingIterable(5)
    iterator = iter(items)
    next(iterator), next(iterator)
    assert items.taken == 2
    assert list(CountingIterable(3)) == [0, 1, 2]


def test_arrivals_keep_the_order_of_consumption():
    records = [TaskRecord(2, 1, 1, 0, 0), TaskRecord(0, 1, 1, 0, 0)]
    got = arrivals(records, start=0.0)
    assert [a.task_id for a in got] == [2, 0] and got[0].seconds <= got[1].seconds
    assert got[0].record is records[0]


@pytest.mark.parametrize("durations, workers, expected", [
    ([0.6, 0.1, 0.2, 0.15], 2, [1, 2, 3, 0]),
    ([0.5, 0.1, 0.1, 0.45, 0.2], 2, [1, 2, 0, 3, 4]),
    ([0.3, 0.2, 0.1], 3, [2, 1, 0]),
    ([0.3, 0.2, 0.1], 1, [0, 1, 2]),
])
def test_arrival_order_simulates_imap_unordered(durations, workers, expected):
    assert arrival_order(durations, workers) == expected


_gate = None


def set_gate(gate):
    """Pool initializer: keep the Event that releases task 0."""
    global _gate
    _gate = gate


def gated_sleep_task(task):
    """Task 0 runs until the parent opens the gate (long by construction, not by luck); the others sleep."""
    task_id, seconds = task
    if task_id == 0:
        _gate.wait(60)
        return sleep_task((task_id, 0.0))
    return sleep_task(task)


def test_arrival_order_matches_a_real_pool(start_method):
    """Task 0 holds one worker until the other has returned tasks 1, 2 and 3: the order cannot depend on timing."""
    durations = [0.1, 0.3, 0.2]
    gate = multiprocessing.Event()
    real = []
    with multiprocessing.Pool(2, initializer=set_gate, initargs=(gate,)) as pool:
        for record in pool.imap_unordered(gated_sleep_task, list(enumerate([0.0, *durations])), chunksize=1):
            real.append(record.task_id)
            if len(real) == len(durations):
                gate.set()
    assert real == arrival_order([sum(durations) + 1, *durations], 2) == [1, 2, 3, 0]


def test_uneven_durations():
    assert uneven_durations(6, long=0.5, short=0.1, long_ones=2) == [0.5, 0.5, 0.1, 0.1, 0.1, 0.1]
    with pytest.raises(ValueError, match="count must be ≥ 1"):
        uneven_durations(0)
