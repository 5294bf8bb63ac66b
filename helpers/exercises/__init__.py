"""Exercise checks: one module per notebook, each check returning specific Feedback."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Feedback:
    """The verdict on one exercise answer: passed or not, and what to do next."""

    ok: bool
    message: str

    def __str__(self) -> str:
        return ("✅ Correct. " if self.ok else "❌ Not yet. ") + self.message

    __repr__ = __str__


_wrong_answers: dict[str, list[str]] = {}


def graded(exercise: str, answer: object, *hints: str) -> str:
    """The hint for a wrong answer: the first wrong answer gets ``hints[0]`` (a nudge), each different wrong
    answer after it the next hint, up to the last one. The same answer again gets the same hint, so running
    a cell twice shows the same feedback."""
    if not hints:
        raise ValueError("graded needs at least one hint")
    try:
        key = repr(answer)[:500]
    except Exception:  # an object whose repr fails: count it by type
        key = f"<{type(answer).__name__}>"
    seen = _wrong_answers.setdefault(exercise, [])
    if key not in seen:
        seen.append(key)
    return hints[min(seen.index(key), len(hints) - 1)]


def forget_answers() -> None:
    """Forget every wrong answer graded() has seen: the next wrong answer to each exercise gets the first hint again."""
    _wrong_answers.clear()


def unanswered(hint: str) -> Feedback:
    """Feedback for an answer still left as ``...``."""
    return Feedback(False, f"Replace the ... with your answer. Hint: {hint}")


def close_to(value: float, expected: float, tolerance: float = 0.01) -> bool:
    """True when ``value`` is within ``tolerance`` (relative) of ``expected``."""
    return abs(value - expected) <= tolerance * max(abs(expected), 1e-12)


def is_number(value: object) -> bool:
    """True for int or float answers (bool excluded)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_finite_number(value: object) -> bool:
    """True for a finite int or float answer (bool excluded; an int too large for a float counts as infinite)."""
    if not is_number(value):
        return False
    try:
        return math.isfinite(float(value))  # type: ignore[arg-type]
    except OverflowError:
        return False


def mapping_problem(answer: object, expected: Mapping[str, object], name: str) -> Feedback | None:
    """Feedback when ``answer`` is not a dict with exactly the keys of ``expected`` (called ``name``); else None."""
    if not isinstance(answer, Mapping):
        return Feedback(False, f"Expected a dict with the keys of {name}, got {type(answer).__name__}.")
    for key in expected:
        if key not in answer:
            return Feedback(False, f"No answer for {key!r} (copy the keys of {name}).")
    for key in answer:
        if key not in expected:
            return Feedback(False, f"{key!r} is not one of the keys of {name}; copy the keys from it.")
    return None


def check_choices(
    answers: object,
    expected: Mapping[str, object],
    *,
    name: str,
    hint: str,
    success: str,
    why: Callable[[str, object], str],
    validate: Callable[[str, object], str | None] | None = None,
    normalize: Callable[[object], object] = lambda answer: answer,
) -> Feedback:
    """The check shared by "pick one answer for each situation" exercises.

    In order: unanswered (``hint``); not a dict with exactly ``expected``'s keys (named ``name``); an
    answer ``validate`` refuses (its message); then right (``success``) or the number wrong and
    ``why(first wrong key, its answer)``. ``normalize`` maps each answer before comparing.
    """
    if answers is Ellipsis:
        return unanswered(hint)
    problem = mapping_problem(answers, expected, name)
    if problem:
        return problem
    assert isinstance(answers, Mapping)
    given = {key: normalize(answers[key]) for key in expected}
    if validate is not None:
        for key in expected:
            refusal = validate(key, given[key])
            if refusal:
                return Feedback(False, refusal)
    wrong = [key for key in expected if given[key] != expected[key]]
    if not wrong:
        return Feedback(True, success)
    return Feedback(False, f"{len(wrong)} wrong. {why(wrong[0], answers[wrong[0]])}")
