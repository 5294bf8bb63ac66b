"""python -m teaching {timings,guide,live,slides,cheatsheet}: build the classroom edition (see the Makefile)."""

from __future__ import annotations

import argparse
import json
import sys

from teaching import cheatsheet, guide, live, slides, timing
from teaching.notebook_parts import ROOT, notebook_paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m teaching", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    measure = commands.add_parser("timings", help="run every notebook and store its cells' run times (instructors/cell_times.json)")
    measure.add_argument("--start-method", default="forkserver", choices=["fork", "spawn", "forkserver"])
    commands.add_parser("guide", help="write instructors/*.md and the time line at the top of each notebook")
    commands.add_parser("live", help="write live/NN_*.ipynb, the live-coding notebooks")
    commands.add_parser("slides", help="set every cell's slide metadata (RISE)")
    sheet = commands.add_parser("cheatsheet", help="render cheatsheet/cheatsheet.md to cheatsheet/cheatsheet.pdf")
    sheet.add_argument("--output", default=str(cheatsheet.PDF))
    arguments = parser.parse_args(argv)

    if arguments.command == "timings":
        measured = timing.measure(notebook_paths(), arguments.start_method)
        timing.CELL_TIMES.write_text(json.dumps(measured, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {timing.CELL_TIMES.relative_to(ROOT)}; now run `make guide`")
    elif arguments.command == "guide":
        for path in guide.write_guide():
            print(f"updated {path.relative_to(ROOT)}")
    elif arguments.command == "live":
        print(f"wrote {len(live.write_live())} live-coding notebooks in live/")
    elif arguments.command == "slides":
        for path in slides.apply_slides():
            print(f"slide metadata updated in {path.relative_to(ROOT)}")
    elif arguments.command == "cheatsheet":
        pages = cheatsheet.render_pdf(output=cheatsheet.Path(arguments.output))
        print(f"wrote {arguments.output} ({pages} page{'s' if pages != 1 else ''})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
