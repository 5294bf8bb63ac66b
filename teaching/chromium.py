"""Where the system Chromium is: for the browser tests (tests/lab_browser.py) and for `make cheatsheet`."""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def find_chromium() -> str | None:
    """The system Chromium (Debian's package), or $CHROMIUM; None when there is none."""
    for candidate in (os.environ.get("CHROMIUM"), shutil.which("chromium"), shutil.which("chromium-browser"), "/usr/bin/chromium"):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None
