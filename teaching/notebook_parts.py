"""Read a course notebook as a teacher plans it: sections, prose, code cells, prediction prompts, exercises."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"

PREDICT = "🔮 **Predict.**"
EXERCISE = re.compile(r"^\*\*Exercise \d+\b", re.MULTILINE)
TIME_LINE = re.compile(r"\*\*Time:\*\* (\d+) min teaching · (\d+) min exercises")
LIVE_TAG = "live-code"


def notebook_paths() -> list[Path]:
    """The course notebooks, in teaching order."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def read(path: Path) -> nbformat.NotebookNode:
    """A notebook, as nbformat reads it (version 4)."""
    return nbformat.read(path, as_version=4)


def words(text: str) -> int:
    """Words a teacher says for this Markdown: code spans count, link targets and markup do not."""
    text = re.sub(r"\]\([^)]*\)", "]", text)  # link targets are not read aloud
    text = re.sub(r"<[^>]+>|&nbsp;", " ", text)
    return len(re.findall(r"[\w`'’.,:;()×/+-]*\w[\w`'’.,:;()×/+-]*", text))


def is_solution(cell: nbformat.NotebookNode) -> bool:
    """A collapsed solution cell (hidden source, starts with '# Solution')."""
    return (
        cell.cell_type == "code"
        and cell.metadata.get("jupyter", {}).get("source_hidden", False)
        and cell.source.lstrip().startswith("# Solution")
    )


def first_code_line(source: str) -> str:
    """The first line of a code cell that is neither blank nor a comment."""
    for line in source.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return stripped
    return ""


def python_source(source: str) -> str:
    """A code cell as plain Python: IPython magics turned into the calls they stand for."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


def python_of(source: str) -> ast.Module:
    """A code cell's syntax tree."""
    return ast.parse(python_source(source))


def typed_lines(source: str) -> int:
    """Lines of a cell a teacher types live: not blank, not comments, not imports (the live copy keeps those)."""
    code = python_source(source)
    skipped = set()
    for node in ast.parse(code).body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            skipped.update(range(node.lineno, node.end_lineno + 1))
    return sum(
        1 for number, line in enumerate(code.splitlines(), start=1)
        if number not in skipped and line.strip() and not line.strip().startswith("#")
    )


def prompts_in(text: str) -> list[str]:
    """The prediction prompts in a Markdown text: the paragraph after each '🔮 **Predict.**'."""
    found = []
    for part in text.split(PREDICT)[1:]:
        found.append(part.strip().split("\n\n")[0].strip())
    return found


@dataclass
class Section:
    """One '## ' section of a notebook (the part before the first is called 'Introduction')."""

    title: str
    words: int = 0
    code_cells: int = 0
    live_cells: int = 0
    live_lines: int = 0  # lines a teacher types in the live cells (imports, blanks and comments are not typed)
    prompts: list[str] = field(default_factory=list)
    exercises: int = 0
    cell_ids: list[str] = field(default_factory=list)  # code cells whose run time counts here

    @property
    def is_exercises(self) -> bool:
        return self.title.lower().startswith("exercises")


def sections(notebook: nbformat.NotebookNode) -> list[Section]:
    """The notebook cut into its sections, with what a teacher spends time on in each."""
    found = [Section("Introduction")]
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            asked: list[str] = []  # the cell's lines since its last heading: prompts and exercises count where asked

            def count_asked() -> None:
                found[-1].prompts += prompts_in("\n".join(asked))
                found[-1].exercises += len(EXERCISE.findall("\n".join(asked)))
                asked.clear()

            for line in cell.source.splitlines():
                if line.startswith("## "):
                    count_asked()
                    found.append(Section(line[3:].strip()))
                    continue
                asked.append(line)
                if line.startswith("# "):
                    continue  # the notebook's title
                found[-1].words += words(line)
            count_asked()
        elif cell.cell_type == "code":
            current = found[-1]
            current.cell_ids.append(cell.id)
            if is_solution(cell):
                continue  # run when checking, not presented
            current.code_cells += 1
            if LIVE_TAG in cell.metadata.get("tags", []):
                current.live_cells += 1
                current.live_lines += typed_lines(cell.source)
    return [s for s in found if s.words or s.code_cells or s.title != "Introduction"]


def title(notebook: nbformat.NotebookNode) -> str:
    """The notebook's '# ' title, without the leading '#'."""
    for line in notebook.cells[0].source.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    raise ValueError("the first cell has no '# ' title")
