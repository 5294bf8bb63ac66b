"""Checks for the exercises of notebook 04 (shared memory)."""

from __future__ import annotations

from collections.abc import Sequence

from helpers.exercises import Feedback, choice_feedback, exercise_check, graded, unanswered
from helpers.shared import when_all_ready
from helpers.shared_numpy import SharedArray, attach

RACE_PROCESSES = 4
RACE_TIMES = 10_000
POOL_TASKS = 12
GRID_SHAPE = (4, 100_000)


def _value_of(counter: object) -> object:
    return getattr(counter, "value", counter)


class _AuditedCounter:
    """Stands in for a shared Value: counts reads and writes of ``.value`` made without holding ``get_lock()``."""

    def __init__(self) -> None:
        self._value = 0
        self._depth = 0  # a Value's lock is re-entrant: count nested acquisitions
        self.unguarded: list[str] = []

    def get_lock(self) -> "_AuditedCounter":
        """The counter's lock (this object itself, as a context manager)."""
        return self

    def acquire(self, *args: object, **kwargs: object) -> bool:
        """Take the lock."""
        self._depth += 1
        return True

    def release(self) -> None:
        """Give the lock back."""
        self._depth = max(0, self._depth - 1)

    def __enter__(self) -> "_AuditedCounter":
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    @property
    def value(self) -> int:
        """The count; a read without the lock is recorded."""
        if not self._depth:
            self.unguarded.append("read")
        return self._value

    @value.setter
    def value(self, new: int) -> None:
        if not self._depth:
            self.unguarded.append("write")
        self._value = new


AUDIT_TIMES = 3


def _audit(worker: object) -> tuple[_AuditedCounter | None, str]:
    """Run ``worker(counter, AUDIT_TIMES)`` here, on an audited counter; return it, or None and the reason."""
    if worker is when_all_ready:
        return None, "when_all_ready is only the start line: pass the worker it runs after the line (its second argument)."
    if not callable(worker):
        return None, f"Pass the worker function you chose (for example increment_locked) as the third argument, got {type(worker).__name__}."
    audited = _AuditedCounter()
    try:
        worker(audited, AUDIT_TIMES)
    except Exception as error:  # any worker may fail on the stand-in; say how
        name = getattr(worker, "__name__", repr(worker))
        return None, f"{name}(counter, {AUDIT_TIMES}) raised {type(error).__name__}: {error}. Pass the worker you gave the processes, one that takes (counter, times)."
    return audited, ""


@exercise_check
def check_counter(counter: object, workers: object, worker: object = None) -> Feedback:
    """Exercise 1: 4 processes × 10,000 increments of one shared Value with ``worker``, none lost, ever.

    Whether a race loses updates in one run is a matter of timing, so the verdict does not rest on the count:
    the check also runs ``worker`` on a counter that records every read and write made without the lock.
    """
    if not isinstance(workers, Sequence) or not workers or not all(hasattr(w, "exitcode") for w in workers):
        return Feedback(False, "Pass the list of worker Process objects as the second argument.")
    expected = RACE_PROCESSES * RACE_TIMES
    value = _value_of(counter)
    if any(w.exitcode is None for w in workers):
        return Feedback(False, "Some workers were still running when you checked: join them all (with a timeout) first.")
    if any(w.exitcode != 0 for w in workers):
        return Feedback(False, f"Worker exit codes {[w.exitcode for w in workers]}: one failed; read its error above.")
    if not isinstance(value, int):
        return Feedback(False, f"Pass the shared Value (or its value) as the first argument, got {value!r}.")
    audited, problem = _audit(worker)
    if audited is None:
        return Feedback(False, problem)
    name = getattr(worker, "__name__", "your worker")
    this_run = f"this run lost {expected - value:,} of {expected:,}" if value < expected else "this run happened to lose none, the next may"
    if audited.unguarded:
        return Feedback(
            False,
            f"{name} reads and writes counter.value without holding counter.get_lock() ({this_run}). "
            "A read, then a write: another process can write in between, and one of the two updates is lost. "
            "Which worker in helpers.shared holds the lock?",
        )
    if audited.value != AUDIT_TIMES:
        return Feedback(False, f"{name}(counter, {AUDIT_TIMES}) added {audited.value} instead of {AUDIT_TIMES}: it must add 1 per time.")
    if value < expected:
        return Feedback(False, f"The counter is {value:,} instead of {expected:,}, yet {name} holds the lock: did the processes run another worker? Pass the check the same worker_function the processes ran.")
    if value != expected:
        return Feedback(False, f"The counter is {value:,} instead of {expected:,}: start from a fresh Value(\"i\", 0), with 4 processes of 10,000 each.")
    return Feedback(True, f"{expected:,}, and {name} reads and writes the counter only under its lock, so no run can lose an update.")


@exercise_check
def check_pool_count(counter: object) -> Feedback:
    """Exercise 2: a Pool's workers counted 12 tasks into one shared Value given by the initializer."""
    if counter is Ellipsis:
        return unanswered("the Value cannot travel inside a task: which Pool arguments hand something to every worker as it starts?")
    if not hasattr(counter, "get_lock") or not hasattr(counter, "value"):
        return Feedback(False, f"Pass the shared Value you created (multiprocessing.Value), got {type(counter).__name__}: "
                        "only a multiprocessing.Value (one with get_lock()) shows what the workers counted.")
    value = counter.value
    if not isinstance(value, int):
        return Feedback(False, f"Pass the shared integer Value you created, got one holding {type(value).__name__}.")
    if value == 0:
        return Feedback(False, "The counter is still 0: did the tasks run (pool.map inside the with block) on the counter you passed?")
    if value != POOL_TASKS:
        return Feedback(False, f"The counter is {value}, not {POOL_TASKS}: run exactly {POOL_TASKS} count_task tasks on a fresh counter.")
    return Feedback(True, f"{POOL_TASKS}: the Value reached the workers at start-up (initargs), never inside a task.")


@exercise_check
def check_grid(grid: object, spec: object) -> Feedback:
    """Exercise 3: row i of the shared grid holds i everywhere, filled by workers; then the segment was unlinked."""
    import numpy as np

    if grid is Ellipsis:
        return unanswered("one task per row, each filling its own row through the segment's name; then copy the grid, and clean up the segment")
    if not isinstance(spec, SharedArray):
        return Feedback(False, f"Pass the SharedArray description from create_shared_array as the second argument, got {type(spec).__name__}.")
    if not isinstance(grid, np.ndarray) or grid.shape != GRID_SHAPE:
        shape = getattr(grid, "shape", type(grid).__name__)
        return Feedback(False, f"Expected a NumPy array of shape {GRID_SHAPE} (a copy of the grid), got {shape}.")
    for row in range(GRID_SHAPE[0]):
        wrong = int(np.count_nonzero(grid[row] != row))
        if wrong:
            return Feedback(False, graded(
                "grid-row", row,
                f"Row {row} has {wrong:,} values that are not {row}. Which rows did each task fill, and with what value?",
                f"Give each task its own row: (spec, row, row + 1, row), start = row, stop = row + 1, value = row.",
            ))
    try:
        segment, view = attach(spec)
    except FileNotFoundError:
        return Feedback(True, "Every row filled by a worker through the segment's name, and the segment is gone: closed and unlinked.")
    del view
    segment.close()
    return Feedback(False, "The grid is right, but the segment still exists: the creator must call segment.close() and then segment.unlink().")


CLOSE_OR_UNLINK = {
    "a pool worker that attached by name and has finished its task": "close",
    "the process that created the segment, when no process needs it any more": "close and unlink",
    "the creator, while workers are still reading the segment": "neither",
    "a segment from SharedMemoryManager().SharedMemory(...), at the end of the manager's with block": "neither",
}
_CLOSE_HINTS = {
    "a pool worker that attached by name and has finished its task": "close() releases this process's view; only the owner removes the segment.",
    "the process that created the segment, when no process needs it any more": "the owner closes its own view and removes the segment.",
    "the creator, while workers are still reading the segment": "unlinking now would leave later attachers with FileNotFoundError; wait.",
    "a segment from SharedMemoryManager().SharedMemory(...), at the end of the manager's with block": "the manager unlinks its segments itself when the block ends.",
}


@exercise_check
def check_close_or_unlink(answers: object) -> Feedback:
    """Exercise 4: close, unlink, both or neither, in each situation of CLOSE_OR_UNLINK."""
    allowed = ("close", "close and unlink", "neither", "unlink")
    return choice_feedback(
        answers, CLOSE_OR_UNLINK, name="CLOSE_OR_UNLINK",
        hint="a dict mapping each situation to 'close', 'unlink', 'close and unlink' or 'neither'",
        success="Every process closes its own view; the owner alone unlinks, once nobody needs the segment.",
        why=lambda situation, _: _CLOSE_HINTS[situation],
        choices=allowed,
        nudge="does this process own the segment, and does anyone still need it?",
    )