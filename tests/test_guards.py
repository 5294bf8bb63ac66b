"""run_in_child: results, the child's own error text, and the timeout that prevents hangs."""

import multiprocessing
import sys
import time

import pytest

from helpers.guards import ChildOutcome, run_in_child
from helpers.tasks import io_wait, square
from helpers.start_methods import available_methods

METHODS = available_methods()


@pytest.mark.parametrize("method", METHODS)
def test_returns_the_value(method):
    outcome = run_in_child(square, 4, method=method, timeout=30)
    assert outcome.ok and outcome.exitcode == 0
    assert outcome.result() == 16


@pytest.mark.parametrize("method", METHODS)
def test_an_exception_in_the_worker_comes_back_as_text(method, capfd):
    outcome = run_in_child(square, "a", method=method, timeout=30)
    assert outcome.exitcode == 1
    assert outcome.error == "TypeError: can't multiply sequence by non-int of type 'str'"
    with pytest.raises(ChildProcessError, match=f"the child \\({method}\\) exited with code 1: TypeError"):
        outcome.result()


def test_notebook_defined_worker_fails_under_spawn_with_the_real_error(monkeypatch):
    def cube(x):
        return x**3

    # Make it look exactly like a function defined in a notebook cell (module __main__).
    cube.__module__, cube.__qualname__ = "__main__", "cube"
    monkeypatch.setattr(sys.modules["__main__"], "cube", cube, raising=False)
    outcome = run_in_child(cube, 3, method="spawn", timeout=30)
    assert outcome.exitcode == 1
    # The wording changed in Python 3.14; the notebooks' stored outputs use the new one (tests/sanitize.cfg maps the old).
    assert outcome.error.startswith((
        "AttributeError: Can't get attribute 'cube' on <module '__main__'",  # Python 3.11-3.13
        "AttributeError: module '__main__' has no attribute 'cube'",  # Python 3.14+
    )), outcome.error


def test_timeout_guard_fires_and_kills_the_child():
    start = time.monotonic()
    outcome = run_in_child(io_wait, 60, method=METHODS[0], timeout=1)
    elapsed = time.monotonic() - start
    assert outcome.exitcode is None
    assert elapsed < 30, "the guard should stop waiting long before the 60 s child would finish"
    with pytest.raises(ChildProcessError, match="still running at the timeout and was killed"):
        outcome.result()
    assert multiprocessing.active_children() == []


def test_a_killed_child_reports_its_signal():
    outcome = ChildOutcome("spawn", -9)
    with pytest.raises(ChildProcessError, match="exited with code -9: its error went to the terminal"):
        outcome.result()


def test_rejects_bad_arguments():
    with pytest.raises(ValueError, match="start method must be one of"):
        run_in_child(square, 1, method="thread")
    with pytest.raises(ValueError, match="timeout must be > 0"):
        run_in_child(square, 1, timeout=0)


def test_last_error_line_drops_colour_codes():
    from helpers.guards import _last_error_line

    coloured = "Traceback...\n\x1b[1;35mAttributeError\x1b[0m: \x1b[35mCan't get attribute 'cube'\x1b[0m\n"
    assert _last_error_line(coloured) == "AttributeError: Can't get attribute 'cube'"
    assert _last_error_line("") == ""


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="POSIX only: the resource tracker")
def test_helper_processes_do_not_inherit_the_captured_stderr():
    import os
    from multiprocessing import resource_tracker

    run_in_child(square, 2, method="spawn", timeout=30)
    tracker_pid = resource_tracker._resource_tracker._pid
    assert tracker_pid is not None
    theirs, ours = os.stat(f"/proc/{tracker_pid}/fd/2"), os.fstat(2)
    assert (theirs.st_dev, theirs.st_ino) == (ours.st_dev, ours.st_ino), "the resource tracker lost our stderr"


def test_join_all_kills_what_overstays_one_shared_deadline():
    import time

    from helpers.guards import join_all
    from helpers.tasks import io_wait

    quick = multiprocessing.Process(target=io_wait, args=(0,))
    slow = multiprocessing.Process(target=io_wait, args=(30,))
    for process in (quick, slow):
        process.start()
    quick.join(60)  # done before the deadline starts, so only the slow one can overstay it, however slow the start
    start = time.monotonic()
    assert join_all([quick, slow], timeout=1) == [slow]
    assert time.monotonic() - start < 15 and quick.exitcode == 0 and slow.exitcode is not None
    with pytest.raises(ValueError, match="timeout must be > 0"):
        join_all([], 0)
