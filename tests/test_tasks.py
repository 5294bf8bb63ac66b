"""Demo workers: results, task records, and clear errors on bad input."""

import os
import threading

import pytest

from helpers.tasks import TaskRecord, cpu_burn, io_wait, noop, square, traced_cpu, traced_sleep, wall_time


def test_cpu_burn_is_deterministic_and_sized_by_n():
    assert cpu_burn(0) == 0
    assert cpu_burn(10) == sum(i * i % 7 for i in range(10))
    assert cpu_burn(1000) == cpu_burn(1000)


@pytest.mark.parametrize("bad, error", [(-1, ValueError), (2.5, TypeError), ("10", TypeError), (True, TypeError)])
def test_cpu_burn_rejects_bad_sizes(bad, error):
    with pytest.raises(error, match="n must be"):
        cpu_burn(bad)


def test_io_wait_returns_its_argument_and_rejects_negative():
    assert io_wait(0) == 0
    with pytest.raises(ValueError, match="seconds must be ≥ 0"):
        io_wait(-1)


def test_traced_tasks_record_where_and_when():
    record = traced_cpu(7, 1000)
    assert isinstance(record, TaskRecord)
    assert (record.task_id, record.pid, record.thread) == (7, os.getpid(), threading.get_native_id())
    assert record.end >= record.start and record.seconds == record.end - record.start
    assert record.value == cpu_burn(1000)
    slept = traced_sleep(3, 0.01)
    assert slept.task_id == 3 and slept.seconds >= 0.01


def test_traced_task_rejects_bad_task_id():
    with pytest.raises(TypeError, match="task_id"):
        traced_cpu("first")


def test_small_workers():
    assert square(3) == 9
    assert noop() is None and noop(5) is None


def test_wall_time_spans_first_start_to_last_end():
    records = [TaskRecord(0, 1, 1, 10.0, 11.0), TaskRecord(1, 2, 2, 10.5, 12.5)]
    assert wall_time(records) == 2.5
    with pytest.raises(ValueError, match="records is empty"):
        wall_time([])
