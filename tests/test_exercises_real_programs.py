"""Notebook 06's exercise checks: right answers pass; wrong ones get a nudge first, then more; graded() itself."""

import multiprocessing
import os
import threading

import numpy as np
import pytest

from helpers.exercises import graded
from helpers.exercises.real_programs import (
    NESTING,
    SIGINT_FACTS,
    check_log_lines,
    check_nesting,
    check_own_module,
    check_picklable,
    check_sigint,
    check_streams,
)
from helpers.scripts import remove_scratch_folder, scratch_folder
from helpers.seeds import draws_for_task, task_streams
from helpers.worker_logs import Collected, listening, log_task, send_logs_to


def assert_feedback(feedback, ok, text):
    assert feedback.ok is ok, feedback
    assert text in feedback.message, feedback


# ------------------------------------------------------------------------------------------- graded()


def test_graded_gives_a_nudge_first_then_more_and_the_same_hint_for_the_same_answer():
    hints = ("nudge", "more", "most")
    assert graded("t-graded", 1, *hints) == "nudge"
    assert graded("t-graded", 1, *hints) == "nudge"  # the same answer again: the same hint (a cell run twice)
    assert graded("t-graded", 2, *hints) == "more"
    assert graded("t-graded", 3, *hints) == "most"
    assert graded("t-graded", 4, *hints) == "most"  # never past the last hint
    assert graded("t-graded", 1, *hints) == "nudge"
    assert graded("t-graded-other", 9, *hints) == "nudge"  # each exercise counts its own wrong answers


def test_graded_needs_a_hint_and_copes_with_answers_whose_repr_fails():
    class Broken:
        def __repr__(self):
            raise RuntimeError("no repr")

    assert graded("t-broken", Broken(), "nudge") == "nudge"
    with pytest.raises(ValueError, match="at least one hint"):
        graded("t-none", 1)


# ------------------------------------------------------------------------------------------- exercise 1


@pytest.fixture
def workspace():
    folder = scratch_folder()
    yield folder
    remove_scratch_folder(folder)


def _module(folder, name, body):
    import importlib

    (folder / f"{name}.py").write_text(body)
    importlib.invalidate_caches()
    return importlib.import_module(name)


def test_own_module_right_answer_passes(workspace):
    module = _module(workspace, "t_doubling", "def double(x):\n    return 2 * x\n")
    with multiprocessing.Pool(2) as pool:
        results = pool.map_async(module.double, range(6)).get(timeout=60)
    assert_feedback(check_own_module(results, module, workspace), True, "[0, 2, 4, 6, 8, 10]")


def test_own_module_wrong_answers_get_graded_hints(workspace, tmp_path):
    assert_feedback(check_own_module(..., None, workspace), False, "Replace the ...")
    assert_feedback(check_own_module([0], "my_doubling", workspace), False, "Pass the module you imported")
    import __main__

    first = check_own_module([0], __main__, workspace)
    assert_feedback(first, False, "which cell magic writes a cell into a file?")
    assert "%%writefile" not in first.message  # a nudge, not the answer
    wrong_name = _module(workspace, "t_wrong_name", "def twice(x):\n    return 2 * x\n")
    assert_feedback(check_own_module([0], wrong_name, workspace), False, "no function called double")
    elsewhere = tmp_path / "t_elsewhere.py"
    elsewhere.write_text("def double(x):\n    return 2 * x\n")
    import importlib.util

    spec = importlib.util.spec_from_file_location("t_elsewhere", elsewhere)
    outside = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(outside)
    assert_feedback(check_own_module([0, 2, 4, 6, 8, 10], outside, workspace), False, "not in the scratch folder")
    tripling = _module(workspace, "t_tripling", "def double(x):\n    return 3 * x\n")
    nudge = check_own_module([0, 3, 6, 9, 12, 15], tripling, workspace)
    assert_feedback(nudge, False, "is double(x) returning 2 * x?")
    assert_feedback(check_own_module([0, 1, 2, 3, 4, 5], tripling, workspace), False, "pool.map(my_doubling.double")
    assert_feedback(check_own_module("0 2 4", tripling, workspace), False, "Expected the list")


# ------------------------------------------------------------------------------------------- exercises 2 and 6


@pytest.mark.parametrize("change, ok, text", [
    ({}, True, "signal the whole process group"),
    ({"JupyterLab's interrupt button (Linux, macOS), while a Pool works, interrupts": "the parent only"}, False,
     "Look again at \"JupyterLab's interrupt button"),
    ({"kill -INT <the parent's pid>, while a Pool works, interrupts": "the parent and the workers"}, False,
     "which processes does the signal reach"),
    ({"with initializer=ignore_sigint, Ctrl-C in a terminal interrupts": "nothing"}, False, "Look again at 'with initializer=ignore_sigint"),
    ({"Ctrl-C in a terminal, while a Pool works, interrupts": " The Parent And The Workers "}, True, "whole process group"),
    ({"Ctrl-C in a terminal, while a Pool works, interrupts": "everyone"}, False, "is not one of"),
])
def test_sigint(change, ok, text):
    assert_feedback(check_sigint({**SIGINT_FACTS, **change}), ok, text)
    assert_feedback(check_sigint(...), False, "Replace the ...")
    assert_feedback(check_sigint({}), False, "No answer for")


def test_sigint_second_miss_explains():
    kill = "kill -INT <the parent's pid>, while a Pool works, interrupts"
    assert_feedback(check_sigint({**SIGINT_FACTS, kill: "the parent and the workers"}), False, "Look again at")
    assert_feedback(check_sigint({**SIGINT_FACTS, kill: "nothing"}), False, "the one process whose pid it is given")


@pytest.mark.parametrize("change, ok, text", [
    ({}, True, "Pool workers are daemonic"),
    ({"a Pool's task starts a Pool": "works"}, False, "may a daemonic process have children?"),
    ({"a ProcessPoolExecutor's task starts a Pool": "fails"}, False, "are the executor's workers daemonic?"),
    ({"a Pool's task starts a ThreadPoolExecutor": "maybe"}, False, "is not one of: 'works', 'fails'"),
])
def test_nesting(change, ok, text):
    assert_feedback(check_nesting({**NESTING, **change}), ok, text)


# ------------------------------------------------------------------------------------------- exercise 3


def test_log_lines_right_answer_passes():
    records, handler = multiprocessing.Queue(), Collected()
    with listening(records, handler):
        with multiprocessing.Pool(2, initializer=send_logs_to, initargs=(records,)) as pool:
            pool.starmap_async(log_task, [(task, 2) for task in range(4)]).get(timeout=60)
            pool.close()  # then join: leaving `with` would terminate a worker that may still be sending a record
            pool.join()
    assert_feedback(check_log_lines(handler.lines, handler.pids), True, "All 8 records")


def test_log_lines_wrong_answers_get_graded_hints():
    assert_feedback(check_log_lines(..., set()), False, "Replace the ...")
    assert_feedback(check_log_lines("task 0", set()), False, "Pass handler.lines")
    first = check_log_lines([], set())
    assert_feedback(first, False, "give the pool an initializer that sends them to records")
    assert "send_logs_to" not in first.message
    some = [f"task {t}, line {n}, from pid 1" for t in range(2) for n in range(2)]
    assert_feedback(check_log_lines(some, {1}), False, "4 of 8 records are missing: did every worker finish sending")
    fewer = some[:3]
    # The same nudge again: how many records a race loses varies, so the hint does not follow the count.
    assert_feedback(check_log_lines(fewer, {1}), False, "did every worker finish sending")
    every = [f"task {t}, line {n}, from pid 1" for t in range(4) for n in range(2)]
    assert_feedback(check_log_lines(every, {os.getpid()}), False, "not from this kernel")
    assert_feedback(check_log_lines(every, {1, 2}), True, "All 8 records")


# ------------------------------------------------------------------------------------------- exercise 4


def test_streams_right_answer_passes_and_wrong_seeds_get_graded_hints():
    children = np.random.SeedSequence(7).spawn(4)
    with multiprocessing.Pool(2) as pool:
        draws = pool.map_async(draws_for_task, [(seed, 3) for seed in children]).get(timeout=60)
    assert_feedback(check_streams(draws), True, "the same four on every run")
    assert_feedback(check_streams(...), False, "Replace the ...")
    assert_feedback(check_streams([[0.1, 0.2, 0.3]]), False, "Expected 4 lists of 3 numbers")
    same = [task_streams(7, 1, 3)[0]] * 4
    first = check_streams(same)
    assert_feedback(first, False, "did every task get the same seed?")
    assert "spawn(4)[i]" not in first.message
    assert_feedback(check_streams([[0.5, 0.5, 0.5]] * 4), False, "did every task get the same seed?")  # the same mistake
    two = [task_streams(7, 1, 3)[0]] * 3 + [[0.5, 0.5, 0.5]]
    assert_feedback(check_streams(two), False, "Give task i the i-th child")  # a different one: the worked step
    other = task_streams(8, 4, 3)
    assert_feedback(check_streams(other), False, "which seed sequence, and how were its child seeds made?")
    # Other streams again: the same nudge (unseeded draws differ each run, so the hint does not follow the numbers).
    assert_feedback(check_streams(task_streams(9, 4, 3)), False, "which seed sequence, and how were its child seeds made?")


# ------------------------------------------------------------------------------------------- exercise 5


class _Unfixed:
    def __init__(self):
        self.lock = threading.Lock()
        self.laps = [1.5, 2.25]


class _Fixed(_Unfixed):
    def __getstate__(self):
        state = self.__dict__.copy()
        del state["lock"]
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.lock = threading.Lock()


class _LosesLaps(_Fixed):
    def __getstate__(self):
        return {}


class _NoNewLock(_Fixed):
    def __setstate__(self, state):
        self.__dict__.update(state)


def test_picklable():
    assert_feedback(check_picklable(_Fixed()), True, "the lock stays home")
    assert_feedback(check_picklable(...), False, "Replace the ...")
    assert_feedback(check_picklable(42), False, "Pass a Stopwatch instance")
    first = check_picklable(_Unfixed())
    assert_feedback(first, False, "Which attribute cannot be pickled?")
    assert "__getstate__ returns" not in first.message
    assert_feedback(check_picklable(_LosesLaps()), False, "lost its laps")
    assert_feedback(check_picklable(_NoNewLock()), False, "has no lock")


class _Restarts(_Fixed):
    """A wrong fix: the copy starts afresh instead of keeping the laps."""

    def __getstate__(self):
        return {}

    def __setstate__(self, state):
        self.__init__()


def test_picklable_catches_a_copy_that_starts_afresh():
    assert_feedback(check_picklable(_Restarts()), False, "lost its laps")


def test_own_module_is_run_in_a_fresh_spawn_worker(workspace):
    module = _module(workspace, "t_fresh", "def double(x):\n    return 2 * x\n")
    # Edited on disk, not reloaded; a new size, so that no stale cached bytecode can stand in for it.
    (workspace / "t_fresh.py").write_text("def double(x):\n    return 5 * x  # edited\n")
    assert_feedback(check_own_module([0, 2, 4, 6, 8, 10], module, workspace), False, "the file on disk differs")
