"""The course's exercises: ``from d2l_helpers.exercises import ____, lesson1``.

Each lesson module holds one :class:`Exercise` per question (``lesson1.q1`` ...)
and a ``progress()`` listing them; ``core`` has the machinery. Not in the book.
"""
from d2l_helpers.exercises.core import (
    CORRECT,
    INCORRECT,
    NOT_ATTEMPTED,
    Exercise,
    ExerciseSet,
    Incorrect,
    Outcome,
    ____,
    need_close,
    need_runs,
    need_tensor,
    uses_blank,
)

__all__ = ["CORRECT", "INCORRECT", "NOT_ATTEMPTED", "Exercise", "ExerciseSet", "Incorrect",
           "Outcome", "____", "need_close", "need_runs",
           "need_tensor", "uses_blank"]
