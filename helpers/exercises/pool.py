"""Checks for the exercises of notebook 02 (Pool)."""

from __future__ import annotations

from collections.abc import Sequence

from helpers.exercises import Feedback, check_choices, unanswered
from helpers.pool import arrival_order, map_throughput

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


def check_arrival_order(order: object) -> Feedback:
    """Exercise 2: the order imap_unordered yields tasks of ARRIVAL_DURATIONS on 2 workers, chunksize 1."""
    if order is Ellipsis:
        return unanswered("simulate: each free worker takes the next task; a task arrives when its worker finishes it")
    expected = arrival_order(ARRIVAL_DURATIONS, ARRIVAL_WORKERS)
    if not isinstance(order, Sequence) or isinstance(order, (str, bytes)):
        return Feedback(False, f"Expected a list of task ids, got {type(order).__name__}.")
    if sorted(order) != list(range(len(ARRIVAL_DURATIONS))):
        return Feedback(False, f"List each task id 0–{len(ARRIVAL_DURATIONS) - 1} exactly once.")
    if list(order) == list(range(len(ARRIVAL_DURATIONS))):
        return Feedback(False, "That is submission order: what imap (and map) give. imap_unordered yields each result as soon as it is ready.")
    if list(order) == sorted(range(len(ARRIVAL_DURATIONS)), key=lambda t: (ARRIVAL_DURATIONS[t], t)):
        return Feedback(False, "Sorted by duration assumes every task starts at time 0, but there are only 2 workers: a task starts when a worker is free.")
    if list(order) != expected:
        return Feedback(False, f"Not quite: the first result is task {expected[0]}. Follow the two workers step by step.")
    return Feedback(True, f"{expected}: each task arrives when its worker finishes it, and a worker takes the next task as soon as it is free.")


WHICH_CALL = {
    "one call whose result you need right now, before anything else": "apply",
    "a list of inputs, results needed in input order, all at the end": "map",
    "a long stream of inputs; handle each result as soon as it is ready": "imap_unordered",
    "a list of (a, b) pairs for a function f(a, b)": "starmap",
    "submit tasks one by one in a loop, collect all results later": "apply_async",
}


def check_which_call(choices: object) -> Feedback:
    """Exercise 3: the Pool method that fits each situation in WHICH_CALL."""
    return check_choices(
        choices, WHICH_CALL, name="WHICH_CALL",
        hint="a dict mapping each situation to one of: apply, apply_async, map, imap_unordered, starmap",
        success="apply blocks; apply_async and the *_async maps return at once; imap streams; starmap unpacks tuples.",
        why=lambda situation, answer: f"For {situation!r}, {answer!r} is not the best fit.",
        normalize=lambda answer: str(answer).removeprefix("pool."),
    )


def check_collected(results: object) -> Feedback:
    """Exercise 4: the squares of 0..7 from apply_async, collected before the pool was terminated."""
    expected = [x * x for x in range(8)]
    if results is Ellipsis:
        return unanswered("call .get(timeout=...) on every AsyncResult inside the with block")
    if not isinstance(results, list):
        return Feedback(False, f"Expected a list of 8 results, got {type(results).__name__}.")
    if len(results) < len(expected):
        return Feedback(False, f"Only {len(results)} of 8 results: the with block ended (terminate()) before the rest were collected.")
    if any(not isinstance(r, int) for r in results):
        return Feedback(False, "The list holds AsyncResult objects, not values: call .get(timeout=...) on each.")
    if results != expected:
        return Feedback(False, f"Expected {expected}, got {results}.")
    return Feedback(True, "Every result collected with get(timeout=...) before the with block terminated the pool.")
