"""Checks for the exercises of notebook 08 (parallel fetching)."""

from __future__ import annotations

import math
from collections.abc import Mapping

from helpers.exercises import Feedback, choice_feedback, exercise_check, unanswered
from helpers.exercises.answers import show, whole_number
from helpers.fetching import FetchResult

WHICH_TOOL = {
    "fetch 50 records with a library that only offers blocking calls (such as requests)": "threads",
    "fetch 5,000 records from code that already runs an asyncio event loop": "asyncio",
    "resize 2,000 images that are already on disk": "processes",
    "fetch 200 records, then run a slow pure-Python model on each one": "threads then processes",
}
_TOOL_HINTS = {
    "fetch 50 records with a library that only offers blocking calls (such as requests)": "the work is waiting, and blocking calls release the GIL while they wait.",
    "fetch 5,000 records from code that already runs an asyncio event loop": "thousands of waits on one thread, inside the loop you already have.",
    "resize 2,000 images that are already on disk": "nothing to wait for: the work is CPU, so it needs more than one process.",
    "fetch 200 records, then run a slow pure-Python model on each one": "two kinds of work: cheap waiting, then GIL-bound CPU work.",
}
TOOLS = ("threads", "asyncio", "processes", "threads then processes")


@exercise_check
def check_which_tool(answers: object) -> Feedback:
    """Exercise 1: the right tool for each fan-out in WHICH_TOOL."""
    return choice_feedback(
        answers, WHICH_TOOL, name="WHICH_TOOL",
        hint=f"a dict mapping each situation to one of {', '.join(TOOLS)}",
        success="Waiting wants threads or asyncio; CPU work wants processes; mixed work wants both, each for its part.",
        why=lambda situation, _: f"For {situation!r}: {_TOOL_HINTS[situation]}",
        choices=TOOLS,
        nudge="is this work waiting, computing in Python, or both, one after the other?",
    )


EXERCISE_TIMEOUT = 1.0  # seconds each request of exercise 2 may take
SLOW_LATENCY = 10.0  # the slow request's answer comes later than any timeout the exercise might use, the default included


@exercise_check
def check_keyed_results(results: object, urls: Mapping[str, str]) -> Feedback:
    """Exercise 2: one FetchResult per key of ``urls``, each fetched with a 1 s timeout; the broken and slow ones kept as errors."""
    if results is Ellipsis:
        return unanswered("fetch every request on a thread pool, each with the exercise's timeout, and keep every result under its key")
    if not isinstance(results, Mapping):
        return Feedback(False, f"Expected a dict {{key: FetchResult}}, got {type(results).__name__}.")
    missing = sorted(set(urls) - set(results))
    if missing:
        return Feedback(False, f"No result for {missing}: every request must leave a result under its key, even a failed one.")
    if not all(isinstance(r, FetchResult) for r in results.values()):
        return Feedback(False, "Store the FetchResult objects that fetch() returns, not just their values.")
    timeouts = sorted({r.timeout for r in results.values()})
    if timeouts != [EXERCISE_TIMEOUT]:
        return Feedback(False, f"Your requests ran with timeout {', '.join(f'{t:g}' for t in timeouts)} s: give each one {EXERCISE_TIMEOUT:g} s (tasks_for takes a timeout).")
    if results["slow"].ok:
        return Feedback(False, "The 'slow' request succeeded, so it was not fetched with the timeout you gave it.")
    if results["broken"].ok:
        return Feedback(False, "The 'broken' request should have recorded its HTTP error.")
    failed = sorted(k for k, r in results.items() if not r.ok and k not in ("broken", "slow"))
    if failed:
        error = results[failed[0]].error
        if error.startswith("timed out"):
            return Feedback(False, f"{failed} {error}, although the server answers them at once: this machine was too busy for a moment. Run the cell again.")
        return Feedback(False, f"{failed} failed but should have worked: {error}.")
    return Feedback(True, f"{len(results)} keys: {len(results) - 2} records, and the two failures kept as errors "
                    f"({results['broken'].error}; {results['slow'].error}).")


REQUESTS, LATENCY, TARGET = 60, 0.1, 0.3


@exercise_check
def check_thread_count(threads: object) -> Feedback:
    """Exercise 3: the fewest threads that fetch 60 records of 0.1 s each in 0.3 s."""
    if threads is Ellipsis:
        return unanswered("each thread does one request at a time: how many rounds of 0.1 s fit in 0.3 s?")
    count = whole_number(threads, minimum=1)
    if count is None:
        return Feedback(False, f"A number of threads is a whole number ≥ 1, got {show(threads)}.")
    threads = count
    rounds = math.ceil(REQUESTS / threads)
    if rounds * LATENCY > TARGET + 1e-9:
        return Feedback(False, f"With {threads} threads, {REQUESTS} requests take {rounds} rounds of {LATENCY} s = {rounds * LATENCY:.1f} s.")
    if threads > REQUESTS // 3:
        return Feedback(False, f"{threads} threads finish in {rounds * LATENCY:.1f} s, but fewer would too: find the smallest number.")
    return Feedback(True, f"{threads} threads: {rounds} rounds of {LATENCY} s. Waiting scales with threads, not with CPUs.")


def exercise_urls(server: object) -> dict[str, str]:
    """Exercise 2's requests on a running JsonServer: six that answer at once, one that fails, one that answers after 10 s."""
    company_url = getattr(server, "company_url", None)
    if company_url is None:
        raise TypeError(f"server must be a running JsonServer, got {type(server).__name__}")
    urls = {f"company {i}": company_url(f"Company {i}", latency=0) for i in range(6)}
    urls["broken"] = company_url("Broken Ltd", fail=500)
    urls["slow"] = company_url("Slow Ltd", latency=SLOW_LATENCY)
    return urls
