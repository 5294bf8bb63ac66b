"""Workers for notebook 04 (shared memory), part 2: NumPy arrays in multiprocessing.shared_memory.

A segment is found by its *name*, so a task needs only a small SharedArray description (name,
shape, dtype) to reach gigabytes of data: nothing large is pickled. The process that creates a
segment owns it: it calls ``close()`` and then ``unlink()`` when no one needs it any more; every
other process only ``close()``s its own view.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing import shared_memory
from typing import Any

from helpers.tasks import TaskRecord
from helpers.validation import require_int, require_number


@dataclass(frozen=True)
class SharedArray:
    """Everything another process needs to find a shared NumPy array: segment name, shape, dtype."""

    name: str
    shape: tuple[int, ...]
    dtype: str

    @property
    def nbytes(self) -> int:
        """Bytes the array occupies."""
        import numpy as np

        return int(np.prod(self.shape, dtype=np.int64)) * np.dtype(self.dtype).itemsize


def _require_shape(shape: Any) -> tuple[int, ...]:
    """A shape: an int or a tuple of ints, each ≥ 1."""
    dims = (shape,) if isinstance(shape, int) and not isinstance(shape, bool) else shape
    if not isinstance(dims, tuple) or not dims:
        raise TypeError(f"shape must be an int or a non-empty tuple of ints such as (1000, 3), got {shape!r}")
    for dim in dims:
        require_int("each dimension of shape", dim, minimum=1)
    return dims


def _require_dtype(dtype: Any) -> str:
    """The canonical name of a NumPy dtype with a fixed size (no objects: they hold pointers, not data)."""
    import numpy as np

    try:
        resolved = np.dtype(dtype)
    except TypeError as error:
        raise TypeError(f"dtype must be a NumPy dtype such as 'float64' or 'int32', got {dtype!r}") from error
    if resolved.hasobject:
        raise TypeError(f"dtype {resolved} holds Python objects (pointers into one process's memory): use a numeric dtype")
    return resolved.str


# Where Linux keeps POSIX shared memory: a tmpfs whose size caps every segment together. In a container it is small
# (Docker's default is 64 MB), and a segment larger than the room left is created without complaint, then kills
# the first process that writes past the room with SIGBUS ("Bus error"; a notebook's kernel simply dies).
SHM_FOLDER = "/dev/shm"


def shared_memory_room() -> int | None:
    """Bytes free for new shared-memory segments: /dev/shm's free space on Linux, None where no such limit can be read."""
    if not sys.platform.startswith("linux") or not os.path.isdir(SHM_FOLDER):
        return None  # macOS and Windows keep shared memory in ordinary memory, with no folder to measure
    return shutil.disk_usage(SHM_FOLDER).free


def _no_room(nbytes: int, room: int) -> str:
    """What to say when a segment of ``nbytes`` does not fit into the ``room`` left in /dev/shm."""
    return (
        f"a shared array of {nbytes / 1e6:,.1f} MB does not fit: {SHM_FOLDER}, where Linux keeps shared memory, has "
        f"{room / 1e6:,.1f} MB free. Containers get little room there: Docker gives 64 MB unless started with "
        "--shm-size (for example docker run --shm-size=1g ...), and Kubernetes needs an emptyDir volume with "
        f"medium: Memory mounted at {SHM_FOLDER}. Use a smaller array, or ask for more room."
    )


def create_shared_array(shape: int | tuple[int, ...], dtype: Any = "float64") -> tuple[Any, Any, SharedArray]:
    """Create a segment and a NumPy view of it: (segment, array, description). The caller owns the segment.

    On Linux the segment's memory is reserved at once, so a full /dev/shm is a MemoryError here, not a crash later.
    """
    import numpy as np

    dims, kind = _require_shape(shape), _require_dtype(dtype)
    spec = SharedArray("", dims, kind)
    room = shared_memory_room()
    if room is not None and spec.nbytes > room:
        raise MemoryError(_no_room(spec.nbytes, room))
    segment = shared_memory.SharedMemory(create=True, size=spec.nbytes)
    if room is not None:
        _reserve(segment, spec.nbytes)
    spec = SharedArray(segment.name, dims, kind)
    return segment, np.ndarray(dims, dtype=kind, buffer=segment.buf), spec


def _reserve(segment: Any, nbytes: int) -> None:
    """Allocate the segment's pages in /dev/shm now (posix_fallocate): if they do not fit, remove it and raise MemoryError.

    The room was checked just before, but other processes may have taken some since.
    """
    descriptor = os.open(os.path.join(SHM_FOLDER, segment.name.lstrip("/")), os.O_RDWR)
    try:
        os.posix_fallocate(descriptor, 0, nbytes)
    except OSError as error:
        segment.close()
        segment.unlink()
        raise MemoryError(_no_room(nbytes, shared_memory_room() or 0)) from error
    finally:
        os.close(descriptor)


def attach(spec: SharedArray) -> tuple[Any, Any]:
    """Open an existing segment by name: (segment, array view). Call ``segment.close()`` when done (not unlink)."""
    import numpy as np

    if not isinstance(spec, SharedArray):
        raise TypeError(f"spec must be the SharedArray returned by create_shared_array, got {type(spec).__name__}")
    dims, kind = _require_shape(spec.shape), _require_dtype(spec.dtype)
    try:
        segment = shared_memory.SharedMemory(name=spec.name)
    except FileNotFoundError:
        raise FileNotFoundError(
            f"no shared-memory segment named {spec.name!r}: its owner may have unlinked it already, "
            "or it was created on another machine"
        ) from None
    if segment.size < spec.nbytes:
        segment.close()
        raise ValueError(f"segment {spec.name!r} has {segment.size:,} bytes, too few for shape {dims} of {np.dtype(kind)} ({spec.nbytes:,} bytes)")
    return segment, np.ndarray(dims, dtype=kind, buffer=segment.buf)


def fill_slice(task: tuple[SharedArray, int, int, float]) -> TaskRecord:
    """Attach to the shared array and write ``value`` into rows start..stop-1 (this worker's share)."""
    spec, start, stop, value = task
    began = time.perf_counter()
    segment, array = attach(spec)
    try:
        array[start:stop] = value
    finally:
        del array  # the view must go before close(): close() does not check, and a view read after it crashes the process
        segment.close()
    return TaskRecord(int(start), os.getpid(), threading.get_native_id(), began, time.perf_counter(), (start, stop))


BLOCK = 1 << 15  # elements per block in heavy_sum


def heavy_sum(task: tuple[SharedArray, int, int]) -> float:
    """Attach, and compute sum(sqrt(|sin(x)|)) over elements start..stop-1 (NumPy, one thread, no copy of the data)."""
    import numpy as np

    spec, start, stop = task
    segment, array = attach(spec)
    try:
        flat, total = array.reshape(-1), 0.0
        # Blocks that fit in the CPU cache: NumPy's temporaries stay small, so the work is CPU-bound.
        for first in range(start, stop, BLOCK):
            block = flat[first:min(stop, first + BLOCK)]
            total += float(np.sqrt(np.abs(np.sin(block))).sum())
        return total
    finally:
        del array, flat
        segment.close()


def slices(length: int, parts: int) -> list[tuple[int, int]]:
    """Split range(length) into ``parts`` contiguous (start, stop) pieces of near-equal size."""
    require_int("length", length, minimum=1)
    require_int("parts", parts, minimum=1)
    bounds = [length * i // parts for i in range(parts + 1)]
    return [(bounds[i], bounds[i + 1]) for i in range(parts) if bounds[i] < bounds[i + 1]]


# ---------------------------------------------------------------- copy vs share


def receive_copy(array: Any) -> tuple[int, int, float]:
    """A pool task that was handed the whole array (pickled with the task): (pid, bytes received, last value)."""
    return os.getpid(), int(array.nbytes), float(array.reshape(-1)[-1])


def receive_name(spec: SharedArray) -> tuple[int, int, float]:
    """A pool task that was handed only the array's name: attach, read the last value, close."""
    segment, array = attach(spec)
    try:
        return os.getpid(), int(array.nbytes), float(array.reshape(-1)[-1])
    finally:
        del array
        segment.close()


def import_numpy(_: object = None) -> int:
    """Warm-up task: import NumPy in a pool worker (so the first timed task does not pay for it)."""
    import numpy  # noqa: F401

    return os.getpid()


@dataclass(frozen=True)
class HandOut:
    """Handing one array to each of ``workers`` pool workers, one way: time and extra memory at the peak."""

    way: str
    workers: int
    seconds: float
    extra_bytes: int


WAYS = ("pickled with each task", "shared by name")


def array_bytes_for_this_machine(most_workers: int, largest: int = 120_000_000, smallest: int = 10_000_000) -> int:
    """An array size (bytes) that copying to ``most_workers`` workers cannot exhaust: ≤ 1/12 of available memory each,
    and at most half the room left in /dev/shm (small in containers)."""
    import psutil

    require_int("most_workers", most_workers, minimum=1)
    available = psutil.virtual_memory().available
    fits = available // (12 * most_workers)
    room = shared_memory_room()
    if room is not None:
        fits = min(fits, room // 2)
    return int(max(smallest, min(largest, fits)) // 8 * 8)


def hand_out(way: str, workers: int, array: Any, spec: SharedArray, timeout: float = 120.0) -> HandOut:
    """Give one task per worker on a warm pool of ``workers``: the whole array pickled, or just its name."""
    from helpers.memory import PeakMemory

    if way not in WAYS:
        raise ValueError(f"way must be one of {WAYS}, got {way!r}")
    require_int("workers", workers, minimum=1)
    require_number("timeout", timeout, minimum=0, strict=True)
    with multiprocessing.Pool(workers) as pool:
        pool.map_async(import_numpy, range(workers), chunksize=1).get(timeout)
        with PeakMemory() as memory:
            start = time.perf_counter()
            if way == WAYS[0]:
                received = pool.map_async(receive_copy, [array] * workers, chunksize=1).get(timeout)
            else:
                received = pool.map_async(receive_name, [spec] * workers, chunksize=1).get(timeout)
            seconds = time.perf_counter() - start
    if any(nbytes != spec.nbytes for _, nbytes, _ in received):
        raise RuntimeError("a worker did not receive the whole array")
    return HandOut(way, workers, seconds, memory.extra)


def copy_vs_share(array: Any, spec: SharedArray, worker_counts: tuple[int, ...] = (1, 2, 4)) -> list[HandOut]:
    """hand_out both ways for each worker count (the array is ``array``, a copy of the shared one)."""
    from helpers.measure import progress

    results = []
    for workers, way in progress([(n, w) for n in worker_counts for w in WAYS], "copy vs share"):
        results.append(hand_out(way, workers, array, spec))
    return results


# ---------------------------------------------------------------- BLAS threads


def limit_blas_threads(threads: int | None) -> None:
    """Pool initializer: allow NumPy's linear algebra (BLAS) ``threads`` threads in this worker (None: its default)."""
    if threads is None:
        return
    require_int("threads", threads, minimum=1)
    # threadpoolctl limits only the libraries already loaded in this process. A spawn or forkserver worker has
    # not imported NumPy yet when its initializer runs (a fork worker inherits it), so load its BLAS first.
    import numpy  # noqa: F401
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=threads, user_api="blas")


def blas_threads(_: object = None) -> int:
    """How many threads NumPy's BLAS may use in this process (NumPy is imported first, which loads BLAS)."""
    import numpy  # noqa: F401
    from threadpoolctl import threadpool_info

    pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
    return max((p["num_threads"] for p in pools), default=1)


def matmul_task(task_id: int, size: int = 150, repeats: int = 100) -> TaskRecord:
    """Multiply two size × size matrices ``repeats`` times (BLAS); return a TaskRecord."""
    import numpy as np

    require_int("size", size, minimum=1)
    require_int("repeats", repeats, minimum=1)
    rng = np.random.default_rng(task_id)
    a, b = rng.random((size, size)), rng.random((size, size))
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    return TaskRecord(task_id, os.getpid(), threading.get_native_id(), start, time.perf_counter(), blas_threads())


# ------------------------------------------------- a segment and a program that multiprocessing did not start

_ATTACH = """
from multiprocessing import shared_memory

segment = shared_memory.SharedMemory({name!r}{track})
print(bytes(segment.buf[:5]).decode())
segment.close()  # closes its mapping, as a well-behaved user should; never unlinks: it did not create it
"""


@dataclass(frozen=True)
class OtherProgram:
    """What happened when a separate Python program attached to this process's segment by name and exited."""

    track: bool
    read: str  # what it read from the segment
    still_there: bool  # does the segment still exist after it exited?
    warning: str  # what its resource tracker said at exit ('' if nothing)


def attach_from_another_program(track: bool = True, timeout: float = 60.0) -> OtherProgram:
    """Create a segment holding b'hello'; let a separate Python program (not started by multiprocessing, so with a
    resource tracker of its own) attach by name, read it and exit; report whether the segment survived.

    ``track=False`` (Python 3.13+) keeps the other program's tracker out of it. The segment is always cleaned up
    here afterwards, and this process's tracker told, so no warning follows at exit.
    """
    import subprocess
    from multiprocessing import resource_tracker, shared_memory

    require_number("timeout", timeout, minimum=0, strict=True)
    if not track and sys.version_info < (3, 13):
        raise RuntimeError(f"SharedMemory(track=False) needs Python 3.13 or newer; this is {sys.version.split()[0]}")
    segment = shared_memory.SharedMemory(create=True, size=16)
    segment.buf[:5] = b"hello"
    try:
        source = _ATTACH.format(name=segment.name, track="" if track else ", track=False")
        run = subprocess.run([sys.executable, "-c", source], capture_output=True, text=True, timeout=timeout)
        if run.returncode != 0:
            raise RuntimeError(f"the other program failed: {run.stderr.strip()[-300:]}")
        warnings = [line.split("UserWarning: ", 1)[1] for line in run.stderr.splitlines() if "UserWarning: " in line]
        warning = warnings[0].split(": {")[0] if warnings else ""  # 3.14 appends the names: leave them out
    finally:
        still_there = _segment_exists(segment.name)
        segment.close()
        if still_there:
            segment.unlink()
        else:  # already gone: tell this process's tracker, which would otherwise try again, and warn, at exit
            resource_tracker.unregister(segment._name, "shared_memory")  # noqa: SLF001 (the name the tracker knows)
    return OtherProgram(track, run.stdout.strip(), still_there, warning)


def _segment_exists(name: str) -> bool:
    """Whether a shared-memory segment of this name exists (attaching is the portable way to ask)."""
    from multiprocessing import shared_memory

    try:
        probe = shared_memory.SharedMemory(name)  # registers the name with this process's tracker again: a no-op
    except FileNotFoundError:
        return False
    probe.close()
    return True
