"""Run every notebook under nbval once per start method, plus the reliability checks.

For each notebook and each start method (``--start-methods``, default: all on this platform)
the collector ``notebooks/NN_name.ipynb::METHOD`` starts one kernel with MP_START_METHOD set
(the notebooks' setup helper applies it) and without PYTEST_CURRENT_TEST (whose presence
makes ipykernel stop capturing child processes' output at the file-descriptor level), then:

1. ``Cell N``: runs every cell, comparing outputs with the stored ones (nbval, not lax);
2. ``Rerun Cell N``: runs every cell again in the same kernel, comparing again (a learner re-runs cells);
3. ``no leftovers``: no child process of the kernel and no new shared-memory segment is left.

One more collector, ``METHOD-1cpu`` (``--one-cpu-method``, default spawn), runs the notebook
in a kernel allowed to use a single CPU, as under ``taskset -c 0``; and, with ``--pretend-cpus=N``,
``fork-pretendNcpus`` runs it as if on a machine with N CPUs (helpers.cpus reports that profile), so a
compared output that depends on the number of CPUs fails.
"""

from __future__ import annotations

import copy
import multiprocessing
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from helpers.start_methods import available_methods
from nbval.plugin import IPyNbCell, IPyNbFile

ROOT = Path(__file__).resolve().parent
NOTEBOOKS = ROOT / "notebooks"
SANITIZE = ROOT / "tests" / "sanitize.cfg"
CELL_TIMEOUT = 60  # seconds; a hung pool fails in a minute, not nbval's default 33 minutes
SHM = Path("/dev/shm")
# Names multiprocessing.shared_memory gives segments (POSIX, Windows): the notebook must unlink these itself.
SHARED_MEMORY_PREFIXES = ("psm_", "wnsm_")
# The harness's own tests (tests/test_notebook_harness.py) leave segments behind on purpose, named with this prefix,
# while real notebooks and other harness tests may run beside them (pytest -n 2). A real run ignores them all; a harness
# test's inner run sets HARNESS_VARIABLE to its own, longer prefix and watches only the segments named with that one.
HARNESS_PREFIX = "psm_harness_"
HARNESS_VARIABLE = "COURSE_HARNESS_SELF_TEST"
# Cells tagged "requires-python-3.N" show a feature of Python 3.N: an older Python runs them but does not compare them.
REQUIRES_PYTHON = "requires-python-"
# multiprocessing's own helper processes, which live as long as the kernel and end with it.
# Helper processes that live as long as the kernel and exit with it (the teardown checks that they do).
# The runs that check what an output must not depend on (the number of CPUs), not what the notebooks measure, run
# their sweeps and demos shorter: the pretend run (8 pretend CPUs on the real ones would take 4x as long) and the
# one-CPU run.
PRETEND_TIME_SCALE = 0.125
ONE_CPU_TIME_SCALE = 0.5
# Seconds the leftover checks wait for a notebook's processes and segments to go (a pool's workers may take a moment
# to exit after terminate()). A 2 s wait for the harness's own tests failed one of them on a loaded machine.
LEFTOVER_GRACE = 10
SECOND_LOOK = 1.0  # seconds between the two looks that must both find a leftover segment
# How long a kernel asked to shut down may take before it is terminated. JupyterLab waits 5 s, but a kernel that
# used multiprocessing always takes that long: ipykernel SIGTERMs its children, the resource tracker ignores SIGTERM,
# and ipykernel retries until the client terminates the kernel. Same sequence, a shorter wait: about 2 s saved per run.
KERNEL_SHUTDOWN_WAIT = 1.0
INFRASTRUCTURE = ("multiprocessing.resource_tracker", "multiprocessing.forkserver", "joblib.externals.loky.backend.resource_tracker")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("course notebooks")
    group.addoption(
        "--start-methods",
        default=",".join(available_methods()),
        help="comma-separated start methods to run every notebook under (default: all on this platform)",
    )
    group.addoption(
        "--one-cpu-method",
        default="spawn" if hasattr(os, "sched_setaffinity") else "",
        help="start method for the extra run on a single CPU ('' to skip it)",
    )
    group.addoption(
        "--pretend-cpus",
        default="8",
        help="also run every notebook under fork as if on a machine with this many CPUs (half of them physical cores), "
        "to catch compared outputs that depend on the number of CPUs (default: %(default)s; '' to skip)",
    )
    group.addoption(
        "--no-rerun", action="store_true",
        help="skip running each notebook a second time (otherwise done under the first of --start-methods)",
    )
    group.addoption(
        "--browser-start-methods",
        default="spawn",
        help="start methods for the JupyterLab-in-Chromium run of every notebook ('' to skip it)",
    )
    group.addoption(
        "--time-scale", default="",
        help="run every notebook with COURSE_TIME_SCALE set to this (0 < scale ≤ 1): shorter sweeps and demos, for "
        "passes that check what the notebooks print rather than what they measure (default: 1; the one-CPU run uses at most 0.5, the pretend run at most 0.125)",
    )
    group.addoption("--no-notebooks", action="store_true", help="skip the notebook (nbval) runs")


def _methods(text: str) -> list[str]:
    methods = [m.strip() for m in text.split(",") if m.strip()]
    unknown = set(methods) - set(available_methods())
    if unknown:
        raise pytest.UsageError(f"unknown start methods {sorted(unknown)}; available here: {available_methods()}")
    return methods


def pytest_configure(config: pytest.Config) -> None:
    # nbval's own options, set here so a plain `pytest` compares outputs the project's way.
    config.option.nbval_current_env = True  # the kernel is this Python, whatever kernelspecs exist
    config.option.nbval_cell_timeout = CELL_TIMEOUT
    config.option.nbval_sanitize_with = str(SANITIZE)
    config.course_start_methods = _methods(config.option.start_methods)
    if not config.course_start_methods:
        raise pytest.UsageError(f"--start-methods: none given; available here: {available_methods()}")
    config.course_one_cpu_methods = _methods(config.option.one_cpu_method)
    config.course_browser_methods = _methods(config.option.browser_start_methods)
    pretend = config.option.pretend_cpus.strip()
    if pretend and not (pretend.isdigit() and int(pretend) >= 2):
        raise pytest.UsageError(f"--pretend-cpus takes a number of CPUs ≥ 2 (or '' to skip), got {pretend!r}")
    if pretend and "fork" not in multiprocessing.get_all_start_methods():
        pretend = ""  # the pretend run uses fork, the cheapest way to start many processes on a small machine
    config.course_pretend_cpus = int(pretend) if pretend else 0
    scale = config.option.time_scale.strip()
    if scale:
        try:
            valid = 0 < float(scale) <= 1
        except ValueError:
            valid = False
        if not valid:
            raise pytest.UsageError(f"--time-scale takes a number in (0, 1] (or nothing for 1), got {scale!r}")


class CourseCell(IPyNbCell):
    """nbval's cell, whose failure report also shows the text of any stream the stored notebook lacks."""

    def compare_outputs(self, test, ref, skip_compare=None):
        """nbval's comparison, unchanged; when it fails, the report also shows the text of any stream (stderr, most
        often) that the run printed and the stored notebook has not: nbval names only the field, and an intermittent
        message cannot be seen again."""
        same = super().compare_outputs(test, ref, skip_compare)
        if not same:
            stored = {output.get("name") for output in ref if output.get("output_type") == "stream"}
            for output in test:
                if output.get("output_type") == "stream" and output.get("name") not in stored:
                    self.comparison_traceback.append(
                        f"\nThe run's {output['name']}, not in the stored notebook:\n{output['text'][-3000:]}"
                    )
        return same


class StartMethodNotebook(IPyNbFile):
    """A notebook run by nbval in a kernel with a fixed start method (and optionally one CPU)."""

    start_method = "fork"
    one_cpu = False
    rerun = True
    pretend = ""  # a CPU profile for helpers.cpus to report instead of this machine's (COURSE_CPU_PROFILE)

    def setup(self) -> None:
        self.shm_before = _shm_entries()
        saved_environment = dict(os.environ)
        saved_affinity = os.sched_getaffinity(0) if self.one_cpu else None
        os.environ.pop("PYTEST_CURRENT_TEST", None)
        os.environ["MP_START_METHOD"] = self.start_method
        scale = self.config.option.time_scale
        if self.pretend:
            os.environ["COURSE_CPU_PROFILE"] = self.pretend
            scale = str(min(float(scale or 1), PRETEND_TIME_SCALE))
        if self.one_cpu:
            scale = str(min(float(scale or 1), ONE_CPU_TIME_SCALE))
        if scale:
            os.environ["COURSE_TIME_SCALE"] = scale
        # Warnings name the cell's temporary file; a fixed name keeps outputs comparable.
        os.environ["IPYKERNEL_CELL_NAME"] = "<cell>"
        if saved_affinity:
            os.sched_setaffinity(0, {min(saved_affinity)})  # the kernel inherits it, like `taskset -c 0`
        try:
            super().setup()
        finally:
            os.environ.clear()
            os.environ.update(saved_environment)
            if saved_affinity:
                os.sched_setaffinity(0, saved_affinity)

    def teardown(self) -> None:
        """Shut the kernel down as JupyterLab does (politely, so exit handlers run), then check leftovers."""
        descendants, held = [], set()
        if self.kernel is not None and self.kernel.is_alive():
            kernel = psutil.Process(self.kernel.km.provisioner.pid)
            descendants = kernel.children(recursive=True)
            # What the kernel's processes hold in /dev/shm now: after a clean exit, none of it may remain. Only
            # these are checked: other processes (tests beside this notebook, a PostgreSQL server) create and
            # remove entries there all the time, and an entry nobody maps cannot be told apart by its name.
            tree = {kernel.pid, *(p.pid for p in descendants)}
            held = {name for name, users in _shm_users().items() if users & tree}
            # nbval's own stop() kills the kernel's whole process group at once, which leaves
            # multiprocessing's semaphores behind in /dev/shm; a learner's kernel exits normally.
            self.kernel.kc.stop_channels()
            self.kernel.km.shutdown_wait_time = KERNEL_SHUTDOWN_WAIT
            self.kernel.km.shutdown_kernel(now=False)
        super().teardown()
        gone, alive = psutil.wait_procs(descendants, timeout=LEFTOVER_GRACE)
        described = [f"pid {p.pid}: {' '.join(_cmdline(p))[:120]}" for p in alive]
        for process in alive:
            process.kill()
        # The resource tracker cleans up just after the kernel exits: give it a moment.
        left = _orphans(held & _shm_entries())
        deadline = time.monotonic() + LEFTOVER_GRACE
        while left and time.monotonic() < deadline:
            time.sleep(0.2)
            left = _orphans(held & _shm_entries())
        assert not alive, f"processes outlived the kernel (killed now): {described}"
        assert not left, f"left in {SHM} after the kernel exited, used by no process: {sorted(left)}"

    def collect(self):
        # nbval's cells, rebuilt as CourseCells (same name, cell and options) for the fuller failure report.
        cells = [
            CourseCell.from_parent(self, name=cell.name, cell_num=cell.cell_num, cell=cell.cell, options=cell.options)
            if type(cell) is IPyNbCell else cell
            for cell in super().collect()
        ]
        stored = _stored_python(self.nb)
        for cell in cells:
            needed = _python_needed(cell.cell)
            # Compared only where both this Python and the one that stored the outputs have the feature: an older
            # Python says it needs a newer one (naming itself), and a newer one shows what the stored run (3.14)
            # could only say it needs. It still runs everywhere, so an error fails it.
            if needed is None:
                continue
            stored_runs_it = stored >= needed if stored else True  # unsaid: assume outputs from a Python that has it
            if not (sys.version_info[:2] >= needed and stored_runs_it):
                cell.options["check"] = False
        yield from cells
        if self.rerun:
            for cell in cells:
                # A copy: nbval merges stream outputs into the stored cell in place when it compares.
                yield CourseCell.from_parent(
                    self, name=f"Rerun {cell.name}", cell_num=cell.cell_num, cell=copy.deepcopy(cell.cell),
                    options=cell.options,
                )
        yield LeftoverCheck.from_parent(self, name="no leftovers")


class LeftoverCheck(pytest.Item):
    """After the notebook's last cell: no child processes and no new shared-memory segments remain."""

    def runtest(self) -> None:
        notebook = self.parent
        if notebook.kernel is None or not notebook.kernel.is_alive():
            pytest.fail("the kernel is not running, so leftovers cannot be checked (see the failing cell above)")
        kernel = psutil.Process(notebook.kernel.km.provisioner.pid)
        deadline = time.monotonic() + LEFTOVER_GRACE
        while True:
            leftovers = [p for p in kernel.children(recursive=True) if not _is_infrastructure(p)]
            if not leftovers or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        described = [f"pid {p.pid}: {' '.join(_cmdline(p))[:120]}" for p in leftovers]
        assert not leftovers, f"child processes still alive after the notebook finished: {described}"
        tree = {kernel.pid, *(p.pid for p in kernel.children(recursive=True))}
        segments = _segments_of(tree, notebook.shm_before)
        while segments and time.monotonic() < deadline:
            time.sleep(0.2)
            segments = _segments_of(tree, notebook.shm_before)
        if segments:
            # Only what a second look finds again: a segment that a test beside this notebook has just created and
            # not yet mapped (or unmapped and not yet unlinked) is, for that moment, new and used by nobody too.
            time.sleep(SECOND_LOOK)
            segments &= _segments_of(tree, notebook.shm_before)
        assert not segments, f"shared-memory segments left in {SHM}: {sorted(segments)} (the notebook must unlink() them)"

    def reportinfo(self):
        return self.path, None, f"{self.parent.name}: no leftover processes or shared memory"


def _stored_python(nb: "nbformat.NotebookNode") -> tuple[int, int] | None:
    """The Python version that stored a notebook's outputs (its kernel's language_info), e.g. (3, 14); None if unsaid."""
    version = str(nb.metadata.get("language_info", {}).get("version", ""))
    parts = version.split(".")[:2]
    if len(parts) < 2 or not all(part.isdigit() for part in parts):
        return None
    return int(parts[0]), int(parts[1])


def _python_needed(cell: dict) -> tuple[int, int] | None:
    """The Python version a cell's tag "requires-python-3.N" asks for (helpers.versions.has_python), if any."""
    for tag in cell.get("metadata", {}).get("tags", []):
        if tag.startswith(REQUIRES_PYTHON):
            major, minor = tag.removeprefix(REQUIRES_PYTHON).split(".")
            return int(major), int(minor)
    return None


def _shm_entries() -> set[str]:
    """Names in /dev/shm (empty where there is no such folder, e.g. macOS and Windows), but other harness tests' own."""
    names = set(os.listdir(SHM)) if SHM.is_dir() else set()
    watched = os.environ.get(HARNESS_VARIABLE) or None  # None: a real run, which watches no harness segment
    return {name for name in names if not name.startswith(HARNESS_PREFIX) or (watched and name.startswith(watched))}


def _shm_users() -> dict[str, set[int]]:
    """For each /dev/shm name, the pids that map it or hold it open (processes we may not inspect are skipped).

    Matched by inode, not path: glibc creates a semaphore under a temporary name, maps it, then renames
    it, so /proc/PID/maps shows the temporary name ("(deleted)") for a semaphore that is alive and well.
    """
    inodes: dict[int, set[int]] = {}
    prefix = f"{SHM}/"
    for pid in (int(d) for d in os.listdir("/proc") if d.isdigit()) if Path("/proc").is_dir() else []:
        try:
            with open(f"/proc/{pid}/maps", encoding="utf-8", errors="replace") as maps:
                for line in maps:
                    fields = line.split(None, 5)
                    if len(fields) == 6 and fields[5].startswith(prefix):
                        inodes.setdefault(int(fields[4]), set()).add(pid)
            for fd in os.listdir(f"/proc/{pid}/fd"):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith(prefix):
                    inodes.setdefault(os.stat(f"/proc/{pid}/fd/{fd}").st_ino, set()).add(pid)
        except OSError:  # the process ended, or is not ours to inspect
            pass
    users: dict[str, set[int]] = {}
    for name in _shm_entries():
        try:
            users[name] = inodes.get(os.stat(SHM / name).st_ino, set())
        except OSError:  # removed meanwhile
            pass
    return users


def _orphans(names: set[str]) -> set[str]:
    """The names no process uses: left behind, not merely in use by another notebook's kernel."""
    if not names:
        return set()
    users = _shm_users()
    return {name for name in names if not users.get(name)}


def _segments_of(tree: set[int], before: set[str]) -> set[str]:
    """New SharedMemory segments that this kernel's processes still use, or that nobody uses any more."""
    names = {n for n in _shm_entries() - before if n.startswith(SHARED_MEMORY_PREFIXES)}
    if not names:
        return set()
    users = _shm_users()
    return {n for n in names if not users.get(n) or users[n] & tree}


def _cmdline(process: psutil.Process) -> list[str]:
    try:
        return process.cmdline()
    except psutil.Error:
        return []


def _is_infrastructure(process: psutil.Process) -> bool:
    command = " ".join(_cmdline(process))
    return any(name in command for name in INFRASTRUCTURE)


class NotebookUnderEveryMethod(pytest.File):
    """One notebook file: yields one nbval run per start method, and the one-CPU run."""

    def collect(self):
        runs = [(m, m, False, "") for m in self.config.course_start_methods]
        runs += [(f"{m}-1cpu", m, True, "") for m in self.config.course_one_cpu_methods]
        if self.config.course_pretend_cpus:
            cpus = self.config.course_pretend_cpus
            runs.append((f"fork-pretend{cpus}cpus", "fork", False, f"logical={cpus},physical={max(1, cpus // 2)},usable={cpus}"))
        for name, method, one_cpu, pretend in runs:
            run = StartMethodNotebook.from_parent(self, path=self.path, name=name, nodeid=f"{self.nodeid}::{name}")
            run.start_method, run.one_cpu, run.pretend = method, one_cpu, pretend
            # The second run (a learner re-running cells) once, under the first method: it checks the notebook,
            # not the start method, and running it under every method would cost a quarter of the suite's time.
            first = name == self.config.course_start_methods[0]
            run.rerun = first and not self.config.option.no_rerun
            yield run


@pytest.fixture(autouse=True)
def fresh_hints() -> Iterator[None]:
    """Each test starts as a learner who has given no wrong answer yet (graded hints count them per process)."""
    from helpers.exercises import forget_answers

    forget_answers()
    yield


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # Unit tests that take `start_method` run once per method of --start-methods (default: all this platform has),
    # so a pass of the matrix that is about one method runs them under that method.
    if "start_method" in metafunc.fixturenames:
        metafunc.parametrize("start_method", metafunc.config.course_start_methods, indirect=True)


@pytest.fixture
def start_method(request: pytest.FixtureRequest) -> Iterator[str]:
    """For unit tests: run the test once per start method of --start-methods, as multiprocessing's default."""
    multiprocessing.set_start_method(request.param, force=True)
    try:
        yield request.param
    finally:
        multiprocessing.set_start_method(None, force=True)


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    if file_path.suffix != ".ipynb" or parent.config.option.no_notebooks:
        return None
    if NOTEBOOKS not in file_path.resolve().parents:
        return None
    return NotebookUnderEveryMethod.from_parent(parent, path=file_path)


# Tests that take long and need no neighbours: each is a unit of its own for the two test processes, and they come
# first, so both processes share them early and the run does not end with one process working through a whole
# module (12 browser runs of about 25 s each) while the other waits.
LONG_ALONE = ("tests/test_browser.py::", "tests/test_classroom_browser.py::", "tests/test_notebook_harness.py::")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: not item.nodeid.startswith(LONG_ALONE))  # stable: the rest keep their order


@pytest.hookimpl(optionalhook=True)  # an xdist hook: unknown, and unused, where xdist is not loaded (-p no:xdist)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    from xdist.scheduler import LoadScopeScheduling

    class NotebookRunsTogether(LoadScopeScheduling):
        """--dist loadscope (a notebook run's cells in order on one process), but each LONG_ALONE test on its own."""

        def _split_scope(self, nodeid: str) -> str:
            return nodeid if nodeid.startswith(LONG_ALONE) else super()._split_scope(nodeid)

    return NotebookRunsTogether(config, log)


# The browser tests' Chromium (tests/test_browser.py, tests/test_classroom_browser.py): one Playwright per test
# process, because a second sync_playwright() in the same process fails ("Sync API inside the asyncio loop") and
# xdist may give one process tests from both files. It lives here, not in a tests/conftest.py: the harness tests
# import this module as `conftest`.
@pytest.fixture(scope="session")
def chromium():
    from lab_browser import CHROMIUM_ARGS, find_chromium  # tests/ is on sys.path once a test module is imported

    path = find_chromium()
    if path is None:
        message = "no Chromium found: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM=/path/to/chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true, so the browser tests must run, but {message}")
        pytest.skip(f"browser tests skipped: {message}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
