"""Checks for the exercises of notebook 02 (Pool)."""

from __future__ import annotations

from collections.abc import Sequence

from helpers.exercises import Feedback, choice_feedback, exercise_check, graded, unanswered
from helpers.exercises.answers import answer_key, equal, same_items, show
from helpers.pool import arrival_order, map_throughput
from helpers.tasks import TaskRecord

CHUNKSIZE_TASKS = 10_000
CHUNKSIZE_WORKERS = 2
# A message to a worker and back costs tens of microseconds; squaring a number, well under one. Below about 100
# tasks a message, messaging still takes most of the time (measured on 2 CPUs: 12× the throughput of chunksize=1
# at 20, 145× at 250). And Pool's own default chunksize aims at 4 chunks per worker, so that the last chunks to
# finish are short and no worker waits long for another at the end.
CHUNKSIZE_SMALLEST = 100
CHUNKS_AT_LEAST = 4 * CHUNKSIZE_WORKERS

ARRIVAL_DURATIONS = [0.5, 0.1, 0.1, 0.45, 0.2]
ARRIVAL_WORKERS = 2


@exercise_check
def check_chunksize(chunksize: object) -> Feedback:
    """Exercise 1: a chunksize that sends few messages for 10,000 tiny tasks and keeps 2 workers balanced.

    The verdict rests on the number of chunks, which does not vary; the throughputs measured on this machine
    are shown beside it, as information.
    """
    if chunksize is Ellipsis:
        return unanswered("each chunk is one message to a worker: how many tiny tasks should share one message?")
    if not isinstance(chunksize, int) or isinstance(chunksize, bool) or chunksize < 1:
        return Feedback(False, f"chunksize must be a whole number ≥ 1, got {chunksize!r}.")
    if chunksize == 1:
        return Feedback(False, "chunksize=1 is the baseline: one message per task. Try larger chunks.")
    chunks = -(-CHUNKSIZE_TASKS // chunksize)
    if chunks < CHUNKS_AT_LEAST:
        return Feedback(
            False,
            f"With chunksize={chunksize} the {CHUNKSIZE_TASKS:,} tasks make only {chunks} chunk{'s' if chunks > 1 else ''} for "
            f"{CHUNKSIZE_WORKERS} workers: near the end one worker may still be busy while the other waits. Pool's own default "
            f"makes 4 chunks per worker; keep at least that many.",
        )
    speedup = map_throughput(chunksize, CHUNKSIZE_TASKS) / map_throughput(1, CHUNKSIZE_TASKS)
    measured = f"measured now: {speedup:.1f}× the throughput of chunksize=1"
    if chunksize < CHUNKSIZE_SMALLEST:
        return Feedback(
            False,
            f"chunksize={chunksize} still sends {chunks:,} messages for tasks that take a fraction of a microsecond each ({measured}). "
            "A message costs tens of microseconds, far more than a task: use bigger chunks.",
        )
    return Feedback(True, f"chunksize={chunksize}: {chunks} messages instead of {CHUNKSIZE_TASKS:,}, {measured}.")


@exercise_check
def check_arrival_order(order: object) -> Feedback:
    """Exercise 2: the order imap_unordered yields tasks of ARRIVAL_DURATIONS on 2 workers, chunksize 1."""
    if order is Ellipsis:
        return unanswered("simulate: each free worker takes the next task; a task arrives when its worker finishes it")
    expected = arrival_order(ARRIVAL_DURATIONS, ARRIVAL_WORKERS)
    if not isinstance(order, Sequence) or isinstance(order, (str, bytes)):
        return Feedback(False, f"Expected a list of task ids, got {type(order).__name__}.")
    if any(item is Ellipsis for item in order):
        return Feedback(False, "Your list still holds a ...: put a task id in every place.")
    if not same_items(order, list(range(len(ARRIVAL_DURATIONS)))):
        return Feedback(False, f"List each task id 0–{len(ARRIVAL_DURATIONS) - 1} exactly once, got {show(order)}.")
    if list(order) == list(range(len(ARRIVAL_DURATIONS))):
        return Feedback(False, "That is submission order: what imap (and map) give. imap_unordered yields each result as soon as it is ready.")
    if list(order) == sorted(range(len(ARRIVAL_DURATIONS)), key=lambda t: (ARRIVAL_DURATIONS[t], t)):
        return Feedback(False, "Sorted by duration assumes every task starts at time 0, but there are only 2 workers: a task starts when a worker is free.")
    if list(order) != expected:
        place = next(index for index, (item, wanted) in enumerate(zip(order, expected)) if item != wanted)
        return Feedback(False, graded(
            "arrival", list(order),
            (f"Place{'s 1–' if place > 1 else ' '}{place} {'are' if place > 1 else 'is'} right; place {place + 1} is not. "
             if place else "Look again at which task arrives first. ")
            + "Follow the two workers step by step: when each one "
            "finishes, it takes the next task in the list.",
            f"Place {place + 1} is task {expected[place]}: write down when each worker becomes free, and which task it takes.",
        ))
    return Feedback(True, f"{expected}: each task arrives when its worker finishes it, and a worker takes the next task as soon as it is free.")


WHICH_CALL = {
    "one call whose result you need right now, before anything else": "apply",
    "a list of inputs, results needed in input order, all at the end": "map",
    "a long stream of inputs; handle each result as soon as it is ready": "imap_unordered",
    "a list of (a, b) pairs for a function f(a, b)": "starmap",
    "submit tasks one by one in a loop, collect all results later": "apply_async",
}

CALLS = ("apply", "apply_async", "map", "map_async", "imap", "imap_unordered", "starmap", "starmap_async")
_CALL_HINTS = {
    "one call whose result you need right now, before anything else": "which call waits for its one result before it returns?",
    "a list of inputs, results needed in input order, all at the end": "one call for the whole list, which blocks until every result is back, in order.",
    "a long stream of inputs; handle each result as soon as it is ready": "which call yields results in the order they finish, not the order they were sent?",
    "a list of (a, b) pairs for a function f(a, b)": "which map unpacks each tuple into the function's arguments?",
    "submit tasks one by one in a loop, collect all results later": "which call returns at once with a result to collect later, one task at a time?",
}


@exercise_check
def check_which_call(choices: object) -> Feedback:
    """Exercise 3: the Pool method that fits each situation in WHICH_CALL."""
    return choice_feedback(
        choices, WHICH_CALL, name="WHICH_CALL",
        hint="a dict mapping each situation to one of: apply, apply_async, map, imap_unordered, starmap",
        success="apply blocks; apply_async and the *_async maps return at once; imap streams; starmap unpacks tuples.",
        why=lambda situation, answer: f"For {situation!r}, {answer!r} is not the best fit: {_CALL_HINTS[situation]}",
        choices=CALLS,
        nudge="does it need one result or many, now or later, in order or as they come?",
        prefixes=("pool.",),
    )


@exercise_check
def check_collected(results: object) -> Feedback:
    """Exercise 4: the squares of 0..7 from apply_async, collected before the pool was terminated."""
    expected = [x * x for x in range(8)]
    if results is Ellipsis:
        return unanswered("call .get(timeout=...) on every AsyncResult inside the with block")
    if not isinstance(results, list):
        return Feedback(False, f"Expected a list of 8 results, got {type(results).__name__}.")
    if len(results) < len(expected):
        return Feedback(False, f"Only {len(results)} of 8 results: the with block ended (terminate()) before the rest were collected.")
    if len(results) > len(expected):
        return Feedback(False, f"{len(results)} results for 8 tasks: did results keep the items of an earlier run? Start from an empty list.")
    if any(hasattr(r, "get") and hasattr(r, "ready") for r in results):
        return Feedback(False, "The list holds AsyncResult objects, not values: call .get(timeout=...) on each.")
    if any(isinstance(r, TaskRecord) for r in results):
        return Feedback(False, "The list holds TaskRecords: sleepy_square returns a record of when and where it ran; "
                        "its .value is the square.")
    wrong = [index for index, (item, wanted) in enumerate(zip(results, expected)) if not equal(item, wanted)]
    if wrong:
        return Feedback(False, graded("collected", answer_key(results),
                                      f"Result {wrong[0]} is {show(results[wrong[0]])}, not the square of {wrong[0]}: "
                                      "which value did you keep from each task, and in which order?",
                                      "Keep each AsyncResult's .get(timeout=...).value, in the order the tasks were submitted."))
    return Feedback(True, "Every result collected with get(timeout=...) before the with block terminated the pool.")
