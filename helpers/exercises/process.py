"""Checks for the exercises of notebook 01 (Process)."""

from __future__ import annotations

import os
import signal
from collections.abc import Sequence

from helpers.exercises import Feedback, exercise_check, graded, mapping_problem, unanswered
from helpers.exercises.answers import show, whole_number
from helpers.processes import ReportedPid

# What each case's exitcode is on this platform (Windows has no SIGKILL: kill() is terminate()).
_KILL = signal.SIGKILL if hasattr(signal, "SIGKILL") else signal.SIGTERM
EXIT_CODE_CASES = {
    "returns normally": 0,
    "raises ValueError": 1,
    "calls sys.exit(3)": 3,
    "is terminate()d": -signal.SIGTERM,
    "is kill()ed": -_KILL,
}

_WHY = {
    "returns normally": "a target that returns ends the process with exit code 0",
    "raises ValueError": "an uncaught exception prints a traceback to the child's stderr and exits with code 1",
    "calls sys.exit(3)": "sys.exit(n) with an int makes n the exit code",
    "is terminate()d": f"a process ended by a signal has exitcode minus the signal number: SIGTERM is {int(signal.SIGTERM)}",
    "is kill()ed": f"a process ended by a signal has exitcode minus the signal number: SIGKILL is {int(_KILL)}",
}


@exercise_check
def check_exit_codes(answers: object) -> Feedback:
    """Exercise 1: predict the exitcode of a child process in each case of EXIT_CODE_CASES."""
    if answers is Ellipsis:
        return unanswered("a dict mapping each case of EXIT_CODE_CASES to an int, e.g. {'returns normally': 0, ...}")
    problem = mapping_problem(answers, EXIT_CODE_CASES, "EXIT_CODE_CASES")
    if problem:
        return problem
    for case, code in answers.items():
        if not isinstance(code, int) or isinstance(code, bool):
            return Feedback(False, f"Exit codes are ints; for {case!r} you gave {code!r}.")
    wrong = [case for case in EXIT_CODE_CASES if answers[case] != EXIT_CODE_CASES[case]]
    if not wrong:
        return Feedback(True, "0 for success, 1 for an exception, n for sys.exit(n), minus the signal number when killed.")
    case = wrong[0]
    if answers[case] == -EXIT_CODE_CASES[case] and EXIT_CODE_CASES[case] < 0:
        return Feedback(False, f"{len(wrong)} wrong. For {case!r} the sign is off: how does Python report a process ended by a signal?")
    return Feedback(False, f"{len(wrong)} wrong. " + graded(
        "exit-codes", dict(answers),
        f"Look again at {case!r}: how does the process end in that case, and what number does that leave?",
        f"{case!r} is not {answers[case]}: {_WHY[case]}.",
    ))


@exercise_check
def check_args(args: object) -> Feedback:
    """Exercise 2: an ``args`` value that makes Process(target=greet, args=...) call greet("Ada")."""
    if args is Ellipsis:
        return unanswered("Process unpacks args with *: what sequence holds exactly one argument, the name?")
    if isinstance(args, str):
        return Feedback(False, graded(
            "args", args,
            f"{args!r} is a string, and Process unpacks args with *: greet would get one argument per character "
            f"({len(args)} here). args must be a sequence of the arguments: how do you write a tuple of one element?",
            "Parentheses alone do not make a tuple: (\"Ada\") is still a string. A comma does: (\"Ada\",).",
        ))
    if isinstance(args, (tuple, list)):
        if list(args) == ["Ada"]:
            note = "" if isinstance(args, tuple) else " (a list works too; a tuple is the convention)"
            return Feedback(True, f"One argument, one element: greet('Ada') runs in the child{note}.")
        if len(args) != 1:
            return Feedback(False, f"greet takes one argument, and your args has {len(args)} elements.")
        return Feedback(False, f"The one element should be the name 'Ada', got {args[0]!r}.")
    return Feedback(False, f"args must be a tuple (or list) of arguments, got {type(args).__name__}.")


@exercise_check
def check_io_workers(workers: object) -> Feedback:
    """Exercise 3: workers needed to fetch 200 pages that each wait 0.5 s, in about 1 s, on a 4-core laptop."""
    if workers is Ellipsis:
        return unanswered("how long does one worker spend on one page, and how many pages can it fetch one after another in 1 s?")
    count = whole_number(workers, minimum=1)
    if count is None:
        return Feedback(False, f"Give a whole number of workers (1 or more), got {show(workers)}.")
    workers = count
    rounds = -(-200 // workers)  # each worker takes the next page when it is free: the busiest waits this many times
    if workers == 4:
        return Feedback(False, "4 is the CPU-bound rule (one worker per core). These tasks wait, and waiting workers use no CPU.")
    if workers == 200:
        return Feedback(False, "200 works, but more than needed: a worker that has finished one page can fetch another within the 1 s.")
    if workers == 100:
        return Feedback(True, "200 × 0.5 s = 100 s of waiting, shared by 100 workers: about 1 s. Waiting work scales far past the core count; the cost is start-up and memory per worker, so threads or asyncio are cheaper still.")
    if workers < 100:
        return Feedback(False, f"With {workers} workers the busiest one fetches {rounds} pages, one after another: "
                        f"{rounds} × 0.5 s = {rounds * 0.5:g} s, more than 1 s. More workers, then: how many pages can one fetch in 1 s?")
    return Feedback(False, graded("io-workers", workers,
                                  f"{workers} would do it, but more than needed: a worker that has finished one page can fetch "
                                  "another within the 1 s. How few workers are enough then?",
                                  "200 pages at 2 per worker: 200 / 2 workers."))


@exercise_check
def check_child_pids(pids: object) -> Feedback:
    """Exercise 4: the pids reported by three child processes, collected through a Queue."""
    if pids is Ellipsis:
        return unanswered("three processes that each put their own pid on the queue; then read three results, each with a timeout")
    if not isinstance(pids, Sequence) or isinstance(pids, (str, bytes)):
        return Feedback(False, f"Expected a list of pids, got {type(pids).__name__}.")
    if len(pids) != 3:
        return Feedback(False, f"Expected 3 pids (one per child), got {len(pids)}.")
    if not all(isinstance(p, int) and not isinstance(p, bool) and p > 0 for p in pids):
        return Feedback(False, f"Pids are positive ints, got {list(pids)}.")
    if os.getpid() in pids:
        return Feedback(False, "One of those is this kernel's own pid: the children must report os.getpid() themselves.")
    if not all(isinstance(p, ReportedPid) for p in pids):
        return Feedback(False, "Those numbers were not reported by report_pid: take each pid off the queue the children "
                        "put it on (results.get(timeout=10)), one per child, and keep the values get() returns as they "
                        "are (int(...) would lose where they came from).")
    if len(set(pids)) != 3:
        return Feedback(False, "Some pids repeat: every process has its own, so start three separate Process objects.")
    return Feedback(True, "Three processes, three pids, none of them this kernel: results came back through the Queue.")
