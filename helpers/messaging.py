"""Workers for notebook 03 (Queue vs Pipe): producers, consumers, pipeline stages, and the pitfalls."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from helpers.faults import die
from helpers.tasks import TaskRecord, traced_cpu, traced_sleep
from helpers.validation import require_int, require_number

# The message of the source's two examples (and of the multiprocessing documentation).
MESSAGE = [42, None, "hello"]
# Put on a queue to say "no more work": one per consumer, because each consumer stops at the first it reads.
SENTINEL = None
# A consumer that has waited this long for its next item gives up, so a forgotten sentinel cannot leave
# a process behind for ever (the notebooks stop such consumers much sooner).
IDLE_TIMEOUT = 60.0


def put_message(results: Any) -> None:
    """Put the source's message on a queue."""
    results.put(MESSAGE)


def send_message(connection: Any) -> None:
    """Send the source's message through one end of a pipe, then close that end."""
    connection.send(MESSAGE)
    connection.close()


def chunk(index: int, size: int) -> bytes:
    """Chunk number ``index``: ``size`` bytes, all equal to index % 256 (so a check can recognise it)."""
    require_int("index", index)
    require_int("size", size, minimum=1)
    return bytes([index % 256]) * size


def put_chunks(results: Any, count: int, size: int, put_done: Any = None) -> None:
    """Put ``count`` chunks of ``size`` bytes on a queue (large items: see the join-before-drain pitfall).

    ``put_done``, an Event if given, is set once every put() has returned, so a parent can wait for that
    moment instead of guessing how long starting this process takes.
    """
    for index in range(count):
        results.put(chunk(index, size))
    if put_done is not None:
        put_done.set()


def crash_before_sending(results: Any) -> None:
    """A producer that dies (killed, as by the out-of-memory killer) before it puts anything on ``results``."""
    die()


def work(task: tuple[str, int, float]) -> TaskRecord:
    """Run one task ``(kind, task_id, amount)``: kind "cpu" burns ``amount`` iterations, "sleep" waits ``amount`` s."""
    kind, task_id, amount = task
    if kind == "cpu":
        return traced_cpu(task_id, int(amount))
    if kind == "sleep":
        return traced_sleep(task_id, amount)
    raise ValueError(f"task kind must be 'cpu' or 'sleep', got {kind!r}")


def produce(tasks: Any, records: Any, count: int, seconds: float, work_seconds: float, consumers: int) -> None:
    """Make ``count`` tasks, ``seconds`` each to make; put each on ``tasks``, then one sentinel per consumer.

    Each task asks a consumer to sleep ``work_seconds``. The producer's own TaskRecords (when it
    made each task) go on ``records``, so a timeline can show producer and consumers together.
    """
    require_int("count", count)
    require_int("consumers", consumers, minimum=1)
    for task_id in range(count):
        records.put(traced_sleep(task_id, seconds))
        tasks.put(("sleep", task_id, work_seconds))
    for _ in range(consumers):
        tasks.put(SENTINEL)


def consume(tasks: Any, results: Any, idle_timeout: float = IDLE_TIMEOUT) -> None:
    """Take tasks until the sentinel (None); put one TaskRecord per task on ``results``."""
    while True:
        try:
            task = tasks.get(timeout=idle_timeout)
        except queue.Empty:
            raise TimeoutError(f"no task and no sentinel for {idle_timeout} s: was a sentinel forgotten?") from None
        if task is SENTINEL:
            return
        results.put(work(task))


def consume_joinable(tasks: Any, results: Any, idle_timeout: float = IDLE_TIMEOUT) -> None:
    """Like consume, for a JoinableQueue: call task_done() for every item taken, the sentinel included."""
    while True:
        try:
            task = tasks.get(timeout=idle_timeout)
        except queue.Empty:
            raise TimeoutError(f"no task and no sentinel for {idle_timeout} s: was a sentinel forgotten?") from None
        try:
            if task is SENTINEL:
                return
            results.put(work(task))
        finally:
            tasks.task_done()


def stage(inbox: Any, outbox: Any, name: str, seconds: float, idle_timeout: float = IDLE_TIMEOUT) -> None:
    """One pipeline stage: take ``(task_id, data)`` items until the sentinel, work ``seconds`` on each, pass on.

    Each item leaves as ``(task_id, data + [(name, TaskRecord)])``, so the last stage's output
    carries when and where every stage handled it.
    """
    while True:
        try:
            item = inbox.get(timeout=idle_timeout)
        except queue.Empty:
            raise TimeoutError(f"stage {name}: no item and no sentinel for {idle_timeout} s") from None
        if item is SENTINEL:
            return
        task_id, history = item
        record = traced_sleep(task_id, seconds)
        outbox.put((task_id, [*history, (name, record)]))


def join_with_timeout(joinable: Any, timeout: float) -> bool:
    """Wait at most ``timeout`` s for ``joinable.join()`` (which itself has no timeout); True if it returned."""
    require_number("timeout", timeout, minimum=0, strict=True)
    waiter = threading.Thread(target=joinable.join, daemon=True)
    waiter.start()
    waiter.join(timeout)
    return not waiter.is_alive()


def reply_after(connection: Any, seconds: float, value: Any, ready: Any) -> None:
    """Wait at the ``ready`` barrier for the other children, sleep ``seconds``, then send ``value`` and close."""
    ready.wait(30)  # every child starts its sleep at the same moment, however long each took to start
    time.sleep(seconds)
    connection.send(value)
    connection.close()


def get_while_alive(results: Any, producer: Any, timeout: float, poll: float = 0.1) -> Any:
    """Get one item from ``results``, but stop waiting as soon as ``producer`` has died without sending."""
    require_number("timeout", timeout, minimum=0, strict=True)
    require_number("poll", poll, minimum=0, strict=True)
    deadline = time.monotonic() + timeout
    while True:
        try:
            return results.get(timeout=min(poll, max(0.0, deadline - time.monotonic())))
        except queue.Empty:
            if not producer.is_alive():
                try:  # it may have put its item just before it ended
                    return results.get(timeout=poll)
                except queue.Empty:
                    raise ChildProcessError(
                        f"the producer ended with exit code {producer.exitcode} without sending anything"
                    ) from None
            if time.monotonic() >= deadline:
                raise TimeoutError(f"nothing arrived within {timeout} s, and the producer is still running") from None


def empty_after_put(trials: int = 200) -> int:
    """How often ``q.empty()`` is True right after ``q.put(x)`` on a fresh Queue (out of ``trials``)."""
    import multiprocessing

    require_int("trials", trials, minimum=1)
    misleading = 0
    for _ in range(trials):
        q = multiprocessing.Queue()
        q.put("x")
        misleading += q.empty()
        q.get(timeout=10)  # it does arrive: the feeder thread had not flushed it yet
        q.close()
        q.join_thread()
    return misleading


# ---------------------------------------------------------------- two writers on one pipe end


def write_tagged(connection: Any, tag: bytes, count: int, size: int, ready: Any) -> None:
    """Wait at the ``ready`` barrier for the other writer, then send ``count`` messages of ``size`` bytes, all ``tag``."""
    message = tag * size
    try:
        ready.wait(30)  # both writers start together, however long each took to start
        for _ in range(count):
            connection.send_bytes(message)
    except BrokenPipeError:  # the reader gave up on the garbled stream and closed its end
        pass
    except threading.BrokenBarrierError:  # the other writer never arrived: send nothing
        pass
    connection.close()


@dataclass(frozen=True)
class SharedEndReport:
    """What a reader saw when two processes wrote into the same pipe end."""

    sent: int
    intact: int
    mixed: int
    error: str

    @property
    def damaged(self) -> int:
        """Messages sent that did not arrive as sent."""
        return self.sent - self.intact


def read_tagged(receiver: Any, tags: Sequence[bytes], size: int, expected: int) -> SharedEndReport:
    """Read messages until EOF; count those that arrived whole (all one tag, right size) and those that did not."""
    intact = mixed = 0
    error = ""
    while True:
        try:
            message = receiver.recv_bytes(maxlength=size * 4)
        except EOFError:
            break
        except OSError as failure:  # a length header read from the middle of someone else's data
            error = f"{type(failure).__name__}: {failure}"
            break
        if len(message) == size and message.count(message[:1]) == size and message[:1] in tags:
            intact += 1
        else:
            mixed += 1
    return SharedEndReport(expected, intact, mixed, error)


def two_writers_one_end(count: int = 200, size: int = 200_000, timeout: float = 30.0, tries: int = 5) -> SharedEndReport:
    """Two processes send ``count`` messages each through the SAME pipe end at once; report what arrived.

    A race that must show, so it is run again (at most ``tries`` times) while every message arrives intact: how the
    kernel hands a full pipe's space to two blocked writers is its choice, and once in a while (seen under Python 3.13
    with spawn on a busy 2-CPU machine) they take turns message by message. The report is the first damaged run's.
    """
    require_int("count", count, minimum=1)
    require_int("size", size, minimum=1)
    require_number("timeout", timeout, minimum=0, strict=True)
    require_int("tries", tries, minimum=1)
    for _ in range(tries):
        report = _write_together(count, size, timeout)
        if report.damaged:
            break
    return report


def _write_together(count: int, size: int, timeout: float) -> SharedEndReport:
    """One run of two_writers_one_end."""
    import multiprocessing

    receiver, sender = multiprocessing.Pipe(duplex=False)
    ready = multiprocessing.Barrier(2)
    writers = [multiprocessing.Process(target=write_tagged, args=(sender, tag, count, size, ready)) for tag in (b"A", b"B")]
    for writer in writers:
        writer.start()
    sender.close()  # only the writers hold the sending end now: when both end, the reader sees EOF
    box: list[SharedEndReport] = []
    reader = threading.Thread(target=lambda: box.append(read_tagged(receiver, (b"A", b"B"), size, 2 * count)), daemon=True)
    reader.start()
    reader.join(timeout)
    for writer in writers:
        if reader.is_alive() or writer.is_alive():
            writer.kill()  # unblocks a reader waiting for bytes that will never come (EOF)
        writer.join(timeout)
    reader.join(5)
    receiver.close()
    if not box:
        raise TimeoutError(f"the reader was still waiting after {timeout} s")
    return box[0]


def simple_queue_holds(item_bytes: int = 1000, most: int = 100_000) -> int:
    """Bytes of items a SimpleQueue holds unread before its put() would block, on this operating system.

    SimpleQueue has no feeder thread: put() writes into the pipe itself. Here nobody reads, and the pipe's
    write end is made non-blocking, so the put that would have blocked raises BlockingIOError instead.
    """
    import multiprocessing
    import os

    require_int("item_bytes", item_bytes, minimum=1)
    require_int("most", most, minimum=1)
    if os.name != "posix":
        raise OSError("simple_queue_holds makes a pipe non-blocking, which needs Linux or macOS")
    simple = multiprocessing.SimpleQueue()
    os.set_blocking(simple._writer.fileno(), False)  # noqa: SLF001 (the pipe's write end: no public handle to it)
    item, stored = b"x" * item_bytes, 0
    try:
        for _ in range(most):
            simple.put(item)
            stored += item_bytes
    except BlockingIOError:
        return stored
    finally:
        simple.close()
    raise RuntimeError(f"{most} items of {item_bytes} bytes all fitted: ask with a larger `most`")
