"""Exercise checks: one module per notebook, each check returning specific Feedback.

feedback.py holds the verdict (Feedback), graded hints and the guard every check wears; answers.py the
patterns the checks share (numbers, dicts of choices, lists that may hold anything).
"""

from helpers.exercises.answers import choice_feedback, close_to, is_finite_number, is_number, mapping_problem
from helpers.exercises.feedback import Feedback, exercise_check, forget_answers, graded, unanswered

__all__ = ["Feedback", "choice_feedback", "close_to", "exercise_check", "forget_answers", "graded", "is_finite_number",
           "is_number", "mapping_problem", "unanswered"]
