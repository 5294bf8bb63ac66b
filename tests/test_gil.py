"""helpers.gil and the new engines: threads, subinterpreters and processes side by side; the comparison script."""

import multiprocessing
import os
import sys

import pytest

from helpers.engines import available_engines, executor, require_engine, run, warm_engine
from helpers.gil import find_free_threaded, lockstep_race, memory_per_worker, start_cost, threads_vs_processes
from helpers.tasks import TaskRecord, traced_cpu_in_interpreter, traced_cpu_task

NEW_ENGINES = available_engines("ThreadPoolExecutor", "InterpreterPoolExecutor")
HAS_INTERPRETERS = sys.version_info >= (3, 14)


@pytest.fixture(autouse=True)
def nothing_left():
    yield
    assert multiprocessing.active_children() == [], "a test left a worker process running"
    if HAS_INTERPRETERS:
        from concurrent import interpreters

        assert len(interpreters.list_all()) == 1, "a test left a subinterpreter behind"


def test_interpreter_pool_is_offered_from_3_14_only():
    assert ("InterpreterPoolExecutor" in available_engines()) is HAS_INTERPRETERS
    if not HAS_INTERPRETERS:
        with pytest.raises(ValueError, match="InterpreterPoolExecutor needs Python 3.14 or newer"):
            require_engine("InterpreterPoolExecutor")
    with pytest.raises(ValueError, match="not a concurrent.futures executor"):
        executor("Pool", 2)


@pytest.mark.parametrize("engine", NEW_ENGINES)
def test_threads_and_interpreters_run_tasks_in_this_process(engine):
    with warm_engine(engine, 2) as runner:
        records = run(engine, runner, traced_cpu_task, [(i, 10_000) for i in range(4)])
    assert [r.task_id for r in records] == [0, 1, 2, 3] and {r.pid for r in records} == {os.getpid()}


@pytest.mark.skipif(not HAS_INTERPRETERS, reason="subinterpreters need Python 3.14")
def test_interpreter_pool_workers_are_other_interpreters():
    with warm_engine("InterpreterPoolExecutor", 2) as runner:
        records = run("InterpreterPoolExecutor", runner, traced_cpu_in_interpreter, [(i, 10_000) for i in range(4)])
    assert "interpreter 0" not in {r.value for r in records} and all(r.value.startswith("interpreter ") for r in records)
    assert traced_cpu_in_interpreter((0, 10)).value == "interpreter 0"


@pytest.mark.parametrize("engine", available_engines("ThreadPoolExecutor", "InterpreterPoolExecutor", "ProcessPoolExecutor", "Pool"))
def test_start_cost_and_memory_per_worker_are_measured(engine):
    assert 0 <= start_cost(engine, 2) < 30
    memory = memory_per_worker(engine, 2)
    if engine in ("ProcessPoolExecutor", "Pool"):  # a worker process holds at least an interpreter of its own
        assert 2**20 < memory < 2**30
    else:
        assert 0 <= memory < 2**30


def test_start_cost_and_memory_refuse_bad_arguments():
    with pytest.raises(ValueError, match="workers must be ≥ 1"):
        start_cost("ThreadPoolExecutor", 0)
    with pytest.raises(ValueError, match="repeats must be ≥ 1"):
        start_cost("Pool", 2, repeats=0)
    with pytest.raises(ValueError, match="engine must be one of"):
        memory_per_worker("Ray", 2)


def test_the_lockstep_race_loses_every_update_but_one_and_the_lock_loses_none():
    race = lockstep_race(threads=4)
    assert (race.expected, race.value, race.lost) == (4, 1, 3)
    assert lockstep_race(threads=4, locked=True).lost == 0
    with pytest.raises(ValueError, match="threads must be ≥ 2"):
        lockstep_race(threads=1)


def test_the_comparison_under_this_standard_build_finds_the_gil():
    """The helper run against this (GIL) interpreter: it reports the GIL enabled and measures every worker count.

    How fast threads and processes go is the notebook's to show, not a test's to assert: on a busy machine a
    measured speedup moves (a loaded run once gave threads 1.51× here), and no verdict may depend on timing.
    """
    result = threads_vs_processes(workers=(1, 2), tasks=4, iterations=200_000)
    assert result.python == sys.version.split()[0] and result.gil_enabled is True and result.free_threaded_build is False
    assert set(result.threads) == set(result.processes) == {1, 2} and result.single_task_seconds > 0
    assert all(seconds > 0 for seconds in [*result.threads.values(), *result.processes.values()])
    assert result.speedups("threads")[1] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="kind must be"):
        result.speedups("fibres")


def test_the_comparison_reports_what_an_import_did():
    result = threads_vs_processes(workers=(1,), tasks=1, iterations=1_000, imports=("json", "no_such_module_here"))
    assert result.imports["json"]["outcome"] == "imported"
    assert result.imports["no_such_module_here"]["outcome"].startswith("ModuleNotFoundError")


@pytest.mark.parametrize("python, kwargs, error, text", [
    ("/no/such/python3.14t", {}, FileNotFoundError, "no Python at"),
    ("/bin/echo", {}, ValueError, "did not run the comparison as a Python 3 interpreter"),
    (None, {"workers": (0,)}, ValueError, "each worker count must be ≥ 1"),
    (None, {"workers": ()}, ValueError, "workers must be a list of worker counts"),
    (None, {"gil": "off"}, ValueError, "gil must be None, '0' or '1'"),
])
def test_bad_interpreters_and_arguments_get_clear_errors(python, kwargs, error, text):
    with pytest.raises(error, match=text):
        threads_vs_processes(python, **kwargs)


def test_a_free_threaded_python_is_found_where_the_variable_or_path_says(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_FREE_THREADED_PYTHON", "/opt/python3.14t")
    assert find_free_threaded() == "/opt/python3.14t"
    monkeypatch.delenv("COURSE_FREE_THREADED_PYTHON")
    fake = tmp_path / "python3.14t"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_free_threaded() == str(fake)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert find_free_threaded() is None


def test_the_interpreter_task_record_is_a_task_record():
    assert isinstance(traced_cpu_in_interpreter((3, 100)), TaskRecord)
