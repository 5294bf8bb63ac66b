"""The printable cheat sheet: cheatsheet/cheatsheet.md rendered to HTML, then to PDF by headless Chromium.

Every ```python block on the sheet is a whole script that tests/test_teaching.py runs; a ```text block right after
it holds lines its output must contain ('py>=3.14: ' or 'py<3.14: ' limits a line to those Pythons, '…' matches
anything), so nothing printed on the sheet is stale.
"""

from __future__ import annotations

import html
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from teaching.chromium import find_chromium  # the browser the tests use
from teaching.notebook_parts import ROOT

SOURCE = ROOT / "cheatsheet" / "cheatsheet.md"
PDF = ROOT / "cheatsheet" / "cheatsheet.pdf"
MAX_PAGES = 2

STYLE = """
@page { size: A4 landscape; margin: 8mm; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 7.6pt; line-height: 1.22;
       column-count: 3; column-gap: 5mm; margin: 0; }
h1 { column-span: all; font-size: 13pt; margin: 0 0 2mm 0; }
h2 { font-size: 9pt; margin: 2mm 0 1mm 0; border-bottom: 0.6pt solid #555; break-after: avoid; }
h3 { font-size: 8pt; margin: 1.5mm 0 0.5mm 0; break-after: avoid; }
p, ul, ol { margin: 0.6mm 0; } ul, ol { padding-left: 4mm; }
table { border-collapse: collapse; width: 100%; margin: 0.8mm 0; break-inside: avoid; }
th, td { border: 0.4pt solid #999; padding: 0.3mm 0.8mm; vertical-align: top; text-align: left; }
th { background: #eee; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: 6.9pt; background: #f3f3f3; }
pre { background: #f3f3f3; padding: 0.8mm 1.2mm; margin: 0.6mm 0; white-space: pre-wrap; break-inside: avoid;
      border-left: 1.2pt solid #4a7ab0; }
pre code { background: none; }
pre.output { border-left-color: #b04a4a; }
div.break { break-after: column; }
"""


@dataclass(frozen=True)
class Snippet:
    """One ```python block of the sheet, and the output lines its text block promises."""

    number: int
    line: int  # where the block starts in cheatsheet.md
    code: str
    expected: tuple[str, ...]


def snippets(text: str | None = None) -> list[Snippet]:
    """Every python block on the sheet, with its expected output lines (if a text block follows it)."""
    text = SOURCE.read_text(encoding="utf-8") if text is None else text
    blocks = list(re.finditer(r"^```(\w*)\n(.*?)^```\s*$", text, re.MULTILINE | re.DOTALL))
    found = []
    for index, block in enumerate(blocks):
        if block[1] != "python":
            continue
        expected: tuple[str, ...] = ()
        if index + 1 < len(blocks) and blocks[index + 1][1] == "text":
            between = text[block.end():blocks[index + 1].start()]
            if not between.strip():
                expected = tuple(line for line in blocks[index + 1][2].splitlines() if line.strip())
        found.append(Snippet(len(found) + 1, text.count("\n", 0, block.start()) + 1, block[2], expected))
    return found


def applies(line: str, version: tuple[int, int] = sys.version_info[:2]) -> str | None:
    """The expected line without its version guard, or None when the guard excludes this Python."""
    guard = re.match(r"py(>=|<)(\d+)\.(\d+): ", line)
    if not guard:
        return line
    wanted = (int(guard[2]), int(guard[3]))
    ok = version >= wanted if guard[1] == ">=" else version < wanted
    return line[guard.end():] if ok else None


def output_has(output: str, line: str) -> bool:
    """Whether the output contains the expected line ('…' matches anything, spaces are compared loosely)."""
    pattern = r"\s+".join(".*?".join(re.escape(piece) for piece in word.split("…")) for word in line.split())
    return re.search(pattern, output) is not None


def to_html(text: str) -> str:
    """The sheet as one HTML page (markdown-it, which JupyterLab's stack already installs)."""
    from markdown_it import MarkdownIt

    renderer = MarkdownIt("commonmark", {"html": True}).enable("table")
    body = renderer.render(text)
    # An output block reads differently from code: it gets its own colour.
    body = body.replace('<pre><code class="language-text">', '<pre class="output"><code class="language-text">')
    title = re.search(r"^# (.+)$", text, re.MULTILINE)
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title[1] if title else 'cheat sheet')}</title><style>{STYLE}</style></head>"
        f"<body>{body}</body></html>"
    )


def pdf_pages(pdf: bytes) -> int:
    """The number of pages in a PDF Chromium wrote (its page objects)."""
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def render_pdf(chromium: str | None = None, output: Path = PDF, timeout: float = 120) -> int:
    """Render the sheet to PDF with headless Chromium; return its page count (fails above MAX_PAGES)."""
    browser = chromium or find_chromium()
    if browser is None:
        raise FileNotFoundError("no Chromium found: install Debian's chromium or set CHROMIUM=/path/to/chromium")
    with tempfile.TemporaryDirectory() as scratch:
        page = Path(scratch) / "cheatsheet.html"
        page.write_text(to_html(SOURCE.read_text(encoding="utf-8")), encoding="utf-8")
        target = Path(scratch) / "cheatsheet.pdf"
        subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage",
             "--no-pdf-header-footer", f"--user-data-dir={scratch}/profile", f"--print-to-pdf={target}", page.as_uri()],
            check=True, timeout=timeout, capture_output=True,
        )
        data = target.read_bytes()
    pages = pdf_pages(data)
    if pages > MAX_PAGES:
        raise ValueError(f"the cheat sheet prints on {pages} pages; it must fit on {MAX_PAGES}: shorten cheatsheet.md")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(data)
    return pages
