"""helpers.cpus: the CPU profile, read from sample cgroup and sysfs files of other machines; bad input."""

import os

import pytest

from helpers.cpus import (
    CpuProfile,
    cpu_profile,
    parse_cfs,
    parse_cpu_list,
    parse_cpu_max,
    read_cgroup_quota,
    read_hybrid_linux,
    read_model,
)

# Machines the course must size itself for: (profile, CPUs pools use, cores an Amdahl fit may use).
MACHINES = {
    "1 CPU": (CpuProfile(1, 1, 1, None), 1, 1),
    "2 CPUs": (CpuProfile(2, 2, 2, None), 2, 2),
    "4 logical on 2 cores": (CpuProfile(4, 2, 4, None), 4, 2),
    "16 logical on 8 cores": (CpuProfile(16, 8, 16, None, 8, 8), 16, 8),
    "64 CPUs": (CpuProfile(64, 64, 64, None), 64, 64),
    "128 logical on 64 cores": (CpuProfile(128, 64, 128, None), 128, 64),
    "a 1.5-CPU quota on 64": (CpuProfile(64, 32, 64, 1.5), 2, 2),
    "8 usable of 64 (taskset)": (CpuProfile(64, 32, 8, None), 8, 4),
}


@pytest.mark.parametrize("name", MACHINES)
def test_effective_cpus_and_fit_cores(name):
    profile, effective, fit = MACHINES[name]
    assert profile.effective == effective and profile.cores_for_fit == fit
    lines = profile.describe().splitlines()
    assert len(lines) == 2 and lines[0].startswith("CPUs: ") and lines[1].startswith("CPU: ")
    assert f"pools here use {effective}" in lines[0]


def test_describe_names_smt_hybrid_quota_and_model():
    laptop = CpuProfile(16, 8, 16, None, performance=8, efficiency=8, model="Some Chip", max_mhz=4700.0)
    assert laptop.describe() == (
        "CPUs: 16 logical on 8 physical cores (SMT), 8 performance + 8 efficiency · 16 usable by this process · "
        "no CPU quota · pools here use 16\nCPU: Some Chip, up to 4.7 GHz"
    )
    container = CpuProfile(64, None, 64, 1.5)
    assert "a quota of 1.5 CPUs · pools here use 2" in container.describe() and "model not reported" in container.describe()


@pytest.mark.parametrize("kwargs, text", [
    ({"logical": 0, "physical": None, "usable": 1, "quota": None}, "logical must be a whole number of CPUs ≥ 1"),
    ({"logical": 2, "physical": 3, "usable": 2, "quota": None}, "physical must be None or a whole number from 1 to logical"),
    ({"logical": 2, "physical": 2, "usable": 0, "quota": None}, "usable must be a whole number"),
    ({"logical": 2, "physical": 2, "usable": 2, "quota": 0}, "quota must be None or a positive number"),
    ({"logical": 2, "physical": 2, "usable": 2, "quota": float("inf")}, "quota must be None or a positive number"),
    ({"logical": 2.0, "physical": 2, "usable": 2, "quota": None}, "logical must be a whole number"),
])
def test_a_profile_refuses_impossible_counts(kwargs, text):
    with pytest.raises(ValueError, match=text):
        CpuProfile(**kwargs)


@pytest.mark.parametrize("text, count", [("0-3", 4), ("0-3,8,10-11", 7), ("5", 1), ("0-7,16-19\n", 12), ("", 0)])
def test_parse_cpu_list(text, count):
    assert parse_cpu_list(text) == count


@pytest.mark.parametrize("text, error", [("0-a", "numbers and ranges"), ("3-1", "runs backwards"), (7, "CPU list is text")])
def test_parse_cpu_list_refuses_bad_input(text, error):
    with pytest.raises((ValueError, TypeError), match=error):
        parse_cpu_list(text)


@pytest.mark.parametrize("text, cpus", [("max 100000", None), ("150000 100000\n", 1.5), ("200000 100000", 2.0), ("50000 100000", 0.5)])
def test_parse_cpu_max(text, cpus):
    assert parse_cpu_max(text) == cpus


@pytest.mark.parametrize("text", ["", "max", "abc 100000", "100000 0", "1 2 3"])
def test_parse_cpu_max_refuses_bad_input(text):
    with pytest.raises(ValueError, match="cpu.max holds 'QUOTA PERIOD' or 'max PERIOD'"):
        parse_cpu_max(text)


def test_parse_cfs():
    assert parse_cfs("-1\n", "100000\n") is None
    assert parse_cfs("150000", "100000") == 1.5
    with pytest.raises(ValueError, match="whole numbers of microseconds"):
        parse_cfs("lots", "100000")
    with pytest.raises(ValueError, match="must be positive"):
        parse_cfs("100000", "0")


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_cgroup_v2_quota_of_a_container(tmp_path):
    write(tmp_path / "cpu.max", "150000 100000\n")  # a container's view: its own cgroup is the root
    assert read_cgroup_quota(tmp_path, "0::/\n") == 1.5


def test_cgroup_v2_takes_the_smallest_quota_on_the_way_up(tmp_path):
    write(tmp_path / "cpu.max", "max 100000\n")
    write(tmp_path / "kubepods" / "cpu.max", "400000 100000\n")
    write(tmp_path / "kubepods" / "pod1" / "cpu.max", "250000 100000\n")
    write(tmp_path / "kubepods" / "pod1" / "app" / "cpu.max", "max 100000\n")
    assert read_cgroup_quota(tmp_path, "0::/kubepods/pod1/app\n") == 2.5


def test_cgroup_v1_cfs_files(tmp_path):
    write(tmp_path / "cpu,cpuacct" / "docker" / "abc" / "cpu.cfs_quota_us", "300000\n")
    write(tmp_path / "cpu,cpuacct" / "docker" / "abc" / "cpu.cfs_period_us", "100000\n")
    text = "12:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc\n1:name=systemd:/docker/abc\n"
    assert read_cgroup_quota(tmp_path, text) == 3.0


def test_no_quota_anywhere(tmp_path):
    write(tmp_path / "cpu.max", "max 100000\n")
    assert read_cgroup_quota(tmp_path, "0::/\n") is None
    assert read_cgroup_quota(tmp_path / "missing", "0::/\n") is None
    assert read_cgroup_quota(tmp_path, "") is None


def test_a_malformed_cgroup_file_is_a_clear_error(tmp_path):
    write(tmp_path / "cpu.max", "unlimited\n")
    with pytest.raises(ValueError, match="cpu.max holds"):
        read_cgroup_quota(tmp_path, "0::/\n")


def test_intel_hybrid_cores(tmp_path):
    write(tmp_path / "cpu_core" / "cpus", "0-7\n")
    write(tmp_path / "cpu_atom" / "cpus", "8-15\n")
    assert read_hybrid_linux(tmp_path) == (8, 8)


def test_big_little_cores_by_capacity(tmp_path):
    for cpu, capacity in enumerate([1024, 1024, 512, 512, 512, 512]):
        write(tmp_path / "system" / "cpu" / f"cpu{cpu}" / "cpu_capacity", f"{capacity}\n")
    assert read_hybrid_linux(tmp_path) == (2, 4)


def test_cores_all_alike_are_not_hybrid(tmp_path):
    for cpu in range(4):
        write(tmp_path / "system" / "cpu" / f"cpu{cpu}" / "cpu_capacity", "1024\n")
    assert read_hybrid_linux(tmp_path) is None
    assert read_hybrid_linux(tmp_path / "nothing") is None


def test_a_malformed_capacity_is_a_clear_error(tmp_path):
    write(tmp_path / "system" / "cpu" / "cpu0" / "cpu_capacity", "fast\n")
    with pytest.raises(ValueError, match="should hold a whole number"):
        read_hybrid_linux(tmp_path)


@pytest.mark.parametrize("cpuinfo, model", [
    ("processor\t: 0\nmodel name\t: AMD   EPYC 7B13\n", "AMD EPYC 7B13"),
    ("processor\t: 0\nBogoMIPS\t: 108.00\nModel\t: Raspberry Pi 5 Model B Rev 1.0\n", "Raspberry Pi 5 Model B Rev 1.0"),
    ("processor\t: 0\n", None),
])
def test_model_from_cpuinfo(cpuinfo, model):
    assert read_model(cpuinfo) == model


def test_this_machine_profile_is_consistent():
    profile = cpu_profile()
    assert profile.logical == (os.cpu_count() or 1)
    assert 1 <= profile.effective <= profile.usable <= profile.logical
    assert profile.physical is None or profile.physical <= profile.logical


def test_a_pretend_profile_replaces_this_machines(monkeypatch):
    from helpers.cpus import PRETEND_VARIABLE, parse_pretend

    monkeypatch.setenv(PRETEND_VARIABLE, "logical=16,physical=8,usable=16,quota=1.5")
    profile = cpu_profile()
    assert (profile.logical, profile.physical, profile.usable, profile.quota, profile.effective) == (16, 8, 16, 1.5, 2)
    assert parse_pretend("logical=4") == CpuProfile(4, 4, 4, None, model="pretend (COURSE_CPU_PROFILE)")
    for bad, text in [("cores=4", "takes logical=N"), ("physical=2", "needs at least logical"), ("logical=many", "must be numbers"),
                      ("logical=2,physical=4", "physical must be None or a whole number")]:
        with pytest.raises(ValueError, match=text):
            parse_pretend(bad)
