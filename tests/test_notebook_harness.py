"""The notebook harness itself: stored outputs are compared, per start method, with child output captured.

Runs pytest on small throw-away notebooks in a temporary copy of the project's conftest,
so a harness that silently stopped comparing (or stopped capturing child output) fails here.
"""

import hashlib
import multiprocessing
import os
import shutil
import subprocess
import sys
import uuid
from multiprocessing import shared_memory
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

import conftest
from helpers.machine import fingerprint

ROOT = Path(__file__).resolve().parent.parent


def write_notebook(path: Path, cells: list[tuple[str, str]]) -> None:
    """A notebook whose code cells have the given (source, stored stdout) pairs."""
    notebook = new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for count, (code, stdout) in enumerate(cells, start=1):
        cell = new_code_cell(code, execution_count=count)
        cell.outputs = [new_output("stream", name="stdout", text=stdout)] if stdout else []
        notebook.cells.append(cell)
    nbformat.write(notebook, path)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "tests").mkdir()
    shutil.copy(ROOT / "tests" / "sanitize.cfg", tmp_path / "tests" / "sanitize.cfg")
    (tmp_path / "notebooks").mkdir()
    return tmp_path


def segment_prefix(project: Path) -> str:
    """The prefix of the segments this test's inner run watches: the harness's, plus a mark of this test's own folder."""
    return f"{conftest.HARNESS_PREFIX}{hashlib.sha1(str(project).encode()).hexdigest()[:8]}_"


def run_pytest(project: Path, *args: str) -> subprocess.CompletedProcess:
    if not any(arg.startswith("--pretend-cpus") for arg in args):
        args = ("--pretend-cpus=", *args)  # the pretend run only where a test asks for it
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--rootdir", str(project), *args],
        cwd=project, capture_output=True, text=True, timeout=300,
        env={**os.environ, conftest.HARNESS_VARIABLE: segment_prefix(project)},  # watches this test's segments only
    )


def test_kernel_gets_the_start_method_not_pytest_variables_and_child_output_is_captured(project):
    child = (
        "import multiprocessing\n"
        "p = multiprocessing.get_context('spawn').Process(target=print, args=('printed by the child',))\n"
        "p.start(); p.join(30); print('exit code', p.exitcode)"
    )
    write_notebook(project / "notebooks" / "good.ipynb", [
        ("import os; print(os.environ.get('MP_START_METHOD'), 'PYTEST_CURRENT_TEST' in os.environ)", "spawn False\n"),
        (child, "printed by the child\nexit code 0\n"),
        ("print('took 12.5 ms in pid 4242')", "took 3.1 s in pid 17\n"),  # sanitized: durations and pids
    ])
    result = run_pytest(project, "--start-methods=spawn", "--one-cpu-method=", "--no-rerun", "-rA", "notebooks")
    assert result.returncode == 0, result.stdout + result.stderr
    for cell in range(3):
        assert f"PASSED notebooks/good.ipynb::spawn::Cell {cell}" in result.stdout
    assert "PASSED notebooks/good.ipynb::spawn::no leftovers" in result.stdout


def test_each_notebook_is_rerun_in_the_same_kernel(project):
    # The second run sees the first run's state: a cell whose output depends on it fails there.
    write_notebook(project / "notebooks" / "stateful.ipynb", [
        ("count = globals().get('count', 0) + 1\nprint(count)", "1\n"),
    ])
    result = run_pytest(project, "--start-methods=spawn", "--one-cpu-method=", "notebooks")
    assert result.returncode == 1
    assert "FAILED notebooks/stateful.ipynb::spawn::Rerun Cell 0" in result.stdout


def test_the_rerun_happens_under_the_first_start_method_only(project):
    write_notebook(project / "notebooks" / "good.ipynb", [("print('hello')", "hello\n")])
    result = run_pytest(project, "--start-methods=spawn,fork", "--one-cpu-method=", "-rA", "notebooks")
    assert result.returncode == 0, result.stdout
    assert "PASSED notebooks/good.ipynb::spawn::Rerun Cell 0" in result.stdout
    assert "PASSED notebooks/good.ipynb::fork::Cell 0" in result.stdout
    assert "fork::Rerun" not in result.stdout


def test_an_unexpected_stderr_fails_and_its_text_is_shown(project):
    write_notebook(project / "notebooks" / "noisy.ipynb", [
        ("import sys\nprint('fine')\nprint('a warning nobody stored', file=sys.stderr)", "fine\n"),
    ])
    result = run_pytest(project, "--start-methods=spawn", "--one-cpu-method=", "--no-rerun", "notebooks")
    assert result.returncode == 1
    assert "Unexpected output fields from running code: {'stderr'}" in result.stdout
    assert "The run's stderr, not in the stored notebook:" in result.stdout
    assert "a warning nobody stored" in result.stdout


def test_a_leftover_process_fails_and_is_killed(project):
    starts = (
        "import multiprocessing, time\n"
        "p = multiprocessing.get_context('spawn').Process(target=time.sleep, args=(120,))\np.start()"
    )
    write_notebook(project / "notebooks" / "leaky.ipynb", [(starts, "")])
    result = run_pytest(project, "--start-methods=spawn", "--one-cpu-method=", "--no-rerun", "notebooks")
    assert result.returncode == 1
    assert "FAILED notebooks/leaky.ipynb::spawn::no leftovers" in result.stdout
    assert "child processes still alive after the notebook finished" in result.stdout


@pytest.mark.parametrize("ending", ["", "\nsegment.close()  # no unlink()"], ids=["open", "closed-not-unlinked"])
def test_a_shared_memory_segment_left_behind_fails(project, ending):
    # Named with this test's prefix: notebooks and harness tests running beside this one neither see it nor show theirs.
    name = f"{segment_prefix(project)}{uuid.uuid4().hex[:12]}"
    creates = f"from multiprocessing import shared_memory\nsegment = shared_memory.SharedMemory({name!r}, create=True, size=64)" + ending
    write_notebook(project / "notebooks" / "segment.ipynb", [(creates, "")])
    result = run_pytest(project, "--start-methods=spawn", "--one-cpu-method=", "--no-rerun", "notebooks")
    assert result.returncode == 1
    assert f"shared-memory segments left in /dev/shm: {[name]}" in result.stdout, result.stdout


def test_the_harness_segments_are_seen_only_by_their_own_harness_run(monkeypatch, tmp_path):
    monkeypatch.delenv(conftest.HARNESS_VARIABLE, raising=False)
    segment = shared_memory.SharedMemory(f"{segment_prefix(tmp_path)}{uuid.uuid4().hex[:12]}", create=True, size=64)
    try:
        assert segment.name not in conftest._shm_entries()  # a real run
        monkeypatch.setenv(conftest.HARNESS_VARIABLE, segment_prefix(tmp_path / "another test"))
        assert segment.name not in conftest._shm_entries()  # another harness test's inner run
        monkeypatch.setenv(conftest.HARNESS_VARIABLE, segment_prefix(tmp_path))
        assert segment.name in conftest._shm_entries()  # this test's inner run
    finally:
        segment.close()
        segment.unlink()


def test_one_cpu_run_restricts_the_kernel_to_one_cpu(project):
    write_notebook(project / "notebooks" / "cpus.ipynb", [("import os\nprint(len(os.sched_getaffinity(0)))", "1\n")])
    result = run_pytest(project, "--start-methods=spawn", "--one-cpu-method=spawn", "--no-rerun", "-rA", "notebooks")
    assert "PASSED notebooks/cpus.ipynb::spawn-1cpu::Cell 0" in result.stdout
    if len(os.sched_getaffinity(0)) > 1:
        assert "FAILED notebooks/cpus.ipynb::spawn::Cell 0" in result.stdout


def test_a_changed_output_fails_and_names_notebook_cell_and_start_method(project):
    write_notebook(project / "notebooks" / "broken.ipynb", [("print(6 * 7)", "41\n")])
    result = run_pytest(project, "--start-methods=fork,spawn", "--one-cpu-method=", "--no-rerun", "notebooks")
    assert result.returncode == 1
    assert "FAILED notebooks/broken.ipynb::fork::Cell 0" in result.stdout
    assert "FAILED notebooks/broken.ipynb::spawn::Cell 0" in result.stdout
    assert "Cell outputs differ" in result.stdout


def test_an_unexpected_error_fails(project):
    write_notebook(project / "notebooks" / "raises.ipynb", [("1 / 0", "")])
    result = run_pytest(project, "--start-methods=spawn", "--one-cpu-method=", "--no-rerun", "notebooks")
    assert result.returncode == 1 and "ZeroDivisionError" in result.stdout


def test_unknown_start_method_is_a_usage_error(project):
    result = run_pytest(project, "--start-methods=threads", "notebooks")
    assert result.returncode == 4
    assert "available here" in result.stderr


@pytest.mark.skipif(not Path("/dev/shm").is_dir(), reason="needs /dev/shm")
def test_segments_in_use_by_other_processes_are_not_blamed_on_a_notebook():
    # Notebooks may run side by side (pytest -n 2): a segment another process still uses is not this kernel's.
    segment = shared_memory.SharedMemory(create=True, size=64)
    try:
        assert segment.name in conftest._segments_of({os.getpid()}, set())  # ours: in use by this process
        assert segment.name not in conftest._segments_of({-1}, set())  # someone else's, in use
        assert not conftest._orphans({segment.name})
        segment.close()
        assert segment.name in conftest._orphans({segment.name})  # closed, not unlinked: used by nobody
        assert segment.name in conftest._segments_of({-1}, set())
    finally:
        segment.close()
        segment.unlink()


def test_a_text_source_edited_alone_fails_the_sync_test_naming_notebook_and_cell(project):
    import jupytext

    shutil.copy(ROOT / "jupytext.toml", project / "jupytext.toml")
    shutil.copy(ROOT / "tests" / "test_sources.py", project / "tests" / "test_sources.py")
    notebook_path = project / "notebooks" / "10_demo.ipynb"
    write_notebook(notebook_path, [("print(6 * 7)", "42\n"), ("1 / 0", "")])
    notebook = nbformat.read(notebook_path, as_version=4)
    notebook.cells[1].metadata["tags"] = ["raises-exception"]
    nbformat.write(notebook, notebook_path)
    (project / "sources").mkdir()
    source = project / "sources" / "10_demo.md"
    jupytext.write(notebook, source, fmt="md:myst")
    assert run_pytest(project, "-p", "no:xdist", "tests/test_sources.py").returncode == 0  # in step: passes

    edited = source.read_text().replace("print(6 * 7)", "print(6 * 8)").replace(":tags: [raises-exception]\n", "")
    source.write_text(edited)
    result = run_pytest(project, "-p", "no:xdist", "tests/test_sources.py")
    assert result.returncode == 1
    assert "notebooks/10_demo.ipynb and sources/10_demo.md disagree (run `make sync`" in result.stdout
    assert "cell 0 (code, 'print(6 * 7)'): source differs at line 1: notebook 'print(6 * 7)', source 'print(6 * 8)'" in result.stdout
    assert "cell 1 (code, '1 / 0'): tags differ: notebook ['raises-exception'], source []" in result.stdout


@pytest.mark.skipif(not Path("/dev/shm").is_dir(), reason="needs /dev/shm")
def test_a_semaphore_that_outlives_the_kernel_fails_the_run(project):
    # A named semaphore made without multiprocessing's bookkeeping (no finalizer, no resource tracker): nothing
    # removes it when the kernel exits, as with a kernel killed before it could clean up.
    name = f"mp-harness-{uuid.uuid4().hex[:12]}"
    leaks = f"import _multiprocessing\nsemaphore = _multiprocessing.SemLock(1, 1, 1, '/{name}', False)"
    write_notebook(project / "notebooks" / "semaphore.ipynb", [(leaks, "")])
    try:
        result = run_pytest(project, "--start-methods=spawn", "--one-cpu-method=", "--no-rerun", "notebooks")
    finally:
        Path(f"/dev/shm/sem.{name}").unlink(missing_ok=True)
    assert result.returncode == 1
    assert f"left in /dev/shm after the kernel exited, used by no process: ['sem.{name}']" in result.stdout


def test_a_cell_needing_a_newer_python_is_run_but_not_compared_on_an_older_one(project):
    needs = "from helpers.versions import has_python\nif has_python((3, 99), 'a future feature'):\n    print('shown')"
    notebook_path = project / "notebooks" / "future.ipynb"
    write_notebook(notebook_path, [(needs, "shown\n"), ("print('compared')", "compared\n")])
    notebook = nbformat.read(notebook_path, as_version=4)
    notebook.cells[0].metadata["tags"] = ["requires-python-3.99"]
    nbformat.write(notebook, notebook_path)
    result = run_pytest(project, "--start-methods=spawn", "--one-cpu-method=", "--no-rerun", "-rA", "notebooks")
    assert result.returncode == 0, result.stdout
    assert "PASSED notebooks/future.ipynb::spawn::Cell 0" in result.stdout
    notebook.cells[0].metadata["tags"] = []  # untagged, the note it prints instead is a difference
    nbformat.write(notebook, notebook_path)
    result = run_pytest(project, "--start-methods=spawn", "--one-cpu-method=", "--no-rerun", "notebooks")
    assert "FAILED notebooks/future.ipynb::spawn::Cell 0" in result.stdout


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="the pretend run uses fork")
def test_an_output_that_depends_on_the_number_of_cpus_fails_the_pretend_run(project):
    write_notebook(project / "notebooks" / "cpus.ipynb", [
        ("from helpers import setup_notebook\nmachine = setup_notebook()", ""),
        ("print(machine.effective_cpus >= 1)", "True\n"),  # true on any machine: passes
        ("print(machine.effective_cpus)", f"{fingerprint().effective_cpus}\n"),  # this machine's count: fails as if on 16
    ])
    notebook = nbformat.read(project / "notebooks" / "cpus.ipynb", as_version=4)
    notebook.cells[0].metadata["tags"] = ["nbval-ignore-output"]
    nbformat.write(notebook, project / "notebooks" / "cpus.ipynb")
    result = run_pytest(project, "--start-methods=fork", "--one-cpu-method=", "--no-rerun", "--pretend-cpus=16", "-rA", "notebooks")
    assert "PASSED notebooks/cpus.ipynb::fork::Cell 2" in result.stdout
    assert "PASSED notebooks/cpus.ipynb::fork-pretend16cpus::Cell 1" in result.stdout
    assert "FAILED notebooks/cpus.ipynb::fork-pretend16cpus::Cell 2" in result.stdout
