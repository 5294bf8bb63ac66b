"""Checks for the exercises of notebook 09 (after the GIL)."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence

from helpers.exercises import Feedback, choice_feedback, exercise_check, unanswered
from helpers.tasks import TaskRecord

RUNTIMES = ("threads", "subinterpreters", "processes", "free-threaded threads")
WHICH_RUNTIME = {
    "download 500 web pages": "threads",
    "pure-Python simulations that call a C extension known to crash now and then": "processes",
    "CPU-bound pure Python on a standard (GIL) build of Python 3.14, inside an application that may not start child processes": "subinterpreters",
    "CPU-bound pure-Python loops that also import NumPy, on a standard (GIL) build of Python 3.14": "processes",
    "CPU-bound pure Python on python3.14t with dependencies declared free-threading safe": "free-threaded threads",
}
_RUNTIME_HINTS = {
    "download 500 web pages": "the work is waiting, and a waiting thread releases the GIL: the cheapest tool does.",
    "pure-Python simulations that call a C extension known to crash now and then": "a crash in one worker should not take the others down with it.",
    "CPU-bound pure Python on a standard (GIL) build of Python 3.14, inside an application that may not start child processes": "parallel Python code on a standard build, each worker with its own GIL, without a second process.",
    "CPU-bound pure-Python loops that also import NumPy, on a standard (GIL) build of Python 3.14": "pure-Python loops need a GIL per worker, and every worker must load NumPy: which tool gives both on a standard build today?",
    "CPU-bound pure Python on python3.14t with dependencies declared free-threading safe": "no GIL and nothing to turn it back on: what runs in parallel now?",
}


@exercise_check
def check_which_runtime(answers: object) -> Feedback:
    """Exercise 1: the right way past the GIL for each job in WHICH_RUNTIME."""
    return choice_feedback(
        answers, WHICH_RUNTIME, name="WHICH_RUNTIME",
        hint=f"a dict mapping each job to one of {', '.join(RUNTIMES)}",
        success="Threads for waiting; processes for isolation and any extension; subinterpreters for parallel Python where a second process is not an option; "
        "free-threaded threads where nothing needs the GIL.",
        why=lambda job, _: f"For {job!r}: {_RUNTIME_HINTS[job]}",
        choices=RUNTIMES,
        nudge="what matters most for this job: waiting, isolation from crashes, whether it may start processes, or which libraries it loads?",
    )


SHAREABLE = {"42": "shareable", "'hello'": "shareable", "b'raw bytes'": "shareable", "(1, 'a')": "shareable",
             "[1, 2, 3]": "pickled", "{'key': 'value'}": "pickled"}
_SHAREABLE_HINTS = {
    "42": "numbers cross as they are.",
    "'hello'": "strings are immutable: the other interpreter can get an equal one without pickling.",
    "b'raw bytes'": "bytes are immutable too.",
    "(1, 'a')": "a tuple of shareable items is shareable.",
    "[1, 2, 3]": "a list can change: the other interpreter gets a pickled copy.",
    "{'key': 'value'}": "a dict can change: the other interpreter gets a pickled copy.",
}


@exercise_check
def check_shareable(answers: object) -> Feedback:
    """Exercise 2: which objects cross into a subinterpreter as they are, and which are pickled."""
    return choice_feedback(
        answers, SHAREABLE, name="SHAREABLE",
        hint="a dict mapping each object (as written in SHAREABLE) to 'shareable' or 'pickled'",
        success="Immutable values (numbers, str, bytes, tuples of them) cross as they are; lists and dicts are pickled copies.",
        why=lambda item, _: f"{item}: {_SHAREABLE_HINTS[item]}",
        choices=("shareable", "pickled"),
        nudge="can this object change after it is sent? That decides how it crosses.",
    )


EXERCISE_TASKS = [(task_id, 200_000) for task_id in range(6)]


@exercise_check
def check_records_in_subinterpreters(records: object) -> Feedback:
    """Exercise 3: one TaskRecord per task of EXERCISE_TASKS from traced_cpu_in_interpreter, run by an executor of 2:
    in this process, in at most 2 other threads, in interpreters other than the main one (the records carry their ids)."""
    if records is Ellipsis:
        return unanswered("an InterpreterPoolExecutor with max_workers=2, and its map over EXERCISE_TASKS")
    if not isinstance(records, Sequence) or isinstance(records, (str, bytes)):
        return Feedback(False, f"Expected a list of TaskRecords, got {type(records).__name__}: wrap map's results in list().")
    if any(hasattr(r, "result") for r in records):
        return Feedback(False, "The list holds futures: take each one's result(), or use map, which returns the results.")
    if not all(isinstance(r, TaskRecord) for r in records):
        return Feedback(False, "Each item should be the TaskRecord that traced_cpu_task returns.")
    if sorted(r.task_id for r in records) != [task_id for task_id, _ in EXERCISE_TASKS]:
        return Feedback(False, f"Expected one record for each of the {len(EXERCISE_TASKS)} tasks of EXERCISE_TASKS.")
    if any(r.pid != os.getpid() for r in records):
        return Feedback(False, "These tasks ran in other processes: that is a process pool. Subinterpreters run inside this process.")
    threads = {r.thread for r in records}
    if threads == {threading.get_native_id()}:
        return Feedback(False, "These tasks ran in this kernel's own thread, one after another: hand them to an InterpreterPoolExecutor.")
    interpreters = {r.value for r in records}
    if not all(isinstance(name, str) and name.startswith("interpreter ") for name in interpreters):
        return Feedback(False, "Use traced_cpu_in_interpreter as the worker: its records say which interpreter ran them.")
    if "interpreter 0" in interpreters:
        return Feedback(False, "Some tasks ran in the main interpreter, in threads: a ThreadPoolExecutor shares one GIL. "
                        "Which executor gives each worker an interpreter of its own?")
    # At most 2 of each, not exactly 2: which workers take the tasks is the scheduler's choice (one worker may take
    # all 6 while the other is still starting its interpreter), so the count of workers used is no verdict.
    if len(threads) > 2 or len(interpreters) > 2:
        return Feedback(False, f"The tasks ran in {len(threads)} threads and {len(interpreters)} interpreters: "
                        "more workers than max_workers=2 allows.")
    return Feedback(True, "This process, worker threads each running an interpreter of its own: parallel Python "
                    "without a second process.")
