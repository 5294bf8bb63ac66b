"""Checks for the exercises of notebook 07 (parallel writes to a database)."""

from __future__ import annotations

import os
from collections.abc import Sequence

from helpers.company_data import Company
from helpers.database import MissingTableError, fetch_rows, parse_url, verify
from helpers.exercises import Feedback, choice_feedback, exercise_check, is_finite_number, is_number, unanswered

RACE_COMPANIES = 150
RACE_WRITERS = 3
RACE_HOLD = 0.3  # seconds the other writer keeps the lock once everyone is ready
RACE_ENOUGH = 1.0  # a busy timeout this long outlasts the hold and the other writers' turns with room to spare
RACE_LONGEST_WAIT = 30.0  # the race itself never waits longer than this, whatever the answer


@exercise_check
def check_table(url: str, companies: Sequence[Company]) -> Feedback:
    """Exercise 1: the table holds every company, with the right features."""
    try:
        result = verify(url, list(companies))
    except MissingTableError:
        return Feedback(False, "There is no table: run create_table(DATABASE, drop=True) first.")
    if result.ok:
        writers = {row["written_by"] for row in fetch_rows(url).values()}
        if os.getpid() in writers:
            return Feedback(False, "Every company is there, but rows were written by this kernel itself (written_by holds "
                            "its pid): let the pool's worker processes write them, each on its own connection.")
        # Not how many workers wrote: on a busy machine one worker may take every chunk, and the verdict must not vary.
        return Feedback(True, f"{result}, written by worker processes, each on a connection of its own.")
    if result.present == 0 and result.extra:
        return Feedback(False, f"None of the input's companies is in the table, only {len(result.extra):,} others (for example "
                        f"{result.extra[0]!r}): start from an empty table, create_table(DATABASE, drop=True), and write "
                        "the companies you were given.")
    if result.present == 0:
        # One hint, the same each time: an empty table is the same answer whatever was tried (graded() could not
        # tell one attempt from the next), so it says what each part must do without writing the code.
        return Feedback(False, "The table is empty: did any task run? Each worker needs a connection of its own, "
                        "opened once as it starts (a pool initializer), and each task writes one chunk of companies.")
    if result.wrong:
        return Feedback(False, f"{len(result.wrong)} rows hold wrong values, for example {result.wrong[0]!r}: write them with save_chunk.")
    if result.missing:
        return Feedback(False, f"Only {result.present:,} of {result.expected:,} companies are in the table: map save_chunk over all the chunks.")
    return Feedback(False, f"Every company is there, and {len(result.extra):,} row{'s' if len(result.extra) > 1 else ''} more, for "
                    f"companies not in the input (for example {result.extra[0]!r}): start from an empty table, "
                    "create_table(DATABASE, drop=True), and write only the companies you were given.")


@exercise_check
def check_busy_timeout(url: str, companies: Sequence[Company], timeout: object) -> Feedback:
    """Exercise 2: a busy timeout with which three writers that meet a lock held RACE_HOLD s all succeed.

    The verdict compares the timeout with what the writers must wait for, which does not vary; the race is
    then run with the learner's value, and what happened is shown as information.
    """
    from helpers.db_writes import lock_race

    if timeout is Ellipsis:
        return unanswered("a number of seconds to wait for the write lock; 0 means do not wait at all")
    if not is_finite_number(timeout) or timeout < 0:
        return Feedback(False, f"The timeout is a finite number of seconds ≥ 0, got {timeout!r}.")
    if parse_url(url).engine != "sqlite":
        return Feedback(False, "This exercise is about SQLite's single writer; run it without COURSE_DATABASE_URL.")
    if timeout == 0:
        return Feedback(False, "timeout=0 means fail at once when another writer holds the lock: section 5 showed every transaction that met the lock failing.")
    race = lock_race(url, list(companies[:RACE_COMPANIES]), writers=RACE_WRITERS, timeout=min(float(timeout), RACE_LONGEST_WAIT), hold=RACE_HOLD)
    this_run = f"this run: {race.locked} of {race.attempted} failed" + (f" ({race.error})" if race.error else "")
    if timeout < RACE_ENOUGH:
        return Feedback(
            False,
            f"timeout={timeout} ({this_run}). The lock is held {RACE_HOLD} s, and then the writers take turns: a writer may "
            "wait for the holder and for the others' transactions too, and longer on a busy machine. Leave a wide margin.",
        )
    return Feedback(True, f"timeout={timeout} leaves a wide margin over the {RACE_HOLD} s hold ({this_run}): each writer waits its turn.")


TRANSACTIONS = {"source": 2_000, "pool": 40, "writer": 10}
_TRANSACTION_HINTS = {
    "source": "every process upserts one company and commits: one transaction per company.",
    "pool": "each task upserts one chunk of 50 companies in one transaction: 2,000 / 50.",
    "writer": "the writer commits every 200 rows: 2,000 / 200.",
}


@exercise_check
def check_transactions(answers: object) -> Feedback:
    """Exercise 3: transactions each design makes for 2,000 companies."""
    return choice_feedback(
        answers, TRANSACTIONS, name="the dict {'source': ..., 'pool': ..., 'writer': ...}",
        hint="a dict {'source': ..., 'pool': ..., 'writer': ...} of numbers of commits",
        success="2,000 vs 40 vs 10 commits: batching rows into transactions is much of the designs' speed-up.",
        why=lambda design, answer: f"{design}: {answer} is not right; {_TRANSACTION_HINTS[design]}",
        validate=lambda _, answer: None if is_number(answer) else "Give each answer as a whole number of transactions.",
        nudge="how many commits does one task (or one batch) make, and how many tasks (or batches) are there?",
    )