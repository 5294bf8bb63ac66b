"""Workers and designs for notebook 08: fetching many JSON records at once, and the source's fan-out helper.

Every request has a timeout, and no request's failure is lost: ``fetch`` never raises; it returns
a FetchResult that holds either the value or the error, keyed like the request.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from helpers.guards import join_all
from helpers.tasks import TaskRecord, cpu_burn
from helpers.validation import require_int, require_number

DEFAULT_TIMEOUT = 2.0


def get_json(url: str, timeout: float = DEFAULT_TIMEOUT) -> Any:
    """GET a URL and parse its JSON body; raise on an HTTP error status or a timeout (the source's kind of fcn)."""
    require_number("timeout", timeout, minimum=0, strict=True)
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.load(response)


@dataclass(frozen=True)
class FetchResult:
    """One request's outcome under its key: the value, or the error that replaced it; when and where it ran."""

    key: str
    value: Any
    error: str
    record: TaskRecord
    timeout: float  # the request's own timeout, in seconds

    @property
    def ok(self) -> bool:
        """True when the request returned a value."""
        return not self.error


def describe_error(error: BaseException, timeout: float) -> str:
    """A short, stable description of why a request failed."""
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code}"
    reason = getattr(error, "reason", error)
    if isinstance(reason, (TimeoutError, socket.timeout)) or isinstance(error, (TimeoutError, socket.timeout)):
        return f"timed out after {timeout:g} s"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    return f"{type(error).__name__}: {error}"


def fetch(task: tuple[int, str, str, float]) -> FetchResult:
    """Fetch one URL: ``(task_id, key, url, timeout)``; never raises, the error is recorded instead."""
    task_id, key, url, timeout = task
    start = time.perf_counter()
    try:
        value, error = get_json(url, timeout), ""
    except Exception as failure:
        value, error = None, describe_error(failure, timeout)
    record = TaskRecord(task_id, os.getpid(), threading.get_native_id(), start, time.perf_counter(), key)
    return FetchResult(key, value, error, record, timeout)


SCORE_WORK = 600_000  # iterations of CPU work per record in score(): a few tens of milliseconds


def score(record: dict[str, Any], work: int = SCORE_WORK) -> int:
    """Heavy CPU work on one fetched record (pure Python, holds the GIL): a checksum of its filings."""
    require_int("work", work)
    return (cpu_burn(work) + sum(record.get("filings", []))) % 1_000_003


def score_result(result: FetchResult) -> FetchResult:
    """Score a fetched record (in whatever process runs this); errors pass through untouched."""
    if not result.ok:
        return result
    start = time.perf_counter()
    value = {**result.value, "score": score(result.value)}
    record = TaskRecord(result.record.task_id, os.getpid(), threading.get_native_id(), start, time.perf_counter(), result.key)
    return FetchResult(result.key, value, "", record, result.timeout)


def fetch_and_score(task: tuple[int, str, str, float]) -> FetchResult:
    """Fetch one record and score it in the same worker."""
    fetched = fetch(task)
    scored = score_result(fetched)
    record = TaskRecord(fetched.record.task_id, os.getpid(), threading.get_native_id(), fetched.record.start, time.perf_counter(), fetched.key)
    return FetchResult(scored.key, scored.value, scored.error, record, fetched.timeout)


def tasks_for(urls: dict[str, str], timeout: float = DEFAULT_TIMEOUT) -> list[tuple[int, str, str, float]]:
    """Number the requests: [(task_id, key, url, timeout), ...] in the dict's order."""
    require_number("timeout", timeout, minimum=0, strict=True)
    if not isinstance(urls, dict) or not urls:
        raise ValueError("urls must be a non-empty dict {key: url}")
    return [(i, key, url, timeout) for i, (key, url) in enumerate(urls.items())]


# ---------------------------------------------------------------- asyncio, with the standard library only


async def _get_json_async(url: str, timeout: float) -> Any:
    """A minimal HTTP/1.0 GET with asyncio streams (enough for the course's local server)."""
    parts = urlparse(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    reader, writer = await asyncio.wait_for(asyncio.open_connection(parts.hostname, parts.port), timeout)
    try:
        writer.write(f"GET {path} HTTP/1.0\r\nHost: {parts.hostname}\r\n\r\n".encode())
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    status = int(head.split()[1])
    if status != 200:
        raise urllib.error.HTTPError(url, status, "error status", None, None)  # type: ignore[arg-type]
    return json.loads(body)


async def _fetch_async(task: tuple[int, str, str, float]) -> FetchResult:
    task_id, key, url, timeout = task
    start = time.perf_counter()
    try:
        value, error = await _get_json_async(url, timeout), ""
    except Exception as failure:
        value, error = None, describe_error(failure, timeout)
    return FetchResult(key, value, error, TaskRecord(task_id, os.getpid(), threading.get_native_id(), start, time.perf_counter(), key), timeout)


def fetch_all_async(tasks: Sequence[tuple[int, str, str, float]]) -> list[FetchResult]:
    """Fetch every task concurrently on one thread with asyncio (runs its own event loop in a helper thread)."""
    async def gather() -> list[FetchResult]:
        return list(await asyncio.gather(*(_fetch_async(t) for t in tasks)))

    box: list[list[FetchResult]] = []
    # A thread of its own: Jupyter's kernel already runs an event loop in the main thread.
    runner = threading.Thread(target=lambda: box.append(asyncio.run(gather())), daemon=True)
    runner.start()
    runner.join(max(t[3] for t in tasks) * 2 + 30)
    if not box:
        raise TimeoutError("the asyncio fetches did not finish")
    return box[0]


# ---------------------------------------------------------------- the source's fan-out helper


@dataclass(frozen=True)
class ProcessData:
    """The source's work item: call ``fcn(*params)`` and store the result under ``data_key``."""

    fcn: Callable[..., Any]
    params: tuple[Any, ...]
    data_key: str


def store_one_result(item: ProcessData, shared: Any, lock: Any, records: Any, task_id: int) -> None:
    """The source's per-item process: compute, then replace the whole shared dict under the lock."""
    start = time.perf_counter()
    result = item.fcn(*item.params)  # an exception here ends this process: its key never arrives
    with lock:
        merged = shared.value
        merged[item.data_key] = result
        shared.value = merged
    records.put(TaskRecord(task_id, os.getpid(), threading.get_native_id(), start, time.perf_counter(), item.data_key))


@dataclass
class SourceFanOut:
    """The source's helper, faithfully: collect ProcessData items, then flush() them, one Process each, 20 at a time."""

    batch: int = 20
    items: list[ProcessData] = field(default_factory=list)
    records: list[TaskRecord] = field(default_factory=list)

    def add(self, item: ProcessData) -> None:
        """Queue one work item for the next flush."""
        if not isinstance(item, ProcessData):
            raise TypeError(f"add() takes a ProcessData(fcn, params, data_key), got {type(item).__name__}")
        self.items.append(item)

    def flush(self, timeout: float = 120.0) -> dict[str, Any]:
        """Run every queued item; return {data_key: result} for the items that succeeded (failures leave no key)."""
        require_int("batch", self.batch, minimum=1)
        require_number("timeout", timeout, minimum=0, strict=True)
        deadline = time.monotonic() + timeout
        records: Any = multiprocessing.Queue()
        self.records = []
        with multiprocessing.Manager() as manager:
            shared, lock = manager.Value(dict, {}), manager.Lock()
            for first in range(0, len(self.items), self.batch):
                batch = [
                    multiprocessing.Process(target=store_one_result, args=(item, shared, lock, records, first + i))
                    for i, item in enumerate(self.items[first:first + self.batch])
                ]
                for process in batch:
                    process.start()
                # The source joins without a timeout: one hung request would stop everything.
                join_all(batch, max(0.1, deadline - time.monotonic()))
            results = dict(shared.value)
        while len(self.records) < len(results):
            self.records.append(records.get(timeout=10))
        records.close()
        self.items = []
        return results
