"""helpers.processes: the workers and measurements of notebook 01, and their argument checks."""

import multiprocessing
import os
import time

import pytest

from helpers.processes import (
    ChildMemory,
    child_memory,
    exit_with,
    greet,
    is_running,
    report_pid,
    run_in_batches,
    sleep_and_report,
    split_over_processes,
    start_a_child,
)
from helpers.tasks import TaskRecord
from helpers.start_methods import available_methods


@pytest.fixture(autouse=True)
def no_children_left():
    yield
    assert multiprocessing.active_children() == []


def test_greet_and_exit_with():
    assert greet("Ada") == "hello, Ada"
    with pytest.raises(SystemExit) as exit_info:
        exit_with(3)
    assert exit_info.value.code == 3


def test_start_a_child_from_an_ordinary_process_works():
    assert start_a_child() == 0


def test_reporting_workers_put_on_the_queue():
    results = multiprocessing.Queue()
    report_pid(results)
    sleep_and_report(results, 4, 0.0)
    assert results.get(timeout=5) == os.getpid()
    record = results.get(timeout=5)
    assert isinstance(record, TaskRecord) and record.task_id == 4 and record.value == os.getppid()


@pytest.mark.parametrize("kind", ["cpu", "io"])
def test_split_over_processes_runs_every_task_once(kind):
    run = split_over_processes(kind, tasks=6, processes=4)
    assert sorted(r.task_id for r in run.records) == list(range(6))
    assert len({r.pid for r in run.records}) == 4  # every process got at least one task
    assert os.getpid() not in {r.pid for r in run.records}
    assert run.seconds > 0 and run.processes == 4 and run.kind == kind


def test_split_over_processes_with_more_processes_than_tasks():
    run = split_over_processes("io", tasks=2, processes=3)
    assert sorted(r.task_id for r in run.records) == [0, 1]


@pytest.mark.parametrize("kwargs, error, text", [
    ({"kind": "gpu"}, ValueError, "kind must be one of"),
    ({"tasks": 0}, ValueError, "tasks must be ≥ 1"),
    ({"processes": 0}, ValueError, "processes must be ≥ 1"),
    ({"processes": 2.5}, TypeError, "processes must be a whole number"),
    ({"timeout": 0}, ValueError, "timeout must be > 0"),
])
def test_split_over_processes_rejects_bad_arguments(kwargs, error, text):
    arguments = {"kind": "cpu", "tasks": 4, "processes": 2, **kwargs}
    with pytest.raises(error, match=text):
        split_over_processes(**arguments)


def test_run_in_batches_returns_one_record_per_task_each_in_its_own_process():
    records = run_in_batches(range(7), batch_size=3, n=1000)
    assert sorted(r.task_id for r in records) == list(range(7))
    assert len({r.pid for r in records}) == 7


def test_run_in_batches_rejects_bad_arguments():
    with pytest.raises(ValueError, match="task_ids is empty"):
        run_in_batches([])
    with pytest.raises(ValueError, match="batch_size must be ≥ 1"):
        run_in_batches(range(3), batch_size=0)


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs fork to swap the worker")
def test_collect_timeout_stops_the_workers(monkeypatch):
    import helpers.processes

    multiprocessing.set_start_method("fork", force=True)
    try:
        # Under fork the children run the patched share: a worker that never reports.
        monkeypatch.setattr(helpers.processes, "run_share", lambda results, kind, ids: time.sleep(60))
        start = time.monotonic()
        with pytest.raises(TimeoutError, match="only 0 of 2 results arrived within 1.0 s"):
            split_over_processes("cpu", tasks=2, processes=2, timeout=1.0)
        assert time.monotonic() - start < 30
    finally:
        multiprocessing.set_start_method(None, force=True)


@pytest.mark.parametrize("method", available_methods())
def test_child_memory_measures_an_idle_child(method):
    memory = child_memory(method)
    assert isinstance(memory, ChildMemory) and memory.method == method
    assert 0 < memory.uss_mib <= memory.rss_mib


def test_child_memory_rejects_unknown_method():
    with pytest.raises(ValueError, match="start method must be one of"):
        child_memory("threads")


def test_is_running():
    assert is_running(os.getpid())
    child = multiprocessing.Process(target=time.sleep, args=(0,))
    child.start()
    child.join(10)
    assert not is_running(child.pid)
    with pytest.raises(ValueError, match="pid must be ≥ 1"):
        is_running(0)


def test_until_interrupted_ends_with_exit_code_1_on_sigint(start_method):
    import os
    import signal

    from helpers.processes import until_interrupted

    for _ in range(5):  # the signal lands at a different point of the child each time: every one must give 1
        running = multiprocessing.Event()
        child = multiprocessing.Process(target=until_interrupted, args=(running,))
        child.start()
        assert running.wait(30)
        os.kill(child.pid, signal.SIGINT)
        child.join(30)
        assert child.exitcode == 1
