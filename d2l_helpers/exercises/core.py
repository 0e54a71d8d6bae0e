"""Exercises a learner attempts first: ``check()``, ``hint()``, ``solution()`` (not in the book).

One :class:`Exercise` per question, grouped per lesson in an :class:`ExerciseSet`,
in the manner of Kaggle Learn's exercise notebooks. The learner's starter cell holds
``____`` placeholders; untouched it still runs, and its check says "尚未作答".
A check runs the learner's function, tensor or number against the reference on real
inputs and names the typical mistake when there is one; it never reads source text.
"""
import types
from typing import NamedTuple

import torch

from d2l_helpers.repeats import Runs

CORRECT, INCORRECT, NOT_ATTEMPTED = "correct", "incorrect", "not attempted"
_STATUS_TEXT = {CORRECT: "✓ 正确", INCORRECT: "✗ 还不对", NOT_ATTEMPTED: "· 尚未作答"}


class _Blank:
    """The ``____`` placeholder: a value the learner has not filled in yet.

    Arithmetic with it gives it back, so a starter such as ``x * ____`` still runs.
    """

    def __repr__(self):
        return "____"

    def _same(self, *args):
        return self

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _same
    __truediv__ = __rtruediv__ = __matmul__ = __rmatmul__ = __pow__ = __rpow__ = _same
    __neg__ = _same


____ = _Blank()


class Incorrect(Exception):
    """Raised by a checker: the answer is wrong; the message says what and where to look."""


class Outcome(NamedTuple):
    """What one check found: ``status`` is 'correct', 'incorrect' or 'not attempted'."""

    status: str
    message: str


def _code_uses_blank(code):
    if "____" in code.co_names:
        return True
    return any(isinstance(c, types.CodeType) and _code_uses_blank(c) for c in code.co_consts)


def uses_blank(answer):
    """True if ``answer`` is ``____`` or a function whose code still refers to ``____``."""
    if answer is ____:
        return True
    if isinstance(answer, (list, tuple)):
        return any(uses_blank(a) for a in answer)
    code = getattr(getattr(answer, "__func__", answer), "__code__", None)
    return code is not None and _code_uses_blank(code)


def need_tensor(value, what, shape=None):
    """Return ``value`` if it is a tensor (of ``shape``); else raise :class:`Incorrect`."""
    if not torch.is_tensor(value):
        raise Incorrect(f"{what}应当是一个张量，你给出的是 {type(value).__name__}：{value!r:.60}。")
    if shape is not None and tuple(value.shape) != tuple(shape):
        raise Incorrect(f"{what}的形状应当是 {tuple(shape)}，你给出的是 {tuple(value.shape)}。")
    return value


def need_close(value, expected, what, atol=1e-5, rtol=1e-4):
    """Raise :class:`Incorrect` unless tensor ``value`` equals ``expected`` within tolerance."""
    need_tensor(value, what, expected.shape)
    value = value.detach().to(expected.dtype)
    if torch.isnan(value).any() and not torch.isnan(expected).any():
        raise Incorrect(f"{what}里有 nan：看看是不是某一步算出了 inf/inf 或 0/0。")
    if not torch.allclose(value, expected, atol=atol, rtol=rtol):
        worst = int((value - expected).abs().flatten().argmax())
        raise Incorrect(f"{what}的数值不对：第 {worst} 个元素是 "
                        f"{float(value.flatten()[worst]):.4g}，应当是 "
                        f"{float(expected.flatten()[worst]):.4g}。")


def need_runs(measured, what, at_least=1):
    """Return ``measured`` if it maps at least ``at_least`` settings to ``d2l.repeat`` results
    (:class:`Runs`); else raise :class:`Incorrect` saying what the check needs."""
    if not isinstance(measured, dict) or len(measured) < at_least or not all(
            isinstance(runs, Runs) for runs in measured.values()):
        raise Incorrect(f"check 需要 {what}：一个字典，至少 {at_least} 个设置，值是 d2l.repeat 的结果"
                        f"（上面实验格子里的变量），你给出的是 {type(measured).__name__}：{measured!r:.60}。")
    return measured


class Exercise:
    """One question: a checker, progressive hints and a worked solution.

    ``starter`` is the code of the learner's cell as shipped and ``solution_code`` the
    same cell filled in (``tools/fill_solutions.py`` swaps one for the other).
    ``checker(*answers)`` raises :class:`Incorrect` with a diagnosis, or returns an
    optional note to print under "正确". A predict-first exercise (``predict=True``)
    takes the learner's prediction with ``predict()`` before the experiment runs; its
    ``check(*measured)`` then calls ``checker(prediction, *measured)``. ``choices``
    lists the predictions allowed. ``context()``, if given, returns the names the
    starter and solution cells need from the lesson (the tests run them with it).
    """

    def __init__(self, name, title, checker, hints, solution_code, explanation, starter,
                 predict=False, choices=None, context=None):
        self.name, self.title, self.checker = name, title, checker
        self.hints, self.solution_code = list(hints), solution_code
        self.explanation, self.starter = explanation, starter
        self.is_prediction, self.choices, self.context = predict, choices, context
        self.ref = name  # how the learner reaches it, e.g. 'ex.q1' (set by ExerciseSet)
        self.last = Outcome(NOT_ATTEMPTED, "")
        self.prediction = None
        self._hints_shown = 0

    def _not_attempted(self, what="把 ____ 换成你的代码"):
        return Outcome(NOT_ATTEMPTED, f"{self.title}：尚未作答。{what}，再运行这个格子"
                                      f"（需要提示：{self.ref}.hint()）。")

    def _incorrect(self, text):
        return Outcome(INCORRECT, f"{self.title}：还不对。{text}\n提示：{self.ref}.hint()；"
                                  f"参考答案：{self.ref}.solution()。")

    def evaluate(self, *answers):
        """Run the check without printing or recording; return an :class:`Outcome`."""
        if self.is_prediction:
            if self.prediction is None:
                return self._not_attempted("先在上面的格子里写下你的预测（把 ____ 换掉）")
            answers = (self.prediction, *answers)
        if not answers or any(uses_blank(a) for a in answers):
            return self._not_attempted()
        try:
            note = self.checker(*answers)
        except Incorrect as wrong:
            return self._incorrect(str(wrong))
        except Exception as err:  # the learner's code failed while being checked
            return self._incorrect(f"运行你的代码时出错：{type(err).__name__}: {err}")
        return Outcome(CORRECT, f"{self.title}：✓ 正确。" + (f"{note}" if note else ""))

    def predict(self, prediction):
        """Record the learner's prediction (predict-first exercises) and say so."""
        if not self.is_prediction:
            raise TypeError(f"{self.ref} is not a prediction: call {self.ref}.check(...)")
        if uses_blank(prediction):
            self.prediction, self.last = None, self._not_attempted("写下你的预测")
            print(self.last.message)
            return
        if self.choices is not None and prediction not in self.choices:
            self.prediction, self.last = None, self._not_attempted(
                f"预测应当是 {', '.join(repr(c) for c in self.choices)} 之一，"
                f"你写的是 {prediction!r}；改好")
            print(self.last.message)
            return
        self.prediction = prediction
        print(f"{self.title}：已记下你的预测 {prediction!r}。运行下面的实验，再运行检查。")

    def check(self, *answers):
        """Check the learner's answer(s); print the verdict and remember it for ``progress``."""
        self.last = self.evaluate(*answers)
        print(self.last.message)

    def use(self, answer, reference):
        """Return ``answer`` if its last check was correct, else ``reference``; say which.

        Later cells build on the learner's code (their ``relu``, their ``net``); until it
        passes, the lesson goes on with the reference so that every cell still runs.
        """
        if self.last.status == CORRECT:
            print(f"{self.title}：下面用你自己的实现继续。")
            return answer
        print(f"{self.title}：你的实现还没有通过检查，下面先用参考实现继续（通过后重新运行这里）。")
        return reference

    def hint(self, n=None):
        """Print the next hint, or hint ``n`` (1-based); later hints say more."""
        if n is None:
            n = min(self._hints_shown + 1, len(self.hints))
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= len(self.hints):
            raise ValueError(f"{self.ref}.hint({n!r}): this exercise has hints 1 to "
                             f"{len(self.hints)}")
        self._hints_shown = max(self._hints_shown, n)
        more = f"（还有提示 {n + 1}：{self.ref}.hint()）" if n < len(self.hints) else ""
        print(f"{self.title} 提示 {n}/{len(self.hints)}：{self.hints[n - 1]}{more}")

    def solution(self):
        """Print the worked solution: the filled-in cell and why it is right."""
        code = "\n".join("    " + line if line else "" for line in self.solution_code.splitlines())
        print(f"{self.title} 参考答案：\n\n{code}\n\n{self.explanation}")

    def __repr__(self):
        return f"<{self.ref}: {self.title} ({self.last.status})>"


class ExerciseSet:
    """A lesson's exercises, in order; ``progress()`` lists how each one stands."""

    def __init__(self, lesson, alias="ex"):
        self.lesson, self.alias, self.exercises = lesson, alias, {}

    def add(self, name, title, checker, hints, solution_code, explanation, starter, **options):
        """Create an :class:`Exercise` reachable as ``<alias>.<name>``; return it.

        ``options`` are :class:`Exercise`'s ``predict``, ``choices`` and ``context``.
        """
        if name in self.exercises:
            raise ValueError(f"exercise {name!r} is defined twice in {self.lesson}")
        exercise = Exercise(name, title, checker, hints, solution_code, explanation, starter,
                            **options)
        exercise.ref = f"{self.alias}.{name}"
        self.exercises[name] = exercise
        return exercise

    def progress(self):
        """Print each exercise of the lesson as correct / incorrect / not attempted."""
        counts = {s: 0 for s in _STATUS_TEXT}
        print(f"{self.lesson}的练习：")
        for exercise in self.exercises.values():
            counts[exercise.last.status] += 1
            print(f"  {_STATUS_TEXT[exercise.last.status]:<6} {exercise.title}")
        print(f"共 {len(self.exercises)} 题：正确 {counts[CORRECT]}，还不对 {counts[INCORRECT]}，"
              f"尚未作答 {counts[NOT_ATTEMPTED]}。")
