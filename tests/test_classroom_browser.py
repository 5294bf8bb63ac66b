"""The classroom edition in headless Chromium: `make lab`, `make lab-class`, RISE slides and the cheat sheet's PDF.

Each test keeps screenshots in test-artifacts/classroom/, pass or fail, for a person to look at. Like the other
browser tests they skip without a browser (or with --browser-start-methods=), and fail in CI (CI=true) without one.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import urllib.request
from pathlib import Path

import nbformat
import pytest

from lab_browser import TOKEN, LabServer, find_chromium

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "classroom"
SLIDES_NOTEBOOK = ROOT / "notebooks" / "02_pool.ipynb"  # the longest notebook: most kinds of cell and output
VIEWPORT = {"width": 1280, "height": 720}  # a projector's resolution
NOTIFICATION = "@jupyterlab/apputils-extension:notification"


@pytest.fixture
def browser(request):
    """The session's Chromium (conftest.py), unless this pass runs no browser tests."""
    if not request.config.course_browser_methods:
        pytest.skip("--browser-start-methods is empty: this pass runs no browser tests")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return request.getfixturevalue("chromium")


def make_lab_command(target: str) -> tuple[dict[str, str], tuple[str, ...]]:
    """The environment and JupyterLab options that `make <target>` uses, read from `make -n` (not copied here)."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    printed = subprocess.run(
        ["make", "-n", "--no-print-directory", "-o", ".venv/.installed", target, "LAB_ARGS="],
        cwd=ROOT, capture_output=True, text=True, check=True, timeout=60,
    ).stdout.replace("\\\n", " ")
    line = next(line for line in printed.splitlines() if " -m jupyter lab" in line)
    words = shlex.split(line)
    environment = {}
    while "=" in words[0] and not words[0].startswith("-"):
        name, value = words.pop(0).split("=", 1)
        environment[name] = value
    options = words[words.index("lab") + 1:]
    # The test serves a copy of the notebooks (JupyterLab may write to what it serves), from its own root.
    return environment, tuple(o for o in options if not o.startswith("--ServerApp.root_dir"))


def start_like_make(target: str, workdir: Path) -> LabServer:
    """A JupyterLab started with `make <target>`'s options, on a copy of the notebooks, with no user settings."""
    environment, options = make_lab_command(target)
    return LabServer(
        ROOT / "notebooks", workdir, "spawn", user_settings=None, nested=True, extra_args=options, extra_env=environment,
    ).start()


def setting_default(server: LabServer, plugin: str, name: str):
    """The value JupyterLab's front end starts from for one setting (the schema default with overrides applied)."""
    with urllib.request.urlopen(f"{server.url}/lab/api/settings/{plugin}?token={TOKEN}", timeout=30) as reply:
        return json.load(reply)["schema"]["properties"][name]["default"]


def open_default_page(browser, server: LabServer):
    """Open the server's start page, as `make lab` does in the learner's browser; wait for a rendered notebook."""
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(f"{server.url}/?token={TOKEN}")  # the server sends it on to its default_url
    page.wait_for_function(
        "() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
        " return !!(w && w.context && w.content && w.content.widgets && w.content.widgets.length); }",
        timeout=90_000, polling=250,
    )
    page.wait_for_selector(".jp-Notebook .jp-MarkdownCell .jp-RenderedMarkdown h1", timeout=60_000)
    return page


CURRENT_PATH = "() => window.jupyterapp.shell.currentWidget.context.path"
NEWS_TOASTS = "() => [...document.querySelectorAll('.Toastify__toast')].filter(t => /news/i.test(t.innerText)).length"
CONTENT_FONT = "() => parseFloat(getComputedStyle(document.querySelector('.jp-Notebook .jp-RenderedMarkdown p')).fontSize)"


def test_make_lab_opens_start_here_without_the_news_prompt(browser, tmp_path):
    """`make lab`: notebook 00 opens, and the project's settings answer JupyterLab's news question, not the user's."""
    plain = LabServer(ROOT / "notebooks", tmp_path / "bare", "spawn", user_settings=None, nested=True).start()
    try:
        # Control: without the project's settings a first start asks (the default is "none": not yet asked).
        assert setting_default(plain, NOTIFICATION, "fetchNews") == "none"
    finally:
        plain.stop()
    server = start_like_make("lab", tmp_path / "lab")
    try:
        assert setting_default(server, NOTIFICATION, "fetchNews") == "false", "make lab must answer the news question"
        assert setting_default(server, NOTIFICATION, "checkForUpdates") is False
        page = open_default_page(browser, server)
        page.screenshot(path=str(ARTIFACTS / "make-lab.png"))
        assert page.evaluate(CURRENT_PATH) == "notebooks/00_start_here.ipynb"
        assert page.evaluate(NEWS_TOASTS) == 0, "a news pop-up is showing: see test-artifacts/classroom/make-lab.png"
        assert page.evaluate("() => window.jupyterapp.shell.presentationMode") is False
        page.close()
    finally:
        server.stop()


def test_make_lab_class_opens_in_presentation_mode_with_larger_text(browser, tmp_path):
    """`make lab-class`: the same start page in Presentation Mode, side panel hidden, text larger than `make lab`'s."""
    server = start_like_make("lab-class", tmp_path / "lab-class")
    try:
        assert setting_default(server, NOTIFICATION, "fetchNews") == "false"
        page = open_default_page(browser, server)
        page.wait_for_function("() => window.jupyterapp.shell.presentationMode === true", timeout=60_000, polling=250)
        page.screenshot(path=str(ARTIFACTS / "make-lab-class.png"))
        assert page.evaluate(CURRENT_PATH) == "notebooks/00_start_here.ipynb"
        assert page.evaluate("() => window.jupyterapp.shell.leftCollapsed") is True
        class_font = page.evaluate(CONTENT_FONT)
        page.close()
    finally:
        server.stop()
    server = start_like_make("lab", tmp_path / "lab")
    try:
        page = open_default_page(browser, server)
        lab_font = page.evaluate(CONTENT_FONT)
        page.close()
    finally:
        server.stop()
    assert class_font >= 1.3 * lab_font, f"make lab-class shows prose at {class_font}px, make lab at {lab_font}px"


PRESENT = "() => document.querySelector('.reveal .slides section.present:not(.stack)')"
SLIDE_STATE = """() => {
  const slide = document.querySelector('.reveal .slides section.present:not(.stack)');
  const view = slide.getBoundingClientRect();
  const style = getComputedStyle(slide);
  const scrolls = style.overflowY === 'auto' || style.overflowY === 'scroll';
  slide.scrollTop = slide.scrollHeight;  // what a presenter reaches by scrolling
  const last = slide.lastElementChild ? slide.lastElementChild.getBoundingClientRect() : view;
  const state = {
    text: slide.innerText.trim().slice(0, 60),
    pictures: slide.querySelectorAll('.jp-OutputArea img, .jp-RenderedMarkdown img').length,
    wide: slide.scrollWidth > slide.clientWidth + 2,
    tall: slide.scrollHeight > slide.clientHeight + 2,
    scrolls: scrolls,
    lastBelowScreen: last.bottom > Math.min(view.bottom, window.innerHeight) + 2,
    rightOfScreen: view.right > window.innerWidth + 2,
  };
  slide.scrollTop = 0;
  return state;
}"""


def test_slides_of_a_notebook_step_through_without_blank_or_cut_off_slides(browser, tmp_path):
    """RISE: every slide of one notebook, at 1280×720, has content, and all of it can be brought on screen."""
    notebook = nbformat.read(SLIDES_NOTEBOOK, as_version=4)
    expected = sum(cell.metadata.get("slideshow", {}).get("slide_type") != "skip" for cell in notebook.cells)
    server = LabServer(SLIDES_NOTEBOOK.parent, tmp_path / "slides", "spawn").start()
    problems, tall = [], 0
    try:
        page = browser.new_page(viewport=VIEWPORT)
        page.goto(f"{server.url}/rise/{SLIDES_NOTEBOOK.name}?token={TOKEN}")
        page.wait_for_function(PRESENT, timeout=90_000, polling=250)
        page.wait_for_function("() => document.querySelector('.reveal.ready') !== null", timeout=60_000, polling=250)
        # Keys go to the slideshow, not to a cell's editor (a click could land in one, and Space would type).
        page.evaluate("() => { if (document.activeElement) document.activeElement.blur(); }")
        for number in range(1, expected + 1):
            state = page.evaluate(SLIDE_STATE)
            where = f"slide {number} ({state['text'][:40]!r})"
            if not state["text"] and not state["pictures"]:
                problems.append(f"{where} is blank")
            if state["wide"] or state["rightOfScreen"]:
                problems.append(f"{where} is cut off at the right")
            if state["tall"]:
                tall += 1
                if not state["scrolls"] or state["lastBelowScreen"]:
                    problems.append(f"{where} is cut off at the bottom (taller than the screen, and does not scroll)")
            if number in (1, 2) or (state["pictures"] and not (ARTIFACTS / "slides-plot.png").exists()):
                page.screenshot(path=str(ARTIFACTS / ("slides-plot.png" if number > 2 else f"slides-{number}.png")))
            if number == expected:
                break
            page.evaluate(f"() => document.querySelector('.reveal .slides section.present:not(.stack)').dataset.seen = '{number}'")
            page.keyboard.press("Space")  # RISE's next slide: down through sub-slides, then on
            page.wait_for_function(
                "() => { const s = document.querySelector('.reveal .slides section.present:not(.stack)');"
                " return !!s && !s.dataset.seen; }", timeout=30_000, polling=100,
            )
        shown = page.evaluate("() => document.querySelectorAll('.reveal .slides section:not(.stack)').length")
        page.close()
    finally:
        server.stop()
    assert not problems, f"{SLIDES_NOTEBOOK.name} as slides at 1280×720:\n  " + "\n  ".join(problems)
    assert shown == expected, f"the notebook has {expected} cells to show, the slideshow {shown} slides"
    print(f"{expected} slides, {tall} of them scroll (a cell taller than the screen)")


def test_cheat_sheet_prints_on_at_most_two_pages(request):
    """`make cheatsheet`: headless Chromium prints the sheet; it must fit on two pages."""
    if not request.config.course_browser_methods:
        pytest.skip("--browser-start-methods is empty: this pass runs no browser tests")
    from teaching import cheatsheet

    chromium = find_chromium()
    if chromium is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true, so the cheat sheet must be printed, but no Chromium was found")
        pytest.skip("no Chromium to print the cheat sheet with")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pages = cheatsheet.render_pdf(chromium, output=ARTIFACTS / "cheatsheet.pdf")
    assert 1 <= pages <= cheatsheet.MAX_PAGES
