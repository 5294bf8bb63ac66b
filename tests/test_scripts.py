"""helpers.scripts: running a script in a fresh interpreter, and reading its errors."""

import pytest

from helpers.scripts import error_lines, run_script


def test_run_script_captures_output_and_exit_code():
    result = run_script("import sys\nprint('out')\nprint('err', file=sys.stderr)\nsys.exit(4)")
    assert (result.returncode, result.stdout, result.stderr) == (4, "out\n", "err\n")
    assert result.seconds > 0


def test_run_script_can_import_helpers():
    assert run_script("from helpers.tasks import square\nprint(square(7))").stdout == "49\n"


def test_run_script_stops_a_script_and_its_children_at_the_timeout():
    source = """
        import multiprocessing, time
        if __name__ == "__main__":
            child = multiprocessing.Process(target=time.sleep, args=(60,))
            child.start()
            print(child.pid, flush=True)
            time.sleep(60)
    """
    with pytest.raises(TimeoutError, match="still running after 2 s"):
        run_script(source, timeout=2)


@pytest.mark.parametrize("source, timeout, error", [("", 10, ValueError), ("print(1)", 0, ValueError), (None, 10, ValueError)])
def test_run_script_rejects_bad_arguments(source, timeout, error):
    with pytest.raises(error):
        run_script(source, timeout=timeout)


def test_error_lines_keeps_only_the_exception_part():
    stderr = (
        "Process SpawnProcess-1:\n"
        "Traceback (most recent call last):\n"
        '  File "x.py", line 1, in <module>\n'
        "    boom()\n"
        "RuntimeError: \n"
        "        An attempt has been made\n"
        "        to start a process\n"
        "\n"
    )
    assert error_lines(stderr) == "RuntimeError:\n        An attempt has been made\n        to start a process"
    assert error_lines("") == ""


def test_warning_lines_drop_the_path_and_the_source_line():
    from helpers.scripts import warning_lines

    stderr = (
        "/usr/lib/python3.11/multiprocessing/resource_tracker.py:254: UserWarning: resource_tracker: There appear to be 1 leaked\n"
        "  warnings.warn('resource_tracker: There appear to be %d '\n"
        "C:\\Python\\lib\\x.py:3: DeprecationWarning: old\n"
    )
    assert warning_lines(stderr) == "UserWarning: resource_tracker: There appear to be 1 leaked\nDeprecationWarning: old"
    assert warning_lines("Traceback (most recent call last):\nValueError: no\n") == ""


def test_a_stopped_script_leaves_no_semaphore_behind(tmp_path):
    """What run_script does at a timeout, started once the script has made its semaphore (not after a guessed time)."""
    import os
    import subprocess
    import sys
    import time

    from helpers.scripts import _stop

    if not os.path.isdir("/dev/shm"):
        pytest.skip("needs /dev/shm")
    name_file = tmp_path / "semaphore-name.txt"
    hangs = f"""
import multiprocessing, pathlib, time
lock = multiprocessing.get_context("spawn").Lock()  # a named semaphore, registered with the resource tracker
pathlib.Path({str(name_file)!r} + ".part").write_text(lock._semlock.name)
pathlib.Path({str(name_file)!r} + ".part").rename({str(name_file)!r})  # appears whole, or not at all
time.sleep(60)
"""
    script = subprocess.Popen([sys.executable, "-c", hangs], start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not name_file.exists() and script.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert name_file.exists(), "the script never made its semaphore"
    finally:
        _stop(script)
        script.wait(30)
    name = name_file.read_text().strip("/")
    assert name and not os.path.exists(f"/dev/shm/sem.{name}"), "the hung script's semaphore was left in /dev/shm"
