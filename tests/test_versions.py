"""helpers.versions: a cell that shows a newer Python's feature says which version it needs, on an older one."""

import platform
import sys

import pytest

from helpers.versions import has_python, tag_for


def test_this_python_has_itself(capsys):
    assert has_python(sys.version_info[:2], "anything") is True
    assert capsys.readouterr().out == ""


def test_a_newer_python_is_named_with_this_one(capsys):
    assert has_python((3, 99), "Process.teleport()") is False
    out = capsys.readouterr().out
    assert "Process.teleport() needs Python 3.99 or newer" in out and platform.python_version() in out


@pytest.mark.parametrize("version, feature, error", [
    ("3.14", "x", TypeError), ((3,), "x", TypeError), ((2, 7), "x", ValueError), ((3, -1), "x", ValueError),
    ((3, 14), "", ValueError), ((3, 14), None, ValueError),
])
def test_bad_arguments_are_refused(version, feature, error):
    with pytest.raises(error):
        has_python(version, feature)


def test_tag_names_the_version():
    assert tag_for((3, 14)) == "requires-python-3.14"
