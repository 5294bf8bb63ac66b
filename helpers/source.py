"""Show a helper's source in a notebook, so the learner reads the worker they run."""

from __future__ import annotations

import inspect
from typing import Any


def show_source(obj: Any) -> None:
    """Print the source code of a function or class from the helpers package."""
    try:
        print(inspect.getsource(obj).rstrip())
    except (TypeError, OSError) as error:
        raise TypeError(f"cannot show the source of {obj!r}: pass a function or class defined in a .py file") from error
