"""Ctrl-C and hung pools (notebook 06): who gets the signal, a worker initializer that ignores it, and stacks.

Each demonstration runs a small script in its own process group and signals it for real, so a notebook
cell can never hang. Ctrl-C in a terminal sends SIGINT to the whole foreground process group (the program
and every worker it started), and so does JupyterLab's interrupt button on Linux and macOS (jupyter_client
signals the kernel's process group); `kill -INT PID` (os.kill) reaches one process alone.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from helpers.validation import require_number

_reports: Any = None
_stop: Any = None


def ignore_sigint() -> None:
    """Pool initializer: this worker ignores Ctrl-C (SIGINT); the parent alone decides when to stop the pool."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def report_to(reports: Any, stop: Any, ignore: bool = False) -> None:
    """Pool initializer for the demonstration: keep the queue to report on and the flag that ends the task
    (a RawValue set to 1), and maybe ignore SIGINT."""
    global _reports, _stop
    _reports, _stop = reports, stop
    if ignore:
        ignore_sigint()


def wait_and_report(task_id: int) -> int:
    """Say "running", then wait for the stop flag; report once how the wait ended: "KeyboardInterrupt" if a
    SIGINT interrupted it (then let it end the worker), "not interrupted" if the flag was set.

    The wait polls a plain shared flag rather than waiting on a multiprocessing.Event: a KeyboardInterrupt can
    land anywhere in the wait, and one that lands inside Event.wait's bookkeeping leaves its condition
    miscounted, so that the parent's set() then waits for ever for a sleeper that is gone.
    """
    try:
        _reports.put(("running", task_id, os.getpid()))
        deadline = time.monotonic() + 60
        while not _stop.value and time.monotonic() < deadline:
            time.sleep(0.005)
    except KeyboardInterrupt:
        _reports.put(("KeyboardInterrupt", task_id, os.getpid()))
        raise
    _reports.put(("not interrupted", task_id, os.getpid()))
    return task_id


# The verdict does not depend on timing: every worker reports exactly once how its task ended. One that the
# signal reached was interrupted the moment it arrived (the signal is pending in every process of the group
# before the parent even sees its own); one that it did not reach (or that ignores it) ends its wait only
# when the parent, after its KeyboardInterrupt, sets the stop flag.
_SCRIPT = """
import json, multiprocessing, signal, sys
from helpers.interrupts import report_to, wait_and_report

if __name__ == "__main__":
    # Ctrl-C raises KeyboardInterrupt, as in a terminal: a shell that starts a program in the background (cmd &)
    # starts it with SIGINT ignored, and a Python started so would not even install its handler.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    multiprocessing.set_start_method({method!r})  # the caller's
    reports, stop = multiprocessing.Queue(), multiprocessing.RawValue("b", 0)  # a flag without a lock
    pool = multiprocessing.Pool(2, initializer=report_to, initargs=(reports, stop, {ignore}))
    outcome = {{"parent interrupted": False, "workers interrupted": 0}}
    try:
        pending = pool.map_async(wait_and_report, [0, 1], chunksize=1)
        running = [reports.get(timeout=60) for _ in range(2)]  # both workers are inside their task now
        print("ready", flush=True)
        pending.get(60)
    except KeyboardInterrupt:
        outcome["parent interrupted"] = True
        stop.value = 1
        endings = [reports.get(timeout=60)[0] for _ in range(2)]
        outcome["workers interrupted"] = endings.count("KeyboardInterrupt")
    finally:
        pool.terminate()  # what `with Pool(...)` does on leaving the block
        pool.join()
    print(json.dumps(outcome), flush=True)
"""


@dataclass(frozen=True)
class Interrupted:
    """What one SIGINT did to a pool of 2 workers running a long task each."""

    target: str  # "the process group" (Ctrl-C, JupyterLab's button) or "the parent" (kill -INT PID)
    workers_ignore: bool
    parent_interrupted: bool
    workers_interrupted: int


def interrupt_a_pool(target: str = "group", workers_ignore: bool = False, timeout: float = 60.0) -> Interrupted:
    """Run a script whose Pool(2) runs two long tasks, send SIGINT to ``target`` ("group" or "parent"), report.

    ``workers_ignore``: the pool's initializer ignores SIGINT in the workers.
    """
    if os.name != "posix":
        raise OSError("this demonstration sends POSIX signals to a process group: it needs Linux or macOS")
    if target not in ("group", "parent"):
        raise ValueError(f"target must be 'group' (Ctrl-C, or JupyterLab's button) or 'parent' (kill -INT PID), got {target!r}")
    require_number("timeout", timeout, minimum=0, strict=True)
    import multiprocessing

    source = _SCRIPT.format(ignore=bool(workers_ignore), method=multiprocessing.get_start_method())
    script = subprocess.Popen(
        [sys.executable, "-c", source], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        start_new_session=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    # readline() has no timeout: a watchdog ends the script (and so the read) if it has not said "ready" in time.
    watchdog = threading.Timer(timeout, _kill_group, (script,))
    watchdog.start()
    try:
        first = script.stdout.readline() if script.stdout else ""
        watchdog.cancel()
        if first.strip() != "ready":
            raise RuntimeError(f"the demonstration script did not start its pool (it said {first.strip()!r})")
        if target == "group":
            os.killpg(script.pid, signal.SIGINT)
        else:
            os.kill(script.pid, signal.SIGINT)
        out, _ = script.communicate(timeout=timeout)
    finally:
        watchdog.cancel()
        _kill_group(script)
    outcome = json.loads(out.strip().splitlines()[-1])
    return Interrupted("the process group" if target == "group" else "the parent", bool(workers_ignore),
                       outcome["parent interrupted"], outcome["workers interrupted"])


# ------------------------------------------------------------------------------------------- a hung pool


@contextmanager
def stacks_if_slower_than(seconds: float, file: Any = None) -> Iterator[None]:
    """Around one task: if the block still runs ``seconds`` from now, print every thread's stack to ``file``
    (stderr by default); leaving the block in time cancels it.

    faulthandler writes the stacks from a watchdog thread, so it works even while the task is stuck in a lock,
    a read, or C code; the task itself keeps going (or keeps hanging).
    """
    import faulthandler

    require_number("seconds", seconds, minimum=0, strict=True)
    faulthandler.dump_traceback_later(seconds, repeat=False, file=file if file is not None else sys.stderr)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()


def hold_then_take(first: Any, second: Any, ready: Any) -> None:
    """Take lock ``first``, wait until the other worker holds its own first lock, then take ``second``.

    Two workers with the locks in opposite orders wait for each other for ever: a deadlock.
    """
    with first:
        ready.wait(30)
        with second:  # never acquired: the other worker holds it, and waits for ours
            pass


def deadlocking_worker(first: Any, second: Any, ready: Any, dump_after: float, dump_path: str) -> None:
    """hold_then_take, watched: if it hangs ``dump_after`` s, the stacks go to ``dump_path`` (a file of its own:
    two workers writing into one stream would interleave their lines)."""
    global _dump_file
    _dump_file = open(dump_path, "w")  # kept open: faulthandler writes to it from its watchdog thread
    with stacks_if_slower_than(dump_after, file=_dump_file):
        hold_then_take(first, second, ready)


_dump_file: Any = None

_DEADLOCK_SCRIPT = """
import multiprocessing, sys
from helpers.interrupts import deadlocking_worker

if __name__ == "__main__":
    a, b, ready = multiprocessing.Lock(), multiprocessing.Lock(), multiprocessing.Barrier(2)
    first, second = sys.argv[1:3]
    workers = [multiprocessing.Process(target=deadlocking_worker, args=(a, b, ready, {after!r}, first), daemon=True),
               multiprocessing.Process(target=deadlocking_worker, args=(b, a, ready, {after!r}, second), daemon=True)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join({timeout!r})
"""


def stacks_of_a_deadlock(after: float = 1.5, timeout: float = 60.0) -> list[str]:
    """Run two workers that deadlock on two locks; collect the stacks faulthandler dumps after ``after`` s.

    Returns one line per worker: its frames in the course's code, outermost first. The script and its workers
    are stopped afterwards, and in any case after ``timeout`` s.
    """
    if os.name != "posix":
        raise OSError("this demonstration stops its script's process group: it needs Linux or macOS")
    require_number("after", after, minimum=0, strict=True)
    require_number("timeout", timeout, minimum=0, strict=True)
    with tempfile.TemporaryDirectory(prefix="course-stacks-") as folder:
        paths = [os.path.join(folder, f"worker{n}.txt") for n in (1, 2)]
        script = subprocess.Popen([sys.executable, "-c", _DEADLOCK_SCRIPT.format(after=after, timeout=timeout), *paths],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            # A dump is complete once it reaches the outermost frame, the child's "<module>" (most recent call first).
            deadline = time.monotonic() + timeout
            dumps = ["", ""]
            while not all("in <module>" in dump for dump in dumps) and time.monotonic() < deadline and script.poll() is None:
                time.sleep(0.05)
                dumps = [_read(path) for path in paths]
        finally:
            _kill_group(script)
    return [frames for dump in dumps for frames in _course_frames(dump)]


def _read(path: str) -> str:
    """A file's text so far ('' while it does not exist yet)."""
    try:
        with open(path) as file:
            return file.read()
    except FileNotFoundError:
        return ""


def _kill_group(script: subprocess.Popen[Any]) -> None:
    """Stop a demonstration script and everything it started (its own process group), and reap it."""
    if script.poll() is None:
        try:
            os.killpg(script.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    script.wait(10)
    for stream in (script.stdout, script.stderr):
        if stream is not None:
            stream.close()


def _course_frames(dump: str) -> list[str]:
    """From faulthandler's dump ("Thread 0x... (most recent call first):" then 'File "...", line N in f'),
    each dumped stack's frames in the course's code, as 'hold_then_take: with second:' (function: its line)."""
    import linecache
    import re

    stacks, current = [], []
    for line in dump.splitlines():
        if line.startswith(("Thread 0x", "Current thread 0x", "Stack (most recent call first)")):
            if current:
                stacks.append(current)
            current = []
            continue
        match = re.search(r'File "(?P<path>[^"]+)", line (?P<line>\d+) in (?P<function>\S+)', line)
        if match and "/helpers/" in match["path"].replace(os.sep, "/"):
            code = linecache.getline(match["path"], int(match["line"])).split("#")[0].strip()
            current.append(f"{match['function']}: {code}")
    if current:
        stacks.append(current)
    return [" → ".join(reversed(stack)) for stack in stacks if stack]


def wait_for_ever(ready: Any) -> None:
    """A worker stuck on purpose: it says it is ready, then waits on a queue nobody will ever fill (at most 60 s)."""
    import multiprocessing
    import queue as queue_module

    ready.set()
    try:
        multiprocessing.Queue().get(timeout=60)
    except queue_module.Empty:
        pass


def py_spy_dump_of_a_waiting_worker(timeout: float = 30.0) -> str:
    """Start a worker stuck in a queue read, and show what `py-spy dump --pid` says about it (or why it cannot)."""
    import multiprocessing
    import shutil

    require_number("timeout", timeout, minimum=0, strict=True)
    py_spy = shutil.which("py-spy") or (os.path.join(os.path.dirname(sys.executable), "py-spy") if os.path.exists(
        os.path.join(os.path.dirname(sys.executable), "py-spy")) else None)
    if py_spy is None:
        return "py-spy is not installed here (pip install py-spy)."
    ready = multiprocessing.Event()
    worker = multiprocessing.Process(target=wait_for_ever, args=(ready,))
    worker.start()
    try:
        ready.wait(timeout)
        dumped = subprocess.run([py_spy, "dump", "--pid", str(worker.pid)], capture_output=True, text=True, timeout=timeout)
    finally:
        worker.kill()
        worker.join(10)
    text = re.sub(r"\x1b\[[0-9;]*m", "", dumped.stdout or dumped.stderr)  # py-spy colours its output
    if dumped.returncode != 0:
        reason = text.strip().splitlines()[-1:] or ["no output"]
        return f"py-spy could not inspect the worker here: {reason[0]} (it needs permission to trace another process)"
    lines = text.strip().splitlines()
    # It begins with the process's whole command line (a fork server's is long, a -c script's spans lines):
    # keep the pid, then from its "Python v..." line on.
    version = next((i for i, line in enumerate(lines) if line.startswith("Python v")), 0)
    return "\n".join([f"Process {worker.pid}: the waiting worker", *lines[version:]])
