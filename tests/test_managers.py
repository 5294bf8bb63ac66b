"""helpers.managers: notebook 05's workers, the source's fan-in pattern and its alternatives, custom and remote managers."""

import multiprocessing
import os

import pytest

from helpers.guards import run_in_child
from helpers.start_methods import available_methods
from helpers.managers import (
    QueueManager,
    RunsOnUnpickle,
    Tally,
    TallyManager,
    append_by_reassigning,
    append_to,
    connect,
    count_words,
    expected_features,
    feature,
    keyed_feature,
    operation_costs,
    record,
    record_task,
    remote_put,
    server_pid,
    source_fan_in,
    store_key,
    store_racing,
)

METHODS = available_methods()


@pytest.fixture(autouse=True)
def no_children_left():
    yield
    assert multiprocessing.active_children() == [], "a test left a child process (or a manager) running"


@pytest.fixture
def manager(no_children_left):
    with multiprocessing.Manager() as started:  # shut down before no_children_left checks
        yield started


@pytest.mark.parametrize("method", METHODS)
def test_the_source_example_from_processes_and_a_pool(method):
    context = multiprocessing.get_context(method)
    with context.Manager() as manager:
        numbers, items = manager.dict(), manager.list(range(10))
        workers = [context.Process(target=record, args=(numbers, items, key)) for key in range(4)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(30)
        assert dict(numbers) == {0: 0, 1: 1, 2: 2, 3: 3} and sorted(items[10:]) == [0, 1, 2, 3]
        with context.Pool(2) as pool:
            pids = pool.map_async(record_task, [(numbers, items, key) for key in range(4, 8)]).get(60)
        assert len(numbers) == 8 and len(items) == 18 and all(isinstance(pid, int) for pid in pids)


def test_nested_mutation_is_lost_and_both_fixes_work(manager):
    shared = manager.dict()
    shared["plain"] = []
    append_to(shared, "plain", "x")
    assert shared["plain"] == []  # the append went to a copy
    append_by_reassigning(shared, "plain", "x")
    append_by_reassigning(shared, "plain", "y", lock=manager.Lock())
    assert shared["plain"] == ["x", "y"]
    shared["nested"] = manager.list()
    append_to(shared, "nested", "z")
    assert list(shared["nested"]) == ["z"]


def test_operation_costs_order_and_validation(manager):
    costs = operation_costs(manager, count=200)
    assert [c.store for c in costs] == ["local dict", "shared Value (shared memory)", "Manager dict (proxy)"]
    assert all(c.seconds_per_operation > 0 and c.operations_per_second > 0 for c in costs)
    with pytest.raises(ValueError, match="count must be ≥ 1"):
        operation_costs(manager, count=0)


def test_feature_is_deterministic_and_validated():
    assert feature(3) == feature(3) and feature(3) != feature(4)
    assert expected_features([1, 2]) == {1: feature(1), 2: feature(2)} and keyed_feature(5) == (5, feature(5))
    with pytest.raises(TypeError, match="task_id"):
        feature("3")
    with pytest.raises(ValueError, match="size must be ≥ 1"):
        feature(1, 0)


def test_source_fan_in_with_its_lock_loses_nothing(start_method, manager):
    assert source_fan_in(manager, list(range(25)), batch=10) == expected_features(list(range(25)))
    with pytest.raises(ValueError, match="batch must be ≥ 1"):
        source_fan_in(manager, [1], batch=0)


def test_two_unlocked_writers_that_both_read_first_lose_one_result(manager):
    racing = manager.Value(dict, {})
    ready = multiprocessing.Barrier(2)
    pair = [multiprocessing.Process(target=store_racing, args=(racing, ready, t)) for t in (1, 2)]
    for process in pair:
        process.start()
    for process in pair:
        process.join(30)
    assert len(racing.value) == 1


def test_one_key_per_write_from_a_pool(manager):
    shared = manager.dict()
    with multiprocessing.Pool(2) as pool:
        pool.map_async(store_key, [(shared, t) for t in range(10)]).get(60)
    assert dict(shared) == expected_features(list(range(10)))


def test_tally_in_a_custom_manager_from_a_pool():
    local = Tally()
    local.add("b", 2)
    local.add("a", 2)
    local.add("c")
    assert local.top(2) == [("a", 2), ("b", 2)] and local.total() == 5
    with TallyManager() as tallies:
        tally = tallies.Tally()
        with multiprocessing.Pool(2) as pool:
            words = pool.map_async(count_words, [(tally, "The cat, the hat."), (tally, "A cat!")]).get(60)
        assert words == [4, 2] and tally.top(2) == [("cat", 2), ("the", 2)] and tally.total() == 6


@pytest.mark.parametrize("method", METHODS)
def test_remote_manager_accepts_the_key_refuses_others_and_unpickles_code(method):
    server = QueueManager(address=("127.0.0.1", 0), authkey=b"key")
    server.start()
    try:
        assert server.address[0] == "127.0.0.1" and server.address[1] > 0
        assert run_in_child(remote_put, server.address, b"key", "hi", method=method, timeout=60).result() == "put 'hi'"
        assert run_in_child(remote_put, server.address, b"nope", "hi", method=method, timeout=60).result().startswith("AuthenticationError")
        queue = server.get_queue()
        assert queue.get(timeout=10) == "hi"
        queue.put(RunsOnUnpickle())
        assert queue.get(timeout=10) == server_pid(server) != os.getpid()
        with pytest.raises(multiprocessing.AuthenticationError):
            connect(server.address, b"wrong")
        with pytest.raises(TypeError, match="authkey must be bytes"):
            connect(server.address, "key")
    finally:
        server.shutdown()
    with pytest.raises(ConnectionRefusedError):
        connect(server.address, b"key")


def test_server_pid_needs_a_started_manager():
    with pytest.raises(ValueError, match="call start\\(\\) first"):
        server_pid(QueueManager(address=("127.0.0.1", 0), authkey=b"k"))
