"""Notebook 03's exercise checks: right answers pass; each typical mistake gets specific feedback; no process is left."""

import multiprocessing

import pytest

from helpers.exercises.queue_pipe import (
    CHANNEL_CHOICES,
    DRAIN_CHUNKS,
    DRAIN_SIZE,
    check_channel_choice,
    check_drained,
    check_sentinel_counts,
    check_sentinels,
)
from helpers.messaging import SENTINEL, chunk, consume, put_chunks


def assert_feedback(feedback, ok, text):
    assert feedback.ok is ok, feedback
    assert text in feedback.message, feedback


@pytest.fixture(autouse=True)
def no_children_left():
    yield
    assert multiprocessing.active_children() == [], "a check left a child process running"


def start_producer():
    chunks = multiprocessing.Queue()
    producer = multiprocessing.Process(target=put_chunks, args=(chunks, DRAIN_CHUNKS, DRAIN_SIZE))
    producer.start()
    return chunks, producer


def test_drained_passes_when_read_before_join():
    chunks, producer = start_producer()
    received = [chunks.get(timeout=30) for _ in range(DRAIN_CHUNKS)]
    producer.join(30)
    assert_feedback(check_drained(received, producer), True, "Drain, then join")


def test_drained_unanswered_stops_the_stuck_producer():
    _, producer = start_producer()
    producer.join(0.5)
    feedback = check_drained(..., producer)
    assert_feedback(feedback, False, "Replace the ...")
    assert "the check stopped it" in feedback.message and not producer.is_alive()


def test_drained_reading_without_joining_is_caught():
    chunks, producer = start_producer()
    received = [chunks.get(timeout=30) for _ in range(DRAIN_CHUNKS)]
    feedback = check_drained(received, producer) if producer.is_alive() else None
    if feedback is not None:  # the producer may already have exited on its own: then the answer passes
        assert_feedback(feedback, False, "join it")
    producer.join(30)


@pytest.mark.parametrize("received, text", [
    ([chunk(0, DRAIN_SIZE)], "Expected 3 chunks, got 1"),
    ("chunks", "Expected a list"),
    ([b"x", b"y", b"z"], "not the ones put_chunks sends"),
    ([1, 2, 3], "bytes object"),
])
def test_drained_wrong_answers(received, text):
    _, producer = start_producer()
    assert_feedback(check_drained(received, producer), False, text)
    assert not producer.is_alive()


def test_drained_needs_a_process():
    assert_feedback(check_drained([], "producer"), False, "Pass the producer Process")


def run_consumers(sentinels):
    tasks, results = multiprocessing.Queue(), multiprocessing.Queue()
    consumers = [multiprocessing.Process(target=consume, args=(tasks, results)) for _ in range(3)]
    for consumer in consumers:
        consumer.start()
    for task_id in range(6):
        tasks.put(("sleep", task_id, 0.0))
    for _ in range(sentinels):
        tasks.put(SENTINEL)
    done = [results.get(timeout=30) for _ in range(6)]
    for consumer in consumers:
        consumer.join(0.5 if sentinels < 3 else 30)
    return consumers, done


def test_sentinels_pass_with_one_per_consumer():
    consumers, done = run_consumers(3)
    assert_feedback(check_sentinels(consumers, done), True, "3 consumers, 3 sentinels")


def test_sentinels_too_few_are_named_and_stopped():
    consumers, done = run_consumers(1)
    assert_feedback(check_sentinels(consumers, done), False, "2 of 3 consumers were still waiting")
    assert not any(c.is_alive() for c in consumers)


def test_sentinels_wrong_results():
    consumers, done = run_consumers(3)
    assert_feedback(check_sentinels(consumers, done[:4]), False, "Expected a list of 6 results, got 4")
    assert_feedback(check_sentinels("workers", done), False, "list of consumer Process objects")


def test_channel_choice():
    assert_feedback(check_channel_choice(dict(CHANNEL_CHOICES)), True, "JoinableQueue")
    wrong = {**CHANNEL_CHOICES, "a consumer should give up if nothing arrives for 5 s": "SimpleQueue"}
    assert_feedback(check_channel_choice(wrong), False, "SimpleQueue.get() has no timeout")
    assert_feedback(check_channel_choice({}), False, "No answer for")
    assert_feedback(check_channel_choice(...), False, "Replace the ...")


@pytest.mark.parametrize("counts, ok, text", [
    ({"first queue": 2, "second queue": 3}, True, "one sentinel per worker"),
    ({"first queue": 1, "second queue": 3}, False, "there are 2"),
    ({"first queue": 2, "second queue": 2}, False, "only 2 of the 3"),
    ({"first queue": 2, "second queue": 5}, False, "Count the workers that read it: 3"),
    ({"first queue": "two", "second queue": 3}, False, "whole number"),
    ({"first": 2}, False, "No answer for"),
])
def test_sentinel_counts(counts, ok, text):
    assert_feedback(check_sentinel_counts(counts), ok, text)
