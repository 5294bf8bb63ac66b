"""Feedback for exercise answers: the verdict, graded hints, and the guard that keeps every check from raising."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

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


# What the guard says when a check met an error of its own: the property tests fail on any feedback that holds it.
UNJUDGED = "This answer could not be judged"

Check = TypeVar("Check", bound=Callable[..., "Feedback"])


def exercise_check(check: Check) -> Check:
    """Decorator for every exercise check: whatever the answer, the learner gets Feedback, never a traceback.

    A check should judge every answer itself; this guard is the last resort for an answer nobody thought
    of, and says so, so that the learner can tell the check, not their code, met the problem.
    """

    @functools.wraps(check)
    def guarded(*args: object, **kwargs: object) -> Feedback:
        try:
            return check(*args, **kwargs)
        except Exception as error:  # the check's own error, not the learner's: Ctrl-C still stops the cell
            return Feedback(False, f"{UNJUDGED} ({type(error).__name__} in {check.__name__}: {error}). "
                            "Compare its type and shape with what the exercise asks for.")

    guarded.__exercise_check__ = True  # type: ignore[attr-defined]
    return guarded  # type: ignore[return-value]


def is_guarded(check: Callable[..., object]) -> bool:
    """True when ``check`` is wrapped by exercise_check."""
    return bool(getattr(check, "__exercise_check__", False))
