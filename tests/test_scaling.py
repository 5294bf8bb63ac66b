"""python -m helpers.scaling: the machine profile, a sweep per start method, and the summary to compare machines."""

from dataclasses import replace

import pytest

from helpers.cpus import CpuProfile
from helpers.machine import fingerprint
from helpers.measure import SpeedupSweep, SweepRow
from helpers.scaling import main, summary
from helpers.start_methods import available_methods


def test_summary_gives_efficiency_at_the_cores_and_at_the_cpus():
    machine = replace(fingerprint(), cpus=CpuProfile(16, 8, 16, None))
    rows = (SweepRow(1, 1.0, 1.0, 1.0), SweepRow(8, 0.14, 7.2, 0.9), SweepRow(16, 0.1, 10.0, 0.625))
    table = summary({"spawn": SpeedupSweep(rows, 0.02, machine, 64, "w", 8)})
    header, line = table.splitlines()
    assert "speedup at 16" in header and "efficiency at 8 cores" in header and "at 16 CPUs" in header
    assert line.split() == ["spawn", "10.00×", "90%", "62%", "2.0%"]


def test_the_command_runs_one_start_method_quickly(capsys):
    method = available_methods()[0]
    assert main(["--budget", "1", "--methods", method]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Python ") and "\nCPUs: " in out and "Plan for each start method:" in out
    assert f"{method}:\nworkers" in out and "start method    speedup at" in out


@pytest.mark.parametrize("args, text", [(["--budget", "0"], "--budget must be > 0"), (["--methods", "threads"], "invalid choice")])
def test_bad_arguments_are_refused(args, text, capsys):
    with pytest.raises(SystemExit):
        main(args)
    assert text in capsys.readouterr().err
