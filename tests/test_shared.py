"""helpers.shared, helpers.shared_numpy and helpers.memory: notebook 04's workers, under every start method."""

import multiprocessing
import os
import pickle
import shutil
import sys
from multiprocessing import shared_memory

import numpy as np
import pytest

from helpers.memory import PeakMemory, memory_metric, tree_memory
from helpers.shared import (
    PI_ISH,
    add_to,
    attach_counter,
    count_task,
    count_together,
    fill_own_slots,
    negate_and_set,
    when_all_ready,
)
from helpers.shared_numpy import (
    WAYS,
    SharedArray,
    array_bytes_for_this_machine,
    attach,
    blas_threads,
    create_shared_array,
    fill_slice,
    hand_out,
    heavy_sum,
    limit_blas_threads,
    matmul_task,
    receive_copy,
    receive_name,
    slices,
)

SHM = "/dev/shm"


@pytest.fixture(autouse=True)
def nothing_left(monkeypatch):
    """No child process and none of the segments this test created is left (another test process may make its own)."""
    created = []
    original = shared_memory.SharedMemory.__init__

    def recording_init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        if kwargs.get("create", args[1] if len(args) > 1 else False):
            created.append(self.name)

    monkeypatch.setattr(shared_memory.SharedMemory, "__init__", recording_init)
    yield
    assert multiprocessing.active_children() == [], "a test left a child process running"
    left = [name for name in created if os.path.exists(os.path.join(SHM, name.lstrip("/")))]
    assert not left, f"a test left shared-memory segments: {left}"


@pytest.fixture
def shared_grid():
    segment, grid, spec = create_shared_array((4, 1000), "float64")
    yield grid, spec
    del grid
    segment.close()
    segment.unlink()


def test_the_source_example_writes_into_shared_memory(start_method):
    number, numbers = multiprocessing.Value("d", 0.0), multiprocessing.Array("i", range(10))
    child = multiprocessing.Process(target=negate_and_set, args=(number, numbers))
    child.start()
    child.join(30)
    assert number.value == PI_ISH and numbers[:] == [-i for i in range(10)]


@pytest.mark.parametrize("way", ["lock per increment", "local count, one locked add"])
def test_locked_ways_lose_nothing(way):
    run = count_together(way, processes=3, times=2_000)
    assert run.value == run.expected == 6_000 and run.lost == 0 and run.seconds > 0


def test_the_unlocked_way_loses_updates_in_every_run():
    # A race that must show, as in notebook 04 (whose stored output says so): no synchronisation can make
    # a lost update certain without changing the worker being taught. The racers start together (a Barrier)
    # and each counts long enough (100,000) to be interrupted mid-update many times, even on one busy CPU
    # (measured with taskset -c 0 under spawn: 135,000 to 258,000 of 400,000 lost in every run).
    runs = [count_together("no lock", processes=4, times=100_000) for _ in range(3)]
    assert all(run.lost > 0 for run in runs), [run.value for run in runs]


def test_when_all_ready_runs_the_worker_once_everyone_arrived_and_explains_a_broken_start_line():
    import threading

    seen = []
    when_all_ready(threading.Barrier(1), seen.append, "ran")
    assert seen == ["ran"]
    broken = threading.Barrier(2)
    broken.abort()
    with pytest.raises(RuntimeError, match="did not reach the start line"):
        when_all_ready(broken, seen.append, "again")
    assert seen == ["ran"]


@pytest.mark.parametrize("args, error, text", [
    (("with a mutex",), ValueError, "way must be one of"),
    (("no lock", 0), ValueError, "processes must be ≥ 1"),
    (("no lock", 2, -1), ValueError, "times must be ≥ 1"),
    (("no lock", 2, 10, 0), ValueError, "timeout must be > 0"),
])
def test_count_together_rejects_bad_input(args, error, text):
    with pytest.raises(error, match=text):
        count_together(*args)


def test_fill_own_slots_and_pool_counter_in_process():
    slots = multiprocessing.RawArray("i", 10)
    for worker in range(3):
        fill_own_slots(slots, worker, 3)
    assert slots[:] == [0, 1, 2, 0, 1, 2, 0, 1, 2, 0]
    counter = multiprocessing.Value("i", 0)
    attach_counter(counter)
    assert [count_task() for _ in range(3)] == [1, 2, 3]


def test_a_value_in_a_task_fails_and_an_initializer_works(start_method):
    counter = multiprocessing.Value("i", 0)
    with multiprocessing.Pool(2) as pool:
        with pytest.raises(RuntimeError, match="through inheritance"):
            pool.map_async(add_to, [(counter, 1)]).get(30)
    with multiprocessing.Pool(2, initializer=attach_counter, initargs=(counter,)) as pool:
        pool.map_async(count_task, range(7)).get(30)
    assert counter.value == 7


def test_shared_array_round_trip(shared_grid):
    grid, spec = shared_grid
    assert spec.shape == (4, 1000) and spec.dtype == "<f8" and spec.nbytes == 32_000
    assert len(pickle.dumps(spec)) < 300  # what a task carries is small, whatever the array's size
    grid[:] = 7.0
    segment, view = attach(spec)
    try:
        assert view.shape == (4, 1000) and float(view.sum()) == 28_000.0
    finally:
        del view
        segment.close()


@pytest.mark.parametrize("shape, dtype, error, text", [
    ((0, 3), "float64", ValueError, "each dimension of shape must be ≥ 1"),
    ((-2,), "float64", ValueError, "each dimension of shape must be ≥ 1"),
    ("big", "float64", TypeError, "shape must be an int or a non-empty tuple"),
    ((), "float64", TypeError, "shape must be an int or a non-empty tuple"),
    ((3,), "fluffy", TypeError, "dtype must be a NumPy dtype"),
    ((3,), object, TypeError, "holds Python objects"),
])
def test_create_shared_array_rejects_bad_shapes_and_dtypes(shape, dtype, error, text):
    with pytest.raises(error, match=text):
        create_shared_array(shape, dtype)


def test_attach_rejects_missing_segments_wrong_sizes_and_other_input(shared_grid):
    _, spec = shared_grid
    with pytest.raises(FileNotFoundError, match="no shared-memory segment named 'psm_nope'"):
        attach(SharedArray("psm_nope", (3,), "<f8"))
    with pytest.raises(ValueError, match="too few for shape"):
        attach(SharedArray(spec.name, (4, 100_000), "<f8"))
    with pytest.raises(TypeError, match="SharedArray returned by create_shared_array"):
        attach(spec.name)


def test_workers_fill_and_sum_slices_through_the_name(start_method, shared_grid):
    grid, spec = shared_grid
    with multiprocessing.Pool(2) as pool:
        records = pool.map_async(fill_slice, [(spec, row, row + 1, row + 1.0) for row in range(4)]).get(60)
        assert grid[:, 0].tolist() == [1.0, 2.0, 3.0, 4.0] and len(records) == 4
        parts = pool.map_async(heavy_sum, [(spec, a, b) for a, b in slices(grid.size, 3)]).get(60)
    assert sum(parts) == pytest.approx(float(np.sqrt(np.abs(np.sin(grid))).sum()))


def test_slices_cover_the_range_exactly():
    assert slices(10, 3) == [(0, 3), (3, 6), (6, 10)]
    assert slices(2, 5) == [(0, 1), (1, 2)]
    with pytest.raises(ValueError, match="parts must be ≥ 1"):
        slices(10, 0)


def test_receive_copy_and_receive_name_agree(shared_grid):
    grid, spec = shared_grid
    grid[:] = 3.0
    assert receive_copy(grid.copy())[1:] == receive_name(spec)[1:] == (32_000, 3.0)


@pytest.mark.parametrize("way", WAYS)
def test_hand_out_measures_both_ways(way, shared_grid):
    grid, spec = shared_grid
    result = hand_out(way, 2, grid.copy(), spec)
    assert result.way == way and result.workers == 2 and result.seconds > 0 and result.extra_bytes >= 0
    with pytest.raises(ValueError, match="way must be one of"):
        hand_out("by carrier pigeon", 2, grid, spec)


def test_array_size_fits_the_machine():
    size = array_bytes_for_this_machine(4)
    assert 10_000_000 <= size <= 120_000_000 and size % 8 == 0
    with pytest.raises(ValueError, match="most_workers must be ≥ 1"):
        array_bytes_for_this_machine(0)


def test_array_size_leaves_half_of_a_small_dev_shm_free(monkeypatch):
    from types import SimpleNamespace

    import psutil

    import helpers.shared_numpy

    monkeypatch.setattr(psutil, "virtual_memory", lambda: SimpleNamespace(available=24_000_000_000))
    monkeypatch.setattr(helpers.shared_numpy, "shared_memory_room", lambda: 64_000_000)  # Docker's default
    assert array_bytes_for_this_machine(4) == 32_000_000
    monkeypatch.setattr(helpers.shared_numpy, "shared_memory_room", lambda: None)  # macOS, Windows: memory alone
    assert array_bytes_for_this_machine(4) == 120_000_000


def test_a_shared_array_too_large_for_dev_shm_is_a_clear_error(monkeypatch):
    import helpers.shared_numpy

    monkeypatch.setattr(helpers.shared_numpy, "shared_memory_room", lambda: 1_000_000)
    before = set(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else set()
    with pytest.raises(MemoryError, match=r"8\.0 MB does not fit: /dev/shm, .* has 1\.0 MB free.*--shm-size"):
        create_shared_array(1_000_000, "float64")
    assert (set(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else set()) <= before


_SMALL_SHM_PROBE = """
import helpers.shared_numpy as shared_numpy
shared_numpy.shared_memory_room = lambda: 10**12  # as if the room were taken between the check and the creation
try:
    shared_numpy.create_shared_array(4_000_000, "float64")  # 32 MB into an 8 MB /dev/shm
except MemoryError as error:
    print("MemoryError:", error)
import os
print("left:", sorted(os.listdir("/dev/shm")))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux") or os.geteuid() != 0 or not shutil.which("unshare"),
                    reason="mounts a small /dev/shm in a mount namespace of its own: needs Linux, root and unshare")
def test_a_full_dev_shm_is_a_memory_error_not_a_bus_error():
    # A real 8 MB /dev/shm (a tmpfs in a private mount namespace): without the reservation, writing the array
    # would kill the process with SIGBUS; with it, creation fails cleanly and removes the segment.
    import subprocess

    namespace = ["unshare", "--mount", "--propagation", "private"]
    tried = subprocess.run([*namespace, "true"], capture_output=True, text=True, timeout=60)
    if tried.returncode != 0:  # e.g. inside a chroot (tools/sid-python), whose root is not a mount point
        pytest.skip(f"no private mount namespace can be made here: {tried.stderr.strip()}")
    script = f"mount -t tmpfs -o size=8m tmpfs /dev/shm && exec {sys.executable} -c '{_SMALL_SHM_PROBE}'"
    result = subprocess.run([*namespace, "sh", "-c", script],
                            capture_output=True, text=True, timeout=120, cwd=os.path.dirname(os.path.dirname(__file__)))
    assert result.returncode == 0, result.stderr
    assert "MemoryError: a shared array of 32.0 MB does not fit" in result.stdout
    assert "left: []" in result.stdout


def test_blas_threads_can_be_limited_in_a_worker(start_method):
    """Under spawn and forkserver the worker has not loaded NumPy when its initializer runs: the limit must hold anyway."""
    default = blas_threads()  # this process: BLAS's own choice, one thread per CPU it may use
    with multiprocessing.Pool(1, initializer=limit_blas_threads, initargs=(None,)) as pool:
        assert pool.apply_async(blas_threads).get(30) == default
    with multiprocessing.Pool(1, initializer=limit_blas_threads, initargs=(1,)) as pool:
        assert pool.apply_async(blas_threads).get(30) == 1
        record = pool.apply_async(matmul_task, (3, 20, 2)).get(30)
        assert pool.apply_async(blas_threads).get(30) == 1, "the first matrix product must not undo the limit"
    assert record.task_id == 3 and record.value == 1
    with pytest.raises(ValueError, match="threads must be ≥ 1"):
        limit_blas_threads(0)
    limit_blas_threads(None)  # the default: no change


_MEMORY_PROBE = """
import json, subprocess, sys
import numpy as np
from helpers.memory import PeakMemory, tree_memory

alone = tree_memory()
# A child that touches 50 MB, says so on its stdout, then waits for its stdin to close.
child = subprocess.Popen(
    [sys.executable, "-c", "import sys, numpy as np; b = np.ones(50_000_000 // 8); print('ready', flush=True); sys.stdin.read()"],
    stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
)
assert child.stdout.readline().strip() == "ready"
with_child = tree_memory()
child.stdin.close()
child.wait(timeout=60)
with PeakMemory(interval=0.005) as memory:
    block = np.ones(50_000_000 // 8)  # 50 MB, touched
    memory.sample()  # while the block is alive: the sampler thread alone might miss a short peak
    del block
print(json.dumps({"alone": alone, "with_child": with_child, "extra": memory.extra,
                  "peak": memory.peak, "baseline": memory.baseline}))
"""


def test_tree_memory_counts_a_child_and_peak_memory_sees_an_allocation():
    import json
    import subprocess
    import sys

    assert memory_metric() in ("PSS", "USS") and tree_memory() > 0
    # In a fresh interpreter: this suite's own process tree gains and loses children while it runs,
    # and a child that exits during the measurement would hide the allocation.
    probe = subprocess.run(
        [sys.executable, "-c", _MEMORY_PROBE],
        capture_output=True, text=True, timeout=120, check=True, cwd=os.path.dirname(os.path.dirname(__file__)) or ".",
    )
    seen = json.loads(probe.stdout)
    assert seen["with_child"] - seen["alone"] > 30_000_000, seen
    assert seen["extra"] > 30_000_000 and seen["peak"] >= seen["baseline"], seen
    with pytest.raises(ValueError, match="interval must be > 0"):
        PeakMemory(interval=0)


def test_peak_memory_keeps_a_peak_the_sampler_thread_measured_around(monkeypatch):
    # The lost update this guards against: the sampler thread starts a measurement, the caller's sample() stores a
    # higher peak meanwhile, then the thread's late, lower result must not overwrite it. Ordered by Events, not time.
    import threading

    import helpers.memory

    thread_measuring, caller_stored = threading.Event(), threading.Event()
    caller_values = iter([10, 500])  # baseline, then the peak seen by sample()

    def fake_tree_memory(pid=None):
        if threading.current_thread() is threading.main_thread():
            return next(caller_values, 10)
        if not thread_measuring.is_set():
            thread_measuring.set()
            assert caller_stored.wait(10)
        return 20

    monkeypatch.setattr(helpers.memory, "tree_memory", fake_tree_memory)
    with PeakMemory(interval=0.001) as memory:
        assert thread_measuring.wait(10)
        assert memory.sample() == 500
        caller_stored.set()
    assert (memory.baseline, memory.peak, memory.extra) == (10, 500, 490)


def test_a_separate_program_that_attaches_unlinks_the_segment_at_exit_unless_untracked():
    import sys

    from helpers.shared_numpy import attach_from_another_program

    tracked = attach_from_another_program()
    assert tracked.read == "hello" and not tracked.still_there and "leaked shared_memory" in tracked.warning
    if sys.version_info >= (3, 13):
        untracked = attach_from_another_program(track=False)
        assert untracked.read == "hello" and untracked.still_there and untracked.warning == ""
    else:
        with pytest.raises(RuntimeError, match="needs Python 3.13"):
            attach_from_another_program(track=False)
    with pytest.raises(ValueError, match="timeout must be > 0"):
        attach_from_another_program(timeout=0)
