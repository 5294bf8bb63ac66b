"""Checks for the exercises of notebook 10 (beyond one machine)."""

from __future__ import annotations

import os
from collections.abc import Mapping

from helpers.exercises import Feedback, choice_feedback, exercise_check, graded, is_finite_number, unanswered
from helpers.exercises.answers import show
from helpers.tasks import TaskRecord

COMPLETED_TASKS = 8


@exercise_check
def check_completed(records: object) -> Feedback:
    """Exercise 1: {task_id: TaskRecord} for tasks 0..7, collected with submit and as_completed."""
    if records is Ellipsis:
        return unanswered("submit each task and keep its future; then take the futures as they complete, with a timeout")
    if not isinstance(records, Mapping):
        return Feedback(False, f"Expected a dict {{task id: TaskRecord}}, got {type(records).__name__}.")
    if any(hasattr(v, "result") for v in records.values()):
        return Feedback(False, "The dict holds futures: store future.result(), the TaskRecord, under each task id.")
    missing = [task for task in range(COMPLETED_TASKS) if task not in records]
    if missing:
        return Feedback(False, f"No record for tasks {missing}: submit all {COMPLETED_TASKS} and wait for each.")
    if not all(isinstance(records[i], TaskRecord) and records[i].task_id == i for i in range(COMPLETED_TASKS)):
        return Feedback(False, "Each key must hold the TaskRecord of that task (record.task_id == key).")
    if any(records[i].pid == os.getpid() for i in range(COMPLETED_TASKS)):
        return Feedback(False, "Some records were made in this kernel itself (their pid is the kernel's): submit the tasks "
                        "to the executor, so that its worker processes run them.")
    return Feedback(True, f"{COMPLETED_TASKS} records, each filed under its task as soon as it completed.")


@exercise_check
def check_scatter(total: object, scattered: object, expected: float) -> Feedback:
    """Exercise 2: the array scattered once (a Dask Future), and the sum of its slices computed from that future."""
    if total is Ellipsis or scattered is Ellipsis:
        return unanswered("send the values to the workers once, then submit one task per slice that uses what was sent")
    if type(scattered).__name__ != "Future" or not type(scattered).__module__.startswith("distributed"):
        return Feedback(False, f"`scattered` is a {type(scattered).__name__}, not the Future that client.scatter returns: "
                        "tasks given the array itself carry it along each time.")
    if not is_finite_number(total):
        return Feedback(False, f"Expected the total as a finite number, got {show(total)}.")
    if abs(total - expected) > 1e-6 * max(1.0, abs(expected)):
        return Feedback(False, f"The total {total:,.3f} is not the sum of the whole array: cover every slice exactly once.")
    return Feedback(True, "The array travelled to the workers once; every task received only a reference to it.")


WHICH_ENGINE = {
    "map one function over 10,000 small inputs on your laptop, in input order": "Pool",
    "submit tasks one by one, handle each result as it completes, and switch to threads by changing one line": "ProcessPoolExecutor",
    "spread 2,000 one-minute simulations over 10 machines, and watch progress on a dashboard": "Dask",
    "run 1,000,000 tasks of 50 microseconds each": "Pool",
}
ENGINES = ("Pool", "ProcessPoolExecutor", "Dask")
_ENGINE_HINTS = {
    "map one function over 10,000 small inputs on your laptop, in input order": "one machine, a plain map, small inputs that want chunks.",
    "submit tasks one by one, handle each result as it completes, and switch to threads by changing one line": "futures, as_completed, and a ThreadPoolExecutor twin.",
    "spread 2,000 one-minute simulations over 10 machines, and watch progress on a dashboard": "more than one machine.",
    "run 1,000,000 tasks of 50 microseconds each": "per-task overhead decides: compare what each engine costs per task (section 3), and chunk them.",
}


@exercise_check
def check_which_engine(answers: object) -> Feedback:
    """Exercise 3: Pool, ProcessPoolExecutor or Dask for each job in WHICH_ENGINE."""
    return choice_feedback(
        answers, WHICH_ENGINE, name="WHICH_ENGINE",
        hint="a dict mapping each job to 'Pool', 'ProcessPoolExecutor' or 'Dask'",
        success="Pool for plain maps and tiny chunked tasks, the executor for futures, Dask beyond one machine.",
        why=lambda job, _: f"For {job!r}: {_ENGINE_HINTS[job]}",
        choices=ENGINES,
        nudge="how many machines does it need, and what does each engine cost per task (section 3)?",
    )


@exercise_check
def check_granularity(seconds: object, overhead: float) -> Feedback:
    """Exercise 4: the shortest task for which an engine's per-task cost ``overhead`` stays at or under 1 %."""
    if seconds is Ellipsis:
        return unanswered("if the engine costs c seconds per task, a task of t seconds loses c / (t + c) to it")
    if not is_finite_number(seconds) or seconds <= 0:
        return Feedback(False, f"Give a task duration as a finite number of seconds (> 0), got {show(seconds)}.")
    if not is_finite_number(overhead) or overhead <= 0:
        return Feedback(False, f"The measured cost per task is {show(overhead)}, which cannot be judged against: "
                        "run section 3's measurement again, then this cell.")
    share = overhead / (seconds + overhead)
    if share > 0.0101:
        return Feedback(False, f"A task of {seconds:g} s would lose {share:.1%} of its time to the engine; make it longer.")
    if seconds > 200 * overhead:
        return Feedback(False, graded("granularity", seconds,
                                      f"{seconds:g} s works, but shorter tasks would too: find about the shortest for which "
                                      "the engine's share c / (t + c) is still 1 %.",
                                      "Solve c / (t + c) = 0.01 for t: the answer is a multiple of the cost per task c."))
    return Feedback(True, "About 100 × the per-task cost: then the engine's own work stays near 1 % of the total.")
