"""Tools that build the classroom edition from the notebooks: timing plans, instructor guide, live-coding
notebooks, slide metadata and the cheat sheet (``python -m teaching --help``)."""
