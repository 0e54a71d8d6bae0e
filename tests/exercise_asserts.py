"""Assertions shared by the per-lesson exercise tests (tests/test_exercises_lessonN.py)."""
from d2l_helpers.exercises import CORRECT, INCORRECT


def incorrect(exercise, *answers):
    """The diagnosis ``exercise`` gives for ``answers``; fails unless it says 'incorrect'."""
    outcome = exercise.evaluate(*answers)
    assert outcome.status == INCORRECT, outcome.message
    return outcome.message


def correct(exercise, *answers):
    """The message ``exercise`` gives for ``answers``; fails unless it says 'correct'."""
    outcome = exercise.evaluate(*answers)
    assert outcome.status == CORRECT, outcome.message
    return outcome.message


def predicted(exercise, prediction, *measured):
    """Evaluate a predict-first exercise as if ``prediction`` had been stored."""
    exercise.prediction = prediction
    try:
        return exercise.evaluate(*measured)
    finally:
        exercise.prediction = None


def rejected(outcome, *words):
    """Fail unless ``outcome`` says 'incorrect' (never a checker's own error) with each of ``words``."""
    assert outcome.status == INCORRECT, outcome.message
    for word in words:
        assert word in outcome.message, (word, outcome.message)
    assert "检查程序自己出错了" not in outcome.message


def accepted(outcome):
    """The message of ``outcome``; fails unless it says 'correct' (the counterpart of ``rejected``)."""
    assert outcome.status == CORRECT, outcome.message
    return outcome.message


def only_choice_accepted(exercise, measured, answer, choices=("A", "B", "C")):
    """Fail unless predicting ``answer`` is correct on ``measured`` and every other choice is
    told that the measurement says ``answer`` ("也就是 <answer>")."""
    accepted(predicted(exercise, answer, measured))
    for wrong in set(choices) - {answer}:
        rejected(predicted(exercise, wrong, measured), f"也就是 {answer}")
