"""Notebook 05's exercise checks: right answers pass; each typical mistake gets specific feedback."""

import pytest

from helpers.exercises.manager import (
    FAN_IN_TASKS,
    FRUITS,
    ROUND_TRIPS,
    check_authkey,
    check_fan_in,
    check_nested,
    check_round_trips,
)
from helpers.managers import expected_features


def assert_feedback(feedback, ok, text):
    assert feedback.ok is ok, feedback
    assert text in feedback.message, feedback


@pytest.mark.parametrize("check", [check_nested, check_round_trips, check_fan_in, check_authkey])
def test_unanswered(check):
    assert_feedback(check(...), False, "Replace the ...")


@pytest.mark.parametrize("fruits, ok, text", [
    (list(reversed(FRUITS)), True, "All six appends"),
    ([], False, "What kind of list can the manager's server keep"),
    (FRUITS[:4], False, "missing ['elder', 'fig']"),
    (tuple(FRUITS), False, "plain list"),
])
def test_nested(fruits, ok, text):
    assert_feedback(check_nested(fruits), ok, text)


def test_round_trips():
    assert_feedback(check_round_trips(dict(ROUND_TRIPS)), True, "one round trip")
    assert_feedback(check_round_trips({**ROUND_TRIPS, "d['k'] += 1": 1}), False, "Look again at \"d['k'] += 1\": which proxy methods")
    assert_feedback(check_round_trips({**ROUND_TRIPS, "d['k'] += 1": 3}), False, "__getitem__, then a __setitem__")
    assert_feedback(check_round_trips({**ROUND_TRIPS, "d['k'].append(3)  (d['k'] holds a plain list)": 2}), False, "Look again at")
    assert_feedback(check_round_trips({**ROUND_TRIPS, "d['k'].append(3)  (d['k'] holds a plain list)": 3}), False, "returns a copy")
    assert_feedback(check_round_trips({**ROUND_TRIPS, "x = d['k']": 0.5}), False, "whole number")
    assert_feedback(check_round_trips({**ROUND_TRIPS, "x = d['k']": "one"}), False, "whole number")


def test_fan_in():
    expected = expected_features(FAN_IN_TASKS)
    assert_feedback(check_fan_in(expected), True, "nothing lost")
    assert_feedback(check_fan_in({k: v for k, v in expected.items() if k > 4}), False, "5 of 60 task ids missing")
    assert_feedback(check_fan_in({**expected, 99: 0}), False, "Unexpected keys [99]")
    assert_feedback(check_fan_in({**expected, 3: -1}), False, "Wrong values for tasks [3]")
    assert_feedback(check_fan_in(list(expected.items())), False, "Expected a dict")


def test_authkey():
    assert_feedback(check_authkey("put 'hi'"), True, "same authkey")
    assert_feedback(check_authkey("AuthenticationError: digest sent was rejected"), False, "same authkey the server was started with")
    assert_feedback(check_authkey(None), False, "Expected the string")
