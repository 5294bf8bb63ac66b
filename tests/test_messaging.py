"""helpers.messaging: notebook 03's workers and pitfall demonstrations, under every start method."""

import multiprocessing
import os
import queue
import time

import pytest

from helpers.messaging import (
    MESSAGE,
    SENTINEL,
    chunk,
    consume,
    consume_joinable,
    crash_before_sending,
    empty_after_put,
    get_while_alive,
    join_with_timeout,
    produce,
    put_chunks,
    put_message,
    read_tagged,
    reply_after,
    send_message,
    stage,
    two_writers_one_end,
    work,
)
from helpers.tasks import TaskRecord
from helpers.start_methods import available_methods

METHODS = available_methods()


@pytest.fixture(autouse=True)
def no_children_left():
    yield
    assert multiprocessing.active_children() == [], "a test left a child process running"


@pytest.mark.parametrize("method", METHODS)
def test_the_source_message_travels_through_queue_and_pipe(method):
    context = multiprocessing.get_context(method)
    messages = context.Queue()
    child = context.Process(target=put_message, args=(messages,))
    child.start()
    assert messages.get(timeout=30) == MESSAGE
    child.join(30)
    receiving, sending = context.Pipe()
    child = context.Process(target=send_message, args=(sending,))
    child.start()
    sending.close()
    assert receiving.poll(30) and receiving.recv() == MESSAGE
    child.join(30)
    assert child.exitcode == 0


def test_chunks_are_recognisable_and_validated():
    assert chunk(2, 3) == b"\x02\x02\x02" and chunk(258, 1) == b"\x02"
    with pytest.raises(ValueError, match="size must be ≥ 1"):
        chunk(0, 0)
    with pytest.raises(TypeError, match="index"):
        chunk("a", 3)


def test_work_runs_both_kinds_and_rejects_others():
    assert isinstance(work(("sleep", 3, 0.0)), TaskRecord) and work(("sleep", 3, 0.0)).task_id == 3
    assert work(("cpu", 1, 10)).value == sum(i * i % 7 for i in range(10))
    with pytest.raises(ValueError, match="'cpu' or 'sleep'"):
        work(("gpu", 1, 1))


def test_consumer_stops_at_the_sentinel_and_gives_up_when_idle():
    tasks, results = queue.Queue(), queue.Queue()  # the same calls as multiprocessing's queues, in-process
    for task in [("sleep", 0, 0.0), ("sleep", 1, 0.0), SENTINEL, ("sleep", 2, 0.0)]:
        tasks.put(task)
    consume(tasks, results)
    assert [results.get_nowait().task_id for _ in range(2)] == [0, 1] and tasks.qsize() == 1
    with pytest.raises(TimeoutError, match="was a sentinel forgotten"):
        consume(queue.Queue(), results, idle_timeout=0.05)


def test_joinable_consumer_marks_every_item_done():
    tasks, results = queue.Queue(), queue.Queue()
    for task in [("sleep", 0, 0.0), SENTINEL]:
        tasks.put(task)
    consume_joinable(tasks, results)
    tasks.join()  # returns at once: task_done() was called for both items
    assert results.get_nowait().task_id == 0


def test_producer_puts_tasks_then_one_sentinel_per_consumer():
    tasks, records = queue.Queue(), queue.Queue()
    produce(tasks, records, 3, 0.0, 0.5, consumers=2)
    assert [tasks.get_nowait() for _ in range(5)] == [("sleep", 0, 0.5), ("sleep", 1, 0.5), ("sleep", 2, 0.5), None, None]
    assert records.qsize() == 3
    with pytest.raises(ValueError, match="consumers must be ≥ 1"):
        produce(tasks, records, 3, 0.0, 0.5, consumers=0)


def test_stage_appends_its_record_and_stops_at_the_sentinel():
    inbox, outbox = queue.Queue(), queue.Queue()
    inbox.put((7, [("earlier", None)]))
    inbox.put(SENTINEL)
    stage(inbox, outbox, "compute", 0.0)
    task_id, history = outbox.get_nowait()
    assert task_id == 7 and [name for name, _ in history] == ["earlier", "compute"]
    assert outbox.empty()


def test_join_with_timeout_reports_both_outcomes():
    joinable = multiprocessing.JoinableQueue()
    assert join_with_timeout(joinable, 1)
    joinable.put("unfinished")
    assert not join_with_timeout(joinable, 0.2)
    joinable.get(timeout=5)
    joinable.task_done()
    with pytest.raises(ValueError, match="timeout must be > 0"):
        join_with_timeout(joinable, 0)


@pytest.mark.parametrize("method", METHODS)
def test_reply_after_waits_at_the_barrier(method):
    context = multiprocessing.get_context(method)
    receiving, sending = context.Pipe(duplex=False)
    ready = context.Barrier(2)
    child = context.Process(target=reply_after, args=(sending, 0.0, "hi", ready))
    child.start()
    sending.close()
    assert not receiving.poll(0.3)  # nothing before the other party reaches the barrier
    ready.wait(30)
    assert receiving.poll(30) and receiving.recv() == "hi"
    child.join(30)


@pytest.mark.parametrize("method", METHODS)
def test_joining_before_draining_a_large_item_deadlocks_until_read(method):
    context = multiprocessing.get_context(method)
    items, put_done = context.Queue(), context.Event()
    child = context.Process(target=put_chunks, args=(items, 1, 10_000_000, put_done))
    child.start()
    assert put_done.wait(30), "the child never finished its put()"
    child.join(1)
    assert child.is_alive(), "a 10 MB item should not fit in the pipe: the child cannot exit before it is read"
    assert items.get(timeout=30) == chunk(0, 10_000_000)
    child.join(30)
    assert child.exitcode == 0


@pytest.mark.parametrize("method", METHODS)
def test_a_small_item_lets_its_producer_exit_before_it_is_read(method):
    context = multiprocessing.get_context(method)
    items, put_done = context.Queue(), context.Event()
    child = context.Process(target=put_chunks, args=(items, 1, 1_000, put_done))
    child.start()
    assert put_done.wait(30)
    child.join(30)  # returns at once: 1,000 bytes fit in the pipe, so the feeder thread flushes and the child exits
    assert child.exitcode == 0
    assert items.get(timeout=30) == chunk(0, 1_000)


@pytest.mark.parametrize("method", METHODS)
def test_get_while_alive_reports_a_dead_producer_at_once(method):
    context = multiprocessing.get_context(method)
    items = context.Queue()
    producer = context.Process(target=crash_before_sending, args=(items,))
    producer.start()
    start = time.monotonic()
    with pytest.raises(ChildProcessError, match="without sending anything"):
        get_while_alive(items, producer, timeout=60)
    assert time.monotonic() - start < 30  # reported when the producer died, not after the timeout
    producer.join(10)


def test_get_while_alive_returns_an_item_and_times_out_on_a_live_silent_producer():
    context = multiprocessing.get_context("fork" if "fork" in METHODS else "spawn")
    items = context.Queue()
    items.put("ready")
    sleeper = context.Process(target=time.sleep, args=(120,))  # alive throughout the test, however slow; killed below
    sleeper.start()
    try:
        assert get_while_alive(items, sleeper, timeout=10) == "ready"
        with pytest.raises(TimeoutError, match="still running"):
            get_while_alive(items, sleeper, timeout=0.3)
    finally:
        sleeper.kill()
        sleeper.join(10)


def test_empty_after_put_counts_within_the_trials():
    assert 0 <= empty_after_put(5) <= 5
    with pytest.raises(ValueError, match="trials must be ≥ 1"):
        empty_after_put(0)


def test_two_writers_on_one_pipe_end_garble_the_stream(start_method):
    # A race that must show, as in notebook 03: the two writers start together (a Barrier), and 100 messages
    # each, far larger than the pipe's buffer, interleave (measured on one CPU: 391-398 of 400 damaged).
    report = two_writers_one_end(count=100, size=200_000)
    assert report.sent == 200 and report.damaged > 0


@pytest.mark.parametrize("bad", [{"count": 0}, {"size": 0}, {"timeout": 0}, {"tries": 0}])
def test_two_writers_one_end_rejects_bad_arguments(bad):
    name = next(iter(bad))
    with pytest.raises(ValueError, match=name):
        two_writers_one_end(**bad)


def test_small_messages_from_two_writers_stay_whole_even_when_run_again():
    # Writes up to PIPE_BUF are atomic: all 5 runs (run again because none was damaged) keep every message whole.
    report = two_writers_one_end(count=50, size=2_000, tries=5)
    assert (report.sent, report.intact, report.damaged, report.error) == (100, 100, 0, "")


def test_read_tagged_counts_intact_and_mixed_messages():
    receiving, sending = multiprocessing.Pipe(duplex=False)
    for message in (b"AAAA", b"ABAB", b"BBBB"):
        sending.send_bytes(message)
    sending.close()
    report = read_tagged(receiving, (b"A", b"B"), 4, expected=3)
    assert (report.intact, report.mixed, report.error, report.damaged) == (2, 1, "", 1)


@pytest.mark.skipif(os.name != "posix", reason="makes a pipe non-blocking")
def test_a_simple_queue_holds_about_a_pipe_buffer_before_put_would_block():
    from helpers.messaging import simple_queue_holds

    held = simple_queue_holds(1000)
    assert 4096 <= held <= 16 * 2**20  # a pipe buffer: 64 KiB on Linux, 16-64 KiB on macOS
    with pytest.raises(ValueError, match="item_bytes must be ≥ 1"):
        simple_queue_holds(0)
    with pytest.raises(RuntimeError, match="ask with a larger"):
        simple_queue_holds(10, most=3)
