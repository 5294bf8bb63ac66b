"""Workers and designs for notebook 07: computing features in parallel and writing them to a database.

Three designs write the same rows:
1. the source's: one Process per company, started and joined 20 at a time, each opening its own connection;
2. a Pool whose workers each open one connection (initializer) and upsert a chunk of rows per transaction;
3. compute workers feeding a single writer process through a queue.
Every worker returns or sends TaskRecords, so each design can be drawn as a task timeline.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import sqlite3
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from helpers.company_data import Company
from helpers.database import connect, feature_row, parse_url, upsert
from helpers.guards import join_all
from helpers.tasks import TaskRecord
from helpers.validation import require_int, require_number


def _record(task_id: int, start: float, value: object = None) -> TaskRecord:
    return TaskRecord(task_id, os.getpid(), threading.get_native_id(), start, time.perf_counter(), value)


# ---------------------------------------------------------------- 1. the source's design


def save_company(url: str, company: Company, records: Any = None, task_id: int = 0) -> None:
    """The source's per-process work: open a connection, compute one company's features, upsert its row, close."""
    start = time.perf_counter()
    connection = connect(url)  # opened here, in the process that uses it
    try:
        upsert(connection, [feature_row(company, os.getpid())])
    finally:
        connection.close()
    if records is not None:
        records.put(_record(task_id, start, 1))


def source_design(url: str, companies: Sequence[Company], batch: int = 20, timeout: float = 120.0) -> list[TaskRecord]:
    """One Process per company, started and joined ``batch`` at a time (the source's loop); a record per company."""
    require_int("batch", batch, minimum=1)
    require_number("timeout", timeout, minimum=0, strict=True)
    records: Any = multiprocessing.Queue()
    done: list[TaskRecord] = []
    deadline = time.monotonic() + timeout
    for first in range(0, len(companies), batch):
        processes = [
            multiprocessing.Process(target=save_company, args=(url, company, records, first + i))
            for i, company in enumerate(companies[first:first + batch])
        ]
        for process in processes:
            process.start()
        try:  # read the records before joining: a process cannot exit before its queue is flushed (notebook 03)
            done += [records.get(timeout=max(0.1, deadline - time.monotonic())) for _ in processes]
        except queue.Empty:
            join_all(processes, 0.1)  # kills them
            raise TimeoutError(f"the batch starting at company {first} did not finish within {timeout} s") from None
        join_all(processes, max(0.1, deadline - time.monotonic()))
    records.close()
    return done


# ---------------------------------------------------------------- 2. a pool, one connection per worker


_worker: dict[str, Any] = {}


def open_worker_connection(url: str, timeout: float = 30.0) -> None:
    """Pool initializer: open this worker's own connection, once, and keep it for every task."""
    _worker["connection"] = connect(url, timeout=timeout)


def save_chunk(task: tuple[int, Sequence[Company]]) -> TaskRecord:
    """Compute the features of a chunk of companies and upsert them in one transaction, on this worker's connection."""
    chunk_id, companies = task
    if "connection" not in _worker:
        raise RuntimeError("no connection in this worker: create the pool with initializer=open_worker_connection, initargs=(url,)")
    start = time.perf_counter()
    written = upsert(_worker["connection"], [feature_row(c, os.getpid()) for c in companies])
    return _record(chunk_id, start, written)


def chunks(companies: Sequence[Company], size: int) -> list[tuple[int, list[Company]]]:
    """Number the companies' chunks of ``size``: [(0, first chunk), (1, second chunk), ...]."""
    require_int("size", size, minimum=1)
    return [(i, list(companies[start:start + size])) for i, start in enumerate(range(0, len(companies), size))]


def pool_design(url: str, companies: Sequence[Company], workers: int, chunk: int = 50, timeout: float = 120.0) -> list[TaskRecord]:
    """A Pool of ``workers``, each with its own connection, upserting ``chunk`` rows per transaction; a record per chunk."""
    require_int("workers", workers, minimum=1)
    require_number("timeout", timeout, minimum=0, strict=True)
    with multiprocessing.Pool(workers, initializer=open_worker_connection, initargs=(url,)) as pool:
        return pool.map_async(save_chunk, chunks(companies, chunk), chunksize=1).get(timeout)


# ---------------------------------------------------------------- 3. compute workers, one writer


STOP = None


def compute_rows(tasks: Any, rows: Any, records: Any) -> None:
    """Take chunks of companies until the sentinel; compute each chunk's rows and put them on ``rows`` (no database)."""
    while True:
        task = tasks.get(timeout=60)
        if task is STOP:
            rows.put(STOP)  # tell the writer that this worker is done
            return
        chunk_id, companies = task
        start = time.perf_counter()
        rows.put([feature_row(c, os.getpid()) for c in companies])
        records.put(_record(chunk_id, start, len(companies)))


def write_rows(url: str, rows: Any, producers: int, records: Any, batch: int = 200) -> None:
    """The single writer: upsert rows from the queue ``batch`` at a time until every producer has said it is done."""
    connection = connect(url, timeout=30)
    pending: list[tuple[Any, ...]] = []
    finished, written, transactions = 0, 0, 0
    try:
        while finished < producers:
            item = rows.get(timeout=60)
            if item is STOP:
                finished += 1
            else:
                pending += item
            if len(pending) >= batch or (finished == producers and pending):
                start = time.perf_counter()
                written += upsert(connection, pending)
                transactions += 1
                records.put(_record(-transactions, start, len(pending)))  # negative ids: the writer's transactions
                pending = []
    finally:
        connection.close()
        records.put(("written", written))


def writer_design(url: str, companies: Sequence[Company], workers: int, chunk: int = 50, batch: int = 200, timeout: float = 120.0) -> list[TaskRecord]:
    """``workers`` compute processes feed one writer process through a queue; records for chunks and transactions."""
    require_int("workers", workers, minimum=1)
    require_int("batch", batch, minimum=1)
    require_number("timeout", timeout, minimum=0, strict=True)
    tasks, rows, records = multiprocessing.Queue(), multiprocessing.Queue(), multiprocessing.Queue()
    computers = [multiprocessing.Process(target=compute_rows, args=(tasks, rows, records)) for _ in range(workers)]
    writer = multiprocessing.Process(target=write_rows, args=(url, rows, workers, records, batch))
    for process in [writer, *computers]:
        process.start()
    work = chunks(companies, chunk)
    for task in work:
        tasks.put(task)
    for _ in computers:
        tasks.put(STOP)
    collected: list[TaskRecord] = []
    written, chunks_done = None, 0
    deadline = time.monotonic() + timeout
    try:  # drain everything the processes send before joining them (notebook 03)
        while written is None or chunks_done < len(work):
            item = records.get(timeout=max(0.1, deadline - time.monotonic()))
            if isinstance(item, tuple) and item[0] == "written":
                written = item[1]
            else:
                collected.append(item)
                chunks_done += item.task_id >= 0
    except queue.Empty:
        raise TimeoutError(f"the writer design did not finish within {timeout} s") from None
    finally:
        join_all([*computers, writer], max(0.1, deadline - time.monotonic()))
    if written != len(companies):
        raise RuntimeError(f"the writer wrote {written} of {len(companies)} rows (exit code {writer.exitcode})")
    return collected


# ---------------------------------------------------------------- lessons


def write_with_connection(connection: Any, company: Company) -> int:
    """Use a connection that was opened in ANOTHER process (the mistake): upsert one row; return the row count."""
    return upsert(connection, [feature_row(company, os.getpid())])


def save_chunk_or_die(task: tuple[int, Sequence[Company], int | None]) -> TaskRecord:
    """save_chunk, except that the chunk numbered ``die_in`` writes its rows and is killed before it commits."""
    chunk_id, companies, die_in = task
    if chunk_id != die_in:
        return save_chunk((chunk_id, companies))
    connection = _worker["connection"]
    upsert(connection, [feature_row(c, os.getpid()) for c in companies], commit=False)  # written, not committed
    os.kill(os.getpid(), signal.SIGKILL if hasattr(signal, "SIGKILL") else signal.SIGTERM)
    raise AssertionError("unreachable: the process was killed")


@dataclass(frozen=True)
class LockRace:
    """Writers trying to write while another process holds SQLite's write lock: how many transactions failed."""

    timeout: float
    attempted: int
    locked: int
    error: str


def hold_write_lock(url: str, ready: Any, release: Any) -> None:
    """Take the write lock, wait until the other writers are ready, keep the lock until ``release`` is set, commit."""
    connection = connect(url, timeout=30)
    try:
        connection.execute("BEGIN IMMEDIATE")  # takes the write lock now: a long transaction in progress
        ready.wait(60)
        release.wait(60)
        connection.commit()
    finally:
        connection.close()


def hammer(url: str, companies: Sequence[Company], timeout: float, ready: Any, results: Any) -> None:
    """Upsert each company in its own transaction while another process holds the write lock; count 'database is locked'."""
    connection = connect(url, timeout=timeout)
    rows = [feature_row(c, os.getpid()) for c in companies]  # computed first: only the writing competes
    failed, error = 0, ""
    ready.wait(60)  # the lock holder and every writer are ready: start writing
    for row in rows:
        try:
            upsert(connection, [row])
        except sqlite3.OperationalError as failure:
            failed += 1
            error = str(failure)
    connection.close()
    results.put((len(rows), failed, error))


def lock_race(url: str, companies: Sequence[Company], writers: int = 3, timeout: float = 0.0, hold: float = 0.3) -> LockRace:
    """``writers`` processes upsert their share of the companies, one row per transaction, while another holds the lock.

    Writers that do not wait (``timeout=0``) fail at once, so the lock is held until every writer has reported:
    all their transactions meet it, however slowly each process starts. Writers that wait get the lock
    ``hold`` seconds after everyone was ready, as from a long job finishing.
    """
    require_int("writers", writers, minimum=1)
    require_number("timeout", timeout)
    require_number("hold", hold)
    if parse_url(url).engine != "sqlite":
        raise ValueError("lock_race shows SQLite's single writer; PostgreSQL locks rows, not the database")
    ready, release, results = multiprocessing.Barrier(writers + 2), multiprocessing.Event(), multiprocessing.Queue()
    holder = multiprocessing.Process(target=hold_write_lock, args=(url, ready, release))
    shares = [list(companies[i::writers]) for i in range(writers)]
    processes = [multiprocessing.Process(target=hammer, args=(url, share, timeout, ready, results)) for share in shares]
    for process in [holder, *processes]:
        process.start()
    try:
        ready.wait(60)  # this process too: the hold is timed from the moment everyone is ready
        if timeout > 0:
            time.sleep(hold)
            release.set()
        reports = [results.get(timeout=120) for _ in processes]
    finally:
        release.set()
        join_all([holder, *processes], 30)
    errors = [e for _, _, e in reports if e]
    return LockRace(timeout, sum(a for a, _, _ in reports), sum(n for _, n, _ in reports), errors[0] if errors else "")


def query_once(connection: Any) -> Any:
    """Run SELECT 1 on a connection (an inherited one, in the lesson) and return the answer."""
    return connection.execute("SELECT 1").fetchone()[0]


def connection_across_fork(url: str) -> tuple[str, str]:
    """Open a connection here, use it in a forked child, then here again; return (what the child saw, what we saw).

    With PostgreSQL over TLS this reproduces the source's "decryption failed or bad record mac":
    parent and child share one encrypted session, so their message counters go out of step.
    """
    from helpers.guards import run_in_child

    if "fork" not in multiprocessing.get_all_start_methods():
        raise ValueError("this lesson needs the fork start method, which this platform does not have")
    connection = connect(url)
    try:
        if hasattr(connection, "autocommit"):
            connection.autocommit = True
        query_once(connection)
        child = run_in_child(query_once, connection, method="fork", timeout=30)
        child_saw = f"SELECT 1 returned {child.value}" if child.ok else f"failed: {child.error}"
        try:
            parent_saw = f"SELECT 1 returned {query_once(connection)}"
        except Exception as error:
            parent_saw = f"failed: {type(error).__name__}: {error}".strip()
    finally:
        connection.close()
    return child_saw, parent_saw


def run_with_a_killed_worker(url: str, companies: Sequence[Company], workers: int, chunk: int, die_in: int, timeout: float = 120.0) -> tuple[int, str]:
    """save_chunk on a ProcessPoolExecutor, where chunk ``die_in`` is killed before committing; (chunks committed, error)."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    require_int("workers", workers, minimum=1)
    work = [(chunk_id, part, die_in) for chunk_id, part in chunks(companies, chunk)]
    committed, error = 0, ""
    with ProcessPoolExecutor(max_workers=workers, initializer=open_worker_connection, initargs=(url,)) as executor:
        futures = [executor.submit(save_chunk_or_die, task) for task in work]
        for future in futures:
            try:
                future.result(timeout=timeout)
                committed += 1
            except BrokenProcessPool as failure:
                error = error or f"{type(failure).__name__}: {failure}"
    return committed, error


def parent_connection_in_child(url: str, company: Company, method: str) -> str:
    """Open a connection here and hand it to a child started with ``method``, which writes one row with it."""
    from helpers.guards import run_in_child

    connection = connect(url)
    try:
        outcome = run_in_child(write_with_connection, connection, company, method=method, timeout=30)
    except Exception as error:  # raised here, in the parent, while the child was being started
        return f"the parent could not even start the child: {type(error).__name__}: {error}"
    finally:
        connection.close()
    return "the child wrote its row with the parent's connection (no error)" if outcome.ok else f"the child failed: {outcome.error}"
