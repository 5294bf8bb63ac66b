"""helpers.database and helpers.db_writes against SQLite and a real PostgreSQL server (with TLS).

The PostgreSQL server is started for this module in a temporary folder (tests/postgres_server.py)
when PostgreSQL's programs are installed, or taken from COURSE_POSTGRES_URL. Without either, the
PostgreSQL tests skip with a message saying how to run them; with CI=true they fail instead.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil

import pytest

from helpers.company_data import make_companies
from helpers.database import (
    COLUMNS,
    MissingTableError,
    connect,
    count_rows,
    create_table,
    feature_row,
    fetch_rows,
    parse_url,
    sqlite_url,
    upsert,
    verify,
)
from helpers.db_writes import (
    chunks,
    connection_across_fork,
    lock_race,
    parent_connection_in_child,
    pool_design,
    run_with_a_killed_worker,
    source_design,
    writer_design,
)
from postgres_server import TemporaryPostgres, find_postgres_bin

COMPANIES = make_companies(120)


@pytest.fixture(autouse=True)
def no_children_left():
    yield
    assert multiprocessing.active_children() == [], "a test left a child process running"


@pytest.fixture(scope="module")
def postgres_url():
    url = os.environ.get("COURSE_POSTGRES_URL")
    if url:
        yield url
        return
    bindir = find_postgres_bin()
    problem = None
    if bindir is None:
        problem = "PostgreSQL's server programs (initdb, pg_ctl) are not installed: apt-get install postgresql, or set COURSE_POSTGRES_URL"
    elif shutil.which("openssl") is None:
        problem = "openssl is not installed (it makes the test server's TLS certificate)"
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true, so the PostgreSQL tests must run, but {problem}")
        pytest.skip(f"PostgreSQL tests skipped: {problem}")
    server = TemporaryPostgres(bindir).start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "course.db")
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def table(url):
    create_table(url, drop=True)
    return url


def test_parse_url_accepts_both_engines_and_refuses_others():
    assert parse_url("sqlite:///tmp/a.db").target == "/tmp/a.db"
    assert parse_url("postgresql://u@h/db").engine == "postgresql" and parse_url("postgres://u@h/db").engine == "postgresql"
    for bad, text in [("mysql://h/db", "unknown database scheme 'mysql'"), ("sqlite://", "needs an absolute file path"),
                      ("course.db", "looks like sqlite:///"), (None, "looks like sqlite:///")]:
        with pytest.raises(ValueError, match=text):
            parse_url(bad)


def test_upsert_round_trip_is_idempotent_and_verified(table):
    rows = [feature_row(c, 1) for c in COMPANIES[:10]]
    connection = connect(table)
    try:
        assert upsert(connection, rows) == 10
        assert upsert(connection, rows) == 10  # again: updated, not duplicated
    finally:
        connection.close()
    assert count_rows(table) == 10
    assert verify(table, COMPANIES[:10]).ok
    assert set(fetch_rows(table)[COMPANIES[0].company_name]) == set(COLUMNS[1:])
    partial = verify(table, COMPANIES[:12])
    assert not partial.ok and len(partial.missing) == 2 and "10 of 12 companies present; 2 missing" in str(partial)


def test_a_wrong_value_is_caught_by_verify(table):
    row = list(feature_row(COMPANIES[0], 1))
    row[COLUMNS.index("risk_label")] = "nonsense"
    connection = connect(table)
    upsert(connection, [tuple(row)])
    connection.close()
    assert verify(table, COMPANIES[:1]).wrong == (COMPANIES[0].company_name,)


def test_missing_table_and_bad_rows_write_nothing(url):
    create_table(url, drop=True)
    connection = connect(url)
    try:
        connection.execute("DROP TABLE company_features")
        connection.commit()
        with pytest.raises(MissingTableError, match="call create_table"):
            upsert(connection, [feature_row(COMPANIES[0], 1)])
        with pytest.raises(MissingTableError):
            count_rows(url)
        create_table(url)
        with pytest.raises(ValueError, match="each row needs 22 values"):
            upsert(connection, [feature_row(COMPANIES[0], 1), ("too short",)])
        bad = list(feature_row(COMPANIES[1], 1))
        bad[COLUMNS.index("years_active")] = None  # NOT NULL: the second row fails, so the first must not stay
        with pytest.raises(Exception):
            upsert(connection, [feature_row(COMPANIES[0], 1), tuple(bad)])
        assert count_rows(url) == 0
    finally:
        connection.close()


@pytest.mark.parametrize("design", ["source", "pool", "writer"])
def test_each_design_writes_every_row_correctly(design, table):
    if design == "source":
        records = source_design(table, COMPANIES[:30], batch=10)
        expected = COMPANIES[:30]
    elif design == "pool":
        records = pool_design(table, COMPANIES, workers=2, chunk=25)
        expected = COMPANIES
    else:
        records = writer_design(table, COMPANIES, workers=2, chunk=25, batch=50)
        expected = COMPANIES
    assert verify(table, list(expected)).ok and records


def test_a_killed_worker_loses_only_uncommitted_chunks_and_a_rerun_completes(table):
    committed, error = run_with_a_killed_worker(table, COMPANIES, workers=2, chunk=20, die_in=2)
    assert "BrokenProcessPool" in error and committed < len(chunks(COMPANIES, 20))
    after = verify(table, COMPANIES)
    assert not after.wrong and after.missing and after.present == len(COMPANIES) - len(after.missing)
    pool_design(table, COMPANIES, workers=2, chunk=20)
    assert verify(table, COMPANIES).ok


def test_sqlite_has_one_writer_and_a_busy_timeout_waits(tmp_path):
    url = sqlite_url(tmp_path / "race.db")
    create_table(url)
    companies = make_companies(150)
    impatient = lock_race(url, companies, writers=3, timeout=0)
    assert impatient.locked == impatient.attempted == 150 and impatient.error == "database is locked"
    assert lock_race(url, companies, writers=3, timeout=30).locked == 0
    with pytest.raises(ValueError, match="PostgreSQL locks rows"):
        lock_race("postgresql://nobody@127.0.0.1/none", companies)


def test_a_sqlite_connection_cannot_be_sent_to_a_spawned_child(tmp_path):
    url = sqlite_url(tmp_path / "lesson.db")
    create_table(url)
    assert "cannot pickle 'sqlite3.Connection' object" in parent_connection_in_child(url, COMPANIES[0], "spawn")
    if "fork" in multiprocessing.get_all_start_methods():
        assert "no error" in parent_connection_in_child(url, COMPANIES[0], "fork")


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs the fork start method")
def test_a_postgres_tls_connection_shared_across_fork_breaks_as_in_the_source(postgres_url):
    if "sslmode=require" not in postgres_url:
        pytest.skip("COURSE_POSTGRES_URL does not require TLS (add sslmode=require)")
    child_saw, parent_saw = connection_across_fork(postgres_url)
    assert child_saw == "SELECT 1 returned 1"
    assert parent_saw.startswith("failed:") and "decryption failed or bad record mac" in parent_saw


def test_connect_refuses_a_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        connect(sqlite_url(tmp_path / "no-such-folder" / "x.db"))
