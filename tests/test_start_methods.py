"""start_and_join: per-process start cost, and its argument checks."""

import multiprocessing

import pytest

from helpers.start_methods import HOW_EACH_STARTS, available_methods, start_and_join


@pytest.mark.parametrize("method", available_methods())
def test_start_and_join_returns_seconds_per_process_and_leaves_no_child(method):
    seconds = start_and_join(method, count=2)
    assert 0 < seconds < 30
    assert multiprocessing.active_children() == []


def test_every_available_method_is_described():
    assert set(available_methods()) <= set(HOW_EACH_STARTS)


@pytest.mark.parametrize("kwargs, error, text", [
    ({"method": "threads"}, ValueError, "start method must be one of"),
    ({"method": "spawn", "count": 0}, ValueError, "count must be ≥ 1"),
    ({"method": "spawn", "timeout": -1}, ValueError, "timeout must be > 0"),
])
def test_start_and_join_rejects_bad_arguments(kwargs, error, text):
    with pytest.raises(error, match=text):
        start_and_join(**kwargs)


def test_available_methods_leave_out_what_other_libraries_register(monkeypatch):
    """Python 3.15 lists loky's start methods once joblib is imported; the course teaches the standard three."""
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["forkserver", "fork", "spawn", "loky", "loky_init_main"])
    assert available_methods() == ["fork", "forkserver", "spawn"]


def test_available_methods_come_in_one_order_whatever_python_lists_first(monkeypatch):
    from helpers.start_methods import available_methods

    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["forkserver", "fork", "spawn"])  # as 3.14 lists them
    assert available_methods() == ["fork", "forkserver", "spawn"]
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])  # Windows
    assert available_methods() == ["spawn"]


def cell_like(x):
    """Stands for a function defined in a notebook cell (see the test below)."""
    return x


def test_target_outcome_names_what_becomes_of_each_kind_of_target(monkeypatch):
    import sys

    from helpers.start_methods import target_outcome
    from helpers.tasks import square

    # A function of __main__ that a fresh child's __main__ does not have, like one defined in a notebook cell.
    cell_like.__module__ = "__main__"
    monkeypatch.setattr(sys.modules["__main__"], "cell_like", cell_like, raising=False)
    lambda_target = lambda x: x  # noqa: E731 (a lambda is the point)
    for method in available_methods():
        assert target_outcome(square, method, 3) == "works"
        expected_lambda = "works" if method == "fork" else "cannot be pickled"
        assert target_outcome(lambda_target, method, 3) == expected_lambda
        expected_cell = "works" if method == "fork" else "the child cannot find it"
        assert target_outcome(cell_like, method, 3) == expected_cell
    with pytest.raises(ValueError, match="start method must be one of"):
        target_outcome(square, "threads", 3)


def test_a_child_sees_settings_as_imported_unless_forked(monkeypatch):
    import helpers.start_methods
    from helpers.guards import run_in_child
    from helpers.start_methods import read_setting

    monkeypatch.setattr(helpers.start_methods, "SETTING", "changed in the parent")
    for method in available_methods():
        seen = run_in_child(read_setting, method=method, timeout=60).result()
        assert seen == ("changed in the parent" if method == "fork" else "as imported")


@pytest.mark.skipif("forkserver" not in multiprocessing.get_all_start_methods(), reason="needs forkserver")
def test_forkserver_preload_cost_measures_both_ways():
    from helpers.start_methods import forkserver_preload_cost

    costs = forkserver_preload_cost(["json"], count=1)
    assert list(costs) == ["no preload", "preload ['json']"] and all(0 < s < 60 for s in costs.values())


@pytest.mark.parametrize("modules, count, text", [
    ("numpy", 1, "list of module names"), ([], 1, "list of module names"), ([1], 1, "list of module names"),
    (["json"], 0, "count must be ≥ 1"),
])
def test_forkserver_preload_cost_rejects_bad_arguments(modules, count, text):
    from helpers.start_methods import forkserver_preload_cost

    with pytest.raises(ValueError, match=text):
        forkserver_preload_cost(modules, count=count)
