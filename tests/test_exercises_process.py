"""Notebook 01's exercise checks: right answers pass; each typical mistake gets specific feedback."""

import multiprocessing
import os
import signal

import pytest

from helpers.exercises.process import EXIT_CODE_CASES, check_args, check_child_pids, check_exit_codes, check_io_workers
from helpers.processes import ReportedPid, report_pid


def assert_feedback(feedback, ok, text):
    assert feedback.ok is ok, feedback
    assert text in feedback.message, feedback


@pytest.mark.parametrize("check, value", [(check_exit_codes, ...), (check_args, ...), (check_io_workers, ...), (check_child_pids, ...)])
def test_unanswered(check, value):
    feedback = check(value)
    assert not feedback.ok and "Replace the ..." in feedback.message


def test_exit_codes():
    assert_feedback(check_exit_codes(dict(EXIT_CODE_CASES)), True, "minus the signal number")
    assert_feedback(check_exit_codes([0, 1]), False, "Expected a dict")
    assert_feedback(check_exit_codes({"returns normally": 0}), False, "No answer for 'raises ValueError'")
    assert_feedback(check_exit_codes({**EXIT_CODE_CASES, "explodes": 2}), False, "not one of the keys of EXIT_CODE_CASES")
    assert_feedback(check_exit_codes({**EXIT_CODE_CASES, "returns normally": "0"}), False, "Exit codes are ints")
    assert_feedback(check_exit_codes({**EXIT_CODE_CASES, "is terminate()d": int(signal.SIGTERM)}), False, "1 wrong. For 'is terminate()d' the sign is off")
    assert_feedback(check_exit_codes({**EXIT_CODE_CASES, "raises ValueError": 0}), False, "Look again at 'raises ValueError'")
    assert_feedback(check_exit_codes({**EXIT_CODE_CASES, "raises ValueError": 2}), False, "traceback to the child's stderr")


@pytest.mark.parametrize("args, ok, text", [
    (("Ada",), True, "greet('Ada')"),
    (["Ada"], True, "a list works too"),
    ("Ada", False, "how do you write a tuple of one element?"),
    (("Ada", "Bob"), False, "2 elements"),
    (("Bob",), False, "should be the name 'Ada'"),
    ({"name": "Ada"}, False, "must be a tuple"),
])
def test_args(args, ok, text):
    assert_feedback(check_args(args), ok, text)


@pytest.mark.parametrize("workers, ok, text", [
    (100, True, "about 1 s"),
    (4, False, "CPU-bound rule"),
    (200, False, "200 works, but more than needed"),
    (50, False, "4 × 0.5 s = 2 s, more than 1 s"),
    (99, False, "3 × 0.5 s = 1.5 s"),
    (float("inf"), False, "whole number"),
    (0, False, "whole number"),
    (150, False, "more than needed"),
    (2.5, False, "whole number"),
])
def test_io_workers(workers, ok, text):
    assert_feedback(check_io_workers(workers), ok, text)


def test_child_pids():
    me = os.getpid()
    reported = [ReportedPid(me + 1), ReportedPid(me + 2), ReportedPid(me + 3)]
    assert_feedback(check_child_pids(reported), True, "Three processes")
    assert_feedback(check_child_pids([me + 1, me + 2, me + 3]), False, "not reported by report_pid")  # typed, not received
    assert_feedback(check_child_pids([1, 2, 3]), False, "not reported by report_pid")
    assert_feedback(check_child_pids("123"), False, "Expected a list")
    assert_feedback(check_child_pids(reported[:1]), False, "Expected 3 pids")
    assert_feedback(check_child_pids([reported[0], -1, reported[2]]), False, "positive ints")
    assert_feedback(check_child_pids([ReportedPid(me), *reported[:2]]), False, "this kernel's own pid")
    assert_feedback(check_child_pids([reported[0], reported[0], reported[1]]), False, "Some pids repeat")


def test_child_pids_from_real_children(start_method):
    context = multiprocessing.get_context(start_method)
    results = context.Queue()
    children = [context.Process(target=report_pid, args=(results,)) for _ in range(3)]
    for child in children:
        child.start()
    pids = [results.get(timeout=30) for _ in children]
    for child in children:
        child.join(timeout=30)
    assert_feedback(check_child_pids(pids), True, "none of them this kernel")
    assert sorted(pids) == sorted(child.pid for child in children)


def test_a_string_for_args_gets_a_nudge_then_the_comma():
    first = check_args("Ada")
    assert_feedback(first, False, "one argument per character (3 here)")
    assert "(\"Ada\",)" not in first.message
    assert_feedback(check_args("Ada Lovelace"), False, "A comma does")
