"""Python versions: cells that show a feature newer than the running Python say so, and carry on."""

from __future__ import annotations

import platform
import sys

from helpers.validation import require_int

# Each cell that calls has_python((3, N), ...) carries the tag "requires-python-3.N": on an older Python the
# test harness runs it but does not compare its output (tests/test_notebook_standard.py checks the pairing).
TAG_PREFIX = "requires-python-"


def has_python(version: tuple[int, int], feature: str) -> bool:
    """True when this Python is ``version`` or newer; otherwise print which version ``feature`` needs, and return False."""
    if not (isinstance(version, tuple) and len(version) == 2):
        raise TypeError(f"version must be a (major, minor) tuple such as (3, 14), got {version!r}")
    require_int("major", version[0], minimum=3)
    require_int("minor", version[1], minimum=0)
    if not isinstance(feature, str) or not feature.strip():
        raise ValueError("feature must name what needs the newer Python, such as 'Process.interrupt()'")
    if sys.version_info[:2] >= version:
        return True
    print(f"ℹ️ {feature} needs Python {version[0]}.{version[1]} or newer; this is Python {platform.python_version()}, "
          "so this cell stops here. Everything after it works without it.")
    return False


def tag_for(version: tuple[int, int]) -> str:
    """The cell tag for a cell that needs ``version``: 'requires-python-3.14'."""
    return f"{TAG_PREFIX}{version[0]}.{version[1]}"
