"""Notebook 00's exercise checks: right answers pass; each typical mistake gets specific feedback."""

import os

import pytest

from helpers.exercises import Feedback
from helpers.exercises.start_here import (
    WORKLOADS,
    check_amdahl,
    check_speedup,
    check_squares,
    check_usable_cpus,
    check_workload_choices,
)
from helpers.machine import usable_cpus


def assert_feedback(feedback, ok, text):
    assert isinstance(feedback, Feedback)
    assert feedback.ok is ok, feedback
    assert text in feedback.message, feedback


@pytest.mark.parametrize("check, args", [
    (check_usable_cpus, (...,)), (check_speedup, (..., ...)), (check_amdahl, (..., 1.0)),
    (check_workload_choices, (...,)), (check_squares, (...,)),
])
def test_unanswered_exercises_ask_for_an_answer_with_a_hint(check, args):
    feedback = check(*args)
    assert not feedback.ok and "Replace the ..." in feedback.message and "Hint:" in feedback.message
    assert str(feedback).startswith("❌ Not yet.")


def test_usable_cpus():
    assert_feedback(check_usable_cpus(usable_cpus()), True, "may use")
    assert_feedback(check_usable_cpus("2"), False, "whole number")
    assert_feedback(check_usable_cpus(usable_cpus() + 100), False, "Which function of the os module")
    assert str(check_usable_cpus(usable_cpus())).startswith("✅ Correct.")


def test_usable_cpus_spots_cpu_count_under_restricted_affinity(monkeypatch):
    monkeypatch.setattr("helpers.exercises.start_here.usable_cpus", lambda: 1)
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    assert_feedback(check_usable_cpus(8), False, "os.cpu_count()")


@pytest.mark.parametrize("speedup, efficiency, ok, text", [
    (3.0, 0.75, True, "75 %"),
    (1 / 3, 0.75, False, "upside down"),
    (2.0, 0.5, False, "which one is divided by which?"),
    (3.0, 75, False, "fraction"),
    (3.0, 12.0, False, "divided by the number of workers"),
    (3.0, 0.5, False, "efficiency 0.5 is off. Efficiency is speedup per worker"),
    ("3", 0.75, False, "must be numbers"),
])
def test_speedup(speedup, efficiency, ok, text):
    assert_feedback(check_speedup(speedup, efficiency), ok, text)


@pytest.mark.parametrize("on_eight, limit, ok, text", [
    (1 / (0.1 + 0.9 / 8), 10, True, "never more than 10×"),
    (8, 10, False, "serial part"),
    (5.5, 10, False, "Which share of the time shrinks with 8 workers"),
    (4.7059, float("inf"), False, "finite"),
    (4.7059, 9, False, "What becomes of (1 - f) / n as n grows?"),
    (None, 10, False, "must be numbers"),
])
def test_amdahl(on_eight, limit, ok, text):
    assert_feedback(check_amdahl(on_eight, limit), ok, text)


def test_workload_choices():
    assert_feedback(check_workload_choices(dict(WORKLOADS)), True, "processes")
    assert_feedback(check_workload_choices(["threads"]), False, "Expected a dict")
    partial = dict(WORKLOADS)
    partial.pop("download 200 web pages")
    assert_feedback(check_workload_choices(partial), False, "No answer for 'download 200 web pages'")
    assert_feedback(check_workload_choices({**WORKLOADS, "bake bread": "threads"}), False, "not one of the keys of WORKLOADS")
    assert_feedback(check_workload_choices({**WORKLOADS, "download 200 web pages": "asyncio"}), False, "is not one of: 'threads', 'processes'")
    assert_feedback(check_workload_choices({k: f" {v.upper()}" for k, v in WORKLOADS.items()}), True, "processes")
    wrong = {**WORKLOADS, "download 200 web pages": "processes"}
    assert_feedback(check_workload_choices(wrong), False, "does it keep a CPU busy running Python, or does it mostly wait?")
    assert_feedback(check_workload_choices(wrong), False, "or does it mostly wait?")  # the same answer: the same nudge
    other = {**WORKLOADS, "download 200 web pages": "processes", "wait for replies from 50 database queries": "processes"}
    assert_feedback(check_workload_choices(other), False, "2 wrong. Look again at 'download 200 web pages'")  # still a nudge: flip it yourself
    assert "releases the GIL" not in check_workload_choices(other).message  # the reason would give the choice away
    wrong = {**WORKLOADS, "compute prime numbers up to 10 million in pure Python": "threads"}
    assert_feedback(check_workload_choices(wrong), False, "Look again at 'compute prime numbers")  # another situation: its own nudge first


def test_squares():
    assert_feedback(check_squares([x * x for x in range(10)]), True, "task order")
    assert_feedback(check_squares(iter([])), False, "Expected a list")
    assert_feedback(check_squares(sorted([x * x for x in range(10)], reverse=True)), False, "wrong order")
    assert_feedback(check_squares([0, 1, 4]), False, "Expected 10 results")
    assert_feedback(check_squares(list(range(10))), False, "Result 2 is 2, which is not the square of 2")


def test_wrong_answers_get_a_nudge_first_then_the_worked_step():
    assert_feedback(check_speedup(2.0, 0.5), False, "which one is divided by which?")
    assert_feedback(check_speedup(2.5, 0.5), False, "6.0 s / 2.0 s = ?")
    assert_feedback(check_speedup(3.0, 0.5), False, "Efficiency is speedup per worker")
    assert_feedback(check_speedup(3.0, 0.6), False, "3.0 / 4 = ?")
    assert_feedback(check_amdahl(5.5, 10), False, "Which share of the time shrinks")
    assert_feedback(check_amdahl(5.0, 10), False, "Put f = 0.1 and n = 8")
    assert_feedback(check_amdahl(4.7059, 9), False, "What becomes of (1 - f) / n")
    assert_feedback(check_amdahl(4.7059, 11), False, "tends to 1 / f")
    assert "Pool(2)" not in check_squares(...).message and "pool.map(" not in check_squares(...).message
