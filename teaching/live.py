"""Live-coding notebooks: live/NN_*.ipynb, made from the full notebooks by `make live` and never edited by hand.

Code cells tagged ``live-code`` become a one-line comment saying what to type (their ``live_hint``), after the
cell's own imports (typing imports teaches nothing, and later cells need them); the comment also names what the cell
defines that later cells use. Solutions are removed and every output is cleared; prose, the setup cell and the
pitfall cells with their guards stay.
"""

from __future__ import annotations

import ast
import copy
import re
from pathlib import Path

import nbformat
from nbformat.v4 import new_markdown_cell

from teaching.notebook_parts import LIVE_TAG, ROOT, is_solution, notebook_paths, python_of, read

LIVE = ROOT / "live"
HINT_KEY = "live_hint"


DEFINES = re.compile(r"\(later cells use: ([^)]*)\)$")


def bound_names(tree: ast.AST) -> set[str]:
    """Every name a piece of code binds anywhere: assignments, loops, imports, functions, classes, arguments."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    return names


def loaded_names(tree: ast.AST) -> set[str]:
    """Every name a piece of code reads."""
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}


def needed_later(trees: list[ast.Module], index: int) -> set[str]:
    """Names cell ``index`` binds that a later cell reads before any cell in between binds them again."""
    mine, rebound, needed = bound_names(trees[index]), set(), set()
    for tree in trees[index + 1:]:
        bound = bound_names(tree)
        needed |= (loaded_names(tree) - bound) & (mine - rebound)
        rebound |= bound
    return needed


def live_comment(cell: nbformat.NotebookNode, used_later: set[str] = frozenset()) -> str:
    """What a live-coding cell shows before the teacher types: its imports, then '# Live: <what to type>'."""
    hint = cell.metadata.get(HINT_KEY)
    if not isinstance(hint, str) or not hint.strip():
        raise ValueError(f"cell {cell.id} is tagged {LIVE_TAG!r} but has no {HINT_KEY!r} metadata saying what to type")
    tree = python_of(cell.source)
    imports = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    kept = "".join(ast.unparse(node) + "\n" for node in imports)
    defined = sorted((bound_names(tree) - bound_names(ast.Module(body=imports, type_ignores=[]))) & set(used_later))
    comment = f"# Live: {hint.strip()}" + (f" (later cells use: {', '.join(defined)})" if defined else "")
    return f"{kept}\n{comment}" if kept else comment


def live_notebook(path: Path) -> nbformat.NotebookNode:
    """The live-coding version of one course notebook."""
    notebook = copy.deepcopy(read(path))
    notebook.metadata.pop("jupytext", None)  # not paired with a text source: it is generated
    kept = [cell for cell in notebook.cells if not is_solution(cell)]
    code = [cell for cell in kept if cell.cell_type == "code"]
    trees = [python_of(cell.source) for cell in code]
    cells = []
    for cell in kept:
        if cell.cell_type == "code":
            if LIVE_TAG in cell.metadata.get("tags", []):
                cell.source = live_comment(cell, needed_later(trees, code.index(cell)))
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
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
