"""Every notebook follows the course standard: header with objectives, setup cell, exercises with hidden solutions, key points."""

import json
import re
from pathlib import Path

import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def joined(text: str | list[str]) -> str:
    """Notebook JSON stores multi-line text as a string or a list of lines."""
    return "".join(text) if isinstance(text, list) else text


def source(cell: dict) -> str:
    return joined(cell["source"])


def code_cells(notebook: dict) -> list[dict]:
    return [c for c in notebook["cells"] if c["cell_type"] == "code"]


def tags(cell: dict) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def test_there_are_notebooks_numbered_contiguously_from_00():
    numbers = [int(p.name[:2]) for p in NOTEBOOKS]
    assert numbers == list(range(len(NOTEBOOKS))), [p.name for p in NOTEBOOKS]
    assert all(re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", p.name) for p in NOTEBOOKS)


@pytest.fixture(params=NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def notebook(request) -> dict:
    return load(request.param)


def test_kernelspec_is_python3(notebook):
    # Without it JupyterLab opens a kernel-selection dialog instead of starting a kernel.
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"


def test_header_has_objectives_time_prerequisites_and_next(notebook):
    header = source(notebook["cells"][0])
    assert notebook["cells"][0]["cell_type"] == "markdown" and header.startswith("# ")
    for part in ("**What you will learn**", "**Time:**", "**Prerequisites:**", "**Next:**"):
        assert part in header, f"header lacks {part}"
    objectives = re.findall(r"^\d+\. ", header, re.M)
    assert 3 <= len(objectives) <= 5, f"expected 3–5 numbered objectives, found {len(objectives)}"


def test_first_code_cell_is_the_setup_helper(notebook):
    first = source(code_cells(notebook)[0])
    assert "setup_notebook()" in first and "make lab" in first


def test_every_code_cell_has_stored_outputs_from_a_run(notebook):
    unrun = [i for i, c in enumerate(code_cells(notebook)) if c.get("execution_count") is None]
    assert not unrun, f"code cells {unrun} were never executed: re-execute the notebook and commit it"


def test_errors_only_where_tagged_raises_exception(notebook):
    for i, cell in enumerate(code_cells(notebook)):
        errors = [o for o in cell.get("outputs", []) if o["output_type"] == "error"]
        if "raises-exception" in tags(cell):
            assert errors, f"code cell {i} is tagged raises-exception but stored no error"
        else:
            assert not errors, f"code cell {i} stored an error: {errors[0]['ename']}: {errors[0]['evalue']}"
        if "NBVAL_RAISES_EXCEPTION" in source(cell):
            assert "raises-exception" in tags(cell), f"cell {i}: use the raises-exception tag (Run All stops at the comment)"


def test_no_worker_defined_beside_a_pool_or_process(notebook):
    for i, cell in enumerate(code_cells(notebook)):
        text = source(cell)
        if re.search(r"^\s*def \w+", text, re.M):
            assert not re.search(r"\b(Pool|Process|ProcessPoolExecutor|apply_async|map_async)\b", text), (
                f"code cell {i} defines a function next to a pool or process: workers belong in helpers"
            )


def test_at_least_three_exercises_each_with_a_hidden_running_solution(notebook):
    cells = code_cells(notebook)
    solutions = [i for i, c in enumerate(cells) if source(c).startswith("# Solution")]
    assert len(solutions) >= 3, f"found {len(solutions)} solution cells"
    for i in solutions:
        cell = cells[i]
        assert cell["metadata"].get("jupyter", {}).get("source_hidden") is True, f"solution cell {i} is not collapsed"
        checks = re.findall(r"\b(check_\w+)\(", source(cell))
        assert checks, f"solution cell {i} calls no check function"
        assert checks[-1] in source(cells[i - 1]), f"the exercise before solution {i} does not call {checks[-1]}"
        shown = "".join(joined(o.get("data", {}).get("text/plain", "")) for o in cell["outputs"])
        assert shown.startswith("✅ Correct."), f"solution cell {i} does not pass its own check: {shown!r}"


def test_ends_with_key_points(notebook):
    markdown = [source(c) for c in notebook["cells"] if c["cell_type"] == "markdown"]
    key_points = [m for m in markdown if m.startswith("## Key points")]
    assert key_points, "no '## Key points' section"
    bullets = re.findall(r"^- ", key_points[-1], re.M)
    assert 3 <= len(bullets) <= 6, f"key points should have 3–6 bullets, found {len(bullets)}"


def test_cells_that_need_a_newer_python_say_so_and_are_tagged(notebook):
    """has_python((3, N), ...) and the tag requires-python-3.N go together: the tag tells the harness not to
    compare the cell's output on an older Python, where the cell prints which version it needs instead."""
    for i, cell in enumerate(code_cells(notebook)):
        asked = set(re.findall(r"has_python\(\((\d+), (\d+)\)", source(cell)))
        tagged = {tuple(t.removeprefix("requires-python-").split(".")) for t in tags(cell) if t.startswith("requires-python-")}
        assert asked == tagged, f"code cell {i}: has_python asks for {sorted(asked)}, tags say {sorted(tagged)}"
