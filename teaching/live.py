"""Live-coding notebooks: live/NN_*.ipynb, made from the full notebooks by `make live` and never edited by hand.

Code cells tagged ``live-code`` become a one-line comment saying what to type (their ``live_hint``), solutions
are removed and every output is cleared; prose, the setup cell and the pitfall cells with their guards stay.
"""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat
from nbformat.v4 import new_markdown_cell

from teaching.notebook_parts import LIVE_TAG, ROOT, is_solution, notebook_paths, read

LIVE = ROOT / "live"
HINT_KEY = "live_hint"


def live_comment(cell: nbformat.NotebookNode) -> str:
    """What a live-coding cell shows before the teacher types: '# Live: <what to type>'."""
    hint = cell.metadata.get(HINT_KEY)
    if not isinstance(hint, str) or not hint.strip():
        raise ValueError(f"cell {cell.id} is tagged {LIVE_TAG!r} but has no {HINT_KEY!r} metadata saying what to type")
    return f"# Live: {hint.strip()}"


def live_notebook(path: Path) -> nbformat.NotebookNode:
    """The live-coding version of one course notebook."""
    notebook = copy.deepcopy(read(path))
    notebook.metadata.pop("jupytext", None)  # not paired with a text source: it is generated
    cells = []
    for cell in notebook.cells:
        if is_solution(cell):
            continue
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
            if LIVE_TAG in cell.metadata.get("tags", []):
                cell.source = live_comment(cell)
        cells.append(cell)
    banner = new_markdown_cell(
        f"> **Live-coding copy** of [`notebooks/{path.name}`](../notebooks/{path.name}), made by `make live`: "
        "do not edit it, edit the full notebook and run `make live` again. Cells that read `# Live: …` are "
        "empty on purpose: type them with the class. Solutions are left out; the full notebook has them.",
        id="live-banner",
    )
    notebook.cells = [cells[0], banner] + cells[1:]
    return notebook


def write_live(folder: Path = LIVE) -> list[Path]:
    """Write live/NN_*.ipynb for every course notebook; return the paths written."""
    folder.mkdir(exist_ok=True)
    written = []
    for path in notebook_paths():
        target = folder / path.name
        nbformat.write(live_notebook(path), target)
        written.append(target)
    stale = {p.name for p in folder.glob("*.ipynb")} - {p.name for p in written}
    for name in stale:  # a notebook renamed or removed upstream
        (folder / name).unlink()
    return written
