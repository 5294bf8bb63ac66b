"""The exercise-check defects a learner's-eye review found, one test each: a raise, a wrong answer that
passed, misleading feedback, or the answer given away on the first miss. Each of these failed before its fix."""

import os
from multiprocessing.pool import ThreadPool

import pytest

from helpers.company_data import make_companies
from helpers.database import COLUMNS, TABLE, connect, create_table, fetch_rows, sqlite_url
from helpers.db_writes import pool_design
from helpers.exercises import forget_answers
from helpers.exercises.database import check_table
from helpers.exercises.engines import WHICH_ENGINE, check_completed, check_granularity, check_which_engine
from helpers.exercises.manager import check_authkey
from helpers.exercises.pool import WHICH_CALL, check_arrival_order, check_collected, check_which_call
from helpers.exercises.process import check_io_workers
from helpers.exercises.queue_pipe import check_sentinels
from helpers.exercises.start_here import check_squares
from helpers.tasks import TaskRecord, square


def assert_feedback(feedback, ok, text):
    assert feedback.ok is ok, feedback
    assert text in feedback.message, feedback


# ---------------------------------------------------------------- checks that raised instead of giving feedback

def test_squares_given_async_results_says_call_get():
    with ThreadPool(1) as pool:  # the same AsyncResult class a process Pool returns, without the processes
        pending = [pool.apply_async(square, (x,)) for x in range(10)]
        assert_feedback(check_squares(pending), False, "AsyncResult (or Future) objects, not numbers")
        for result in pending:
            result.get(timeout=10)


def test_arrival_order_half_filled_with_ellipsis():
    assert_feedback(check_arrival_order([1, ..., 0, 3, 4]), False, "still holds a ...")
    assert_feedback(check_arrival_order([None, None, None, None, None]), False, "exactly once")


def _sentinels_and_a_task_with_none(tasks, consumers):
    tasks.put(("sleep", None, 0.01))
    for _ in consumers:
        tasks.put(None)


def test_sentinels_with_none_inside_what_was_put():
    assert_feedback(check_sentinels(_sentinels_and_a_task_with_none), False, "anything but SENTINEL")


# ---------------------------------------------------------------- wrong answers that passed

def test_authkey_wants_the_asked_for_message():
    assert_feedback(check_authkey("put 'hi'"), True, "same authkey")
    assert_feedback(check_authkey("put 'hello from another process'"), False, "the string 'hi'")
    assert_feedback(check_authkey("put anything"), False, "the string 'hi'")


def test_completed_records_made_in_the_kernel_are_refused():
    here = {i: TaskRecord(i, os.getpid(), 1, 0.0, 1.0) for i in range(8)}
    assert_feedback(check_completed(here), False, "made in this kernel itself")
    elsewhere = {i: TaskRecord(i, os.getpid() + 1, 1, 0.0, 1.0) for i in range(8)}
    assert_feedback(check_completed(elsewhere), True, "8 records")


def test_granularity_nan_does_not_pass():
    assert_feedback(check_granularity(float("nan"), 0.002), False, "finite number of seconds")


# ---------------------------------------------------------------- misleading or vague feedback

def test_collected_task_records_point_to_value():
    records = [TaskRecord(x, 1, 1, 0.0, 1.0, value=x * x) for x in range(8)]
    assert_feedback(check_collected(records), False, "its .value is the square")


@pytest.fixture
def url(tmp_path):
    return sqlite_url(tmp_path / "exercise.db")


def test_table_with_an_extra_row_says_so(url):
    companies = make_companies(60)
    create_table(url)
    pool_design(url, companies, 2)
    row = next(iter(fetch_rows(url).values()))
    connection = connect(url)  # SQLite: its placeholders are ?
    try:
        connection.execute(f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                           ("Nobody Ltd", *[row[column] for column in COLUMNS[1:]]))
        connection.commit()
    finally:
        connection.close()
    feedback = check_table(url, companies)
    assert_feedback(feedback, False, "1 row more, for companies not in the input (for example 'Nobody Ltd')")
    assert "Only" not in feedback.message


def test_io_workers_99_is_one_and_a_half_seconds():
    feedback = check_io_workers(99)
    assert_feedback(feedback, False, "3 × 0.5 s = 1.5 s, more than 1 s")
    assert "1.0 s" not in feedback.message


def test_arrival_order_points_at_the_first_wrong_place_not_the_first_result():
    feedback = check_arrival_order([1, 2, 0, 4, 3])
    assert_feedback(feedback, False, "Places 1–3 are right; place 4 is not")
    assert "first result" not in feedback.message


@pytest.mark.parametrize("situation", list(WHICH_CALL))
def test_which_call_gives_a_reason_for_each_wrong_choice(situation):
    wrong, other = ("starmap", "imap") if WHICH_CALL[situation] != "starmap" else ("apply", "imap")
    assert_feedback(check_which_call({**WHICH_CALL, situation: wrong}), False, "Look again at")  # a nudge first
    feedback = check_which_call({**WHICH_CALL, situation: other})  # a second wrong answer: the reason
    assert_feedback(feedback, False, "is not the best fit: ")
    assert feedback.message.rstrip().endswith("?") or len(feedback.message.split(": ", 1)[1]) > 20


def test_which_engine_ignores_case_and_lists_the_choices():
    assert_feedback(check_which_engine({job: engine.lower() for job, engine in WHICH_ENGINE.items()}), True, "Pool for plain maps")
    assert_feedback(check_which_engine({job: f"  {engine.upper()} " for job, engine in WHICH_ENGINE.items()}), True, "Pool for plain maps")
    assert_feedback(check_which_engine({job: "Ray" for job in WHICH_ENGINE}), False, "'Ray' is not one of: 'Pool', 'ProcessPoolExecutor', 'Dask'")


def test_which_call_accepts_pool_prefix_and_case():
    assert_feedback(check_which_call({k: f"Pool.{v}" for k, v in WHICH_CALL.items()}), True, "apply blocks")


# ---------------------------------------------------------------- the answer given away on the first miss

def test_squares_first_miss_does_not_print_the_answer():
    feedback = check_squares(list(range(10)))
    assert not feedback.ok and "[0, 1, 4, 9" not in feedback.message


def test_collected_first_miss_does_not_print_the_answer():
    feedback = check_collected(list(range(8)))
    assert not feedback.ok and "[0, 1, 4, 9" not in feedback.message


def test_granularity_first_miss_does_not_state_the_factor():
    first = check_granularity(10.0, 0.002)
    assert not first.ok and "99" not in first.message and "100 ×" not in first.message
    second = check_granularity(20.0, 0.002)  # a second, different miss gets the worked step
    assert "multiple of the cost per task" in second.message


def test_io_workers_first_miss_does_not_state_the_count():
    first = check_io_workers(150)
    assert not first.ok and "100" not in first.message
    forget_answers()
    assert "100" not in check_io_workers(300).message


# ---------------------------------------------------------------- found by review: NumPy answers, stable hints

def test_numpy_scalars_are_right_answers():
    import numpy as np

    assert_feedback(check_squares([np.int64(x * x) for x in range(10)]), True, "task order")
    assert_feedback(check_collected([np.int64(x * x) for x in range(8)]), True, "Every result collected")


def test_the_same_wrong_code_gets_the_same_hint_when_run_again():
    from concurrent.futures import Future

    first = check_squares([Future() for _ in range(10)])  # new objects, new reprs, each run
    again = check_squares([Future() for _ in range(10)])
    assert first.message == again.message and "Future" in first.message
    wrong = [x + 1 for x in range(8)]
    assert check_collected(list(wrong)).message == check_collected(list(wrong)).message
