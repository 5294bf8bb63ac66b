"""Soak test for maintainers (`make soak`): the unit and exercise-check tests, N times, on a busy machine.

A test whose verdict depends on timing passes on an idle machine and fails on a loaded one now and
then. This runs every test in tests/ (not the notebook runs, not the browser) N times with pytest-repeat,
while a background load keeps one CPU busy (Debian's stress-ng, or a plain busy Python process where it
is missing), then lists every test that ever failed, with how often.

    python tests/soak.py --count 5 [-- extra pytest arguments]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# pytest-repeat appends "-<run>-<count>" to a test's parameters: test_x[1-5], test_x[spawn-1-5].
REPEAT_IN_PARAMETERS = re.compile(r"-\d+-\d+\]$")
REPEAT_ALONE = re.compile(r"\[\d+-\d+\]$")


def start_load() -> tuple[subprocess.Popen, str]:
    """Keep one CPU busy in the background, in a session of its own (so it can be stopped as a group)."""
    if shutil.which("stress-ng"):
        command, name = ["stress-ng", "--cpu", "1", "--quiet"], "stress-ng --cpu 1"
    else:
        command, name = [sys.executable, "-c", "while True: pass"], "a busy Python process"
    load = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    return load, name


def stop_load(load: subprocess.Popen) -> None:
    """Stop the background load and whatever it started."""
    try:
        os.killpg(load.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    load.wait(30)


def test_id(case: ElementTree.Element) -> str:
    """The test's id as pytest prints it, without pytest-repeat's run number."""
    path = case.get("classname", "").replace(".", "/") + ".py"
    name, replaced = REPEAT_IN_PARAMETERS.subn("]", case.get("name", ""))
    if not replaced:
        name = REPEAT_ALONE.sub("", name)
    return f"{path}::{name}"


def failures(report: Path) -> tuple[Counter[str], int]:
    """How often each test failed or errored in a JUnit XML report, and how many test runs it holds."""
    counts: Counter[str] = Counter()
    runs = 0
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        runs += 1
        if case.find("failure") is not None or case.find("error") is not None:
            counts[test_id(case)] += 1
    return counts, runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5, help="how many times to run every test (default 5)")
    parser.add_argument("pytest_args", nargs="*", help="more arguments for pytest (after --)")
    options = parser.parse_args(argv)
    if options.count < 1:
        parser.error(f"--count must be ≥ 1, got {options.count}")
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "soak.xml"
        command = [
            sys.executable, "-m", "pytest", "tests", f"--count={options.count}", "--repeat-scope=session",
            "--no-notebooks", "--browser-start-methods=", f"--junitxml={report}", "-q", "--no-header",
            "-o", "junit_family=xunit1", *options.pytest_args,
        ]
        load, name = start_load()
        started = time.monotonic()
        print(f"soak: every test in tests/ {options.count} times, while {name} keeps one CPU busy", flush=True)
        try:
            run = subprocess.run(command, cwd=ROOT)
        finally:
            stop_load(load)
        minutes = (time.monotonic() - started) / 60
        if not report.exists():
            print(f"soak: pytest ended with code {run.returncode} before writing its report", file=sys.stderr)
            return run.returncode or 1
        counts, runs = failures(report)
    print(f"\nsoak report: {runs} test runs ({options.count} rounds) in {minutes:.1f} min under {name}: "
          f"{sum(counts.values())} failures in {len(counts)} tests")
    for test, failed in counts.most_common():
        print(f"  failed {failed} of {options.count}: {test}")
    return 1 if counts or run.returncode not in (0, 5) else 0


if __name__ == "__main__":
    sys.exit(main())
