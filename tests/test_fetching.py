"""helpers.json_server and helpers.fetching: the local service, every fetching design, errors kept per key."""

import json
import multiprocessing
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from helpers.fetching import (
    ProcessData,
    SourceFanOut,
    fetch,
    fetch_all_async,
    fetch_and_score,
    get_json,
    score,
    score_result,
    tasks_for,
)
from helpers.json_server import JsonServer, company_record



@pytest.fixture(autouse=True)
def no_children_left():
    yield
    assert multiprocessing.active_children() == [], "a test left a child process (or the server) running"


@pytest.fixture
def server(no_children_left):
    with JsonServer(latency=0.05) as started:
        yield started


def test_the_server_answers_records_errors_and_health(server):
    record = get_json(server.company_url("Acme Ltd"))
    assert {k: v for k, v in record.items() if k != "served_by"} == company_record("Acme Ltd")
    assert get_json(f"{server.url}/health")["status"] == "ok"
    with pytest.raises(urllib.error.HTTPError) as failure:
        get_json(server.company_url("Acme Ltd", fail=503))
    assert failure.value.code == 503
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(f"{server.url}/nothing", timeout=5)


def test_the_server_validates_its_settings():
    with pytest.raises(ValueError, match="latency must be ≥ 0"):
        JsonServer(latency=-1)
    with pytest.raises(ValueError, match="latency must be ≤ 30"):
        JsonServer(latency=60)
    with pytest.raises(RuntimeError, match="call start"):
        JsonServer().url


def test_fetch_never_raises_and_keeps_every_key(server):
    urls = {
        "ok": server.company_url("A"),
        "slow": server.company_url("B", latency=20),  # far beyond the timeout, so only "ok" depends on the machine's speed
        "fail": server.company_url("C", fail=500),
        "refused": "http://127.0.0.1:1/company/x",
    }
    results = {r.key: r for r in map(fetch, tasks_for(urls, timeout=3))}
    assert results["ok"].ok and results["ok"].value["company"] == "A"
    assert {k: r.error for k, r in results.items() if not r.ok} == {
        "slow": "timed out after 3 s", "fail": "HTTP 500", "refused": "connection refused"}
    assert {r.timeout for r in results.values()} == {3}
    asynchronous = {r.key: r.error for r in fetch_all_async(tasks_for(urls, timeout=3))}
    assert asynchronous == {k: r.error for k, r in results.items()}


def test_threads_and_processes_fetch_the_same_records(server):
    tasks = tasks_for({f"c{i}": server.company_url(f"c{i}") for i in range(12)})
    with ThreadPoolExecutor(6) as executor:
        by_threads = {r.key: r.value["company"] for r in executor.map(fetch, tasks)}
    with multiprocessing.Pool(2) as pool:
        by_processes = {r.key: r.value["company"] for r in pool.map(fetch, tasks)}
    assert by_threads == by_processes == {f"c{i}": f"c{i}" for i in range(12)}


def test_scoring_is_deterministic_and_passes_errors_through(server):
    fetched = fetch(tasks_for({"a": server.company_url("a")})[0])
    scored = score_result(fetched)
    assert scored.value["score"] == score(fetched.value) and scored.key == "a"
    assert fetch_and_score(tasks_for({"a": server.company_url("a")})[0]).value["score"] == scored.value["score"]
    failed = fetch(tasks_for({"x": server.company_url("x", fail=404)})[0])
    assert score_result(failed) is failed


def test_the_source_fan_out_stores_successes_and_silently_drops_failures(start_method, server, capfd):
    fan_out = SourceFanOut(batch=3)
    for key, url in {"a": server.company_url("a"), "b": server.company_url("b"), "bad": server.company_url("c", fail=500),
                     "d": server.company_url("d")}.items():
        fan_out.add(ProcessData(get_json, (url, 5.0), key))
    results = fan_out.flush()
    assert sorted(results) == ["a", "b", "d"] and results["a"]["company"] == "a"
    assert len(fan_out.records) == 3 and fan_out.items == []
    with pytest.raises(TypeError, match="ProcessData"):
        fan_out.add(("get_json", (), "k"))


def test_tasks_for_validates():
    with pytest.raises(ValueError, match="non-empty dict"):
        tasks_for({})
    with pytest.raises(ValueError, match="timeout must be > 0"):
        tasks_for({"a": "http://x"}, timeout=0)
    assert json.loads(json.dumps(company_record("x")))["company"] == "x"
