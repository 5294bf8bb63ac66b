"""Every notebook as a learner meets it: real JupyterLab, headless Chromium, Clear Outputs, Run All Cells.

Fails on an error output outside cells tagged raises-exception, a cell that did not run, or a
missing image where the stored notebook has one. On failure a screenshot and the outputs are
saved under test-artifacts/browser/. Without a browser these tests skip (set CHROMIUM=/path or
install Debian's chromium); with CI=true a missing browser is a failure.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from lab_browser import LabServer, problems, run_all_cells, save_artifacts

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
ARTIFACTS = ROOT / "test-artifacts" / "browser"
NOTEBOOK_TIMEOUT = 240  # seconds for Run All Cells; each notebook is sized to take well under 30 s


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "browser_method" in metafunc.fixturenames:
        methods = metafunc.config.course_browser_methods
        if not methods:
            methods = [pytest.param("none", marks=pytest.mark.skip(reason="--browser-start-methods is empty"))]
        metafunc.parametrize("browser_method", methods)


@pytest.fixture(scope="session")
def browser(chromium):
    """The session's Chromium (conftest.py)."""
    return chromium


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """lab(notebooks_folder, start_method) -> a running LabServer, started once and stopped at the end."""
    servers: dict[tuple[Path, str], LabServer] = {}

    def get(folder: Path, method: str) -> LabServer:
        if (folder, method) not in servers:
            workdir = tmp_path_factory.mktemp(f"lab-{method}")
            servers[folder, method] = LabServer(folder, workdir, method).start()
        return servers[folder, method]

    yield get
    for server in servers.values():
        server.stop()


def check_in_lab(browser, server: LabServer, path: Path, label: str) -> list[str]:
    """Run one notebook in JupyterLab; return the problems found (saving artifacts if any)."""
    stored = json.loads(path.read_text(encoding="utf-8"))
    run, page = run_all_cells(browser, server, path.name, NOTEBOOK_TIMEOUT)
    try:
        found = problems(run, stored)
        if found:
            saved = save_artifacts(page, run, ARTIFACTS, label)
            found.append("screenshot and outputs: " + ", ".join(str(p) for p in saved))
    finally:
        page.close()
        # Shut the kernel down now, so it runs nothing beside later tests, and check it left nothing behind.
        left = server.shutdown_kernels()
    if left:
        found.append(f"processes outlived the notebook's kernel (killed now): {left}")
    return found


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_all_cells_in_jupyterlab(browser, lab, notebook: Path, browser_method: str):
    found = check_in_lab(browser, lab(notebook.parent, browser_method), notebook, f"{browser_method}-{notebook.stem}")
    assert not found, f"{notebook.name} under {browser_method} in JupyterLab:\n  " + "\n  ".join(found)


def _notebook(cells: list[tuple[str, list, list[str]]]) -> nbformat.NotebookNode:
    notebook = new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for count, (code, outputs, tags) in enumerate(cells, start=1):
        cell = new_code_cell(code, execution_count=count, outputs=outputs)
        if tags:
            cell.metadata["tags"] = tags
        notebook.cells.append(cell)
    return notebook


def test_the_browser_check_catches_errors_unrun_cells_and_missing_images(request, lab, tmp_path):
    """A test of the test: a small broken notebook must produce every kind of problem."""
    if not request.config.course_browser_methods:
        pytest.skip("--browser-start-methods is empty: this pass runs no browser tests")
    browser = request.getfixturevalue("browser")
    folder = tmp_path / "broken"
    folder.mkdir()
    image = new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"})
    broken = _notebook([
        ("print('no image here')", [image], []),
        ("raise ValueError('on purpose')", [], ["raises-exception"]),
        ("1 / 0", [], []),
        ("print('never reached')", [], []),
    ])
    nbformat.write(broken, folder / "broken.ipynb")
    found = check_in_lab(browser, lab(folder, "spawn"), folder / "broken.ipynb", "harness-broken")
    assert found[:3] == [
        "code cell 0 showed no image, but the stored notebook has one",
        "code cell 2 raised ZeroDivisionError: division by zero",
        "code cell 3 did not run",
    ], found
    assert found[3].startswith("screenshot and outputs: ") and (ARTIFACTS / "harness-broken.png").is_file()
