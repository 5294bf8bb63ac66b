"""Checks for the exercises of notebook 03 (Queue vs Pipe)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from helpers.exercises import (
    Feedback,
    check_choices,
    is_number,
    mapping_problem,
    unanswered,
)
from helpers.messaging import chunk

DRAIN_CHUNKS = 3
DRAIN_SIZE = 1_000_000
SENTINEL_TASKS = 6


def _stop(processes: Sequence[Any]) -> int:
    """Terminate the processes still running (so the notebook leaves none behind); return how many were."""
    running = [p for p in processes if p.is_alive()]
    for process in running:
        process.terminate()
        process.join(10)
    return len(running)


def _is_process(value: object) -> bool:
    return all(hasattr(value, name) for name in ("is_alive", "exitcode", "terminate"))


def check_drained(received: object, producer: Any) -> Feedback:
    """Exercise 1: all chunks read from the queue, and the producer then ended with exit code 0."""
    if not _is_process(producer):
        return Feedback(False, f"Pass the producer Process as the second argument, got {type(producer).__name__}.")
    if received is Ellipsis:
        stopped = _stop([producer])
        note = " (The producer was still waiting for its chunks to be read; the check stopped it.)" if stopped else ""
        return unanswered("read the three chunks with chunks.get(timeout=10) BEFORE producer.join(timeout=...)" + note)
    if not isinstance(received, list):
        _stop([producer])
        return Feedback(False, f"Expected a list of the chunks you read, got {type(received).__name__}.")
    expected = [chunk(i, DRAIN_SIZE) for i in range(DRAIN_CHUNKS)]
    if len(received) != DRAIN_CHUNKS:
        stopped = _stop([producer])
        extra = " The producer was still running (stopped now): it cannot exit before everything it put has been read." if stopped else ""
        return Feedback(False, f"Expected {DRAIN_CHUNKS} chunks, got {len(received)}.{extra}")
    if any(not isinstance(item, bytes) for item in received):
        _stop([producer])
        return Feedback(False, "Each chunk should be the bytes object the producer put, as get() returns it.")
    if received != expected:
        _stop([producer])
        return Feedback(False, "The chunks are not the ones put_chunks sends (chunk 0, 1, 2 in order, 1,000,000 bytes each).")
    if producer.is_alive() or producer.exitcode is None:
        _stop([producer])
        return Feedback(False, "You read every chunk, but the producer was still running: join it (with a timeout) after reading.")
    if producer.exitcode != 0:
        return Feedback(False, f"The producer ended with exit code {producer.exitcode}, not 0.")
    return Feedback(True, "Drain, then join: the producer could flush its queue and exit with code 0.")


def check_sentinels(consumers: object, results: object) -> Feedback:
    """Exercise 2: every consumer stopped on a sentinel (exit code 0) after all tasks were done."""
    if not isinstance(consumers, Sequence) or not consumers or not all(_is_process(c) for c in consumers):
        return Feedback(False, "Pass the list of consumer Process objects as the first argument.")
    if results is Ellipsis:
        _stop(consumers)
        return unanswered("collect the results with results.get(timeout=10), one per task")
    still = _stop(consumers)
    if still:
        return Feedback(
            False,
            f"{still} of {len(consumers)} consumers were still waiting for a task (stopped now): each consumer stops at "
            f"the first sentinel it reads, so put one SENTINEL per consumer, after the tasks.",
        )
    if any(c.exitcode != 0 for c in consumers):
        return Feedback(False, f"Exit codes {[c.exitcode for c in consumers]}: every consumer should return normally (0).")
    if not isinstance(results, list) or len(results) != SENTINEL_TASKS:
        count = len(results) if isinstance(results, list) else type(results).__name__
        return Feedback(False, f"Expected a list of {SENTINEL_TASKS} results, got {count}.")
    ids = sorted(getattr(r, "task_id", None) for r in results)
    if ids != list(range(SENTINEL_TASKS)):
        return Feedback(False, f"Expected one result for each task 0–{SENTINEL_TASKS - 1}, got task ids {ids}.")
    return Feedback(True, f"{len(consumers)} consumers, {len(consumers)} sentinels: every task done and every consumer exited with code 0.")


CHANNEL_CHOICES = {
    "several worker processes send results to one collector": "Queue",
    "two processes exchange requests and replies, as fast as possible": "Pipe",
    "the producer must wait until every task it queued has been processed": "JoinableQueue",
    "move large raw byte buffers from one process to another, no pickling": "Pipe.send_bytes",
    "a consumer should give up if nothing arrives for 5 s": "Queue",
}
_CHANNEL_HINTS = {
    "several worker processes send results to one collector": "a Pipe end must not be written by two processes at once (section 5).",
    "two processes exchange requests and replies, as fast as possible": "compare the round-trip column of your benchmark.",
    "the producer must wait until every task it queued has been processed": "which queue has task_done() and join()?",
    "move large raw byte buffers from one process to another, no pickling": "which call sends bytes as they are?",
    "a consumer should give up if nothing arrives for 5 s": "SimpleQueue.get() has no timeout; which get() does?",
}


def check_channel_choice(choices: object) -> Feedback:
    """Exercise 3: the channel that fits each situation in CHANNEL_CHOICES."""
    return check_choices(
        choices, CHANNEL_CHOICES, name="CHANNEL_CHOICES",
        hint="a dict mapping each situation to one of: Queue, SimpleQueue, JoinableQueue, Pipe, Pipe.send_bytes",
        success="Queue for many writers and timeouts, JoinableQueue to wait for completion, Pipe for two-party speed, send_bytes to skip pickling.",
        why=lambda situation, answer: f"For {situation!r}, {answer!r} is not the best fit: {_CHANNEL_HINTS[situation]}",
        normalize=lambda answer: str(answer).removeprefix("multiprocessing."),
    )


PIPELINE = {"stage 1 workers": 2, "stage 2 workers": 3}


def check_sentinel_counts(counts: object) -> Feedback:
    """Exercise 4: sentinels the parent puts on each queue of a two-stage pipeline (PIPELINE workers)."""
    expected = {"first queue": PIPELINE["stage 1 workers"], "second queue": PIPELINE["stage 2 workers"]}
    if counts is Ellipsis:
        return unanswered("one sentinel stops one worker; count the workers that read each queue")
    problem = mapping_problem(counts, expected, "the dict {'first queue': ..., 'second queue': ...}")
    if problem:
        return problem
    assert isinstance(counts, Mapping)
    if not all(is_number(v) for v in counts.values()):
        return Feedback(False, "Give each count as a whole number.")
    first, second = counts["first queue"], counts["second queue"]
    if first != expected["first queue"]:
        return Feedback(False, f"First queue: {first}. Every stage-1 worker must read a sentinel to stop, and there are {PIPELINE['stage 1 workers']}.")
    if second == expected["first queue"]:
        return Feedback(False, "Second queue: as many as stage 1 has workers would stop only 2 of the 3 stage-2 workers; the third waits for ever.")
    if second != expected["second queue"]:
        return Feedback(False, f"Second queue: {second}. Count the workers that read it: {PIPELINE['stage 2 workers']}.")
    return Feedback(True, "2 on the first queue; once stage 1 has been joined, 3 on the second: one sentinel per worker that reads each queue.")
