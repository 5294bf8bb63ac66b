"""tests/sanitize.cfg, applied as nbval applies it: what varies is normalised, and nothing else is mangled."""

import re
from collections import OrderedDict
from pathlib import Path

from nbval.plugin import get_sanitize_patterns

SANITIZE = Path(__file__).resolve().parent / "sanitize.cfg"


def sanitize(text: str) -> str:
    """Every regex of the file in its order, as nbval's IPyNbCell.sanitize does."""
    for regex, replace in OrderedDict(get_sanitize_patterns(SANITIZE.read_text(encoding="utf-8"))).items():
        text = re.sub(regex, replace, text)
    return text


def test_a_temporary_path_whose_random_name_looks_like_a_duration_is_one_temppath():
    # mkdtemp's random suffix ended in "2s" once in CI: the duration rule turned it into "T s" first.
    for name in ("course-modules-k3j9x2s", "course-modules-ab1ms", "course-modules-plain"):
        assert sanitize(f"Writing /tmp/{name}/my_workers.py\n") == "Writing TEMPPATH\n"


def test_durations_pids_and_addresses_are_normalised_but_words_are_not():
    assert sanitize("took 12.5 ms in pid 4242 at 0x7f3a2b1c9d00") == "took T s in pid PID at 0xADDRESS"
    assert sanitize("3 tasks, 2 workers, results [0, 1, 4]") == "3 tasks, 2 workers, results [0, 1, 4]"
