"""The classroom edition cannot drift from the notebooks: guide pages, time lines, live-coding notebooks, slide
metadata and the cheat sheet's snippets are checked against what the tools in teaching/ build now."""

from __future__ import annotations

import ast
import builtins
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from teaching import cheatsheet, guide, live, slides, timing
from teaching.notebook_parts import LIVE_TAG, ROOT, is_solution, notebook_paths, prompts_in, python_of, read, sections, words

NOTEBOOKS = notebook_paths()
IDS = [p.stem for p in NOTEBOOKS]
REGENERATE = "run `make timings` if cells changed, then `make classroom`, and commit the result"


# --- drift: everything generated is what the tools build from today's notebooks ---------------------------------

def test_every_notebook_has_a_guide_page_and_notes():
    assert NOTEBOOKS, "no notebooks found"
    for path in NOTEBOOKS:
        assert (guide.NOTES / f"{path.stem}.toml").is_file(), f"instructors/notes/{path.stem}.toml is missing"
        assert (guide.INSTRUCTORS / f"{path.stem}.md").is_file(), f"instructors/{path.stem}.md is missing: {REGENERATE}"
    for page in ("workshop.md", "helpers.md", "shared-notes.md"):
        assert (guide.INSTRUCTORS / page).is_file(), f"instructors/{page} is missing: {REGENERATE}"


def test_guide_pages_are_up_to_date():
    stale = [
        str(path.relative_to(ROOT)) for path, text in guide.pages().items()
        if not path.is_file() or path.read_text(encoding="utf-8") != text
    ]
    assert not stale, f"out of date: {stale}: {REGENERATE}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_time_line_at_the_top_agrees_with_the_plan(path: Path):
    stated = timing.time_line_in(read(path))
    planned = timing.plan(path).time_line
    assert stated == planned, (
        f"{path.name} says {stated[0]} min teaching · {stated[1]} min exercises, the timing plan gives "
        f"{planned[0]} · {planned[1]}: {REGENERATE}" if stated else f"{path.name} has no time line in its first cell"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_prediction_prompt_has_typical_answers(path: Path):
    matched = guide.match_predictions(path, guide.load_notes(path.stem))  # raises, naming the mismatch
    assert len(matched) == sum(len(s.prompts) for s in sections(read(path)))
    for _, prompt, entry in matched:
        assert len(entry["typical"]) >= 2 and entry["shows"].strip(), f"{prompt[:50]!r}: give 2+ typical answers and what the run shows"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notes_cover_stuck_learners_and_odd_measurements(path: Path):
    notes = guide.load_notes(path.stem)
    assert notes["focus"].strip() and notes["cut_when_short"].strip()
    assert len(notes.get("stuck", [])) >= 3, "at least 3 places where learners get stuck"
    assert len(notes.get("odd", [])) >= 2, "at least 2 measurements that can look odd on a projector"
    for entry in notes["stuck"]:
        assert {"symptom", "cause", "do"} <= entry.keys()
    for entry in notes["odd"]:
        assert {"seen", "why", "say"} <= entry.keys()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_live_notebook_is_up_to_date(path: Path):
    committed = live.LIVE / path.name
    assert committed.is_file(), f"live/{path.name} is missing: {REGENERATE}"
    built = json.loads(nbformat.writes(live.live_notebook(path)))
    assert json.loads(committed.read_text(encoding="utf-8")) == built, (
        f"live/{path.name} differs from what `make live` builds from notebooks/{path.name}: {REGENERATE}"
    )


def test_no_stray_live_notebooks():
    assert sorted(p.name for p in live.LIVE.glob("*.ipynb")) == sorted(p.name for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_live_notebook_keeps_prose_setup_and_pitfalls_and_drops_solutions_and_outputs(path: Path):
    full, made = read(path), read(live.LIVE / path.name)
    tagged = [c for c in full.cells if LIVE_TAG in c.metadata.get("tags", [])]
    assert 2 <= len(tagged), f"{path.name}: tag at least 2 code cells {LIVE_TAG!r} (with live_hint) for live coding"
    kept = [c for c in full.cells if not is_solution(c)]
    assert len(made.cells) == len(kept) + 1  # + the banner saying what this copy is
    assert all(c.cell_type != "code" or (not c.outputs and c.execution_count is None) for c in made.cells)
    assert not any(is_solution(c) for c in made.cells)
    by_id = {c.id: c for c in made.cells}
    for cell in kept:
        copy = by_id[cell.id]
        if LIVE_TAG in cell.metadata.get("tags", []):
            *imports, comment = copy.source.split("\n")
            assert comment.startswith("# Live: "), copy.source
            assert all(isinstance(node, (ast.Import, ast.ImportFrom)) for node in ast.parse("\n".join(imports)).body)
        else:
            assert copy.source == cell.source  # prose, setup cell, pitfalls with their guards: unchanged
    setup = next(c for c in made.cells if c.cell_type == "code")
    assert "setup_notebook" in setup.source and LIVE_TAG not in setup.metadata.get("tags", [])


IPYTHON_NAMES = {"get_ipython", "display", "In", "Out", "_", "exit", "quit"}


def undefined_names(notebook: nbformat.NotebookNode) -> dict[str, set[str]]:
    """Per code cell (by id): names it reads that no earlier cell, nor itself, binds (a '# Live:' cell binds
    what its comment says later cells use)."""
    defined = set(dir(builtins)) | IPYTHON_NAMES
    missing = {}
    for cell in (c for c in notebook.cells if c.cell_type == "code"):
        tree = python_of(cell.source)
        said = live.DEFINES.search(cell.source.rstrip())
        if said:
            defined |= {name.strip() for name in said[1].split(",")}
        gap = live.loaded_names(tree) - live.bound_names(tree) - defined
        if gap:
            missing[cell.id] = gap
        defined |= live.bound_names(tree)
    return missing


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_live_notebook_defines_every_name_its_later_cells_use(path: Path):
    """After typing what each '# Live:' comment says, every later cell finds the names it needs."""
    full = undefined_names(read(path))  # the static check's blind spots (names made by exec, say): the same in both
    made = undefined_names(read(live.LIVE / path.name))
    new = {cell: names - full.get(cell, set()) for cell, names in made.items() if names - full.get(cell, set())}
    assert not new, f"live/{path.name}: cells read names nothing defines any more: {new}: {REGENERATE}"


@pytest.mark.parametrize("path", sorted(live.LIVE.glob("*.ipynb")), ids=lambda p: p.stem)
def test_live_notebook_setup_cell_runs(path: Path):
    """The live folder opens and starts: each live notebook's first code cell runs in a kernel started in live/."""
    from nbclient import NotebookClient

    notebook = read(path)
    setup = next(c for c in notebook.cells if c.cell_type == "code")
    notebook.cells = [setup]
    environment = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    client = NotebookClient(notebook, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    client.km = client.kernel_manager_class(kernel_name="python3")
    with client.setup_kernel(env=environment):
        client.execute_cell(setup, 0)
    text = "".join(o.get("text", "") for o in setup.outputs if o.output_type == "stream")
    assert not [o for o in setup.outputs if o.output_type == "error"], setup.outputs
    assert "Start method:" in text, text


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_slide_metadata_is_up_to_date(path: Path):
    missing = slides.missing_slides(path)
    assert not missing, f"{path.name}: slide metadata missing or stale in {missing[:5]}: run `make sync`"


# --- the timing plan's arithmetic --------------------------------------------------------------------------------

def _notebook(*cells) -> nbformat.NotebookNode:
    notebook = new_notebook()
    for kind, source, tags in cells:
        cell = new_markdown_cell(source) if kind == "md" else new_code_cell(source)
        if tags:
            cell.metadata["tags"] = list(tags)
        if kind == "solution":
            cell.metadata["jupyter"] = {"source_hidden": True}
        notebook.cells.append(cell)
    return notebook


def test_sections_count_prose_cells_prompts_and_exercises():
    notebook = _notebook(
        ("md", "# Title\n\nOne two three.", ()),
        ("code", "x = 1", ()),
        ("md", "## 1 · First\n\n🔮 **Predict.** What is `x`?\n\nMore words here.", ()),
        ("code", "print(x)", (LIVE_TAG,)),
        ("md", "## Exercises\n\n**Exercise 1.** Do this.\n\n**Exercise 2.** And that.", ()),
        ("code", "check()", ()),
        ("solution", "# Solution\nx = 2", ()),
    )
    intro, first, exercises = sections(notebook)
    assert (intro.title, intro.words, intro.code_cells) == ("Introduction", 3, 1)
    assert first.prompts == ["What is `x`?"] and first.live_cells == 1 and first.words == 7
    assert exercises.is_exercises and exercises.exercises == 2 and exercises.code_cells == 1
    assert len(exercises.cell_ids) == 2  # the solution's run time counts, though it is not presented


def test_plan_adds_up_and_rounds_up_to_five_minutes(tmp_path: Path):
    notebook = _notebook(
        ("md", "# T\n\n" + "word " * 220, ()),
        ("code", "a = 1", ()),
        ("md", "## Exercises\n\n**Exercise 1.** Go.", ()),
        ("code", "b = 2", ()),
    )
    path = tmp_path / "99_demo.ipynb"
    nbformat.write(notebook, path)
    ids = [c.id for c in notebook.cells if c.cell_type == "code"]
    plan = timing.plan(path, {"machine": {}, "notebooks": {path.name: {ids[0]: 30.0, ids[1]: 6.0}}})
    assert plan.teaching_minutes == pytest.approx(220 / timing.WORDS_PER_MINUTE + timing.MINUTES_PER_CODE_CELL + 0.5)
    assert plan.exercise_minutes == pytest.approx(
        3 / timing.WORDS_PER_MINUTE + timing.MINUTES_PER_CODE_CELL + timing.MINUTES_PER_EXERCISE + 0.1  # "Exercise 1. Go."
    )
    assert plan.time_line == (5, 10)
    assert [timing.round_up(m) for m in (0.1, 5.0, 5.01, 59.9)] == [5, 5, 10, 60]


def test_plan_refuses_cells_without_a_measured_time(tmp_path: Path):
    path = tmp_path / "99_demo.ipynb"
    nbformat.write(_notebook(("md", "# T", ()), ("code", "a = 1", ())), path)
    with pytest.raises(LookupError, match="make timings"):
        timing.plan(path, {"machine": {}, "notebooks": {path.name: {}}})
    with pytest.raises(LookupError, match="no measured cell times"):
        timing.plan(path, {"machine": {}, "notebooks": {}})


def test_words_ignore_link_targets_and_markup():
    assert words("See [notebook 01](01_process.ipynb) &nbsp;·&nbsp; **now**.") == 4
    assert prompts_in("🔮 **Predict.** First?\n\nNot this.\n\n🔮 **Predict.** Second?") == ["First?", "Second?"]


def test_predictions_that_do_not_match_are_named(tmp_path: Path):
    path = tmp_path / "99_demo.ipynb"
    nbformat.write(_notebook(("md", "# T\n\n🔮 **Predict.** How long will it take?", ())), path)
    with pytest.raises(ValueError, match="starts 'How fast'"):
        guide.match_predictions(path, {"predictions": [{"starts": "How fast", "typical": [], "shows": ""}]})
    with pytest.raises(ValueError, match="has no \\[\\[predictions\\]\\] entry"):
        guide.match_predictions(path, {})


def test_live_cell_without_a_hint_is_refused():
    cell = new_code_cell("x = 1")
    cell.metadata["tags"] = [LIVE_TAG]
    with pytest.raises(ValueError, match="live_hint"):
        live.live_comment(cell)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_learners_answer_a_prompt_at_least_every_so_often(path: Path):
    found = timing.stretches(path)
    plan = timing.plan(path)
    prompts = sum(len(part.section.prompts) for part in plan.sections)
    # Every minute of teaching is in one stretch or in a prompt: none is left out of the check.
    assert sum(s.minutes for s in found) + prompts * timing.MINUTES_PER_PROMPT == pytest.approx(plan.teaching_minutes)
    longest = timing.longest_stretch(path)
    assert longest.minutes <= timing.LONGEST_STRETCH, (
        f"{path.name}: {longest.minutes:.0f} min of teaching from {longest.after} to {longest.before} without a "
        f"prediction prompt (at most {timing.LONGEST_STRETCH}): add a '🔮 **Predict.**' prompt in between, with its notes"
    )


def test_stretches_cut_at_prompts_and_exercises_and_add_up_to_the_teaching(tmp_path: Path):
    notebook = _notebook(
        ("md", "# Title\n\n" + "word " * 110, ()),
        ("code", "a = 1", ()),
        ("md", "## 1 · First\n\nTwo words. 🔮 **Predict.** What now?", ()),
        ("code", "print(a)", (LIVE_TAG,)),
        ("md", "🔮 **Predict.** And then?\n\n## Exercises\n\n**Exercise 1.** Go.", ()),
        ("code", "check()", ()),
        ("solution", "# Solution\na = 2", ()),
        ("md", "## Key points\n\nThree more words.", ()),
    )
    path = tmp_path / "99_demo.ipynb"
    nbformat.write(notebook, path)
    ids = [c.id for c in notebook.cells if c.cell_type == "code"]
    times = {"machine": {}, "notebooks": {path.name: dict(zip(ids, (60.0, 6.0, 30.0, 30.0)))}}
    found = timing.stretches(path, times)
    assert [(s.after, s.before) for s in found] == [
        ("the start", "the 1st prompt in 1 · First"),
        ("the 1st prompt in 1 · First", "the 2nd prompt in 1 · First"),
        ("the 2nd prompt in 1 · First", "the exercises"),
        ("the exercises", "the end"),  # the teaching after the exercises is a stretch too
    ]
    per_word = 1 / timing.WORDS_PER_MINUTE
    # 110 words + a shown cell and its minute of run time + "Two words."
    assert found[0].minutes == pytest.approx(1 + timing.MINUTES_PER_CODE_CELL + 1 + 2 * per_word)
    # the prompt's words + a live cell of one typed line and its 0.1 minute of run time
    assert found[1].minutes == pytest.approx(
        words("🔮 **Predict.** What now?") * per_word + timing.MINUTES_PER_LIVE_CELL + timing.MINUTES_PER_TYPED_LINE + 0.1
    )
    assert found[2].minutes == pytest.approx(words("🔮 **Predict.** And then?") * per_word)
    assert found[3].minutes == pytest.approx(3 * per_word)  # not the exercise, its check or its solution
    plan = timing.plan(path, times)
    assert sum(s.minutes for s in found) + 2 * timing.MINUTES_PER_PROMPT == pytest.approx(plan.teaching_minutes)
    assert timing.longest_stretch(path, times) == found[0]
    with pytest.raises(LookupError, match="make timings"):
        timing.stretches(path, {"machine": {}, "notebooks": {path.name: {}}})


def test_helpers_page_has_every_stuck_point_and_shared_notes_every_session():
    helpers = (guide.INSTRUCTORS / "helpers.md").read_text(encoding="utf-8")
    for name in ["workshop", *IDS]:
        for entry in guide.load_notes(name)["stuck"]:
            row = f"| {guide._cell(entry['symptom'])} | {guide._cell(entry['cause'])} | {guide._cell(entry['do'])} |"
            assert row in helpers, f"{name}: a stuck point is missing from helpers.md: {REGENERATE}"
    shared = (guide.INSTRUCTORS / "shared-notes.md").read_text(encoding="utf-8")
    plans = {p.path.stem: p for p in timing.all_plans()}
    cards = 0
    for day in (guide.HALF_DAY, guide.FULL_DAY):
        rows, _ = guide.day_rows(day, plans)
        pauses = sum(what in ("Break", "Lunch") for _, _, what in rows)
        assert shared.count(f"### {day.name}, session ") == pauses + 1  # one per stretch before a pause or the wrap-up
        cards += pauses  # a minute card before each pause; the wrap-up asks the same itself
    assert shared.count("Minute card, before ") == cards
    for question in guide.load_notes("workshop")["survey"]:
        assert question in shared


def test_workshop_days_end_in_time_and_teach_notebooks_in_order():
    plans = {p.path.stem: p for p in timing.all_plans()}
    for day in (guide.HALF_DAY, guide.FULL_DAY):
        rows, left = guide.day_rows(day, plans)
        assert rows and rows[-1][1] <= day.end, f"{day.name} ends after its end"
        assert all(a < b for a, b, _ in rows) and all(rows[i][1] == rows[i + 1][0] for i in range(len(rows) - 1))
        assert rows[0][2].startswith("Welcome") and rows[-1][2].startswith("Wrap-up")
        taught = [what.split(":")[0] for _, _, what in rows[1:-1] if what not in ("Break", "Lunch")]
        assert [n for n, _ in day.notebooks if n not in left] == list(dict.fromkeys(taught))
        assert not left, f"{day.name}: {left} do not fit: change the plan in teaching/guide.py"
        sessions, length = [], 0.0
        for start, end, what in rows[:-1]:  # the wrap-up is talk, not teaching
            if what in ("Break", "Lunch"):
                sessions.append(length)
                length = 0.0
            else:
                length += end - start
        sessions.append(length)
        assert max(sessions) <= guide.SESSION, f"{day.name}: a session of {max(sessions):.0f} min without a break"


# --- the cheat sheet -----------------------------------------------------------------------------------------------

SNIPPETS = cheatsheet.snippets()
RUN_AS = {
    "default": "import runpy, sys; runpy.run_path(sys.argv[1], run_name='__main__')",
    "spawn": "import multiprocessing, runpy, sys; multiprocessing.set_start_method('spawn', force=True); "
             "runpy.run_path(sys.argv[1], run_name='__main__')",
}


def test_cheat_sheet_has_snippets_and_covers_its_topics():
    text = cheatsheet.SOURCE.read_text(encoding="utf-8")
    assert len(SNIPPETS) >= 3
    for topic in ("Start method", "Pool", "Queue", "Pipe", "Manager", "Shared", "Pitfall", "engine"):
        assert topic.lower() in text.lower(), f"the cheat sheet must cover {topic!r}"


@pytest.mark.parametrize("method", RUN_AS)
@pytest.mark.parametrize("snippet", SNIPPETS, ids=lambda s: f"line{s.line}")
def test_cheat_sheet_snippet_runs_and_prints_what_the_sheet_says(snippet, method: str, tmp_path: Path):
    script = tmp_path / f"snippet_{snippet.number}.py"
    script.write_text(snippet.code, encoding="utf-8")
    environment = dict(os.environ, PYTHONPATH=str(ROOT))
    environment.pop("PYTEST_CURRENT_TEST", None)
    done = subprocess.run(
        [sys.executable, "-c", RUN_AS[method], str(script)], cwd=tmp_path, env=environment,
        capture_output=True, text=True, timeout=120,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"cheatsheet.md line {snippet.line} exited with {done.returncode}:\n{output}"
    for line in snippet.expected:
        wanted = cheatsheet.applies(line)
        if wanted is not None:
            assert cheatsheet.output_has(output, wanted), f"cheatsheet.md line {snippet.line} promises {wanted!r}; it printed:\n{output}"
    assert "leaked shared_memory" not in output


def test_expected_output_rules():
    assert cheatsheet.applies("py>=3.14: new text", (3, 14)) == "new text"
    assert cheatsheet.applies("py>=3.14: new text", (3, 13)) is None
    assert cheatsheet.applies("py<3.14: old text", (3, 11)) == "old text"
    assert cheatsheet.applies("plain", (3, 11)) == "plain"
    assert cheatsheet.output_has("PicklingError: Can't pickle <function <lambda> at 0x7f>: it's", "Can't pickle <function <lambda> at …>")
    assert not cheatsheet.output_has("[0, 1, 4]", "[0, 1, 4, 9]")
    found = cheatsheet.snippets("```python\nprint(1)\n```\n```text\n1\n```\n\n```python\nx = 2\n```\n")
    assert [(s.code, s.expected) for s in found] == [("print(1)\n", ("1",)), ("x = 2\n", ())]


def test_pdf_page_count_reads_page_objects():
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Pages /Count 2 >>\n2 0 obj << /Type /Page >>\n3 0 obj << /Type/Page >>\n"
    assert cheatsheet.pdf_pages(pdf) == 2


def test_ordinals_read_as_english():
    assert [timing.ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "101st", "111th",
    ]
