"""The fingerprint and the MP_START_METHOD switch."""

import multiprocessing
import os

import pytest

from helpers.machine import default_start_method, fingerprint, setup_notebook, usable_cpus
from helpers.start_methods import available_methods


@pytest.fixture
def restore_start_method():
    """Put the start method back to 'not chosen' after a test that sets it."""
    yield
    multiprocessing.set_start_method(None, force=True)


def test_usable_cpus_is_between_one_and_cpu_count():
    assert 1 <= usable_cpus() <= (os.cpu_count() or 1)
    if hasattr(os, "sched_getaffinity"):
        assert usable_cpus() == len(os.sched_getaffinity(0))


def test_default_start_method_is_one_this_platform_offers():
    assert default_start_method() in multiprocessing.get_all_start_methods()


@pytest.mark.parametrize("method", available_methods())
def test_setup_notebook_applies_mp_start_method(method, monkeypatch, capsys, restore_start_method):
    monkeypatch.setenv("MP_START_METHOD", method)
    machine = setup_notebook()
    assert multiprocessing.get_start_method() == method
    assert machine.start_method == method
    assert machine.start_method_source == "set by MP_START_METHOD"
    printed = capsys.readouterr().out
    assert f"Start method: {method} (set by MP_START_METHOD)" in printed
    assert f"{machine.usable_cpus} usable by this process" in printed and f"pools here use {machine.effective_cpus}" in printed


def test_setup_notebook_without_variable_keeps_the_default(monkeypatch, capsys, restore_start_method):
    monkeypatch.delenv("MP_START_METHOD", raising=False)
    machine = setup_notebook()
    assert machine.start_method == default_start_method()
    assert machine.start_method_source == "the default here"


def test_setup_notebook_rejects_unknown_method(monkeypatch, restore_start_method):
    monkeypatch.setenv("MP_START_METHOD", "threads")
    with pytest.raises(ValueError, match=r"start method must be one of \["):
        setup_notebook()


def test_stamp_names_cpus_method_and_python(restore_start_method):
    from dataclasses import replace

    from helpers.cpus import CpuProfile

    machine = fingerprint()
    cores = machine.cpus.cores_for_fit
    shown = f" ({cores} cores)" if cores < machine.effective_cpus else ""
    assert machine.stamp() == f"{machine.effective_cpus} CPUs{shown} · start method {machine.start_method} · Python {machine.python}"
    laptop = replace(machine, cpus=CpuProfile(16, 8, 16, None))
    assert laptop.stamp().startswith("16 CPUs (8 cores) · start method")
    container = replace(machine, cpus=CpuProfile(64, 32, 64, 1.5))
    assert container.stamp().startswith("2 CPUs · start method")  # what the pools get, not the host


def test_describe_prints_python_the_cpus_and_the_start_method(restore_start_method):
    lines = fingerprint().describe().splitlines()
    assert [line.split(" ")[0] for line in lines] == ["Python", "CPUs:", "CPU:", "Start"]


def test_importing_helpers_has_no_side_effects(tmp_path):
    import subprocess
    import sys

    code = (
        "import sys, multiprocessing, helpers, helpers.tasks, helpers.measure, helpers.guards, "
        "helpers.start_methods, helpers.exercises.start_here\n"
        "assert multiprocessing.active_children() == []\n"
        "assert 'matplotlib' not in sys.modules, 'importing helpers should not import matplotlib'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""
