"""Every notebook and its paired text source (sources/NN_name.md, MyST markdown) hold the same cells.

The .md file is what a person edits and reviews; the .ipynb keeps the stored outputs. jupytext.toml pairs
them; `make sync` (or saving in JupyterLab) writes one from the other. This test fails, naming the notebook
and the cell, when they disagree on any cell's type, source, tags or hidden flag, or on the kernel.
"""

from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
SOURCES = ROOT / "sources"
FIX = "run `make sync` (the file changed last wins), then `make notebooks` if code changed"


def _first_line(cell: nbformat.NotebookNode) -> str:
    line = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
    return line[:60] + ("…" if len(line) > 60 else "")


def _first_difference(stored: str, text: str) -> str:
    """Where two sources part: the line number and the two versions of that line."""
    stored_lines, text_lines = stored.splitlines(), text.splitlines()
    for number, (a, b) in enumerate(zip(stored_lines, text_lines), start=1):
        if a != b:
            return f"line {number}: notebook {a!r}, source {b!r}"
    shorter = "source" if len(text_lines) < len(stored_lines) else "notebook"
    return f"the {shorter} ends at line {min(len(stored_lines), len(text_lines))}" if stored != text else ""


def _aspects(cell: nbformat.NotebookNode) -> dict[str, object]:
    """What must agree between the two files for one cell."""
    metadata = cell.get("metadata", {})
    return {
        "type": cell.cell_type,
        "tags": sorted(metadata.get("tags", [])),
        "hidden flag": bool(metadata.get("jupyter", {}).get("source_hidden", False)),
    }


def differences(notebook_path: Path, source_path: Path) -> list[str]:
    """Every way the notebook and its text source disagree, one line each (empty when they agree)."""
    stored = nbformat.read(notebook_path, as_version=4)
    text = jupytext.read(source_path)
    problems = []
    if stored.metadata.get("kernelspec", {}).get("name") != text.metadata.get("kernelspec", {}).get("name"):
        problems.append(f"kernelspec differs: notebook {stored.metadata.get('kernelspec')}, source {text.metadata.get('kernelspec')}")
    if len(stored.cells) != len(text.cells):
        problems.append(f"the notebook has {len(stored.cells)} cells, the source {len(text.cells)}")
    for index, (a, b) in enumerate(zip(stored.cells, text.cells)):
        where = f"cell {index} ({a.cell_type}, {_first_line(a)!r})"
        for aspect, value in _aspects(a).items():
            if value != _aspects(b)[aspect]:
                verb = "differ" if aspect == "tags" else "differs"
                problems.append(f"{where}: {aspect} {verb}: notebook {value!r}, source {_aspects(b)[aspect]!r}")
        if a.source != b.source:
            problems.append(f"{where}: source differs at {_first_difference(a.source, b.source)}")
    return problems


NOTEBOOK_PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))


@pytest.mark.parametrize("notebook", NOTEBOOK_PATHS, ids=[p.name for p in NOTEBOOK_PATHS])
def test_notebook_and_its_text_source_agree(notebook: Path) -> None:
    source = SOURCES / f"{notebook.stem}.md"
    assert source.exists(), f"{notebook.relative_to(ROOT)} has no text source {source.relative_to(ROOT)}: {FIX}"
    problems = differences(notebook, source)
    assert not problems, (
        f"{notebook.relative_to(ROOT)} and {source.relative_to(ROOT)} disagree ({FIX}):\n  " + "\n  ".join(problems[:10])
    )


def test_every_text_source_has_its_notebook() -> None:
    orphans = [p.name for p in SOURCES.glob("*.md") if not (NOTEBOOKS / f"{p.stem}.ipynb").exists()]
    assert not orphans, f"sources without a notebook (renamed or deleted?): {orphans}; {FIX}"
