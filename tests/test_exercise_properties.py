"""Every exercise check, fed arbitrary answers: it always returns Feedback and never raises.

The checks are found by name (``check_*`` in every module of helpers.exercises), so a check written
tomorrow is covered the day it is written. Arguments annotated ``object`` are the learner's answers and
get arbitrary values; the others are the course's own (a database URL, a measured overhead) and get the
values the notebooks pass, from COURSE_ARGUMENTS.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sqlite3
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import helpers.exercises
from helpers.exercises import Feedback
from helpers.exercises.feedback import UNJUDGED, is_guarded


def all_checks() -> dict[str, Callable[..., Feedback]]:
    """Every public check_* function defined in a module of helpers.exercises, by 'module.name'."""
    found = {}
    for info in pkgutil.iter_modules(helpers.exercises.__path__):
        module = importlib.import_module(f"helpers.exercises.{info.name}")
        for name, function in vars(module).items():
            if name.startswith("check_") and inspect.isfunction(function) and function.__module__ == module.__name__:
                found[f"{info.name}.{name}"] = function
    return found


CHECKS = all_checks()
EXAMPLES: dict[str, int] = {}  # examples run per check, in this session


def _known_keys() -> list[str]:
    """The string keys of every dict an exercise module defines (WORKLOADS, WHICH_CALL, ...): answers that get past the type checks."""
    keys: set[str] = set()
    for info in pkgutil.iter_modules(helpers.exercises.__path__):
        module = importlib.import_module(f"helpers.exercises.{info.name}")
        for value in vars(module).values():
            if isinstance(value, dict):
                keys.update(key for key in value if isinstance(key, str))
            if isinstance(value, (tuple, list)) and all(isinstance(item, str) for item in value):
                keys.update(value)
    return sorted(keys)


KNOWN = _known_keys()


def _boom(*_: Any, **__: Any) -> Any:
    raise RuntimeError("a learner's function that raises")


SCALARS = st.one_of(
    st.none(), st.just(...), st.booleans(),
    st.integers(), st.integers(min_value=10**18), st.integers(min_value=-10, max_value=100),
    st.floats(), st.sampled_from([float("inf"), float("-inf"), float("nan"), 0.0, -0.0, 1e308]),
    st.text(max_size=12), st.sampled_from(KNOWN), st.binary(max_size=8), st.complex_numbers(max_magnitude=10),
)
OBJECTS = st.one_of(
    st.sampled_from([object(), print, len, int, str, type, _boom, lambda *args: None, Feedback(True, "yes"), Ellipsis]),
    st.builds(lambda items: (item for item in items), st.lists(st.integers(), max_size=4)),  # a generator, fresh each time
    st.builds(lambda items: iter(items), st.lists(st.integers(), max_size=4)),
)
ANSWERS = st.recursive(
    SCALARS | OBJECTS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=10),
        st.tuples(inner, inner),
        st.dictionaries(st.sampled_from(KNOWN) | st.text(max_size=6) | st.integers(), inner, max_size=6),
        st.frozensets(st.integers(-3, 20), max_size=6),
    ),
    max_leaves=16,
)

# Half the answers are a single value, the kind a learner types most: a number, a string, None, inf.
TOP = st.one_of(SCALARS, OBJECTS, ANSWERS, st.lists(st.integers(-2, 100), max_size=12))


@pytest.fixture(scope="module")
def database_url(tmp_path_factory) -> str:
    """An SQLite database holding the exercise's (empty) table, as notebook 07 passes it."""
    from helpers.database import create_table

    url = f"sqlite:///{tmp_path_factory.mktemp('exercise-db') / 'companies.sqlite'}"
    create_table(url, drop=True)
    return url


def course_arguments(database: str) -> dict[tuple[str, str], Any]:
    """The values the notebooks pass for the arguments that are not the learner's answer."""
    from helpers.company_data import make_companies

    return {
        ("database.check_table", "url"): database,
        ("database.check_table", "companies"): make_companies(50),
        ("database.check_busy_timeout", "url"): database,
        ("database.check_busy_timeout", "companies"): make_companies(50),
        ("engines.check_scatter", "expected"): 499_500.0,
        ("engines.check_granularity", "overhead"): 0.002,
        ("fetching.check_keyed_results", "urls"): {"a": "http://127.0.0.1:9/a", "broken": "http://127.0.0.1:9/500", "slow": "http://127.0.0.1:9/slow"},
    }


# Checks that start processes or run a database race for an answer that gets far enough: fewer examples.
SLOW = {"queue_pipe.check_drained", "queue_pipe.check_sentinels", "real_programs.check_own_module",
        "database.check_busy_timeout", "shared_memory.check_counter"}


# Checks whose answer is one small number, which an arbitrary integer can hit; every other check must refuse
# every arbitrary answer (a wrong answer that passes is a defect too).
RIGHT_BY_CHANCE = {"start_here.check_usable_cpus", "pool.check_chunksize", "process.check_io_workers",
                   "fetching.check_thread_count", "database.check_busy_timeout", "engines.check_granularity"}


def test_checks_are_found_and_each_is_guarded():
    assert len(CHECKS) >= 40, sorted(CHECKS)
    unguarded = [name for name, check in CHECKS.items() if not is_guarded(check)]
    assert not unguarded, f"decorate these with @exercise_check (helpers.exercises.feedback): {unguarded}"


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_any_answer_gets_feedback(name, database_url):
    check = CHECKS[name]
    fixed = course_arguments(database_url)
    parameters = inspect.signature(inspect.unwrap(check)).parameters
    answers = [p for p in parameters.values() if p.annotation in (object, "object")]
    missing = [p.name for p in parameters.values() if p not in answers and (name, p.name) not in fixed and p.default is inspect.Parameter.empty]
    assert not missing, f"{name}: add the course's value for {missing} to COURSE_ARGUMENTS"
    if not answers:
        pytest.skip(f"{name} takes no answer of the learner's")

    @settings(max_examples=50 if name in SLOW else 200, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(st.tuples(*[TOP for _ in answers]))
    def judged(values: tuple[Any, ...]) -> None:
        EXAMPLES[name] = EXAMPLES.get(name, 0) + 1
        arguments = {p.name: fixed[(name, p.name)] for p in parameters.values() if (name, p.name) in fixed}
        arguments.update({p.name: value for p, value in zip(answers, values)})
        feedback = check(**arguments)
        assert isinstance(feedback, Feedback), f"{name} returned {feedback!r}"
        assert isinstance(feedback.message, str) and feedback.message.strip()
        assert UNJUDGED not in feedback.message, f"{name} raised inside for {values!r}: {feedback.message}"
        assert not feedback.ok or name in RIGHT_BY_CHANCE, f"{name} passed an arbitrary answer {values!r}: {feedback.message}"
        str(feedback)

    judged()
    assert EXAMPLES.get(name, 0) >= 10, f"{name}: only {EXAMPLES.get(name, 0)} examples ran"
