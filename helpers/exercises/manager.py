"""Checks for the exercises of notebook 05 (Manager)."""

from __future__ import annotations

from collections.abc import Mapping

from helpers.exercises import Feedback, choice_feedback, exercise_check, is_number, unanswered
from helpers.exercises.answers import equal, missing_items, same_items, show, whole_number
from helpers.managers import expected_features

FRUITS = ["apple", "banana", "cherry", "damson", "elder", "fig"]
FAN_IN_TASKS = list(range(60))
AUTHKEY_ITEM = "hi"  # what exercise 4 asks the client to put on the queue


@exercise_check
def check_nested(fruits: object) -> Feedback:
    """Exercise 1: every fruit appended by the workers survived in the shared dict's list."""
    if fruits is Ellipsis:
        return unanswered("the value under 'fruits' must be a list the server keeps and changes, not a copy; read it back as a plain list")
    if not isinstance(fruits, list):
        return Feedback(False, f"Expected a plain list (convert the proxy with list(...)), got {type(fruits).__name__}.")
    if not fruits:
        return Feedback(False, "The list is empty: each append went to a copy of the list, not to the one in the dict. "
                        "What kind of list can the manager's server keep, so that appends reach it?")
    if not same_items(fruits, FRUITS):
        missing = missing_items(fruits, FRUITS)
        return Feedback(False, f"Expected each of the {len(FRUITS)} fruits once, got {len(fruits)} item{'' if len(fruits) == 1 else 's'} {show(fruits)}"
                        + (f"; missing {show(missing)}" if missing else "") + ".")
    return Feedback(True, "All six appends reached the server: the dict holds a list proxy, and each append is one operation on it.")


ROUND_TRIPS = {
    "d['k'] = 1": 1,
    "x = d['k']": 1,
    "d['k'] += 1": 2,
    "d['k'].append(3)  (d['k'] holds a plain list)": 1,
    "len(d) + len(d)": 2,
}
_TRIP_HINTS = {
    "d['k'] += 1": "+= on a proxy item is a __getitem__, then a __setitem__: two calls, and another process can act in between.",
    "d['k'].append(3)  (d['k'] holds a plain list)": "d['k'] is one call that returns a copy; .append then runs locally on that copy, with no trip at all.",
    "len(d) + len(d)": "each len() is its own call to the server.",
}


@exercise_check
def check_round_trips(answers: object) -> Feedback:
    """Exercise 2: how many calls to the manager's server each statement makes."""
    return choice_feedback(
        answers, ROUND_TRIPS, name="ROUND_TRIPS",
        hint="a dict mapping each statement to a number of round trips to the server",
        success="Every proxy method call is one round trip; anything done to a returned copy is local and lost.",
        why=lambda statement, _: f"{statement}: " + _TRIP_HINTS.get(statement, "one item access or assignment on a proxy is one call."),
        validate=lambda _, answer: None if whole_number(answer) is not None else "Give each answer as a whole number of round trips.",
        nudge="which proxy methods does it call? Each call is one trip to the server, and work on a returned copy is none.",
    )


@exercise_check
def check_fan_in(results: object) -> Feedback:
    """Exercise 3: the features of FAN_IN_TASKS, computed in a pool and merged in the parent."""
    if results is Ellipsis:
        return unanswered("let every task return its (task id, feature) pair, and build the dict here from what the pool returns")
    if not isinstance(results, Mapping):
        return Feedback(False, f"Expected a dict {{task id: feature}}, got {type(results).__name__}.")
    expected = expected_features(FAN_IN_TASKS)
    missing = [task for task in expected if task not in results]
    if missing:
        return Feedback(False, f"{len(missing)} of {len(expected)} task ids missing, starting with {missing[:5]}.")
    extra = [key for key in results if key not in expected]
    if extra:
        return Feedback(False, f"Unexpected keys {show(extra[:5])}: use exactly the ids in FAN_IN_TASKS.")
    wrong = [t for t in expected if not equal(results[t], expected[t])]
    if wrong:
        return Feedback(False, f"Wrong values for tasks {wrong[:5]}: store feature(task_id) under each task id.")
    return Feedback(True, f"{len(expected)} results, merged in the parent: no manager, no lock, nothing lost.")


@exercise_check
def check_authkey(outcome: object) -> Feedback:
    """Exercise 4: a client in another process put an item on the remote queue with the right authkey."""
    if outcome is Ellipsis:
        return unanswered("run remote_put in another process (run_in_child) with the server's address and the key it was started with")
    if not isinstance(outcome, str):
        return Feedback(False, f"Expected the string remote_put returned, got {type(outcome).__name__}.")
    if outcome.startswith("AuthenticationError"):
        return Feedback(False, "The server refused the client: pass the same authkey the server was started with (bytes).")
    if not outcome.startswith("put "):
        return Feedback(False, f"remote_put returns 'put ...' or 'AuthenticationError: ...'; got {show(outcome)}. "
                        "Store what remote_put returned (run_in_child(...).result()).")
    if outcome != f"put {AUTHKEY_ITEM!r}":
        return Feedback(False, f"The client got in, with the right key, but it {outcome[:40]!s}: the exercise asks it to put "
                        f"the string {AUTHKEY_ITEM!r}.")
    return Feedback(True, f"The client {outcome[:3]} its item on the server's queue: same authkey, same address, one connection.")
