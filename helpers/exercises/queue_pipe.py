"""Checks for the exercises of notebook 03 (Queue vs Pipe)."""

from __future__ import annotations

import inspect
import multiprocessing
import queue
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from helpers.exercises import (
    Feedback,
    choice_feedback,
    exercise_check,
    graded,
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


# The checks below start the processes themselves, call the learner's function, and record the calls it makes
# on the queue and the processes: the verdict rests on what the code did, not on how fast a process exits.
# Every wait the learner's code makes is capped, so a wrong answer ends in feedback, never in a hung cell.
_WAIT_CAP = 30.0
_HOPELESS_WAIT_CAP = 2.0  # a join that cannot succeed yet (before the reads, before the sentinels) waits no longer
_WATCHDOG = 60.0  # after this, the check stops its processes, whatever the learner's code is waiting for


@dataclass(frozen=True)
class _Call:
    """One call the learner's function made, in order."""

    name: str  # "get", "join" or "put"
    timeout: float | None  # None: no timeout given
    before: int  # how many calls of the kind that matter (reads, sentinels) came before this one


@contextmanager
def _shadowed(replacements: list[tuple[Any, str, Callable[..., Any]]]) -> Iterator[None]:
    """Give each object an attribute that hides its method for a while; deleting it brings the method back."""
    for target, name, replacement in replacements:
        setattr(target, name, replacement)
    try:
        yield
    finally:
        for target, name, _ in replacements:
            delattr(target, name)


def _capped_join(process: Any, calls: list[_Call], hopeless: Callable[[], bool], before: Callable[[], int]) -> Callable[..., None]:
    """A join for ``process`` that records itself and waits at most _WAIT_CAP (or less, when it cannot succeed yet)."""
    real_join = process.join

    def join(timeout: float | None = None) -> None:
        cap = _HOPELESS_WAIT_CAP if hopeless() else _WAIT_CAP
        calls.append(_Call("join", timeout, before()))
        real_join(cap if timeout is None else min(float(timeout), cap))

    return join


def _takes_two_arguments(function: Any) -> bool:
    """True when ``function(a, b)`` binds (the exercises' functions take a queue and a process or a list)."""
    try:
        inspect.signature(function).bind(None, None)
    except (TypeError, ValueError):
        return False
    return True


def _function_problem(function: object, name: str, arguments: str) -> Feedback | None:
    """Feedback when ``function`` is not the learner's two-argument function; else None."""
    if function is Ellipsis:
        return unanswered(f"pass your function {name} itself, without calling it")
    if not callable(function):
        return Feedback(False, f"Pass your function itself (check_...({name}), no parentheses after its name), got {type(function).__name__}.")
    if not _takes_two_arguments(function):
        return Feedback(False, f"Your function must take two arguments: def {name}({arguments}).")
    return None


def _close(channel: Any) -> None:
    """Close a queue without waiting for its feeder thread (items nobody will read may still be in it)."""
    channel.cancel_join_thread()
    channel.close()


@exercise_check
def check_drained(drain_then_join: object) -> Feedback:
    """Exercise 1: the learner's ``drain_then_join(chunks, producer)`` reads all chunks, then joins the producer.

    The check starts a producer of three 1 MB chunks, waits until it has put them (so its start-up time is not
    charged to the learner's timeouts), and records every ``get`` and ``join`` the function makes, in order.
    """
    problem = _function_problem(drain_then_join, "drain_then_join", "chunks, producer")
    if problem:
        return problem
    chunks, put_done = multiprocessing.Queue(), multiprocessing.Event()
    producer = multiprocessing.Process(target=put_chunks, args=(chunks, DRAIN_CHUNKS, DRAIN_SIZE, put_done))
    producer.start()
    stopped = threading.Event()

    def stop_producer() -> None:
        stopped.set()
        producer.terminate()

    watchdog = threading.Timer(_WATCHDOG, stop_producer)  # ends, e.g., a loop waiting for the producer to exit
    watchdog.start()
    calls: list[_Call] = []
    real_get = chunks.get

    def reads() -> int:
        return sum(call.name == "get" for call in calls)

    def get(block: bool = True, timeout: float | None = None) -> Any:
        calls.append(_Call("get", timeout if block else 0.0, reads()))
        if stopped.is_set():  # killed mid-write, the producer may have left half a chunk: reading it would hang
            raise TimeoutError(f"the check stopped the producer after {_WATCHDOG:g} s: your function was waiting for something that could not happen yet")
        return real_get(block, _WAIT_CAP if timeout is None else min(float(timeout), _WAIT_CAP))

    try:
        put_done.wait(_WAIT_CAP)
        join = _capped_join(producer, calls, hopeless=lambda: reads() < DRAIN_CHUNKS, before=reads)
        try:
            with _shadowed([(chunks, "get", get), (producer, "join", join)]):
                received = drain_then_join(chunks, producer)
        except queue.Empty as error:
            if reads() > DRAIN_CHUNKS:
                return Feedback(False, f"get() number {reads()} found nothing to read: the producer puts exactly {DRAIN_CHUNKS} chunks. How many times should you read?")
            return Feedback(False, f"Your function raised queue.Empty{': ' + str(error) if str(error) else ''}: a get() found nothing within its timeout. Give each get() a few seconds.")
        except Exception as error:  # the learner's code may raise anything; say what it was
            return Feedback(False, f"Your function raised {type(error).__name__}: {error}")
        return _judge_drained(received, calls, producer)
    finally:
        watchdog.cancel()
        join_all([producer], 0.5)
        _close(chunks)


def _judge_drained(received: object, calls: list[_Call], producer: Any) -> Feedback:
    """The verdict on what drain_then_join returned and the calls it made."""
    early = next((c for c in calls if c.name == "join" and c.before < DRAIN_CHUNKS), None)
    if received is Ellipsis:
        note = " And look at where the join is now." if early else ""
        return unanswered(f"a process cannot exit while what it put on a queue is unread: which must come first, the reads or the join?{note}")
    if early:
        waited = "no timeout (it would have waited for ever; the check gave up after 2 s)" if early.timeout is None else f"timeout={early.timeout:g}"
        if early.before == 0:
            where = "before reading anything"
        else:
            where = f"after {early.before} of the {DRAIN_CHUNKS} reads"
        return Feedback(
            False,
            f"You joined the producer {where}, with {waited}. It returned with the producer still running: a process "
            f"cannot exit while what it put on a queue is unread. Read all {DRAIN_CHUNKS} chunks first, then join.",
        )
    if received is None:
        return Feedback(False, "Your function returned None: end it with return received.")
    if not isinstance(received, list):
        return Feedback(False, f"Return a list of the chunks you read, got {type(received).__name__}.")
    if len(received) != DRAIN_CHUNKS:
        return Feedback(False, f"The list you return holds {len(received)} items; the producer put {DRAIN_CHUNKS} chunks.")
    if any(not isinstance(item, bytes) for item in received):
        return Feedback(False, "Each chunk should be the bytes object the producer put, as get() returns it.")
    if received != [chunk(i, DRAIN_SIZE) for i in range(DRAIN_CHUNKS)]:
        return Feedback(False, "The chunks are not the ones put_chunks sends (chunk 0, 1, 2 in order, 1,000,000 bytes each).")
    if any(c.name == "get" and c.timeout is None for c in calls):
        return Feedback(False, "Give each get() a timeout: if the producer died, a plain get() would wait for ever.")
    joins = [c for c in calls if c.name == "join"]
    if not joins:
        return Feedback(False, "You read every chunk but never joined the producer: join it (with a timeout) after reading, so it is waited for and its exit code is known.")
    if joins[-1].timeout is None:
        return Feedback(False, "Give join a timeout: a producer that hung would otherwise hang your cell too.")
    # A short final join may return while the producer is still exiting (a slow or busy machine): the order
    # of the calls is what the exercise is about, so the check waits for the exit itself before judging it.
    producer.join(_WAIT_CAP)
    if producer.exitcode != 0:
        return Feedback(False, f"The producer ended with exit code {producer.exitcode}, not 0.")
    return Feedback(True, "Drain, then join: the producer could flush its queue and exit with code 0.")


@exercise_check
def check_sentinels(stop_consumers: object) -> Feedback:
    """Exercise 2: the learner's ``stop_consumers(tasks, consumers)`` puts what stops every consumer.

    The check starts SENTINEL_CONSUMERS consumers, queues SENTINEL_TASKS tasks, then calls the function with
    ``tasks.put`` and each consumer's ``join`` recorded: the verdict counts what was put, so it does not depend
    on how fast a consumer exits.
    """
    problem = _function_problem(stop_consumers, "stop_consumers", "tasks, consumers")
    if problem:
        return problem
    tasks, results = multiprocessing.Queue(), multiprocessing.Queue()
    consumers = [multiprocessing.Process(target=consume, args=(tasks, results)) for _ in range(SENTINEL_CONSUMERS)]
    for consumer in consumers:
        consumer.start()
    for task_id in range(SENTINEL_TASKS):
        tasks.put(("sleep", task_id, 0.01))
    calls: list[_Call] = []
    put: list[Any] = []
    real_put = tasks.put

    def sentinels() -> int:
        return sum(item is SENTINEL for item in put)

    def recording_put(item: Any, block: bool = True, timeout: float | None = None) -> None:
        put.append(item)
        real_put(item, block, timeout)

    shadows: list[tuple[Any, str, Callable[..., Any]]] = [(tasks, "put", recording_put)]
    shadows += [
        (c, "join", _capped_join(c, calls, hopeless=lambda: sentinels() < len(consumers), before=sentinels)) for c in consumers
    ]
    try:
        try:
            with _shadowed(shadows):
                stop_consumers(tasks, consumers)
        except Exception as error:  # the learner's code may raise anything; say what it was
            return Feedback(False, f"Your function raised {type(error).__name__}: {error}")
        return _judge_sentinels(put, consumers, results)
    finally:
        join_all(consumers, 0.5)
        _close(tasks)
        _close(results)


def _judge_sentinels(put: list[Any], consumers: list[Any], results: Any) -> Feedback:
    """The verdict on what stop_consumers put on the task queue."""
    others = [item for item in put if item is not SENTINEL]
    if others:
        return Feedback(
            False,
            f"You put {others[0]!r:.60}: a consumer treats anything but SENTINEL (None) as one more task. "
            "Put the sentinel itself.",
        )
    sentinels, wanted = len(put), len(consumers)
    if sentinels == 0:
        return Feedback(False, "Your function put nothing on tasks, so every consumer would wait for a task that never comes. What tells a consumer to stop?")
    if sentinels < wanted:
        waiting = wanted - sentinels
        return Feedback(
            False,
            f"{sentinels} sentinel{'s' if sentinels > 1 else ''} for {wanted} consumers: {waiting} of them would wait for a task "
            f"that never comes (the check stopped {'it' if waiting == 1 else 'them'}). Each consumer stops at the first sentinel it reads, and then reads no more.",
        )
    stuck = join_all(consumers, _WAIT_CAP)
    if stuck:
        return Feedback(False, f"{len(stuck)} consumers had not exited {_WAIT_CAP:.0f} s after their sentinel (stopped now).")
    if any(c.exitcode != 0 for c in consumers):
        return Feedback(False, f"Exit codes {[c.exitcode for c in consumers]}: every consumer should return normally (0). Did your function stop them some other way?")
    # Every consumer returned normally, so every result it put has been flushed into the queue's pipe.
    done = []
    while len(done) < SENTINEL_TASKS:
        try:
            done.append(results.get(timeout=_HOPELESS_WAIT_CAP))  # already in the pipe, if it was ever put
        except queue.Empty:
            return Feedback(False, f"Only {len(done)} of {SENTINEL_TASKS} tasks produced a result: did your function take tasks off the queue?")
    extra = sentinels - wanted
    note = f" ({extra} more than needed stay{'s' if extra == 1 else ''} on the queue unread: one per consumer is enough.)" if extra else ""
    return Feedback(True, f"{wanted} consumers, {sentinels} sentinels: every task done and every consumer exited with code 0.{note}")


CHANNEL_CHOICES = {
    "several worker processes send results to one collector": ("Queue", "JoinableQueue"),
    "two processes exchange requests and replies, as fast as possible": "Pipe",
    "the producer must wait until every task it queued has been processed": "JoinableQueue",
    "move large raw byte buffers from one process to another, no pickling": "Pipe.send_bytes",
    "a consumer should give up if nothing arrives for 5 s": ("Queue", "JoinableQueue", "Pipe"),  # get(timeout=), poll(5)
}
CHANNELS = ("Queue", "SimpleQueue", "JoinableQueue", "Pipe", "Pipe.send_bytes")
_CHANNEL_HINTS = {
    "several worker processes send results to one collector": "a Pipe end must not be written by two processes at once (section 5).",
    "two processes exchange requests and replies, as fast as possible": "compare the round-trip column of your benchmark.",
    "the producer must wait until every task it queued has been processed": "which queue has task_done() and join()?",
    "move large raw byte buffers from one process to another, no pickling": "which call sends bytes as they are?",
    "a consumer should give up if nothing arrives for 5 s": "which channels can wait with a timeout? SimpleQueue.get() cannot.",
}


@exercise_check
def check_channel_choice(choices: object) -> Feedback:
    """Exercise 3: the channel that fits each situation in CHANNEL_CHOICES."""
    return choice_feedback(
        choices, CHANNEL_CHOICES, name="CHANNEL_CHOICES",
        hint="a dict mapping each situation to one of: Queue, SimpleQueue, JoinableQueue, Pipe, Pipe.send_bytes",
        success="Queue for many writers and timeouts, JoinableQueue to wait for completion, Pipe for two-party speed, send_bytes to skip pickling.",
        why=lambda situation, answer: f"For {situation!r}, {answer!r} is not the best fit: {_CHANNEL_HINTS[situation]}",
        nudge="what does this situation need most, and which channel has it?",
        choices=CHANNELS,
        prefixes=("multiprocessing.",),
    )


PIPELINE = {"stage 1 workers": 2, "stage 2 workers": 3}


@exercise_check
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
        return Feedback(False, graded("pipeline-first", first,
                                      f"First queue: {first} is not right. Which workers read the first queue, and how many "
                                      "sentinels does each need to stop?",
                                      "Every stage-1 worker must read a sentinel to stop: count the stage-1 workers in PIPELINE."))
    if second == expected["first queue"]:
        return Feedback(False, "Second queue: as many as stage 1 has workers. Which workers read the second queue? "
                        "Any of them left without a sentinel waits for ever.")
    if second != expected["second queue"]:
        return Feedback(False, graded("pipeline-second", second,
                                      f"Second queue: {second} is not right. Which workers read it?",
                                      "Count the stage-2 workers in PIPELINE: each needs its own sentinel."))
    return Feedback(True, "2 on the first queue; once stage 1 has been joined, 3 on the second: one sentinel per worker that reads each queue.")
