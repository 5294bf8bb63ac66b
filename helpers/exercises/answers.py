"""Patterns every exercise check needs: numbers, dicts of choices, and lists that may hold anything."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

from helpers.exercises.feedback import Feedback, graded, unanswered


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


def _accepted(answer: object, expected: object) -> bool:
    """True when ``answer`` is ``expected``, or one of them when ``expected`` is a tuple of equally good answers."""
    if isinstance(expected, tuple):
        return any(equal(answer, one) for one in expected)
    return equal(answer, expected)


def canonical_choice(answer: object, choices: Sequence[str], prefixes: Sequence[str] = ()) -> str | None:
    """The one of ``choices`` that ``answer`` names, ignoring case, extra spaces and any of ``prefixes``; else None."""
    if not isinstance(answer, str):
        return None
    text = " ".join(answer.split()).casefold()
    for prefix in prefixes:
        text = text.removeprefix(prefix.casefold())
    for choice in choices:
        if " ".join(choice.split()).casefold() == text:
            return choice
    return None


def choice_feedback(
    answers: object,
    expected: Mapping[str, object],
    *,
    name: str,
    hint: str,
    success: str,
    why: Callable[[str, object], str],
    choices: Sequence[str] | None = None,
    prefixes: Sequence[str] = (),
    validate: Callable[[str, object], str | None] | None = None,
    nudge: str | None = None,
) -> Feedback:
    """The check shared by "pick one answer for each situation" exercises.

    A value of ``expected`` may be a tuple of equally good answers. In order: unanswered (``hint``); not a dict with exactly ``expected``'s keys (named ``name``); a key
    still answered ``...``; an answer that is none of ``choices`` (matched ignoring case, spaces and
    ``prefixes``: the allowed choices are listed) or that ``validate`` refuses (its message); then right
    (``success``) or the number wrong and ``why(first wrong key, its answer)``. With ``nudge``, hints are
    graded: the first wrong set of answers gets the nudge (a question about the first wrong key), a later
    different one the ``why``.
    """
    if answers is Ellipsis:
        return unanswered(hint)
    problem = mapping_problem(answers, expected, name)
    if problem:
        return problem
    assert isinstance(answers, Mapping)
    given: dict[str, object] = {}
    for key in expected:
        answer = answers[key]
        if answer is Ellipsis:
            return Feedback(False, f"Replace the ... for {key!r} with your answer.")
        if choices is not None:
            choice = canonical_choice(answer, choices, prefixes)
            if choice is None:
                return Feedback(False, f"For {key!r}, {show(answer)} is not one of: {', '.join(map(repr, choices))}.")
            answer = choice
        if validate is not None:
            refusal = validate(key, answer)
            if refusal:
                return Feedback(False, refusal)
        given[key] = answer
    wrong = [key for key in expected if not _accepted(given[key], expected[key])]
    if not wrong:
        return Feedback(True, success)
    explanation = why(wrong[0], given[wrong[0]])
    if nudge is not None:
        # Graded per situation: a first wrong answer to it gets the nudge, another wrong answer to it the why.
        explanation = graded(f"choices: {name}: {wrong[0]}", given[wrong[0]], f"Look again at {wrong[0]!r}: {nudge}", explanation)
    return Feedback(False, f"{len(wrong)} wrong. {explanation}")


def equal(item: object, wanted: object) -> bool:
    """``item == wanted`` for answers of any type: False where == raises or is not a plain bool, and True is not 1."""
    if isinstance(item, bool) != isinstance(wanted, bool):
        return False
    try:
        same = item == wanted
        if isinstance(same, bool):
            return same
        # NumPy scalars compare to a numpy.bool_; an array compares element-wise (not one answer, so not equal).
        return type(same).__module__ == "numpy" and type(same).__name__ in ("bool", "bool_") and bool(same)
    except Exception:  # an object whose == raises (a proxy whose server is gone)
        return False


def missing_items(items: Sequence[object], expected: Sequence[object]) -> list[object]:
    """The items of ``expected`` that ``items`` lacks, counted with repeats, whatever ``items`` holds (None, ..., lists)."""
    left = list(items)
    missing = []
    for wanted in expected:
        for index, item in enumerate(left):
            if equal(item, wanted):
                del left[index]
                break
        else:
            missing.append(wanted)
    return missing


def same_items(items: Sequence[object], expected: Sequence[object]) -> bool:
    """True when ``items`` holds exactly the items of ``expected``, in any order; safe for items of any type."""
    return len(items) == len(expected) and not missing_items(items, expected)


def answer_key(items: Sequence[object]) -> list[object]:
    """A key for graded() that stays the same when the same code runs again: numbers kept, anything else by type.

    (The repr of a future or a record holds addresses, pids or times, which change from run to run.)
    """
    return [item if is_number(item) else type(item).__name__ for item in items]


def show(value: object, limit: int = 60) -> str:
    """A short repr of any answer for a message (cut at ``limit`` characters; never raises)."""
    try:
        text = repr(value)
    except Exception:  # a repr that raises
        text = f"<a {type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def whole_number(value: object, minimum: int = 0) -> int | None:
    """``value`` as an int when it is a finite whole number ≥ ``minimum`` (3 or 3.0, not True, inf or 3.5); else None."""
    if not is_finite_number(value) or value != int(value) or value < minimum:  # type: ignore[call-overload, operator]
        return None
    return int(value)  # type: ignore[call-overload]
