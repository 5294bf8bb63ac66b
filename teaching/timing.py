"""The timing plan of a notebook, derived from its content and the measured run time of its cells.

Every number a teacher sees (the guide's tables, the workshop plans, the time line at the top of each notebook)
comes from `plan()`, so the three cannot disagree; tests/test_teaching.py fails when they do.
"""

from __future__ import annotations

import json
import math
import os
import platform
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import nbformat

from teaching.notebook_parts import (
    LIVE_TAG, PREDICT, ROOT, TIME_LINE, Section, is_solution, notebook_paths, read, sections, typed_lines, words,
)

CELL_TIMES = ROOT / "instructors" / "cell_times.json"

# The plan's parameters: the guide prints them, so a teacher can redo the arithmetic for their own pace.
WORDS_PER_MINUTE = 110  # prose read aloud and explained at a projector, with pauses for questions
MINUTES_PER_CODE_CELL = 1.0  # show a cell: say what it will do, run it, read its output with the class
MINUTES_PER_LIVE_CELL = 1.0  # a cell typed live: say what it will do, run it, read its output...
MINUTES_PER_TYPED_LINE = 0.3  # ...plus typing it with the class, explaining as you go, per line typed
MINUTES_PER_PROMPT = 2.0  # a prediction prompt: ask, collect two or three answers, then run
MINUTES_PER_EXERCISE = 7.0  # learners try one exercise with its check, then the teacher shows the solution
ROUND_TO = 5  # the time line at the top of a notebook is in steps of 5 minutes
# Lessons of this kind ask the class something every 20 to 30 minutes, so that no one drifts off for long: a prediction
# prompt (or the exercises) must come at least this often, by the plan's own minutes. tests/test_teaching.py fails for
# a notebook with a longer stretch.
LONGEST_STRETCH = 25

@dataclass
class SectionPlan:
    """The minutes one section takes, and what they are made of."""

    section: Section
    prose: float
    cells: float
    prompts: float
    exercises: float
    run_seconds: float

    @property
    def minutes(self) -> float:
        return self.prose + self.cells + self.prompts + self.exercises + self.run_seconds / 60


@dataclass
class NotebookPlan:
    """A notebook's sections with their minutes, and the time line they give."""

    path: Path
    sections: list[SectionPlan]

    @property
    def teaching_minutes(self) -> float:
        return sum(s.minutes for s in self.sections if not s.section.is_exercises)

    @property
    def exercise_minutes(self) -> float:
        return sum(s.minutes for s in self.sections if s.section.is_exercises)

    @property
    def run_seconds(self) -> float:
        return sum(s.run_seconds for s in self.sections)

    @property
    def time_line(self) -> tuple[int, int]:
        """(teaching, exercises) in minutes, rounded up to steps of ROUND_TO, as the notebook's top states them."""
        return (round_up(self.teaching_minutes), round_up(self.exercise_minutes))


def round_up(minutes: float) -> int:
    """Minutes rounded up to the next multiple of ROUND_TO (a plan that runs short is better than one that runs over)."""
    return int(math.ceil(minutes / ROUND_TO - 1e-9) * ROUND_TO)


def presenting_minutes(code_cells: int, live_cells: int = 0, typed: int = 0) -> float:
    """Minutes to present code cells (not their run time), live_cells of them typed live with `typed` lines in all."""
    shown = code_cells - live_cells
    return shown * MINUTES_PER_CODE_CELL + live_cells * MINUTES_PER_LIVE_CELL + typed * MINUTES_PER_TYPED_LINE


def ordinal(number: int) -> str:
    """1st, 2nd, 3rd, 4th, ..., 11th, 12th, 13th, 21st."""
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def load_cell_times() -> dict:
    """The measured run times: {"machine": ..., "notebooks": {name: {cell id: seconds}}}."""
    if not CELL_TIMES.is_file():
        raise FileNotFoundError(f"{CELL_TIMES} is missing: run `make timings` to measure the cells")
    return json.loads(CELL_TIMES.read_text(encoding="utf-8"))


def plan(path: Path, cell_times: dict | None = None) -> NotebookPlan:
    """The timing plan of one notebook, from its content and the measured run time of its cells."""
    times = (cell_times or load_cell_times())["notebooks"].get(path.name)
    if times is None:
        raise LookupError(f"{path.name} has no measured cell times in {CELL_TIMES}: run `make timings`")
    planned = []
    for section in sections(read(path)):
        missing = [cell_id for cell_id in section.cell_ids if cell_id not in times]
        if missing:
            raise LookupError(
                f"{path.name}, section {section.title!r}: cells {missing} have no measured run time "
                f"(new or changed cells): run `make timings`"
            )
        planned.append(SectionPlan(
            section=section,
            prose=section.words / WORDS_PER_MINUTE,
            cells=presenting_minutes(section.code_cells, section.live_cells, section.live_lines),
            prompts=len(section.prompts) * MINUTES_PER_PROMPT,
            exercises=section.exercises * MINUTES_PER_EXERCISE,
            run_seconds=sum(times[cell_id] for cell_id in section.cell_ids),
        ))
    return NotebookPlan(path, planned)


def time_line_in(notebook: nbformat.NotebookNode) -> tuple[int, int] | None:
    """The (teaching, exercises) minutes stated at the top of a notebook, or None when it states none."""
    match = TIME_LINE.search(notebook.cells[0].source)
    return (int(match[1]), int(match[2])) if match else None


def write_time_line(path: Path, minutes: tuple[int, int]) -> bool:
    """Put the planned minutes into the notebook's time line; True when the notebook changed."""
    notebook = read(path)
    first = notebook.cells[0]
    new = TIME_LINE.sub(f"**Time:** {minutes[0]} min teaching · {minutes[1]} min exercises", first.source, count=1)
    if new == first.source:
        return False
    first.source = new
    nbformat.write(notebook, path)
    return True


def measure(paths: list[Path], start_method: str = "forkserver", timeout: int = 120) -> dict:
    """Run each notebook top to bottom, as a teacher's full run-through does, and record each cell's run time."""
    from nbclient import NotebookClient

    from helpers.cpus import cpu_profile

    measured = {}
    environment = dict(os.environ, MP_START_METHOD=start_method)  # applied by each notebook's setup cell
    for path in paths:
        notebook = read(path)
        client = NotebookClient(
            notebook, timeout=timeout, kernel_name="python3", record_timing=True,
            resources={"metadata": {"path": str(path.parent)}},  # the kernel runs in notebooks/, as in the course
        )
        client.execute(env=environment)
        measured[path.name] = {cell.id: _seconds(cell) for cell in notebook.cells if cell.cell_type == "code"}
        print(f"{path.name}: {sum(measured[path.name].values()):.1f} s of cells", flush=True)
    profile = cpu_profile()
    return {
        "machine": {
            "usable_cpus": profile.usable,
            "logical_cpus": profile.logical,
            "python": platform.python_version(),
            "start_method": start_method,
            "platform": sys.platform,
        },
        "notebooks": measured,
    }


def _seconds(cell: nbformat.NotebookNode) -> float:
    """A cell's run time from nbclient's timing metadata, in seconds to 0.01."""
    execution = cell.metadata.get("execution", {})
    start, end = execution.get("iopub.execute_input"), execution.get("shell.execute_reply")
    if not (start and end):
        return 0.0
    return round((datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds(), 2)


@dataclass
class Stretch:
    """Teaching between two moments when the learners answer: a prediction prompt, the exercises, or either end."""

    minutes: float
    after: str  # e.g. "the start", "the prompt in 2 · Exit codes"
    before: str  # e.g. "the prompt in 4 · Daemons", "the exercises"


def stretches(path: Path, cell_times: dict | None = None) -> list[Stretch]:
    """The notebook's teaching cut at each prediction prompt and at the exercises, in the plan's minutes.

    Counted as plan() counts them, so that the stretches and the prompts' own minutes add up to the teaching minutes.
    """
    times = (cell_times or load_cell_times())["notebooks"].get(path.name)
    if times is None:
        raise LookupError(f"{path.name} has no measured cell times in {CELL_TIMES}: run `make timings`")
    notebook = read(path)
    prompts_per_section = {section.title: len(section.prompts) for section in sections(notebook)}
    found: list[Stretch] = []
    minutes, after, section, in_exercises = 0.0, "the start", "Introduction", False
    asked: dict[str, int] = {}

    def check(label: str) -> None:
        nonlocal minutes, after
        found.append(Stretch(minutes, after, label))
        minutes, after = 0.0, label

    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("## "):  # headings are not read aloud (as in sections())
                    section = line[3:].strip()
                    exercises = section.lower().startswith("exercises")
                    if exercises and not in_exercises:
                        check("the exercises")  # the learners' answers; the teaching resumes after them
                    in_exercises = exercises
                    continue
                if in_exercises or line.startswith("# "):
                    continue
                for number, part in enumerate(line.split(PREDICT)):
                    if number:
                        asked[section] = asked.get(section, 0) + 1
                        check(_prompt_label(section, asked[section], prompts_per_section.get(section, 1)))
                        part = PREDICT + part  # read aloud with the prompt, after the class has been asked
                    minutes += words(part) / WORDS_PER_MINUTE
        elif cell.cell_type == "code" and not in_exercises and not is_solution(cell):
            if cell.id not in times:
                raise LookupError(f"{path.name}, section {section!r}: cell {cell.id} has no measured run time: run `make timings`")
            live = LIVE_TAG in cell.metadata.get("tags", [])
            minutes += presenting_minutes(1, live_cells=int(live), typed=typed_lines(cell.source) if live else 0)
            minutes += times[cell.id] / 60  # its run time
    if minutes or not found:
        check("the end")
    return found


def _prompt_label(section: str, number: int, of: int) -> str:
    """'the prompt in 3 · Queue', or 'the 2nd prompt in 3 · Queue' where that section asks several."""
    if of <= 1:
        return f"the prompt in {section}"
    return f"the {ordinal(number)} prompt in {section}"


def longest_stretch(path: Path, cell_times: dict | None = None) -> Stretch:
    """The longest teaching stretch without a prompt for the learners."""
    return max(stretches(path, cell_times), key=lambda stretch: stretch.minutes)


def all_plans(cell_times: dict | None = None) -> list[NotebookPlan]:
    """The plan of every course notebook."""
    times = cell_times or load_cell_times()
    return [plan(path, times) for path in notebook_paths()]

