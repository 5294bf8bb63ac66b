"""Notebook 03's exercise checks: right answers pass; each typical mistake gets specific feedback; no process is left."""

import multiprocessing
import queue
import time

import pytest

from helpers.exercises.queue_pipe import (
    CHANNEL_CHOICES,
    DRAIN_CHUNKS,
    check_channel_choice,
    check_drained,
    check_sentinel_counts,
    check_sentinels,
)
from helpers.messaging import SENTINEL, consume


def assert_feedback(feedback, ok, text):
    assert feedback.ok is ok, feedback
    assert text in feedback.message, feedback


@pytest.fixture(autouse=True)
def no_children_left():
    yield
    assert multiprocessing.active_children() == [], "a check left a child process running"


# Learners' versions of drain_then_join(chunks, producer): the right one and each typical mistake.
def drain_then_join(chunks, producer):
    received = [chunks.get(timeout=10) for _ in range(DRAIN_CHUNKS)]
    producer.join(timeout=10)
    return received


def unedited(chunks, producer):
    producer.join(timeout=1)
    return ...


def join_before_reading(chunks, producer):
    producer.join(timeout=1)
    return [chunks.get(timeout=10) for _ in range(DRAIN_CHUNKS)]


def join_without_timeout_before_reading(chunks, producer):
    producer.join()  # would deadlock for ever; the check gives up
    return [chunks.get(timeout=10) for _ in range(DRAIN_CHUNKS)]


def join_between_reads(chunks, producer):
    first = chunks.get(timeout=10)
    producer.join(timeout=1)
    return [first] + [chunks.get(timeout=10) for _ in range(DRAIN_CHUNKS - 1)]


def never_joins(chunks, producer):
    return [chunks.get(timeout=10) for _ in range(DRAIN_CHUNKS)]


def joins_without_timeout(chunks, producer):
    received = [chunks.get(timeout=10) for _ in range(DRAIN_CHUNKS)]
    producer.join()
    return received


def gets_without_timeout(chunks, producer):
    received = [chunks.get() for _ in range(DRAIN_CHUNKS)]
    producer.join(timeout=10)
    return received


def short_timeouts(chunks, producer):
    """Right, with timeouts short enough to fail if the producer's start-up were charged to them."""
    received = [chunks.get(timeout=0.05) for _ in range(DRAIN_CHUNKS)]
    producer.join(timeout=0.05)
    return received


def reads_too_many(chunks, producer):
    received = [chunks.get(timeout=10) for _ in range(DRAIN_CHUNKS)]
    producer.join(timeout=10)
    return received + [chunks.get(timeout=0.5)]  # nothing more comes: Empty, whatever the timing


def raises_empty_itself(chunks, producer):
    raise queue.Empty


def forgets_return(chunks, producer):
    drain_then_join(chunks, producer)


def reads_one(chunks, producer):
    received = [chunks.get(timeout=10)]
    producer.join(timeout=1)
    return received


def waits_for_the_exit_first(chunks, producer):
    while producer.is_alive():  # never true: the producer cannot exit before its chunks are read
        time.sleep(0.05)
    return [chunks.get(timeout=10) for _ in range(DRAIN_CHUNKS)]


def wrong_arguments(producer):
    return []


@pytest.mark.parametrize("answer, ok, text", [
    (drain_then_join, True, "Drain, then join"),
    (short_timeouts, True, "Drain, then join"),
    (unedited, False, "which must come first, the reads or the join? And look at where the join is now"),
    (join_before_reading, False, "before reading anything, with timeout=1"),
    (join_without_timeout_before_reading, False, "with no timeout (it would have waited for ever; the check gave up"),
    (join_between_reads, False, "after 1 of the 3 reads"),
    (reads_one, False, "Read all 3 chunks first, then join"),
    (never_joins, False, "never joined the producer"),
    (joins_without_timeout, False, "Give join a timeout"),
    (gets_without_timeout, False, "Give each get() a timeout"),
    (reads_too_many, False, "get() number 4 found nothing"),
    (raises_empty_itself, False, "raised queue.Empty"),
    (forgets_return, False, "returned None"),
    (wrong_arguments, False, "must take two arguments"),
    (..., False, "Replace the ..."),
    ("drain_then_join", False, "Pass your function itself"),
])
def test_drained_judges_what_the_code_did(answer, ok, text):
    """Each verdict comes from the calls the function made, so it is the same however fast the producer exits."""
    assert_feedback(check_drained(answer), ok, text)


def test_a_function_waiting_for_an_exit_that_cannot_come_is_stopped(monkeypatch):
    monkeypatch.setattr("helpers.exercises.queue_pipe._WATCHDOG", 2.0)
    assert_feedback(check_drained(waits_for_the_exit_first), False, "the check stopped the producer after 2 s")


# Learners' versions of stop_consumers(tasks, consumers).
def one_per_consumer(tasks, consumers):
    for _ in consumers:
        tasks.put(SENTINEL)


def unedited_stop(tasks, consumers):
    ...  # put the sentinels here


def one_sentinel(tasks, consumers):
    tasks.put(SENTINEL)


def two_sentinels(tasks, consumers):
    tasks.put(SENTINEL)
    tasks.put(SENTINEL)


def too_many(tasks, consumers):
    for _ in range(5):
        tasks.put(SENTINEL)


def a_stop_word(tasks, consumers):
    for _ in consumers:
        tasks.put("STOP")


def huge_items(tasks, consumers):
    for _ in consumers:
        tasks.put(b"x" * 1_000_000)  # more than a pipe holds: the queue's feeder thread blocks


def joins_before_enough_sentinels(tasks, consumers):
    tasks.put(SENTINEL)
    for consumer in consumers:
        consumer.join()  # two of them cannot exit: the check caps each wait


def terminates_them(tasks, consumers):
    for consumer in consumers:
        tasks.put(SENTINEL)
    for consumer in consumers:
        consumer.terminate()


def raises(tasks, consumers):
    consumers.put(SENTINEL)


def one_argument(tasks):
    tasks.put(SENTINEL)


@pytest.mark.parametrize("answer, ok, text", [
    (one_per_consumer, True, "3 consumers, 3 sentinels"),
    (too_many, True, "2 more than needed stay on the queue"),
    (unedited_stop, False, "put nothing on tasks"),
    (one_sentinel, False, "1 sentinel for 3 consumers: 2 of them would wait"),
    (two_sentinels, False, "2 sentinels for 3 consumers: 1 of them would wait for a task that never comes (the check stopped it)"),
    (a_stop_word, False, "You put 'STOP'"),
    (huge_items, False, "You put b'xxx"),
    (joins_before_enough_sentinels, False, "1 sentinel for 3 consumers"),
    (terminates_them, False, "Did your function stop them some other way?"),
    (raises, False, "raised AttributeError"),
    (one_argument, False, "must take two arguments"),
    (..., False, "Replace the ..."),
    ([], False, "Pass your function itself"),
])
def test_sentinels_judged_by_what_was_put(answer, ok, text):
    """The verdict counts the items put, so it is the same however fast each consumer exits."""
    assert_feedback(check_sentinels(answer), ok, text)


RIGHT_CHANNELS = {situation: choice[0] if isinstance(choice, tuple) else choice for situation, choice in CHANNEL_CHOICES.items()}
TIMEOUT_SITUATION = "a consumer should give up if nothing arrives for 5 s"


def test_channel_choice():
    assert_feedback(check_channel_choice(RIGHT_CHANNELS), True, "JoinableQueue")
    assert_feedback(check_channel_choice({**RIGHT_CHANNELS, TIMEOUT_SITUATION: "JoinableQueue"}), True, "JoinableQueue")
    assert_feedback(check_channel_choice({**RIGHT_CHANNELS, TIMEOUT_SITUATION: " multiprocessing.queue "}), True, "JoinableQueue")
    wrong = {**RIGHT_CHANNELS, TIMEOUT_SITUATION: "SimpleQueue"}
    assert_feedback(check_channel_choice(wrong), False, "1 wrong. Look again at 'a consumer should give up")  # a nudge first
    assert_feedback(check_channel_choice({**wrong, TIMEOUT_SITUATION: "Pipe.send_bytes"}), False, "SimpleQueue.get() cannot")
    assert_feedback(check_channel_choice({**RIGHT_CHANNELS, TIMEOUT_SITUATION: "Pipe"}), True, "JoinableQueue")  # poll(5)
    assert_feedback(check_channel_choice({**RIGHT_CHANNELS, TIMEOUT_SITUATION: "Ray"}), False, "is not one of: 'Queue', 'SimpleQueue'")
    assert_feedback(check_channel_choice({}), False, "No answer for")
    assert_feedback(check_channel_choice(...), False, "Replace the ...")


@pytest.mark.parametrize("counts, ok, text", [
    ({"first queue": 2, "second queue": 3}, True, "one sentinel per worker"),
    ({"first queue": 1, "second queue": 3}, False, "First queue: 1 is not right. Which workers read the first queue"),
    ({"first queue": 2, "second queue": 2}, False, "as many as stage 1 has workers. Which workers read the second queue?"),
    ({"first queue": 2, "second queue": 5}, False, "Second queue: 5 is not right. Which workers read it?"),
    ({"first queue": "two", "second queue": 3}, False, "whole number"),
    ({"first": 2}, False, "No answer for"),
])
def test_sentinel_counts(counts, ok, text):
    assert_feedback(check_sentinel_counts(counts), ok, text)


def test_the_process_checks_give_the_same_verdicts_under_every_start_method(start_method):
    assert_feedback(check_drained(drain_then_join), True, "Drain, then join")
    assert_feedback(check_drained(short_timeouts), True, "Drain, then join")  # start-up is not charged to timeouts
    assert_feedback(check_drained(join_before_reading), False, "before reading anything")
    assert_feedback(check_drained(never_joins), False, "never joined")
    assert_feedback(check_sentinels(one_per_consumer), True, "3 consumers, 3 sentinels")
    assert_feedback(check_sentinels(one_sentinel), False, "2 of them would wait")
