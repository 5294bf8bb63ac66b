"""Helpers of notebook 06 (real programs): seeds, worker logs, Ctrl-C, hung pools, leaks, pickling, nesting,
progress, scratch modules; bad input."""

import logging
import multiprocessing
import os
import pickle
import sqlite3
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor

import pytest

from helpers.interrupts import (
    ignore_sigint,
    interrupt_a_pool,
    py_spy_dump_of_a_waiting_worker,
    stacks_if_slower_than,
    stacks_of_a_deadlock,
)
from helpers.memory import leaky_task
from helpers.pickling import (
    Database,
    PicklableTally,
    ReconnectingDatabase,
    Tally,
    count_tables,
    count_up,
    make_local_object,
    make_multiplier,
    pickle_outcome,
    pickle_seconds,
    sample_records,
)
from helpers.pool import pool_inside_a_task, report_progress_to, stepped_task
from helpers.scripts import remove_scratch_folder, scratch_folder
from helpers.seeds import KINDS, draw, draws_for_task, first_draws, task_streams
from helpers.start_methods import available_methods
from helpers.worker_logs import Collected, listening, log_task, send_logs_to

posix_only = pytest.mark.skipif(os.name != "posix", reason="sends POSIX signals to a process group")


@pytest.fixture(autouse=True)
def no_children_left():
    yield
    assert multiprocessing.active_children() == [], "a helper left a child process running"


# ------------------------------------------------------------------------------------------- seeds


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs fork")
def test_forked_children_share_numpy_legacy_state_but_not_stdlib_random():
    assert len(set(first_draws("numpy legacy", "fork"))) == 1  # every child the same copy of the parent's state
    assert len(set(first_draws("stdlib random", "fork"))) == 4  # random reseeds itself after a fork


@pytest.mark.parametrize("method", [m for m in available_methods() if m != "fork"])
def test_fresh_interpreters_seed_numpy_themselves(method):
    assert len(set(first_draws("numpy legacy", method))) == 4


def test_seed_sequence_streams_are_distinct_reproducible_and_the_same_in_workers():
    streams = task_streams(2024, 4, 3)
    assert len({tuple(s) for s in streams}) == 4 and streams == task_streams(2024, 4, 3)
    import numpy as np

    children = np.random.SeedSequence(2024).spawn(4)
    with multiprocessing.Pool(2) as pool:
        assert pool.map_async(draws_for_task, [(c, 3) for c in children]).get(timeout=60) == streams
    assert first_draws("SeedSequence", available_methods()[0]) == [s[0] for s in task_streams(2024, 4, 1)]


def test_seeds_refuse_bad_input():
    with pytest.raises(ValueError, match="kind must be one of"):
        draw("mersenne")
    with pytest.raises(ValueError, match="needs the child seed"):
        draw("SeedSequence")
    with pytest.raises(ValueError, match="kind must be one of"):
        first_draws("dice", "spawn")
    with pytest.raises(ValueError, match="start method"):
        first_draws("numpy legacy", "thread")
    with pytest.raises(ValueError, match="tasks must be ≥ 1"):
        task_streams(1, 0)
    assert set(KINDS) == {"numpy legacy", "stdlib random", "numpy, clock seed", "SeedSequence"}


# ------------------------------------------------------------------------------------------- logs


def test_records_from_workers_reach_the_parent_through_one_queue(start_method):
    records, handler = multiprocessing.Queue(), Collected()
    with listening(records, handler):
        with multiprocessing.Pool(2, initializer=send_logs_to, initargs=(records,)) as pool:
            pool.starmap_async(log_task, [(task, 2) for task in range(4)]).get(timeout=60)
            pool.close()  # then join: leaving `with` would terminate a worker that may still be sending a record
            pool.join()
    assert sorted(line.split(", from pid")[0] for line in handler.lines) == sorted(
        f"task {t}, line {n}" for t in range(4) for n in range(2))
    assert handler.pids and os.getpid() not in handler.pids


class _CutOffQueue:
    """A queue whose get() never returns, as a reader left waiting for the rest of a message cut off mid-way."""

    def get(self, block: bool = True) -> None:
        threading.Event().wait()

    def put_nowait(self, item: object) -> None:
        pass


def test_a_listener_that_cannot_stop_raises_instead_of_hanging():
    with pytest.raises(RuntimeError, match=r"did not stop within 0.2 s.*pool.close\(\) and pool.join\(\)"):
        with listening(_CutOffQueue(), Collected(), timeout=0.2):
            pass
    with pytest.raises(ValueError, match="timeout must be > 0"):
        with listening(multiprocessing.Queue(), Collected(), timeout=0):
            pass


def test_without_the_queue_spawned_workers_records_never_reach_the_parent():
    here = Collected()
    root = logging.getLogger()
    root.addHandler(here)
    try:
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            pool.map_async(log_task, range(2)).get(timeout=60)
    finally:
        root.removeHandler(here)
    assert here.lines == []


def test_log_task_refuses_bad_input():
    with pytest.raises(ValueError, match="lines must be ≥ 1"):
        log_task(1, 0)
    with pytest.raises(TypeError, match="task_id"):
        log_task("one")


# ------------------------------------------------------------------------------------------- Ctrl-C


@posix_only
@pytest.mark.parametrize("target, ignore, workers", [("group", False, 2), ("group", True, 0), ("parent", False, 0)])
def test_who_a_sigint_interrupts(start_method, target, ignore, workers):
    outcome = interrupt_a_pool(target, workers_ignore=ignore)
    assert outcome.parent_interrupted and outcome.workers_interrupted == workers


def test_interrupt_refuses_bad_input():
    with pytest.raises(ValueError, match="target must be 'group'"):
        interrupt_a_pool("workers")
    with pytest.raises(ValueError, match="timeout must be > 0"):
        interrupt_a_pool("group", timeout=0)


def test_ignore_sigint_ignores_it_in_the_process_that_calls_it():
    import signal

    before = signal.getsignal(signal.SIGINT)
    try:
        ignore_sigint()
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, before)


# ------------------------------------------------------------------------------------------- a hung pool


@posix_only
def test_the_deadlock_stacks_show_both_workers_waiting_for_their_second_lock():
    stacks = stacks_of_a_deadlock(after=0.5)
    assert len(stacks) == 2
    for stack in stacks:
        assert stack.endswith("hold_then_take: with second:"), stack
        assert stack.startswith("deadlocking_worker:")


def test_py_spy_dump_names_the_waiting_worker_or_says_why_not():
    said = py_spy_dump_of_a_waiting_worker()
    assert "wait_for_ever" in said or "could not inspect" in said or "not installed" in said


def test_stacks_are_written_only_for_a_block_that_runs_too_long(tmp_path):

    quick, slow = tmp_path / "quick.txt", tmp_path / "slow.txt"
    with open(quick, "w") as file, stacks_if_slower_than(5, file=file):
        pass  # left in time: the dump is cancelled
    release = threading.Event()
    with open(slow, "w") as file, stacks_if_slower_than(0.05, file=file):
        deadline = time.monotonic() + 30
        while "test_stacks_are_written" not in slow.read_text() and time.monotonic() < deadline:
            release.wait(0.05)  # the block "hangs" until faulthandler has written the stacks
    assert quick.read_text() == ""
    assert "test_stacks_are_written_only_for_a_block_that_runs_too_long" in slow.read_text()


def test_hang_helpers_refuse_bad_input():
    with pytest.raises(ValueError, match="seconds must be > 0"):
        with stacks_if_slower_than(0):
            pass
    with pytest.raises(ValueError, match="after must be > 0"):
        stacks_of_a_deadlock(after=-1)


# ------------------------------------------------------------------------------------------- memory


def test_a_leaky_worker_grows_and_a_task_limit_renews_it():
    tasks = [(task, 256) for task in range(12)]
    with multiprocessing.Pool(1) as pool:
        forever = pool.map_async(leaky_task, tasks, chunksize=1).get(timeout=60)
    with multiprocessing.Pool(1, maxtasksperchild=4) as pool:
        renewed = pool.map_async(leaky_task, tasks, chunksize=1).get(timeout=60)
    assert len({pid for _, pid, _ in forever}) == 1
    assert forever[-1][2] - forever[0][2] >= 11 * 256 * 1024 * 0.9  # 11 more tasks kept 256 KiB each
    pids = [pid for _, pid, _ in renewed]
    assert len(set(pids)) == 3 and all(pids.count(pid) == 4 for pid in set(pids))
    with pytest.raises(ValueError, match="kib must be ≥ 0"):
        leaky_task((1, -1))


# ------------------------------------------------------------------------------------------- pickling


def test_pickle_outcomes_name_the_reason(tmp_path):
    path = str(tmp_path / "t.db")
    database, reconnecting = Database(path), ReconnectingDatabase(path)
    try:
        outcomes = {
            "lambda": pickle_outcome(lambda x: x),
            "closure": pickle_outcome(make_multiplier(3)),
            "local class": pickle_outcome(make_local_object()),
            "generator": pickle_outcome(count_up(3)),
            "bound method": pickle_outcome("abc".upper),
            "lock": pickle_outcome(Tally()),
            "connection": pickle_outcome(database),
            "fixed lock": pickle_outcome(PicklableTally()),
            "fixed connection": pickle_outcome(reconnecting),
        }
    finally:
        database.connection.close()
        reconnecting.connection.close()
    assert outcomes == {
        "lambda": "cannot be pickled: defined inside a function, so it has no importable name",  # this one is
        "closure": "cannot be pickled: defined inside a function, so it has no importable name",
        "local class": "cannot be pickled: defined inside a function, so it has no importable name",
        "generator": "cannot be pickled: a generator is a paused frame",
        "bound method": "pickles",
        "lock": "cannot be pickled: it holds a lock",
        "connection": "cannot be pickled: it holds an open connection",
        "fixed lock": "pickles",
        "fixed connection": "pickles",
    }


def test_a_module_level_lambda_is_refused_as_a_lambda():
    assert pickle_outcome(_module_lambda) == "cannot be pickled: a lambda has no importable name"


_module_lambda = lambda x: x + 1  # noqa: E731 (the point: a lambda at module level still has no usable name)


def test_objects_that_define_their_state_travel_and_rebuild_what_cannot(tmp_path):
    tally = PicklableTally()
    tally.add("a")
    copy = pickle.loads(pickle.dumps(tally))
    assert copy.counts == {"a": 1} and copy.lock is not tally.lock
    path = str(tmp_path / "t.db")
    with sqlite3.connect(path) as setup:
        setup.execute("CREATE TABLE t (x)")
    setup.close()
    database = ReconnectingDatabase(path)  # adds its own table, notes
    try:
        with multiprocessing.Pool(1) as pool:
            assert pool.apply_async(count_tables, (database,)).get(timeout=60) == 2
    finally:
        database.connection.close()


def test_pickling_costs_are_measured_and_inputs_checked():
    assert pickle_seconds(sample_records(100)) > 0
    with pytest.raises(ValueError, match="repeats must be ≥ 1"):
        pickle_seconds(1, repeats=0)
    with pytest.raises(ValueError, match="count must be ≥ 1"):
        sample_records(0)


# ------------------------------------------------------------------------------------------- nesting, progress


def test_a_pool_worker_cannot_start_a_pool_but_an_executor_worker_can():
    with multiprocessing.Pool(1) as pool:
        with pytest.raises(AssertionError, match="daemonic processes are not allowed to have children"):
            pool.apply_async(pool_inside_a_task).get(timeout=60)
    with ProcessPoolExecutor(max_workers=1) as executor:
        assert executor.submit(pool_inside_a_task).result(timeout=60) == [0, 1]
    with pytest.raises(ValueError, match="workers must be ≥ 1"):
        pool_inside_a_task(0)


def test_every_step_of_every_task_reports_progress(start_method):
    ticks = multiprocessing.Queue()
    with multiprocessing.Pool(2, initializer=report_progress_to, initargs=(ticks,)) as pool:
        finished = pool.map_async(stepped_task, [(task, 3, 1000) for task in range(4)]).get(timeout=60)
        pool.close()  # then join: leaving `with` terminates the workers, and a tick still on its way is lost
        pool.join()
    assert sorted(finished) == [0, 1, 2, 3]
    assert sum(ticks.get(timeout=60) for _ in range(12)) == 12


# ------------------------------------------------------------------------------------------- your own module


def test_a_module_written_to_the_scratch_folder_runs_in_workers_and_is_forgotten(start_method):
    folder = scratch_folder()
    try:
        (folder / "course_scratch_worker.py").write_text("def triple(x):\n    return 3 * x\n")
        import course_scratch_worker

        with multiprocessing.Pool(1) as pool:
            assert pool.map_async(course_scratch_worker.triple, range(3)).get(timeout=60) == [0, 3, 6]
    finally:
        forgotten = remove_scratch_folder(folder)
    assert forgotten == ["course_scratch_worker"]
    assert not folder.exists() and str(folder) not in sys.path and "course_scratch_worker" not in sys.modules


def test_remove_scratch_folder_refuses_other_folders(tmp_path):
    with pytest.raises(ValueError, match="was not made by scratch_folder"):
        remove_scratch_folder(tmp_path)
    assert tmp_path.exists()


# ------------------------------------------------------------------------------------------- copy on read (notebook 01)


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs fork")
def test_a_forked_child_that_only_reads_inherited_objects_copies_them_and_gc_freeze_spares_the_collector():
    from helpers.processes import READ_ACTIONS, copy_on_read

    size, grown = copy_on_read(200_000)
    assert list(grown) == list(READ_ACTIONS)
    assert grown["nothing"] < 0.1 * size
    assert grown["read every object"] > 0.5 * size  # every object's reference count sits in its header
    assert grown["gc.collect()"] > 0.5 * size  # the collector writes to every tracked object's header
    assert grown["gc.collect() after the parent's gc.freeze()"] < 0.1 * size
    import gc

    assert gc.get_freeze_count() == 0  # the parent's freeze was undone


def test_copy_on_read_refuses_bad_input():
    from helpers.processes import copy_on_read

    with pytest.raises(ValueError, match="objects must be ≥ 1000"):
        copy_on_read(10)
    with pytest.raises(ValueError, match="timeout must be > 0"):
        copy_on_read(timeout=0)
