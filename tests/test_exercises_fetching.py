"""Notebook 08's exercise checks: right answers pass; each typical mistake gets specific feedback."""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest

from helpers.exercises.fetching import WHICH_TOOL, check_keyed_results, check_thread_count, check_which_tool, exercise_urls
from helpers.fetching import fetch, tasks_for
from helpers.json_server import JsonServer


def assert_feedback(feedback, ok, text):
    assert feedback.ok is ok, feedback
    assert text in feedback.message, feedback


@pytest.mark.parametrize("change, ok, text", [
    ({}, True, "mixed work wants both"),
    ({"resize 2,000 images that are already on disk": "threads"}, False, "Look again at 'resize 2,000 images"),
    ({"fetch 200 records, then run a slow pure-Python model on each one": "processes"}, False, "waiting, computing in Python, or both"),
    ({"resize 2,000 images that are already on disk": "GPUs"}, False, "is not one of"),
])
def test_which_tool(change, ok, text):
    assert_feedback(check_which_tool({**WHICH_TOOL, **change}), ok, text)


def test_which_tool_second_miss_explains():
    images = "resize 2,000 images that are already on disk"
    assert_feedback(check_which_tool({**WHICH_TOOL, images: "threads"}), False, "Look again at")
    assert_feedback(check_which_tool({**WHICH_TOOL, images: "asyncio"}), False, "the work is CPU")


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


@pytest.fixture(scope="module")
def fetched():
    """The exercise's requests fetched for real: with the asked-for 1 s timeout, and with the 2 s default."""
    with JsonServer(latency=0.02) as server:
        urls = exercise_urls(server)
        with ThreadPoolExecutor(8) as executor:
            right = {r.key: r for r in executor.map(fetch, tasks_for(urls, timeout=1.0), timeout=60)}
            default = {r.key: r for r in executor.map(fetch, tasks_for(urls), timeout=60)}
    return urls, right, default


def test_keyed_results_pass_with_the_asked_for_timeout(fetched):
    urls, right, _ = fetched
    assert_feedback(check_keyed_results(right, urls), True, "HTTP 500; timed out after 1 s")


def test_keyed_results_without_the_timeout_are_caught(fetched):
    """The slow request also times out at fetch's 2 s default: the check reads the timeout each request had."""
    urls, _, default = fetched
    assert default["slow"].error == "timed out after 2 s"
    assert_feedback(check_keyed_results(default, urls), False, "ran with timeout 2 s: give each one 1 s")


def test_keyed_results_mistakes(fetched):
    urls, right, _ = fetched
    assert_feedback(check_keyed_results({k: v for k, v in right.items() if k != "broken"}, urls), False, "No result for ['broken']")
    assert_feedback(check_keyed_results({k: v.value for k, v in right.items()}, urls), False, "FetchResult objects")
    assert_feedback(check_keyed_results(list(right.values()), urls), False, "Expected a dict")
    assert_feedback(check_keyed_results(..., urls), False, "Replace the ...")
    busy = {**right, "company 2": replace(right["company 2"], value=None, error="timed out after 1 s")}
    assert_feedback(check_keyed_results(busy, urls), False, "too busy for a moment. Run the cell again")
    refused = {**right, "company 2": replace(right["company 2"], value=None, error="connection refused")}
    assert_feedback(check_keyed_results(refused, urls), False, "failed but should have worked: connection refused")
    with pytest.raises(TypeError, match="running JsonServer"):
        exercise_urls("http://localhost")
