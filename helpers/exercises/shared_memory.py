"""Checks for the exercises of notebook 04 (shared memory)."""

from __future__ import annotations

from collections.abc import Sequence

from helpers.exercises import Feedback, check_choices, unanswered
from helpers.shared_numpy import SharedArray, attach

RACE_PROCESSES = 4
RACE_TIMES = 10_000
POOL_TASKS = 12
GRID_SHAPE = (4, 100_000)


def _value_of(counter: object) -> object:
    return getattr(counter, "value", counter)


def check_counter(counter: object, workers: object) -> Feedback:
    """Exercise 1: 4 processes × 10,000 increments of one shared Value, none lost."""
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
    if value != expected:
        return Feedback(
            False,
            f"The counter is {value:,} instead of {expected:,}: {expected - value:,} updates lost. `counter.value += 1` "
            "reads, then writes: hold counter.get_lock() around both, or count locally and add once.",
        )
    return Feedback(True, f"{expected:,}: no update lost, because each read-and-write happened under the counter's lock.")


def check_pool_count(counter: object) -> Feedback:
    """Exercise 2: a Pool's workers counted 12 tasks into one shared Value given by the initializer."""
    if counter is Ellipsis:
        return unanswered("Pool(2, initializer=attach_counter, initargs=(counter,)), then pool.map(count_task, range(12))")
    value = _value_of(counter)
    if not isinstance(value, int):
        return Feedback(False, f"Pass the shared Value you created, got {type(counter).__name__}.")
    if value == 0:
        return Feedback(False, "The counter is still 0: did the tasks run (pool.map inside the with block) on the counter you passed?")
    if value != POOL_TASKS:
        return Feedback(False, f"The counter is {value}, not {POOL_TASKS}: run exactly {POOL_TASKS} count_task tasks on a fresh counter.")
    return Feedback(True, f"{POOL_TASKS}: the Value reached the workers at start-up (initargs), never inside a task.")


def check_grid(grid: object, spec: object) -> Feedback:
    """Exercise 3: row i of the shared grid holds i everywhere, filled by workers; then the segment was unlinked."""
    import numpy as np

    if grid is Ellipsis:
        return unanswered("map fill_slice over [(spec, row, row + 1, row) for row in range(4)], copy the grid, then close() and unlink()")
    if not isinstance(spec, SharedArray):
        return Feedback(False, f"Pass the SharedArray description from create_shared_array as the second argument, got {type(spec).__name__}.")
    if not isinstance(grid, np.ndarray) or grid.shape != GRID_SHAPE:
        shape = getattr(grid, "shape", type(grid).__name__)
        return Feedback(False, f"Expected a NumPy array of shape {GRID_SHAPE} (a copy of the grid), got {shape}.")
    for row in range(GRID_SHAPE[0]):
        wrong = int(np.count_nonzero(grid[row] != row))
        if wrong:
            return Feedback(False, f"Row {row} has {wrong:,} values that are not {row}: give each task its own row, start = row, stop = row + 1.")
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


def check_close_or_unlink(answers: object) -> Feedback:
    """Exercise 4: close, unlink, both or neither, in each situation of CLOSE_OR_UNLINK."""
    allowed = ("close", "close and unlink", "neither", "unlink")
    return check_choices(
        answers, CLOSE_OR_UNLINK, name="CLOSE_OR_UNLINK",
        hint="a dict mapping each situation to 'close', 'unlink', 'close and unlink' or 'neither'",
        success="Every process closes its own view; the owner alone unlinks, once nobody needs the segment.",
        why=lambda situation, _: _CLOSE_HINTS[situation],
        validate=lambda _, answer: None if answer in allowed else f"{answer!r} is not one of {list(allowed)}.",
        normalize=lambda answer: str(answer).strip().lower(),
    )