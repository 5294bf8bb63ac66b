"""What pickle can and cannot carry to another process, how to make an object travel, and what pickling costs.

Notebook 06. A task's arguments and result travel pickled (under every start method; a Process's target
and arguments too, under spawn and forkserver). Pickle stores a function or class by module and name, and
an object's data; it refuses what cannot be rebuilt elsewhere: a lock, an open connection, a generator.
"""

from __future__ import annotations

import pickle
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from helpers.validation import require_int


def make_multiplier(factor: int) -> Callable[[int], int]:
    """A closure: the function it returns is defined inside this one, so it has no importable name."""

    def multiply(x: int) -> int:
        return factor * x

    return multiply


def make_local_object() -> Any:
    """An instance of a class defined inside a function: pickle cannot find the class again."""

    class Local:
        pass

    return Local()


def count_up(limit: int) -> Iterator[int]:
    """A generator: its state is a paused frame, which pickle cannot copy."""
    yield from range(limit)


class Tally:
    """Counts things, guarded by a lock for threads: the lock makes it unpicklable."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: dict[str, int] = {}

    def add(self, key: str) -> None:
        """Count one more ``key``."""
        with self.lock:
            self.counts[key] = self.counts.get(key, 0) + 1


class PicklableTally(Tally):
    """A Tally that travels: its state leaves the lock out, and a fresh lock is made where it arrives."""

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["lock"]  # a lock belongs to one process: do not send it
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.lock = threading.Lock()  # a new lock, for this process's threads


class Database:
    """Holds an open SQLite connection: it cannot travel as it is."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.connection = sqlite3.connect(path)
        with self.connection:
            self.connection.execute("CREATE TABLE IF NOT EXISTS notes (text TEXT)")

    def count(self) -> int:
        """Rows in sqlite_master (how many tables and indexes): proof that the connection works."""
        return self.connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]


class ReconnectingDatabase(Database):
    """A Database that travels as its path: __reduce__ says "rebuild me by calling ReconnectingDatabase(path)"."""

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (type(self), (self.path,))


def pickle_outcome(obj: Any) -> str:
    """'pickles' if ``obj`` survives pickle.dumps and loads; otherwise why not, in words that hold on every Python."""
    try:
        pickle.loads(pickle.dumps(obj))
    except Exception as error:  # PicklingError, TypeError or AttributeError, depending on the object and the Python
        text = str(error)
        if "local object" in text or "<locals>" in text:
            return "cannot be pickled: defined inside a function, so it has no importable name"
        if "lambda" in text:
            return "cannot be pickled: a lambda has no importable name"
        if "generator" in text:
            return "cannot be pickled: a generator is a paused frame"
        if "lock" in text:
            return "cannot be pickled: it holds a lock"
        if "Connection" in text or "sqlite3" in text:
            return "cannot be pickled: it holds an open connection"
        return f"cannot be pickled: {type(error).__name__}"
    return "pickles"


def pickle_seconds(obj: Any, repeats: int = 3) -> float:
    """Best time to pickle and unpickle ``obj`` once (what sending it to a worker and back costs, before the pipe)."""
    require_int("repeats", repeats, minimum=1)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        pickle.loads(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))
        best = min(best, time.perf_counter() - start)
    return best


def sample_records(count: int) -> list[dict[str, Any]]:
    """``count`` small dicts, like rows of a table: the kind of argument pickle is slowest at, per byte."""
    require_int("count", count, minimum=1)
    return [{"id": i, "name": f"company {i}", "score": i * 0.5, "tags": ["a", "b"]} for i in range(count)]


def count_tables(database: Database) -> int:
    """Worker: use a database object that travelled to this process (a ReconnectingDatabase reconnects on arrival)."""
    return database.count()
