"""tests/soak.py, the maintainers' soak run: its report names each failing test once, with its count."""

import xml.etree.ElementTree as ElementTree

import psutil
import pytest

import soak


def case(classname, name, outcome=""):
    element = ElementTree.Element("testcase", classname=classname, name=name)
    if outcome:
        ElementTree.SubElement(element, outcome, message="boom")
    return element


@pytest.mark.parametrize("name, expected", [
    ("test_x[1-5]", "test_x"),
    ("test_x[spawn-3-5]", "test_x[spawn]"),
    ("test_x[1-2-4-5]", "test_x[1-2]"),
    ("test_x", "test_x"),
])
def test_the_run_number_is_dropped_from_the_test_id(name, expected):
    assert soak.test_id(case("tests.test_a", name)) == f"tests/test_a.py::{expected}"


def test_failures_are_counted_per_test_across_runs(tmp_path):
    suite = ElementTree.Element("testsuite")
    suite.extend([
        case("tests.test_a", "test_x[1-3]", "failure"), case("tests.test_a", "test_x[2-3]"), case("tests.test_a", "test_x[3-3]", "error"),
        case("tests.test_a", "test_y[fork-1-3]"), case("tests.test_a", "test_y[fork-2-3]", "failure"),
        case("tests.test_b", "test_z[1-3]", "skipped"),
    ])
    report = tmp_path / "report.xml"
    root = ElementTree.Element("testsuites")
    root.append(suite)
    ElementTree.ElementTree(root).write(report)
    counts, runs = soak.failures(report)
    assert runs == 6
    assert counts == {"tests/test_a.py::test_x": 2, "tests/test_a.py::test_y[fork]": 1}


def test_the_load_keeps_a_cpu_busy_and_stops_with_everything_it_started():
    load, name = soak.start_load()
    try:
        assert load.poll() is None and name
        family = [psutil.Process(load.pid), *psutil.Process(load.pid).children(recursive=True)]
    finally:
        soak.stop_load(load)
    gone, alive = psutil.wait_procs(family, timeout=10)
    assert not alive, f"the load left {alive}"


def test_a_count_below_one_is_refused(capsys):
    with pytest.raises(SystemExit):
        soak.main(["--count", "0"])
    assert "--count must be ≥ 1, got 0" in capsys.readouterr().err
