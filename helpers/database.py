"""The case study's database layer: one API for SQLite (the default, a file) and PostgreSQL (psycopg 3).

A database is named by a URL: ``sqlite:///path/to/file.db`` or ``postgresql://user:password@host/dbname``.
Every process opens its own connection with ``connect(url)``: a connection must never cross into
another process (SQLite's and libpq's documentation both say so; notebook 07 shows why).
Rows are upserted: inserted, or updated when the company is already there, so a run can be repeated.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from helpers.company_data import FEATURES, Company, compute_features
from helpers.validation import require_number

TABLE = "company_features"
TEXT_FEATURES = {"risk_label"}
FLOAT_FEATURES = {"changes_per_year", "litigation_share", "industry_penalty_rate", "capital_per_branch", "risk_score"}
COLUMNS = ("company_name", *FEATURES, "written_by")
SCHEMES = ("sqlite", "postgresql", "postgres")


class MissingTableError(RuntimeError):
    """The features table does not exist yet: call create_table(url) first."""


@dataclass(frozen=True)
class Database:
    """A parsed database URL: which engine, and where."""

    url: str
    engine: str  # "sqlite" or "postgresql"
    target: str  # SQLite: the file's path; PostgreSQL: the URL for psycopg

    @property
    def placeholder(self) -> str:
        """The parameter marker of this engine's driver."""
        return "?" if self.engine == "sqlite" else "%s"


def parse_url(url: Any) -> Database:
    """Check a database URL and say which engine it names; unknown schemes get a clear ValueError."""
    if not isinstance(url, str) or "://" not in url:
        raise ValueError(f"a database URL looks like sqlite:///path/to/file.db or postgresql://user@host/dbname, got {url!r}")
    scheme = urlparse(url).scheme.lower()
    if scheme not in SCHEMES:
        raise ValueError(
            f"unknown database scheme {scheme!r} in {url!r}: use sqlite:///path/to/file.db or postgresql://user@host/dbname"
        )
    if scheme == "sqlite":
        path = url.split("://", 1)[1].lstrip("/")
        if not path:
            raise ValueError(f"a SQLite URL needs an absolute file path after sqlite://, as in sqlite:///tmp/course.db, got {url!r}")
        # sqlite:///tmp/x.db and sqlite:////tmp/x.db both mean /tmp/x.db; sqlite:///C:/x.db is a Windows path.
        return Database(url, "sqlite", path if re.match(r"[A-Za-z]:[/\\]", path) else "/" + path)
    return Database(url, "postgresql", url)


def sqlite_url(path: str | Path) -> str:
    """The URL of a SQLite file."""
    return "sqlite:///" + Path(path).resolve().as_posix().lstrip("/")


def connect(url: str, *, timeout: float = 5.0) -> Any:
    """Open a connection to ``url`` (in the process that will use it). SQLite waits up to ``timeout`` s for a lock."""
    database = parse_url(url)
    require_number("timeout", timeout)
    if database.engine == "sqlite":
        if not Path(database.target).parent.is_dir():
            raise FileNotFoundError(f"the folder of the SQLite file {database.target} does not exist")
        connection = sqlite3.connect(database.target, timeout=timeout)
        connection.execute("PRAGMA synchronous = NORMAL")  # with WAL: durable at checkpoints, fast commits
        return connection
    import psycopg

    return psycopg.connect(database.target, connect_timeout=max(1, int(timeout)))


def _column_type(feature: str, engine: str) -> str:
    if feature in TEXT_FEATURES:
        return "TEXT"
    if feature in FLOAT_FEATURES:
        return "REAL" if engine == "sqlite" else "DOUBLE PRECISION"
    return "INTEGER"


def create_table(url: str, *, drop: bool = False) -> None:
    """Create the features table (dropping an existing one first if ``drop``); SQLite files switch to WAL mode."""
    database = parse_url(url)
    columns = ", ".join(f"{f} {_column_type(f, database.engine)} NOT NULL" for f in FEATURES)
    with _closing(connect(url)) as connection:
        if database.engine == "sqlite":
            # Write-ahead logging: readers keep reading while one writer writes.
            connection.execute("PRAGMA journal_mode = WAL")
        if drop:
            connection.execute(f"DROP TABLE IF EXISTS {TABLE}")
        connection.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (company_name TEXT PRIMARY KEY, {columns}, written_by INTEGER NOT NULL)"
        )
        connection.commit()


class _closing:
    """Close a connection at the end of a with block (sqlite3's own with block only commits)."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    def __enter__(self) -> Any:
        return self.connection

    def __exit__(self, *_: object) -> None:
        self.connection.close()


def _engine_of(connection: Any) -> str:
    return "sqlite" if isinstance(connection, sqlite3.Connection) else "postgresql"


def feature_row(company: Company, written_by: int) -> tuple[Any, ...]:
    """The row for one company, in COLUMNS order, computed now."""
    features = compute_features(company)
    return (company.company_name, *(features[f] for f in FEATURES), written_by)


def upsert(connection: Any, rows: list[tuple[Any, ...]], *, commit: bool = True) -> int:
    """Insert the rows, or update a company's row if it is there already; one transaction. Return the row count.

    On any error the transaction is rolled back: no row of this call is written.
    """
    if not rows:
        return 0
    if any(len(row) != len(COLUMNS) for row in rows):
        raise ValueError(f"each row needs {len(COLUMNS)} values ({', '.join(COLUMNS[:3])}, ...), got {sorted({len(r) for r in rows})}")
    engine = _engine_of(connection)
    marker = "?" if engine == "sqlite" else "%s"
    updates = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[1:])
    sql = (
        f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) VALUES ({', '.join([marker] * len(COLUMNS))}) "
        f"ON CONFLICT (company_name) DO UPDATE SET {updates}"
    )
    try:
        cursor = connection.cursor()
        cursor.executemany(sql, rows)
        if commit:
            connection.commit()
    except Exception as error:
        connection.rollback()
        if _is_missing_table(error):
            raise MissingTableError(f"table {TABLE} does not exist: call create_table(url) first; nothing was written") from error
        raise
    return len(rows)


def _is_missing_table(error: Exception) -> bool:
    text = str(error).lower()
    return f"no such table: {TABLE}" in text or (f'relation "{TABLE}" does not exist' in text)


def _select(url: str, sql: str) -> list[tuple[Any, ...]]:
    """Run a query on a fresh connection; a missing table becomes MissingTableError."""
    with _closing(connect(url)) as connection:
        try:
            return list(connection.execute(sql).fetchall())
        except Exception as error:
            if _is_missing_table(error):
                raise MissingTableError(f"table {TABLE} does not exist: call create_table(url) first") from error
            raise


def count_rows(url: str) -> int:
    """Rows in the features table."""
    return int(_select(url, f"SELECT COUNT(*) FROM {TABLE}")[0][0])


def fetch_rows(url: str) -> dict[str, dict[str, Any]]:
    """Every row, keyed by company name: {name: {feature: value, ..., "written_by": pid}}."""
    rows = _select(url, f"SELECT {', '.join(COLUMNS)} FROM {TABLE}")
    return {row[0]: dict(zip(COLUMNS[1:], row[1:])) for row in rows}


@dataclass(frozen=True)
class Verification:
    """The table checked against the input: which companies are missing, which rows hold wrong values."""

    expected: int
    present: int
    missing: tuple[str, ...]
    wrong: tuple[str, ...]
    extra: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """Every company present, every value right, nothing else."""
        return not (self.missing or self.wrong or self.extra) and self.present == self.expected

    def __str__(self) -> str:
        if self.ok:
            return f"all {self.expected:,} companies present, every feature correct"
        return (f"{self.present:,} of {self.expected:,} companies present; {len(self.missing):,} missing, "
                f"{len(self.wrong):,} with wrong values, {len(self.extra):,} not in the input")


def verify(url: str, companies: list[Company]) -> Verification:
    """Compare the table with the features recomputed from the input, company by company."""
    rows = fetch_rows(url)
    names = {c.company_name for c in companies}
    missing, wrong = [], []
    for company in companies:
        row = rows.get(company.company_name)
        if row is None:
            missing.append(company.company_name)
            continue
        expected = compute_features(company)
        if any(row[f] != expected[f] for f in FEATURES):
            wrong.append(company.company_name)
    extra = sorted(set(rows) - names)
    return Verification(len(companies), len(rows) - len(extra), tuple(missing), tuple(wrong), tuple(extra))
