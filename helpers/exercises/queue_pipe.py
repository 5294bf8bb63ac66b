"""Checks for the exercises of notebook 03 (Queue vs Pipe)."""

from __future__ import annotations

import inspect
import multiprocessing
import queue
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from helpers.exercises import (
    Feedback,
    check_choices,
    is_number,
    mapping_problem,
    unanswered,
)
from helpers.guards import join_all
from helpers.messaging import SENTINEL, chunk, consume, put_chunks

DRAIN_CHUNKS = 3
DRAIN_SIZE = 1_000_000
SENTINEL_TASKS = 6
SENTINEL_CONSUMERS = 3


def _stop(processes: Sequence[Any]) -> int:
    """Terminate the processes still running (so the notebook leaves none behind); return how many were."""
    running = [p for p in processes if p.is_alive()]
    for process in running:
        process.terminate()
        process.join(10)
    return len(running)


# The check caps the learner's waits, so a wrong answer (say, join() with no timeout before reading) ends in
# feedback instead of a hung cell.
_GET_CAP = 30.0
_JOIN_CAP = 30.0
_EARLY_JOIN_CAP = 2.0  # a join before every chunk is read cannot succeed: no need to wait longer to show it


@dataclass(frozen=True)
class _Call:
    """One call the learner's function made on the queue or the producer, in order."""

    name: str  # "get" or "join"
    timeout: float | None
    reads_before: int  # get() calls made before this one


def _record_calls(chunks: Any, producer: Any, calls: list[_Call]) -> None:
    """Shadow ``chunks.get`` and ``producer.join`` on these two objects with versions that log each call.

    Deleting the two instance attributes afterwards brings the real methods back.
    """
    real_get, real_join = chunks.get, producer.join

    def reads() -> int:
        return sum(1 for call in calls if call.name == "get")

    def get(block: bool = True, timeout: float | None = None) -> Any:
        calls.append(_Call("get", timeout if block else 0.0, reads()))
        return real_get(block, _GET_CAP if timeout is None else min(float(timeout), _GET_CAP))

    def join(timeout: float | None = None) -> None:
        before = reads()
        cap = _JOIN_CAP if before >= DRAIN_CHUNKS else _EARLY_JOIN_CAP
        real_join(cap if timeout is None else min(float(timeout), cap))
        calls.append(_Call("join", timeout, before))

    chunks.get, producer.join = get, join


def check_drained(drain_then_join: object) -> Feedback:
    """Exercise 1: the learner's ``drain_then_join(chunks, producer)`` reads all chunks, then joins the producer.

    The check starts a producer of three 1 MB chunks itself and records, in order, every ``get`` and ``join``
    the function makes, so the verdict rests on what the code did, not on how fast the producer exits.
    """
    if drain_then_join is Ellipsis:
        return unanswered("pass your function drain_then_join itself, without calling it")
    if not callable(drain_then_join):
        return Feedback(False, f"Pass your function itself (check_drained(drain_then_join), no parentheses after its name), got {type(drain_then_join).__name__}.")
    if not _takes_two_arguments(drain_then_join):
        return Feedback(False, "Your function must take two arguments, the queue and the producer: def drain_then_join(chunks, producer).")
    chunks = multiprocessing.Queue()
    producer = multiprocessing.Process(target=put_chunks, args=(chunks, DRAIN_CHUNKS, DRAIN_SIZE))
    producer.start()
    calls: list[_Call] = []
    _record_calls(chunks, producer, calls)
    try:
        try:
            received = drain_then_join(chunks, producer)
        except queue.Empty:
            gets = [c for c in calls if c.name == "get"]
            if len(gets) > DRAIN_CHUNKS:
                return Feedback(False, f"get() number {len(gets)} found nothing to read: the producer puts exactly {DRAIN_CHUNKS} chunks, so read {DRAIN_CHUNKS} times, no more.")
            return Feedback(False, f"get(timeout={gets[-1].timeout}) gave up before chunk {len(gets) - 1} arrived: give each read more time (timeout=10), a new process can take a while to start.")
        except Exception as error:  # the learner's code may raise anything; say what it was
            return Feedback(False, f"Your function raised {type(error).__name__}: {error}")
        finally:
            del chunks.get, producer.join
        return _judge_drained(received, calls, producer)
    finally:
        _stop([producer])
        chunks.close()
        chunks.join_thread()


def _judge_drained(received: object, calls: list[_Call], producer: Any) -> Feedback:
    """The verdict on what drain_then_join returned and the calls it made."""
    early = [c for c in calls if c.name == "join" and c.reads_before < DRAIN_CHUNKS]
    if received is Ellipsis:
        note = " First move the join below the reads: as it stands, it waits for a producer that cannot exit yet." if early else ""
        return unanswered(f"read the {DRAIN_CHUNKS} chunks with chunks.get(timeout=10) into a list, then join the producer.{note}")
    if early:
        waited = "no timeout (it would have waited for ever; the check stopped it)" if early[0].timeout is None else f"timeout={early[0].timeout}"
        return Feedback(
            False,
            f"You joined the producer after {early[0].reads_before} of {DRAIN_CHUNKS} reads, with {waited}. "
            "It returned with the producer still running: a process cannot exit while what it put on a queue is unread. "
            "Move the join after the reads.",
        )
    if received is None:
        return Feedback(False, "Your function returned None: end it with return received.")
    if not isinstance(received, list):
        return Feedback(False, f"Return a list of the chunks you read, got {type(received).__name__}.")
    if len(received) != DRAIN_CHUNKS:
        return Feedback(False, f"Expected {DRAIN_CHUNKS} chunks in the list you return, got {len(received)}.")
    if any(not isinstance(item, bytes) for item in received):
        return Feedback(False, "Each chunk should be the bytes object the producer put, as get() returns it.")
    if received != [chunk(i, DRAIN_SIZE) for i in range(DRAIN_CHUNKS)]:
        return Feedback(False, "The chunks are not the ones put_chunks sends (chunk 0, 1, 2 in order, 1,000,000 bytes each).")
    if any(c.name == "get" and c.timeout is None for c in calls):
        return Feedback(False, "Give each get() a timeout (get(timeout=10)): if the producer died, a plain get() would wait for ever.")
    joins = [c for c in calls if c.name == "join"]
    if not joins:
        return Feedback(False, "You read every chunk but never joined the producer: join it (with a timeout) after reading, so it is waited for and its exit code is known.")
    if joins[-1].timeout is None:
        return Feedback(False, "Give join a timeout (join(timeout=10)): a producer that hung would otherwise hang your cell too.")
    # A short final join may return while the producer is still exiting (a slow or busy machine): the order
    # of the calls is what the exercise is about, so the check waits for the exit itself before judging it.
    producer.join(_JOIN_CAP)
    if producer.exitcode != 0:
        return Feedback(False, f"The producer ended with exit code {producer.exitcode}, not 0.")
    return Feedback(True, "Drain, then join: the producer could flush its queue and exit with code 0.")


def _takes_two_arguments(function: Any) -> bool:
    """True when ``function(a, b)`` binds (the exercises' functions take a queue and a process or list)."""
    try:
        inspect.signature(function).bind(None, None)
    except (TypeError, ValueError):
        return False
    return True


def check_sentinels(stop_consumers: object) -> Feedback:
    """Exercise 2: the learner's ``stop_consumers(tasks, consumers)`` puts what stops every consumer.

    The check starts SENTINEL_CONSUMERS consumers, queues SENTINEL_TASKS tasks, then calls the function with
    ``tasks.put`` recorded: the verdict counts what was put, so it does not depend on how fast a consumer exits.
    """
    if stop_consumers is Ellipsis:
        return unanswered("pass your function stop_consumers itself, without calling it")
    if not callable(stop_consumers):
        return Feedback(False, f"Pass your function itself (check_sentinels(stop_consumers), no parentheses after its name), got {type(stop_consumers).__name__}.")
    if not _takes_two_arguments(stop_consumers):
        return Feedback(False, "Your function must take two arguments, the task queue and the list of consumers: def stop_consumers(tasks, consumers).")
    tasks, results = multiprocessing.Queue(), multiprocessing.Queue()
    consumers = [multiprocessing.Process(target=consume, args=(tasks, results)) for _ in range(SENTINEL_CONSUMERS)]
    for consumer in consumers:
        consumer.start()
    for task_id in range(SENTINEL_TASKS):
        tasks.put(("sleep", task_id, 0.01))
    put: list[Any] = []
    real_put = tasks.put

    def recording_put(item: Any, block: bool = True, timeout: float | None = None) -> None:
        put.append(item)
        real_put(item, block, timeout)

    tasks.put = recording_put
    try:
        try:
            stop_consumers(tasks, consumers)
        except Exception as error:  # the learner's code may raise anything; say what it was
            return Feedback(False, f"Your function raised {type(error).__name__}: {error}")
        finally:
            del tasks.put
        return _judge_sentinels(put, consumers, results)
    finally:
        _stop(consumers)
        for channel in (tasks, results):
            channel.close()
            channel.join_thread()


def _judge_sentinels(put: list[Any], consumers: list[Any], results: Any) -> Feedback:
    """The verdict on what stop_consumers put on the task queue."""
    others = [item for item in put if item is not SENTINEL]
    if others:
        return Feedback(
            False,
            f"You put {others[0]!r}: a consumer treats anything but SENTINEL (None) as one more task. "
            "Put the sentinel itself.",
        )
    sentinels, wanted = len(put), len(consumers)
    if sentinels == 0:
        return Feedback(False, "Your function put nothing on tasks, so every consumer would wait for ever once the tasks run out. What tells a consumer to stop?")
    if sentinels < wanted:
        return Feedback(
            False,
            f"{sentinels} sentinel{'s' if sentinels > 1 else ''} for {wanted} consumers: {wanted - sentinels} of them would wait "
            "for ever (the check stopped them). Each consumer stops at the first sentinel it reads, and then reads no more.",
        )
    if sentinels > wanted:
        return Feedback(False, f"{sentinels} sentinels for {wanted} consumers: the extra {sentinels - wanted} stay on the queue unread. How many does each consumer read?")
    try:
        done = [results.get(timeout=_GET_CAP) for _ in range(SENTINEL_TASKS)]
    except queue.Empty:
        return Feedback(False, f"Not every task produced a result within {_GET_CAP:.0f} s: did your function take tasks off the queue?")
    stuck = join_all(consumers, _JOIN_CAP)
    if stuck:
        return Feedback(False, f"{len(stuck)} consumers had not exited {_JOIN_CAP:.0f} s after their sentinel (stopped now).")
    if any(c.exitcode != 0 for c in consumers):
        return Feedback(False, f"Exit codes {[c.exitcode for c in consumers]}: every consumer should return normally (0).")
    if sorted(record.task_id for record in done) != list(range(SENTINEL_TASKS)):
        return Feedback(False, f"Expected one result for each task 0–{SENTINEL_TASKS - 1}.")
    return Feedback(True, f"{wanted} consumers, {wanted} sentinels: every task done and every consumer exited with code 0.")


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
