"""Checks for the exercises of notebook 06 (multiprocessing in real programs). Wrong answers get graded hints:
a nudge first, more with each different wrong answer; the solution itself stays in the collapsed cell."""

from __future__ import annotations

import os
import pickle
import types
from collections.abc import Sequence
from pathlib import Path

from helpers.exercises import Feedback, choice_feedback, exercise_check, graded, unanswered
from helpers.exercises.answers import show

OWN_MODULE_INPUTS = list(range(6))


@exercise_check
def check_own_module(results: object, module: object, folder: object) -> Feedback:
    """Exercise 1: ``double`` from a module the learner wrote in ``folder``, mapped over 0..5 on a pool."""
    if results is Ellipsis:
        return unanswered("the worker must live in a file in the scratch folder; import it, then map it on a pool")
    if not isinstance(module, types.ModuleType):
        return Feedback(False, f"Pass the module you imported (import my_doubling, then my_doubling), got {type(module).__name__}.")
    path = getattr(module, "__file__", None)
    if module.__name__ == "__main__" or not path:
        return Feedback(False, "That is this notebook's own namespace. The worker must live in a file of its own: "
                        "which cell magic writes a cell into a file?")
    if Path(path).resolve().parent != Path(str(folder)).resolve():
        return Feedback(False, "That module is not in the scratch folder: write it there, so that every child process can import it.")
    worker = getattr(module, "double", None)
    if not callable(worker):
        return Feedback(False, graded("own-module-name", sorted(n for n in dir(module) if not n.startswith("_")),
                                      "The module has no function called double: check the name in the file.",
                                      "The file should hold: def double(x): return 2 * x"))
    if not isinstance(results, Sequence) or isinstance(results, (str, bytes)):
        return Feedback(False, f"Expected the list pool.map returned, got {type(results).__name__}.")
    expected = [2 * x for x in OWN_MODULE_INPUTS]
    if list(results) != expected:
        return Feedback(False, graded("own-module-results", list(results),
                                      f"The results are not 2 × each input of {OWN_MODULE_INPUTS}: is double(x) returning 2 * x?",
                                      "Map your module's function: pool.map(my_doubling.double, range(6))."))
    problem = _runs_in_a_fresh_interpreter(worker)
    if problem:
        return Feedback(False, problem)
    return Feedback(True, f"{expected}: computed by a function from your own module, which a fresh spawn worker imported by name too.")


def _runs_in_a_fresh_interpreter(worker: object) -> str:
    """'' if a spawn worker (a new interpreter, which has only what it imports) computes 2x with ``worker``."""
    import multiprocessing

    try:
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            got = pool.map_async(worker, OWN_MODULE_INPUTS).get(timeout=60)
    except Exception as error:  # whatever the learner's module does in a new interpreter: report it
        return f"A fresh spawn worker could not run it ({type(error).__name__}: {error}): is the module file in the scratch folder?"
    if got != [2 * x for x in OWN_MODULE_INPUTS]:
        return f"In a fresh worker your double gave {got}: the file on disk differs from what this kernel imported. Save it, reload it, and run again."
    return ""


SIGINT_FACTS = {
    "Ctrl-C in a terminal, while a Pool works, interrupts": "the parent and the workers",
    "JupyterLab's interrupt button (Linux, macOS), while a Pool works, interrupts": "the parent and the workers",
    "kill -INT <the parent's pid>, while a Pool works, interrupts": "the parent only",
    "with initializer=ignore_sigint, Ctrl-C in a terminal interrupts": "the parent only",
}
_SIGINT_CHOICES = ("the parent only", "the workers only", "the parent and the workers", "nothing")
_SIGINT_HINTS = {
    "Ctrl-C in a terminal, while a Pool works, interrupts": "a terminal sends SIGINT to its whole foreground process group.",
    "JupyterLab's interrupt button (Linux, macOS), while a Pool works, interrupts": "the kernel was started as the leader of a process group: whom does the button signal?",
    "kill -INT <the parent's pid>, while a Pool works, interrupts": "kill sends a signal to the one process whose pid it is given.",
    "with initializer=ignore_sigint, Ctrl-C in a terminal interrupts": "the signal still reaches everyone, but who ignores it?",
}


@exercise_check
def check_sigint(answers: object) -> Feedback:
    """Exercise 2: who a SIGINT interrupts in each situation of SIGINT_FACTS."""
    return choice_feedback(
        answers, SIGINT_FACTS, name="SIGINT_FACTS",
        hint=f"a dict mapping each situation to one of {', '.join(_SIGINT_CHOICES)}",
        success="A terminal and JupyterLab's button signal the whole process group; kill, one process; ignore_sigint leaves the parent to stop the pool.",
        why=lambda situation, _: f"For {situation!r}: {_SIGINT_HINTS[situation]}",
        choices=_SIGINT_CHOICES,
        nudge="which processes does the signal reach in this situation, and which of them react to it?",
    )


LOG_TASKS, LOG_LINES = 4, 2


@exercise_check
def check_log_lines(lines: object, pids: object) -> Feedback:
    """Exercise 3: every record of LOG_TASKS tasks × LOG_LINES lines reached the parent, whole, from worker processes."""
    if lines is Ellipsis:
        return unanswered("records go where each worker's logging sends them: what could every worker set up as it starts, and who listens here?")
    if not isinstance(lines, Sequence) or isinstance(lines, (str, bytes)):
        return Feedback(False, f"Pass handler.lines, the list of messages, got {type(lines).__name__}.")
    if not lines:
        return Feedback(False, "No record arrived. Records go where each worker's logging sends them: give the pool an "
                        "initializer that sends them to records, and listen to records here while the pool works.")
    expected = {f"task {t}, line {n}" for t in range(LOG_TASKS) for n in range(LOG_LINES)}
    got = {line.split(", from pid")[0] for line in lines if isinstance(line, str)}
    if got - expected:
        extra = len(got - expected)
        return Feedback(False, f"{extra} record{'s' if extra > 1 else ''} the exercise did not ask for (for example {show(sorted(got - expected)[0])}): "
                        f"run exactly {LOG_TASKS} tasks of {LOG_LINES} lines each, on a fresh handler.")
    if got != expected:
        missing = len(expected - got)
        # Keyed by a constant: how many records are lost varies with the very race the hint is about.
        return Feedback(False, graded("logs-missing", "some missing",
                                      f"{missing} of {len(expected)} records are missing: did every worker finish sending before the listener stopped?",
                                      "Inside the `with listening(...)` block, after the map: pool.close() and pool.join(), so each worker exits normally and flushes its queue."))
    if not isinstance(pids, (set, frozenset, Sequence)) or not pids or os.getpid() in set(pids):
        return Feedback(False, "Pass handler.pids too: the records must come from the worker processes, not from this kernel.")
    return Feedback(True, f"All {len(expected)} records, each whole, from the worker processes, through one queue.")


STREAM_SEED, STREAM_TASKS, STREAM_DRAWS = 7, 4, 3


@exercise_check
def check_streams(draws: object) -> Feedback:
    """Exercise 4: each task drew from its own child of SeedSequence(STREAM_SEED): distinct and reproducible."""
    from helpers.seeds import task_streams

    if draws is Ellipsis:
        return unanswered("spawn child seeds from one SeedSequence, and pass one to each task with the number of draws")
    if not isinstance(draws, Sequence) or len(draws) != STREAM_TASKS or not all(isinstance(d, Sequence) for d in draws):
        return Feedback(False, f"Expected {STREAM_TASKS} lists of {STREAM_DRAWS} numbers, one per task, as pool.map returns them.")
    streams = {show(list(d), 500) for d in draws}
    if len(streams) < STREAM_TASKS:
        # Keyed by how many streams differ, not by the numbers: unseeded draws change from run to run.
        return Feedback(False, graded("streams-same", len(streams),
                                      "Some tasks drew the same numbers: did every task get the same seed?",
                                      "Give task i the i-th child: SeedSequence(7).spawn(4)[i]."))
    if [list(d) for d in draws] != task_streams(STREAM_SEED, STREAM_TASKS, STREAM_DRAWS):
        return Feedback(False, graded("streams-other", "not the exercise's streams",
                                      "Four different streams, but not the ones this exercise asks for: which seed sequence, and how were its child seeds made?",
                                      "Give task i the i-th child of SeedSequence(7).spawn(4), with 3 draws each."))
    return Feedback(True, "Four different streams, and the same four on every run, whatever worker ran which task.")


@exercise_check
def check_picklable(obj: object) -> Feedback:
    """Exercise 5: a Stopwatch that keeps its laps and travels through pickle, its lock made anew on arrival."""
    if obj is Ellipsis:
        return unanswered("create a Stopwatch after adding __getstate__ and __setstate__ to its class")
    if not hasattr(obj, "laps") or not hasattr(obj, "lock"):
        return Feedback(False, f"Pass a Stopwatch instance, got {type(obj).__name__}.")
    laps = getattr(obj, "laps")
    obj.laps = [*laps, 3.125]  # laps of its own: a copy that merely starts afresh (calls __init__) would lose them
    try:
        copy = pickle.loads(pickle.dumps(obj))
    except Exception as error:  # what the learner's class does is up to them: report it
        return Feedback(False, graded("pickle-fails", type(obj).__dict__.keys(),
                                      f"It still cannot travel ({type(error).__name__}). Which attribute cannot be pickled?",
                                      "__getstate__ returns a copy of self.__dict__ without 'lock'; __setstate__ updates __dict__ and makes a new lock."))
    finally:
        sent, obj.laps = obj.laps, laps  # the learner's object as it was: running the check twice adds no lap
    if getattr(copy, "laps", None) != sent:
        return Feedback(False, "The copy lost its laps: __getstate__ must keep every attribute but the lock.")
    if not hasattr(copy, "lock") or not hasattr(copy.lock, "acquire"):
        return Feedback(False, "The copy has no lock: __setstate__ must make a new one (threading.Lock()).")
    if copy.lock is obj.lock:
        return Feedback(False, "The copy shares the original's lock object, which pickle cannot do between processes: make a new one.")
    return Feedback(True, "The laps travel, the lock stays home, and the copy gets a lock of its own.")


NESTING = {
    "a Pool's task starts a Pool": "fails",
    "a ProcessPoolExecutor's task starts a Pool": "works",
    "a Pool's task starts a ThreadPoolExecutor": "works",
}
_NESTING_HINTS = {
    "a Pool's task starts a Pool": "Pool workers are daemonic: may a daemonic process have children?",
    "a ProcessPoolExecutor's task starts a Pool": "are the executor's workers daemonic?",
    "a Pool's task starts a ThreadPoolExecutor": "threads are not processes: the daemon rule is about children processes.",
}


@exercise_check
def check_nesting(answers: object) -> Feedback:
    """Exercise 6: which nestings of pools work."""
    return choice_feedback(
        answers, NESTING, name="NESTING",
        hint="a dict mapping each nesting to 'works' or 'fails'",
        success="Pool workers are daemonic and cannot have children; executor workers can; threads are always allowed.",
        why=lambda nesting, _: _NESTING_HINTS[nesting],
        choices=("works", "fails"),
    )


__all__ = [
    "LOG_LINES", "LOG_TASKS", "NESTING", "OWN_MODULE_INPUTS", "SIGINT_FACTS", "STREAM_DRAWS", "STREAM_SEED", "STREAM_TASKS",
    "check_log_lines", "check_nesting", "check_own_module", "check_picklable", "check_sigint", "check_streams",
]
