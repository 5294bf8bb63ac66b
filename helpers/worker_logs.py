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
from contextlib import contextmanager
from typing import Any, Iterator

from helpers.validation import require_int

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
def listening(records: Any, handler: logging.Handler) -> Iterator[logging.handlers.QueueListener]:
    """A QueueListener that hands every record arriving on ``records`` to ``handler``, until the block ends."""
    listener = logging.handlers.QueueListener(records, handler)
    listener.start()
    try:
        yield listener
    finally:
        listener.stop()  # processes what is still queued, then stops its thread
