"""tools/sid-python, which runs Python 3.14 and 3.15 in a Debian sid root: clear messages on misuse.

The root itself is built and used by CI (.ci/run), which runs the whole suite under 3.14 and 3.15 with it.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "tools" / "sid-python"


def run(*args, user=None, env=None):
    command = [str(SCRIPT), *args]
    if user:
        command = ["runuser", "-u", user, "--", *command]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, env=env)


def test_without_a_command_it_prints_its_usage():
    result = run()
    assert result.returncode == 2 and "usage: tools/sid-python setup | run COMMAND" in result.stderr


def test_test_needs_a_known_version():
    result = run("test", "3.13")
    assert result.returncode == 2 and "test needs a version, 3.14 or 3.15 (got '3.13')" in result.stderr


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("runuser"), reason="needs root, to try it as another user")
def test_a_user_other_than_root_is_told_why_it_needs_root():
    result = run("setup", user="nobody")
    assert result.returncode == 2 and "needs root (it uses chroot and mount)" in result.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="the tool checks for root first")
def test_a_missing_program_is_named_with_how_to_install_it(tmp_path):
    # A PATH with bash and the basic tools, but no debootstrap.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "id", "cat", "dirname", "echo", "env"):
        found = shutil.which(tool)
        if found:
            (bin_dir / tool).symlink_to(found)
    result = run("setup", env={"PATH": str(bin_dir), "HOME": str(tmp_path)})
    assert result.returncode == 2 and "needs debootstrap: apt-get install debootstrap" in result.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root")
def test_run_without_a_root_says_to_set_it_up(tmp_path):
    result = run("run", "python3.14", "--version", env={**os.environ, "SID_ROOT": str(tmp_path / "none")})
    assert result.returncode == 2 and "no Debian sid root in" in result.stderr and "tools/sid-python setup" in result.stderr
