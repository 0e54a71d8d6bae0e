"""The course's exercises: ``from d2l_helpers.exercises import lesson1 as ex``.

Each lesson module holds one :class:`Exercise` per question (``lesson1.q1`` ...),
declared on its checker, and a ``progress()`` listing them; ``core`` has the
machinery and the generic kinds. Not in the book.
"""
from d2l_helpers.exercises.core import (
    CHECKER_ERROR,
    CORRECT,
    INCORRECT,
    NOT_ATTEMPTED,
    Exercise,
    ExerciseSet,
    Incorrect,
    Outcome,
    ____,
    judge_best,
    need_close,
    need_runs,
    need_tensor,
    raised_by_learner,
    reject_known,
    reject_mistakes,
    uses_blank,
)

__all__ = ["CHECKER_ERROR", "CORRECT", "INCORRECT", "NOT_ATTEMPTED", "Exercise", "ExerciseSet",
           "Incorrect", "Outcome", "____", "judge_best", "need_close", "need_runs", "need_tensor",
           "raised_by_learner", "reject_known", "reject_mistakes", "uses_blank"]
