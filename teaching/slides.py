"""Slide metadata for RISE (jupyterlab-rise): every notebook can be presented as slides in the browser.

Each '## ' section starts a slide; every other cell is a sub-slide below it (Down/Space steps through them), so a
cell and its output are shown as in the notebook; hidden solutions are skipped. `apply_slides` writes it.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from teaching.notebook_parts import is_solution, notebook_paths, read

# RISE's settings, stored in each notebook: scrolling for the rare cell taller than the screen, no transitions
# (a projector shows them badly), and the chalkboard off (it needs a download).
RISE_SETTINGS = {"scroll": True, "transition": "none", "enable_chalkboard": False, "progress": True}


def slide_type(cell: nbformat.NotebookNode, index: int) -> str:
    """Where a cell goes in the slideshow: 'slide', 'subslide' or 'skip'."""
    if index == 0 or (cell.cell_type == "markdown" and cell.source.startswith("## ")):
        return "slide"
    if is_solution(cell):
        return "skip"
    return "subslide"


def with_slides(notebook: nbformat.NotebookNode) -> bool:
    """Set every cell's slide type and the RISE settings; True when something changed."""
    changed = notebook.metadata.get("rise") != RISE_SETTINGS
    notebook.metadata["rise"] = dict(RISE_SETTINGS)
    for index, cell in enumerate(notebook.cells):
        wanted = {"slide_type": slide_type(cell, index)}
        if cell.metadata.get("slideshow") != wanted:
            cell.metadata["slideshow"] = wanted
            changed = True
    return changed


def apply_slides(paths: list[Path] | None = None) -> list[Path]:
    """Write the slide metadata into the notebooks; return those that changed."""
    changed = []
    for path in paths or notebook_paths():
        notebook = read(path)
        if with_slides(notebook):
            nbformat.write(notebook, path)
            changed.append(path)
    return changed


def missing_slides(path: Path) -> list[str]:
    """Cells whose slide metadata differs from the rule (empty when the notebook is up to date)."""
    notebook = read(path)
    problems = [] if notebook.metadata.get("rise") == RISE_SETTINGS else ["notebook metadata 'rise'"]
    for index, cell in enumerate(notebook.cells):
        if cell.metadata.get("slideshow") != {"slide_type": slide_type(cell, index)}:
            problems.append(f"cell {index} ({cell.id})")
    return problems
