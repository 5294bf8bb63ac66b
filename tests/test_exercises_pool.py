"""Notebook 02's exercise checks: right answers pass; each typical mistake gets specific feedback."""

import pytest

from helpers.exercises import forget_answers

from helpers.exercises.pool import WHICH_CALL, check_arrival_order, check_chunksize, check_collected, check_which_call


def assert_feedback(feedback, ok, text):
    assert feedback.ok is ok, feedback
    assert text in feedback.message, feedback


@pytest.mark.parametrize("check", [check_chunksize, check_arrival_order, check_which_call, check_collected])
def test_unanswered(check):
    feedback = check(...)
    assert not feedback.ok and "Replace the ..." in feedback.message


@pytest.fixture
def measured(monkeypatch):
    """Stand-in throughputs, so these tests judge the verdicts, not this machine's speed."""
    monkeypatch.setattr("helpers.exercises.pool.map_throughput", lambda chunksize, tasks: 1_000.0 * min(chunksize, 100))


@pytest.mark.parametrize("chunksize, ok, text", [
    (250, True, "40 messages instead of 10,000, measured now: 100.0× the throughput"),
    (100, True, "100 messages"),
    (1_428, True, "8 messages"),
    (5, False, "still sends 2,000 messages"),
    (99, False, "use bigger chunks"),
    (20, False, "still sends 500 messages"),
    (1_429, False, "only 7 chunks for 2 workers"),
    (2_000, False, "Pool's own default makes 4 chunks per worker"),
    (9_000, False, "only 2 chunks"),
    (10_000, False, "only 1 chunk for"),
    (1, False, "baseline"),
    (0, False, "whole number ≥ 1"),
    ("big", False, "whole number ≥ 1"),
    (True, False, "whole number ≥ 1"),
])
def test_chunksize_is_judged_by_the_number_of_chunks(measured, chunksize, ok, text):
    assert_feedback(check_chunksize(chunksize), ok, text)


def test_chunksize_verdict_does_not_follow_the_measurement(monkeypatch):
    """A machine where big chunks measure no faster (say, a busy one) still gets the verdict the chunk count earns."""
    monkeypatch.setattr("helpers.exercises.pool.map_throughput", lambda chunksize, tasks: 1_000.0)
    assert_feedback(check_chunksize(250), True, "1.0× the throughput")
    assert_feedback(check_chunksize(2), False, "5,000 messages")


@pytest.mark.parametrize("order, ok, text", [
    ([1, 2, 0, 3, 4], True, "as soon as it is free"),
    ([0, 1, 2, 3, 4], False, "submission order"),
    ([1, 2, 4, 3, 0], False, "only 2 workers"),
    ([2, 1, 0, 3, 4], False, "which task arrives first"),
    ([1, 2, 0], False, "exactly once"),
    ("12034", False, "Expected a list"),
])
def test_arrival_order(order, ok, text):
    assert_feedback(check_arrival_order(order), ok, text)


def test_which_call():
    assert_feedback(check_which_call(dict(WHICH_CALL)), True, "apply blocks")
    assert_feedback(check_which_call({k: f"pool.{v}" for k, v in WHICH_CALL.items()}), True, "apply blocks")
    assert_feedback(check_which_call(["map"]), False, "Expected a dict")
    first = next(iter(WHICH_CALL))
    assert_feedback(check_which_call({first: "apply"}), False, "No answer for")
    assert_feedback(check_which_call({**WHICH_CALL, first: "map"}), False, "1 wrong")


def test_collected():
    assert_feedback(check_collected([x * x for x in range(8)]), True, "Every result collected")
    assert_feedback(check_collected([]), False, "Only 0 of 8")
    assert_feedback(check_collected(tuple(range(8))), False, "Expected a list")
    assert_feedback(check_collected([object()] * 8), False, "Result 0 is <object")
    forget_answers()  # the next wrong answer is a first miss again
    assert_feedback(check_collected(list(range(8))), False, "Result 2 is 2, not the square of 2")
