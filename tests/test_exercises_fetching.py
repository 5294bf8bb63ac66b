"""Notebook 07's exercise checks: right answers pass; each typical mistake gets specific feedback."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from helpers.exercises.fetching import WHICH_TOOL, check_keyed_results, check_thread_count, check_which_tool, exercise_urls
from helpers.fetching import fetch, tasks_for
from helpers.json_server import JsonServer


def assert_feedback(feedback, ok, text):
    assert feedback.ok is ok, feedback
    assert text in feedback.message, feedback


@pytest.mark.parametrize("change, ok, text", [
    ({}, True, "mixed work wants both"),
    ({"resize 2,000 images that are already on disk": "threads"}, False, "the work is CPU"),
    ({"fetch 200 records, then run a slow pure-Python model on each one": "processes"}, False, "two kinds of work"),
    ({"resize 2,000 images that are already on disk": "GPUs"}, False, "is not one of"),
])
def test_which_tool(change, ok, text):
    assert_feedback(check_which_tool({**WHICH_TOOL, **change}), ok, text)


@pytest.mark.parametrize("threads, ok, text", [
    (20, True, "3 rounds"),
    (19, False, "4 rounds of 0.1 s = 0.4 s"),
    (60, False, "fewer would too"),
    (0, False, "whole number ≥ 1"),
    (2.5, False, "whole number ≥ 1"),
    (..., False, "Replace the ..."),
])
def test_thread_count(threads, ok, text):
    assert_feedback(check_thread_count(threads), ok, text)


def test_keyed_results():
    with JsonServer(latency=0.02) as server:
        urls = exercise_urls(server)
        with ThreadPoolExecutor(8) as executor:
            good = {r.key: r for r in executor.map(fetch, tasks_for(urls, timeout=0.5))}
            patient = {r.key: r for r in executor.map(fetch, tasks_for(urls, timeout=5))}
    assert_feedback(check_keyed_results(good, urls), True, "HTTP 500; timed out after 0.5 s")
    assert_feedback(check_keyed_results(patient, urls), False, "timeout of 0.5 s")
    assert_feedback(check_keyed_results({k: v for k, v in good.items() if k != "broken"}, urls), False, "No result for ['broken']")
    assert_feedback(check_keyed_results({k: v.value for k, v in good.items()}, urls), False, "FetchResult objects")
    assert_feedback(check_keyed_results(..., urls), False, "Replace the ...")
    with pytest.raises(TypeError, match="running JsonServer"):
        exercise_urls("http://localhost")
