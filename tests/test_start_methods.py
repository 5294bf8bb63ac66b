"""start_and_join: per-process start cost, and its argument checks."""

import multiprocessing

import pytest

from helpers.start_methods import HOW_EACH_STARTS, start_and_join


@pytest.mark.parametrize("method", multiprocessing.get_all_start_methods())
def test_start_and_join_returns_seconds_per_process_and_leaves_no_child(method):
    seconds = start_and_join(method, count=2)
    assert 0 < seconds < 30
    assert multiprocessing.active_children() == []


def test_every_available_method_is_described():
    assert set(multiprocessing.get_all_start_methods()) <= set(HOW_EACH_STARTS)


@pytest.mark.parametrize("kwargs, error, text", [
    ({"method": "threads"}, ValueError, "start method must be one of"),
    ({"method": "spawn", "count": 0}, ValueError, "count must be ≥ 1"),
    ({"method": "spawn", "timeout": -1}, ValueError, "timeout must be > 0"),
])
def test_start_and_join_rejects_bad_arguments(kwargs, error, text):
    with pytest.raises(error, match=text):
        start_and_join(**kwargs)
