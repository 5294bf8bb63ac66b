"""Notebook 07's exercise checks: right answers pass; each typical mistake gets specific feedback."""

import multiprocessing

import pytest

from helpers.company_data import make_companies
from helpers.database import create_table, sqlite_url
from helpers.db_writes import chunks, open_worker_connection, pool_design, save_chunk
from helpers.exercises.database import TRANSACTIONS, check_busy_timeout, check_table, check_transactions

COMPANIES = make_companies(300)


def assert_feedback(feedback, ok, text):
    assert feedback.ok is ok, feedback
    assert text in feedback.message, feedback


@pytest.fixture
def url(tmp_path):
    return sqlite_url(tmp_path / "exercise.db")


def test_table(url):
    assert_feedback(check_table(url, COMPANIES), False, "There is no table")
    create_table(url)
    assert_feedback(check_table(url, COMPANIES), False, "The table is empty")
    with multiprocessing.Pool(2, initializer=open_worker_connection, initargs=(url,)) as pool:
        pool.map(save_chunk, chunks(COMPANIES[:100], 50))
    assert_feedback(check_table(url, COMPANIES), False, "Only 100 of 300")
    pool_design(url, COMPANIES, 2)
    assert_feedback(check_table(url, COMPANIES), True, "written by worker processes, each on a connection of its own")


def test_table_written_by_the_kernel_itself_is_refused(url):
    create_table(url)
    from helpers.db_writes import _worker

    open_worker_connection(url)  # in this process: the learner skipped the pool
    try:
        for chunk in chunks(COMPANIES, 50):
            save_chunk(chunk)
    finally:
        _worker.pop("connection").close()
    assert_feedback(check_table(url, COMPANIES), False, "written by this kernel itself")


@pytest.mark.parametrize("timeout, ok, text", [
    (..., False, "Replace the ..."),
    (-1, False, "finite number of seconds ≥ 0"),
    (float("inf"), False, "finite number"),
    (float("nan"), False, "finite number"),
    ("5", False, "finite number"),
    (10**400, False, "finite number"),
    (0, False, "fail at once"),
    (0.01, False, "Leave a wide margin"),
    (0.3, False, "The lock is held 0.3 s"),  # exactly the hold: may pass one run, fails another
    (0.9, False, "Leave a wide margin"),
    (1, True, "waits its turn"),
    (5, True, "(this run: "),
    (1e9, True, "waits its turn"),
])
def test_busy_timeout_is_judged_against_the_hold(url, timeout, ok, text):
    create_table(url)
    assert_feedback(check_busy_timeout(url, COMPANIES, timeout), ok, text)


def test_busy_timeout_needs_sqlite():
    assert_feedback(check_busy_timeout("postgresql://x@127.0.0.1/y", COMPANIES, 5), False, "SQLite's single writer")


@pytest.mark.parametrize("change, ok, text", [
    ({}, True, "2,000 vs 40 vs 10"),
    ({"pool": 2_000}, False, "Look again at 'pool': how many commits does one task"),
    ({"writer": 2_000}, False, "Look again at 'writer'"),
    ({"source": 100}, False, "Look again at 'source'"),
    ({"source": "many"}, False, "whole number"),
])
def test_transactions(change, ok, text):
    assert_feedback(check_transactions({**TRANSACTIONS, **change}), ok, text)


def test_transactions_second_miss_explains():
    assert_feedback(check_transactions({**TRANSACTIONS, "pool": 2_000}), False, "Look again at 'pool'")
    assert_feedback(check_transactions({**TRANSACTIONS, "pool": 2_000}), False, "Look again at 'pool'")  # same answer, same nudge
    assert_feedback(check_transactions({**TRANSACTIONS, "pool": 20}), False, "2,000 / 50")
