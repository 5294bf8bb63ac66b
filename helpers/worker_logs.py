"""Logging from worker processes (notebook 06): where records go by default, and one queue that gathers them all.

A worker logs with the standard logging module. Under fork it inherits the parent's handlers, and several
processes writing to one stream interleave; under spawn and forkserver it has none configured, so its INFO
records vanish. The fix: each worker sends its records through a queue (logging.handlers.QueueHandler, set
up by the pool's initializer), and one thread in the parent (a QueueListener) hands them to the real handlers.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import threading
from contextlib import contextmanager
from typing import Any, Iterator

from helpers.validation import require_int, require_number

LOGGER = "course.worker"


def log_task(task_id: int, lines: int = 3) -> int:
    """A task that logs ``lines`` INFO records (task id, line number, pid), then returns its task id."""
    require_int("task_id", task_id)
    require_int("lines", lines, minimum=1)
    logger = logging.getLogger(LOGGER)
    for line in range(lines):
        logger.info("task %d, line %d, from pid %d", task_id, line, os.getpid())
    return task_id


def send_logs_to(records: Any) -> None:
    """Pool initializer: every record this worker logs (INFO and up) goes on the queue ``records``."""
    root = logging.getLogger()
    root.handlers[:] = [logging.handlers.QueueHandler(records)]
    root.setLevel(logging.INFO)


class Collected(logging.Handler):
    """A handler that keeps each record's message (and the process that logged it), in arrival order."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.pids: set[int] = set()

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())
        self.pids.add(record.process or 0)


@contextmanager
def listening(records: Any, handler: logging.Handler, timeout: float = 30.0) -> Iterator[logging.handlers.QueueListener]:
    """A QueueListener that hands every record arriving on ``records`` to ``handler``, until the block ends.

    Leaving the block stops the listener after it has handled what is still queued. That waits for the listener's
    thread, which never returns if a worker was terminated in the middle of writing a record (the reader waits for
    the rest of a message that will never come): so it waits at most ``timeout`` s, then raises RuntimeError.
    """
    require_number("timeout", timeout, minimum=0, strict=True)
    listener = logging.handlers.QueueListener(records, handler)
    listener.start()
    try:
        yield listener
    finally:
        stopper = threading.Thread(target=listener.stop, daemon=True)  # stop() itself has no timeout
        stopper.start()
        stopper.join(timeout)
        if stopper.is_alive():
            raise RuntimeError(
                f"the log listener did not stop within {timeout:g} s: a record was cut off on its way, most likely "
                "because the pool was terminated while a worker was still sending it. Call pool.close() and "
                "pool.join() inside the with block, so that every worker exits normally and flushes its queue."
            )
