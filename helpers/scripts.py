"""Run a small Python script in a fresh interpreter, as a learner would from a terminal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path

from helpers.validation import require_number


@dataclass(frozen=True)
class ScriptResult:
    """What a script printed and how it ended."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float


def run_script(source: str, timeout: float = 60.0) -> ScriptResult:
    """Write ``source`` to a temporary file and run it with this Python; stop it after ``timeout`` s."""
    import time

    if not isinstance(source, str) or not source.strip():
        raise ValueError("source must be the non-empty text of a Python script")
    require_number("timeout", timeout, minimum=0, strict=True)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "script.py"
        path.write_text(textwrap.dedent(source))
        environment = {**os.environ, "PYTHON_COLORS": "0", "PYTHONIOENCODING": "utf-8"}
        start = time.perf_counter()
        # Its own session, so that on a timeout the script and any processes it started are stopped together.
        script = subprocess.Popen(
            [sys.executable, str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=folder,
            env=environment, start_new_session=(os.name == "posix"),
        )
        try:
            stdout, stderr = script.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _stop(script)
            script.communicate()
            raise TimeoutError(f"the script was still running after {timeout} s and was stopped") from None
        done = subprocess.CompletedProcess(script.args, script.returncode, stdout, stderr)
        return ScriptResult(done.returncode, done.stdout, done.stderr, time.perf_counter() - start)


def _stop(script: subprocess.Popen) -> None:
    """Kill a script and every process it started, but let multiprocessing's resource tracker finish first.

    The tracker removes the semaphores and shared memory its processes leave behind, once every one
    of them has ended; killed with the rest, it would leave them in /dev/shm for good.
    """
    import psutil

    try:
        family = [psutil.Process(script.pid), *psutil.Process(script.pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        family = []
    trackers = []
    for process in family:
        try:
            if "resource_tracker" in " ".join(process.cmdline()):
                trackers.append(process)
            else:
                process.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(trackers, timeout=10)  # it exits by itself once the others are gone
    if os.name == "posix":
        try:
            os.killpg(script.pid, signal.SIGKILL)  # anything still left in the script's session
        except ProcessLookupError:
            pass
    else:
        script.kill()


def error_lines(stderr: str) -> str:
    """The exception part of each traceback in ``stderr``: from its 'SomeError:' line to the next traceback."""
    kept, keeping = [], False
    for line in stderr.splitlines():
        if line.startswith("Traceback (most recent call last)") or line.startswith("Process "):
            keeping = False
        elif line and not line[0].isspace() and ("Error" in line.split(":")[0] or "Exception" in line.split(":")[0]):
            keeping = True
        if keeping:
            kept.append(line.rstrip())
    return "\n".join(kept).rstrip()


def warning_lines(stderr: str) -> str:
    """The warnings in ``stderr`` without the file path in front: 'UserWarning: ...', one per line."""
    import re

    found = re.findall(r"^\S.*?:\d+: (\w*Warning: .*)$", stderr, re.M)
    return "\n".join(line.rstrip() for line in found)


def scratch_folder() -> Path:
    """A new temporary folder at the front of sys.path, for modules a notebook writes (%%writefile) and imports.

    Child processes get this process's sys.path, so a worker module written there can be imported by every
    child under every start method. Remove it with remove_scratch_folder when done (it is also removed when this
    process exits).
    """
    import sys

    import atexit
    import shutil

    folder = Path(tempfile.mkdtemp(prefix="course-modules-"))
    sys.path.insert(0, str(folder))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)  # gone with the kernel, even if the notebook stops early
    return folder


def remove_scratch_folder(folder: Path) -> list[str]:
    """Delete a scratch folder, take it off sys.path, and forget the modules imported from it; return their names."""
    import importlib
    import shutil
    import sys

    folder = Path(folder)
    if not folder.name.startswith("course-modules-"):
        raise ValueError(f"{folder} was not made by scratch_folder(); refusing to delete it")
    forgotten = sorted(name for name, module in list(sys.modules.items())
                       if getattr(module, "__file__", None) and Path(module.__file__).parent == folder)
    for name in forgotten:
        del sys.modules[name]
    if str(folder) in sys.path:
        sys.path.remove(str(folder))
    shutil.rmtree(folder, ignore_errors=True)
    importlib.invalidate_caches()
    return forgotten
