"""Checks for the exercises of notebook 00 (start here)."""

from __future__ import annotations

import os
from helpers.exercises import Feedback, choice_feedback, close_to, exercise_check, graded, is_finite_number, is_number, unanswered
from helpers.exercises.answers import answer_key, equal, same_items, show
from helpers.machine import usable_cpus


@exercise_check
def check_usable_cpus(answer: object) -> Feedback:
    """Exercise 1: the number of CPUs this process may use."""
    if answer is Ellipsis:
        return unanswered("the os module can tell which CPUs this process may run on, not just how many the machine has")
    if not isinstance(answer, int) or isinstance(answer, bool):
        return Feedback(False, f"Expected a whole number of CPUs, got {type(answer).__name__} {answer!r}.")
    expected = usable_cpus()
    if answer == expected:
        return Feedback(True, f"This process may use {expected} of the machine's {os.cpu_count()} CPUs.")
    if answer == os.cpu_count():
        return Feedback(False, graded(
            "usable-cpus", answer,
            f"{answer} is os.cpu_count(): every CPU in the machine. May this process run on all of them? "
            "Look in the os module for the CPUs this process has affinity with.",
            f"This process may use only {expected} of them (an affinity mask or container limit): "
            "len(os.sched_getaffinity(0)), or os.process_cpu_count() on 3.13+.",
        ))
    return Feedback(False, f"{answer} is not the number of CPUs this process may run on here. Which function of the os "
                    "module lists the CPUs this process has affinity with?")


@exercise_check
def check_speedup(speedup: object, efficiency: object) -> Feedback:
    """Exercise 2: speedup and efficiency of a run taking 6.0 s on 1 worker and 2.0 s on 4 workers."""
    if speedup is Ellipsis or efficiency is Ellipsis:
        return unanswered("speedup compares two run times; efficiency shares the speedup among the workers (section 2 defines both)")
    if not is_finite_number(speedup) or not is_finite_number(efficiency):
        return Feedback(False, "Both answers must be numbers, e.g. speedup = 2.5 and efficiency = 0.5.")
    if close_to(speedup, 2.0 / 6.0):
        return Feedback(False, "Your speedup is upside down: divide the 1-worker time by the 4-worker time.")
    if not close_to(speedup, 3.0):
        return Feedback(False, graded("speedup", speedup,
                                      f"Speedup {speedup} is off. Which two times does speedup compare, and which one is divided by which?",
                                      "Speedup = the 1-worker time / the 4-worker time = 6.0 s / 2.0 s = ?"))
    if close_to(efficiency, 75.0):
        return Feedback(False, "Give efficiency as a fraction (0 to 1), not a percentage.")
    if close_to(efficiency, 12.0) or close_to(efficiency, 4.0 / 3.0):
        return Feedback(False, "Efficiency is speedup divided by the number of workers, not the other way round.")
    if not close_to(efficiency, 0.75):
        return Feedback(False, graded("efficiency", efficiency,
                                      f"Speedup is right; efficiency {efficiency} is off. Efficiency is speedup per worker.",
                                      "Efficiency = speedup / workers = 3.0 / 4 = ?"))
    return Feedback(True, "3× faster on 4 workers is 75 % efficiency: a quarter of the CPU time went to overhead or idle workers.")


@exercise_check
def check_amdahl(on_eight: object, limit: object) -> Feedback:
    """Exercise 3: Amdahl's law with a 10 % serial fraction: speedup on 8 workers, and the limit."""
    if on_eight is Ellipsis or limit is Ellipsis:
        return unanswered("split the run into a serial part and a parallel part: which one shrinks with 8 workers, and which never does?")
    if not is_number(on_eight) or not is_number(limit):
        return Feedback(False, "Both answers must be numbers.")
    if not is_finite_number(on_eight):
        return Feedback(False, f"The speedup on 8 workers is a finite number, got {show(on_eight)}.")
    if not is_finite_number(limit) and limit != float("inf"):
        return Feedback(False, f"The limit is a number, got {show(limit)}.")
    expected = 1 / (0.1 + 0.9 / 8)
    if close_to(on_eight, 8.0) or close_to(on_eight, 7.2):
        return Feedback(False, "That ignores (or only scales) the serial part: it does not get faster with more workers.")
    if not close_to(on_eight, expected):
        return Feedback(False, graded("amdahl-8", on_eight,
                                      f"Speedup on 8 workers of {on_eight} is off. Which share of the time shrinks with 8 workers, and which stays?",
                                      "Put f = 0.1 and n = 8 into 1 / (f + (1 - f) / n)."))
    if limit == float("inf") or (is_number(limit) and limit > 1000):
        return Feedback(False, "Even with infinitely many workers the serial 10 % still takes its time: the limit is finite.")
    if not close_to(limit, 10.0):
        return Feedback(False, graded("amdahl-limit", limit,
                                      f"The 8-worker answer is right; the limit {limit} is not. What becomes of (1 - f) / n as n grows?",
                                      "As n grows, (1 - f) / n → 0, so the speedup tends to 1 / f."))
    return Feedback(True, f"{expected:.2f}× on 8 workers, and never more than 10×: the serial part caps the speedup.")


WORKLOADS = {
    "resize 10,000 photos with a pure-Python filter": "processes",
    "download 200 web pages": "threads",
    "compute prime numbers up to 10 million in pure Python": "processes",
    "wait for replies from 50 database queries": "threads",
}

_REASONS = {
    "processes": "it keeps the CPU busy running Python code, so threads would take turns holding the GIL",
    "threads": "it spends its time waiting for the network or a disk, and a waiting thread releases the GIL",
}


@exercise_check
def check_workload_choices(choices: object) -> Feedback:
    """Exercise 4: choose "threads" or "processes" for each workload in WORKLOADS."""
    if choices is Ellipsis:
        return unanswered('a dict mapping each workload to "threads" or "processes"')
    return choice_feedback(
        choices, WORKLOADS, name="WORKLOADS",
        hint='a dict mapping each workload to "threads" or "processes"',
        success="CPU-bound pure Python wants processes; waiting (I/O-bound) work does fine with threads.",
        why=lambda workload, _: f"{workload!r} wants {WORKLOADS[workload]}: {_REASONS[WORKLOADS[workload]]}.",
        choices=("threads", "processes"),
        nudge="does it keep a CPU busy running Python, or does it mostly wait?",
    )


@exercise_check
def check_squares(squares: object) -> Feedback:
    """Exercise 5: the squares of 0..9 computed by a spawn pool with the helpers' worker."""
    expected = [x * x for x in range(10)]
    if squares is Ellipsis:
        return unanswered("a Pool of 2 from the spawn context, and its map of the helpers' square over 0..9")
    if not isinstance(squares, list):
        return Feedback(False, f"Expected a list, got {type(squares).__name__}: pool.map returns a list; imap returns an iterator (wrap it in list()).")
    if any(item is Ellipsis for item in squares):
        return Feedback(False, "Your list still holds a ...: let the pool compute every result.")
    if any((hasattr(item, "get") and hasattr(item, "ready")) or hasattr(item, "result") for item in squares):
        return Feedback(False, "The list holds AsyncResult (or Future) objects, not numbers: each one's .get(timeout=...) "
                        "(a Future's .result(timeout=...)) gives its value; or let pool.map return the values themselves.")
    if all(equal(item, wanted) for item, wanted in zip(squares, expected)) and len(squares) == len(expected):
        return Feedback(True, "pool.map returns results in task order, whatever order the workers finished in.")
    if same_items(squares, expected):
        return Feedback(False, "The right numbers in the wrong order: imap_unordered yields results as they finish; use map.")
    if len(squares) != len(expected):
        return Feedback(False, f"Expected 10 results (for 0..9), got {len(squares)}.")
    first = next(index for index, (item, wanted) in enumerate(zip(squares, expected)) if not equal(item, wanted))
    return Feedback(False, graded("squares", answer_key(squares),
                                  f"Result {first} is {show(squares[first])}, which is not the square of {first}. "
                                  "Which function did you map, and over which inputs?",
                                  "Map the helpers' square (helpers.tasks.square) over range(10): the result for x is x * x."))
