"""Exercises a learner attempts first: ``check()``, ``hint()``, ``solution()`` (not in the book).

In the manner of Kaggle Learn's learntools: a problem is declared in a few lines, on a
few generic kinds. A lesson module makes one :class:`ExerciseSet` and declares each
question with a decorator whose function is the checker and whose name is the
question's name; what the learner reads (title, hints, the solution cell, the
explanation, and what the checker says) is in the lesson's TOML file beside it::

    exercises = ExerciseSet("第 1 课", __name__)     # lesson1.py; texts in lesson1.toml
    say, need = exercises.say, exercises.need

    @exercises.code()
    def q1(f):                                     # [q1] in the TOML: title, hints, ...
        got = f(torch.tensor([1.0, -2.0]))
        need(torch.is_tensor(got), "q1.no_tensor")  # [q1.says] no_tensor = "..."
        reject_known(got, [(torch.tensor([1.0, -2.0]), say("q1.unchanged"))])
        need_close(got, torch.tensor([2.0, -4.0]), "f(x)")
        return say("q1.correct")

The learner's starter cell (``____`` placeholders) lives only in the notebook; the
TOML file holds the solution cell. Untouched, a starter still runs and its check says
"尚未作答". A check runs the learner's code on real inputs, hard ones included, and
names the typical mistake (:func:`reject_known` for "known wrong value → diagnosis",
:func:`judge_best` and :func:`judge_paired` for "a prediction against measured
runs"). It never reads source.

Who is to blame for an exception: one raised by the learner's own code (a frame of
theirs is in its traceback) is theirs, shown with a diagnosis in words; one raised by
the checker itself is the checker's bug and is never shown as the learner's mistake.
"""
import inspect
import math
import re
import sys
import sysconfig
import types
from pathlib import Path
from typing import NamedTuple

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

import torch

from d2l_helpers.repeats import MIN_SEEDS, Runs, compare

CORRECT, INCORRECT, NOT_ATTEMPTED = "correct", "incorrect", "not attempted"
CHECKER_ERROR = "checker error"
_STATUS_TEXT = {CORRECT: "✓ 正确", INCORRECT: "✗ 还不对", NOT_ATTEMPTED: "· 尚未作答",
                CHECKER_ERROR: "! 检查出错"}


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
    """What one check found: ``status`` is one of CORRECT, INCORRECT, NOT_ATTEMPTED and
    CHECKER_ERROR (the checker itself failed: not the learner's mistake)."""

    status: str
    message: str


def _code_uses_blank(code):
    if "____" in code.co_names:
        return True
    return any(isinstance(c, types.CodeType) and _code_uses_blank(c) for c in code.co_consts)


def uses_blank(answer):
    """True if ``answer`` is ``____``, or a function or class whose code still refers to ``____``."""
    if answer is ____:
        return True
    if isinstance(answer, (list, tuple)):
        return any(uses_blank(a) for a in answer)
    if isinstance(answer, type):  # a class the learner completes (lesson 9's Net): its methods
        return any(uses_blank(v) for v in vars(answer).values() if callable(v))
    code = getattr(getattr(answer, "__func__", answer), "__code__", None)
    return code is not None and _code_uses_blank(code)


# --- whose exception is it ---------------------------------------------------------------

_PACKAGE_DIR = str(Path(__file__).resolve().parent.parent)
_LIBRARY_DIRS = tuple({str(Path(p).resolve()) for key in ("stdlib", "platstdlib", "purelib",
                                                         "platlib")
                       if (p := sysconfig.get_paths().get(key))}
                      | {str(Path(sys.base_prefix).resolve()), str(Path(sys.prefix).resolve())})


def _is_learner_file(filename, checker_file=None):
    """Whether code from ``filename`` is the learner's (a notebook cell, a script): anything
    but this package, Python's library, installed packages and the checker's own file."""
    if filename.startswith("<frozen") or filename.startswith("<__array_function__"):
        return False
    if filename.startswith("<"):
        return True  # exec'd text: a cell run by hand
    path = str(Path(filename).resolve())
    if checker_file is not None and path == str(Path(checker_file).resolve()):
        return False
    return not (path.startswith(_PACKAGE_DIR) or path.startswith(_LIBRARY_DIRS))


def _codes_of(answers):
    """The code objects of the learner's answers (their functions and what those define)."""
    found, pending = set(), []
    for answer in answers:
        function = getattr(answer, "__func__", answer)
        code = getattr(function, "__code__", None)
        if code is None and callable(answer):  # an object with a __call__ of its own
            code = getattr(getattr(type(answer), "__call__", None), "__code__", None)  # noqa: B004
        if code is not None:
            pending.append(code)
    while pending:
        code = pending.pop()
        if code not in found:
            found.add(code)
            pending.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
    return found


def raised_by_learner(err, answers=(), checker=None):
    """True if the learner's own code is in the traceback of ``err``: a frame of one of the
    ``answers``' functions, or of a file that is neither this package, an installed
    library nor the file that defines ``checker``."""
    codes = _codes_of(answers)
    checker_file = getattr(getattr(checker, "__code__", None), "co_filename", None)
    tb = err.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if code in codes or _is_learner_file(code.co_filename, checker_file):
            return True
        tb = tb.tb_next
    return False


# Errors a learner's code raises, and what they mean (checked in order, on str(err)).
_LEARNER_ERRORS = (
    (r"torch\.return_types\.(max|min)", "max(dim=...)（或 min）返回的是一对 (values, indices)，"
     "不是张量：取它的 .values，例如 O.max(dim=1, keepdim=True).values。"),
    (r"shape '\[(\d+), (\d+)\]' is invalid for input of size",
     "reshape 里写死了批量大小：检查用的批量和上课用的不一样大（最后一个批量也更小）。"
     "写 reshape((-1, 784))，-1 让 PyTorch 自己算出批量大小。"),
    (r"1D tensors expected", "torch.dot 只接受两个一维向量（点积）；"
                             "矩阵乘法用 @ 或 torch.matmul。"),
    (r"must match the size of tensor", "两个张量的形状对不上，不能逐元素相加减：按行求最大值或"
     "求和后，加上 keepdim=True，让结果保持 (批量, 1)，才能和 (批量, 类别) 逐行广播。"),
    (r"cannot be multiplied|size mismatch", "矩阵乘法的形状对不上：A @ B 要求 A 的列数等于 B "
     "的行数。先把每张图拉平成一行，X.reshape((-1, 784))，再按 X @ W1、H @ W2 的顺序相乘。"),
    (r"is not defined", "用到了一个还没定义的名字：Python 区分大小写，检查拼写，"
     "以及定义它的格子是否已经运行过。"),
    (r"is not a Module subclass", "nn.Sequential 里要放层的实例：写 nn.ReLU()（带括号），"
     "不是类 nn.ReLU 本身。"),
    (r"object is not callable", "你把一个不是函数的东西当函数调用了：看看是不是少写或多写了"
     "一对括号，或者一个变量名盖住了同名的函数。"),
)


def _learner_error_message(err, extra=()):
    """The diagnosis of an exception the learner's code raised, in words."""
    text = str(err)
    for pattern, diagnosis in (*extra, *_LEARNER_ERRORS):
        if re.search(pattern, text):
            return f"运行你的代码时出错。{diagnosis}（Python 的原话：{type(err).__name__}: {text}）"
    first = text.splitlines()[0] if text else ""
    return (f"运行你的代码时出错（{type(err).__name__}: {first}）。看看出错的那一行："
            "在你的格子里单独调用一次你的函数，就能看到完整的错误信息。")


# --- what checkers use -------------------------------------------------------------------

def need_tensor(value, what, shape=None):
    """Return ``value`` if it is a tensor (of ``shape``); else raise :class:`Incorrect`."""
    if not torch.is_tensor(value):
        raise Incorrect(f"{what}应当是一个张量，你给出的是 {type(value).__name__}：{value!r:.60}。")
    if shape is not None and tuple(value.shape) != tuple(shape):
        raise Incorrect(f"{what}的形状应当是 {tuple(shape)}，你给出的是 {tuple(value.shape)}。")
    return value


def need_close(value, expected, what, atol=1e-5, rtol=1e-4):
    """Raise :class:`Incorrect` unless tensor ``value`` equals ``expected`` within tolerance
    (NaN and inf only where ``expected`` has them)."""
    need_tensor(value, what, expected.shape)
    value = value.detach().to(expected.dtype)
    if torch.isnan(value).any() and not torch.isnan(expected).any():
        raise Incorrect(f"{what}里有 nan：看看是不是某一步算出了 inf/inf、inf - inf 或 0/0。")
    if torch.isinf(value).any() and not torch.isinf(expected).any():
        raise Incorrect(f"{what}里有 inf 或 -inf：看看是不是某一步上溢（exp 太大），"
                        "或者对 0 取了 log。")
    if not torch.allclose(value, expected, atol=atol, rtol=rtol, equal_nan=True):
        worst = int((value - expected).abs().nan_to_num(0.0).flatten().argmax())
        raise Incorrect(f"{what}的数值不对：第 {worst} 个元素是 "
                        f"{float(value.flatten()[worst]):.4g}，应当是 "
                        f"{float(expected.flatten()[worst]):.4g}。")


def _same_value(got, wrong, atol, rtol):
    if torch.is_tensor(wrong):
        return (torch.is_tensor(got) and got.shape == wrong.shape
                and torch.allclose(got.detach().to(wrong.dtype), wrong, atol=atol, rtol=rtol,
                                   equal_nan=True))
    if isinstance(wrong, (int, float)) and isinstance(got, (int, float)):
        if math.isnan(wrong) or math.isnan(got):  # NaN equal to NaN, as for tensors
            return math.isnan(wrong) and math.isnan(got)
        return math.isclose(got, wrong, rel_tol=rtol, abs_tol=atol)
    return got == wrong


def reject_known(got, wrongs, atol=1e-5, rtol=1e-4):
    """Raise :class:`Incorrect` with the diagnosis of the first known wrong value ``got`` matches.

    ``wrongs`` is a sequence of ``(wrong value, diagnosis)``: tensors are compared within
    tolerance (NaN equal to NaN), numbers too (NaN equal to NaN), anything else with ``==``.
    """
    for wrong, diagnosis in wrongs:
        if _same_value(got, wrong, atol, rtol):
            raise Incorrect(diagnosis)


def reject_mistakes(got, inputs, mistakes, atol=1e-5, rtol=1e-4):
    """Raise :class:`Incorrect` with the diagnosis of the first known mistake that gives what
    the learner's function gave on *every* input (a fingerprint: on one easy input many
    mistakes agree with each other, and with the reference).

    ``got`` and ``inputs`` map each case to the learner's output and its input;
    ``mistakes`` is a sequence of ``(wrong function of the input, diagnosis)``. A mistake
    that returns None on a case is not defined there (its shapes do not fit, say) and is
    compared on the other cases; one defined on no case never matches.
    """
    for mistake, diagnosis in mistakes:
        wrong = {case: mistake(value) for case, value in inputs.items()}
        defined = [case for case, value in wrong.items() if value is not None]
        if defined and all(_same_value(got[case], wrong[case], atol, rtol) for case in defined):
            raise Incorrect(diagnosis)


def need_runs(measured, what, at_least=1):
    """Return ``measured`` if it maps at least ``at_least`` settings to ``d2l.repeat`` results
    (:class:`Runs`); else raise :class:`Incorrect` saying what the check needs."""
    if not isinstance(measured, dict) or len(measured) < at_least or not all(
            isinstance(runs, Runs) for runs in measured.values()):
        raise Incorrect(f"check 需要 {what}：一个字典，至少 {at_least} 个设置，值是 d2l.repeat "
                        f"的结果（上面实验格子里的变量），你给出的是 {type(measured).__name__}："
                        f"{measured!r:.60}。")
    return measured


def judge_best(prediction, measured, metric, describe=str, label="验证精度", why=None):
    """Judge a prediction of the best setting against runs over seeds.

    ``measured`` maps each setting to its :class:`Runs`. The prediction counts when it
    is the setting with the highest mean ``metric`` or not significantly below it
    (``d2l.compare`` at its level). Returns the note to print under "正确"; otherwise
    raises :class:`Incorrect` with the measurement and ``why(prediction, best)``.
    """
    need_runs(measured, f"各设置的重复实验（{label}）", at_least=2)
    if prediction not in measured:
        raise Incorrect(f"实验里没有测 {describe(prediction)}；测过的是："
                        f"{'、'.join(describe(k) for k in measured)}。")
    for key, runs in measured.items():
        if metric not in runs.metrics():
            raise Incorrect(f"{describe(key)} 的结果里没有记录 {metric!r}（记录了："
                            f"{'、'.join(runs.metrics())}）。train_ch3 把第三个数据集上的精度记作 "
                            "'test_acc'：它是验证集时，用 runs.renamed(test_acc=\"valid_acc\")。")
        if len(runs) < MIN_SEEDS:
            raise Incorrect(f"{describe(key)} 只跑了 {len(runs)} 个种子：比较至少要 {MIN_SEEDS} 个，"
                            f"d2l.repeat(..., seeds={MIN_SEEDS})。")
    finite = {key: runs for key, runs in measured.items() if not runs.diverged(metric)}
    if prediction not in finite:
        raise Incorrect(f"{describe(prediction)} 有种子发散了（{metric} 是 nan/inf：种子 "
                        f"{measured[prediction].diverged(metric)}），它不可能是最好的。")
    measured = finite
    best = max(measured, key=lambda key: measured[key].final(metric).mean)
    tied = [key for key in measured if key != best and compare(
        measured[key], measured[best], metric).outcome == "noise"]
    tied_text = (f"；{'、'.join(describe(k) for k in tied)} 与它的差别不显著，预测它们也算对"
                 if tied else "")
    if prediction == best:
        return f"{label}的均值最高的正是 {describe(best)}{tied_text}。"
    verdict = compare(measured[prediction], measured[best], metric,
                      names=(describe(prediction), describe(best)), label=label)
    if verdict.outcome == "noise":
        return f"{label}的均值最高的是 {describe(best)}；{verdict}，所以你的预测也算对。"
    reason = why(prediction, best) if why else ""
    raise Incorrect(f"实验里{label}最高的是 {describe(best)}；{verdict}。{reason}")


def judge_paired(prediction, runs, what, new, old, *, metric, names, label, words, why,
                 answers=(("higher", "A"), ("noise", "B"), ("lower", "C"))):
    """Judge a prediction of how metric ``new`` compares with metric ``old``, both recorded per
    seed in one :class:`Runs` (``what`` names the learner's variable), by the paired
    ``d2l.compare`` of the two. ``answers`` maps its outcome ('higher', 'noise', 'lower' for
    ``new`` against ``old``) to a choice and ``words`` each choice to its meaning. Returns the
    verdict to print under "正确"; otherwise raises :class:`Incorrect` with the verdict, the
    right choice and ``why``."""
    if not isinstance(runs, Runs):
        raise Incorrect(f"check 需要上面实验格子里的 {what}（d2l.repeat 的结果），你给出的是 "
                        f"{type(runs).__name__}：{runs!r:.60}。")
    missing = [m for m in (new, old) if m not in runs.metrics()]
    if missing:
        raise Incorrect(f"{what} 里没有记录 {missing}（记录了：{'、'.join(runs.metrics())}）："
                        "用上面实验格子里的结果。")
    if len(runs) < MIN_SEEDS:
        raise Incorrect(f"{what} 只跑了 {len(runs)} 个种子：比较至少要 {MIN_SEEDS} 个，"
                        f"d2l.repeat(..., seeds={MIN_SEEDS})。")
    verdict = compare(runs.renamed(**{new: metric}), runs.renamed(**{old: metric}), metric,
                      names=names, label=label)
    if verdict.outcome == "diverged":
        raise Incorrect(f"{verdict}。")
    answer = dict(answers)[verdict.outcome]
    if prediction == answer:
        return f"{verdict}。"
    raise Incorrect(f"{verdict}，也就是 {answer}（{words[answer]}）。{why}")


# --- the exercise ------------------------------------------------------------------------

def _describe_answer(value):
    if torch.is_tensor(value):
        return f"一个形状为 {tuple(value.shape)} 的张量"
    if isinstance(value, types.GeneratorType):
        return "一个生成器（generator）"
    return f"{type(value).__name__} {value!r:.40}"


class Exercise:
    """One question: a checker, progressive hints and a worked solution.

    ``checker(*answers)`` raises :class:`Incorrect` with a diagnosis, or returns an
    optional note to print under "正确". A prediction (``choices`` given) takes the
    learner's prediction with ``predict()`` before the experiment runs; its
    ``check(*measured)`` then calls ``checker(prediction, *measured)``. ``functions``:
    how many leading answers must be functions (the learner passes the function
    itself). ``context()``, if given, returns the names the lesson's cells give the
    solution (the tests run it with them). ``diagnose``: extra ``(regex, diagnosis)``
    pairs for errors the learner's code raises.
    """

    def __init__(self, name, title, checker, hints, solution, explanation, choices=None,
                 functions=1, context=None, diagnose=()):
        self.name, self.title, self.checker = name, title, checker
        self.hints, self.solution_code, self.explanation = list(hints), solution, explanation
        self.is_prediction = choices is not None
        self.choices, self.context, self.diagnose = choices, context, tuple(diagnose)
        self.functions = 0 if self.is_prediction else functions
        self.ref = name  # how the learner reaches it, e.g. 'ex.q1' (set by ExerciseSet)
        self.last = Outcome(NOT_ATTEMPTED, "")
        self.prediction = None
        self._hints_shown = 0
        self._parameters = [p for p in inspect.signature(checker).parameters.values()
                            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]

    def _not_attempted(self, what="把 ____ 换成你的代码"):
        return Outcome(NOT_ATTEMPTED, f"{self.title}：尚未作答。{what}，再运行这个格子"
                                      f"（需要提示：{self.ref}.hint()）。")

    def _incorrect(self, text):
        return Outcome(INCORRECT, f"{self.title}：还不对。{text}\n提示：{self.ref}.hint()；"
                                  f"参考答案：{self.ref}.solution()。")

    def _checker_error(self, err):
        return Outcome(CHECKER_ERROR, f"{self.title}：检查程序自己出错了，这不是你的代码的问题"
                                      f"（{type(err).__name__}: {err}）。请把这一行报告给课程"
                                      "维护者；可以先继续往下学。")

    def _call_shape(self):
        names = [p.name for p in self._parameters]
        if self.is_prediction:
            names = names[1:]
        return f"{self.ref}.check({', '.join(names)})"

    def _wrong_arguments(self, answers):
        """Why ``answers`` cannot be checked at all (count, or a value for a function), or None."""
        wanted = len(self._parameters) - (1 if self.is_prediction else 0)
        given = len(answers) - (1 if self.is_prediction else 0)
        required = [p for p in self._parameters if p.default is p.empty]
        if not len(required) <= len(answers) <= len(self._parameters):
            return (f"{self.title}：check 需要 {wanted} 个参数，写成 {self._call_shape()}，"
                    f"你给了 {given} 个。")
        for i, value in enumerate(answers[:self.functions]):
            if not callable(value):
                name = self._parameters[i].name
                return (f"{self.title}：把函数本身交给 check，写成 {self._call_shape()}"
                        f"（不要加括号调用它）。你交的 {name} 是{_describe_answer(value)}。")
        return None

    def evaluate(self, *answers):
        """Run the check without printing or recording; return an :class:`Outcome`."""
        if self.is_prediction:
            if self.prediction is None:
                return self._not_attempted("先在上面的格子里写下你的预测（把 ____ 换掉）")
            answers = (self.prediction, *answers)
        if not answers or any(uses_blank(a) for a in answers):
            return self._not_attempted()
        wrong = self._wrong_arguments(answers)
        if wrong is not None:
            return Outcome(INCORRECT, wrong)
        try:
            note = self.checker(*answers)
        except Incorrect as err:
            return self._incorrect(str(err))
        except Exception as err:  # noqa: BLE001 - sorted into the learner's and the checker's
            if raised_by_learner(err, answers, self.checker):
                return self._incorrect(_learner_error_message(err, self.diagnose))
            return self._checker_error(err)
        return Outcome(CORRECT, f"{self.title}：✓ 正确。" + (f"{note}" if note else ""))

    def predict(self, prediction):
        """Record the learner's prediction (predict-first exercises) and say so."""
        if not self.is_prediction:
            raise TypeError(f"{self.ref} is not a prediction: call {self.ref}.check(...)")
        if uses_blank(prediction):
            self.prediction, self.last = None, self._not_attempted("写下你的预测")
            print(self.last.message)
            return
        if prediction not in self.choices:
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

    def reference(self, name, **names):
        """The function ``name`` that the solution cell defines: the solution is the reference.

        The cell's code runs once (its ``ex.`` lines, which check or predict, left out) with
        ``torch``, ``nn``, ``F``, ``math`` and the book's ``d2l.Accumulator``, ``d2l.accuracy``
        and ``d2l.sgd``; ``names`` adds what else it reads (e.g. ``relu``).
        """
        from torch import nn
        from torch.nn import functional as F

        from d2l_helpers.metrics import Accumulator, accuracy
        from d2l_helpers.training import sgd

        book = types.SimpleNamespace(Accumulator=Accumulator, accuracy=accuracy, sgd=sgd)
        namespace = {"torch": torch, "nn": nn, "F": F, "math": math, "d2l": book, **names}
        alias = self.ref.split(".")[0]  # "ex" in "ex.q1"
        code = "\n".join(line for line in self.solution_code.splitlines()
                         if not line.startswith(f"{alias}."))
        # Named as a file of this package: an error in it is the course's, not the learner's.
        exec(compile(code, str(Path(__file__).parent / f"{self.name}.solution"), "exec"),
             namespace)
        return namespace[name]

    def solution(self):
        """Print the worked solution: the filled-in cell and why it is right."""
        code = "\n".join("    " + line if line else "" for line in self.solution_code.splitlines())
        print(f"{self.title} 参考答案：\n\n{code}\n\n{self.explanation}")

    def __repr__(self):
        return f"<{self.ref}: {self.title} ({self.last.status})>"


def _load_texts(module_name):
    """The exercise texts beside module ``module_name``: ``lessonN.toml`` next to ``lessonN.py``."""
    path = Path(sys.modules[module_name].__file__).with_suffix(".toml")
    with path.open("rb") as file:
        return tomllib.load(file)


def _says_of(texts, source):
    """What the checkers say (diagnoses, notes on a right answer) by full key: ``"q1.mask"``
    for key ``mask`` of table ``[q1.says]``, ``"mask"`` for one of the top-level ``[says]``."""
    found = {}
    tables = [("", texts.get("says", {}))] + [
        (f"{name}.", table.get("says", {})) for name, table in texts.items()
        if isinstance(table, dict) and name != "says"]
    for prefix, table in tables:
        for key, text in table.items():
            if not isinstance(text, str):
                raise TypeError(f"says.{prefix}{key} in the texts of {source} is "
                                f"{type(text).__name__}, not a string")
            found[prefix + key] = text
    return found


class ExerciseSet:
    """A lesson's exercises, in order; ``progress()`` lists how each one stands.

    Declare each with ``@exercises.code(...)`` or ``@exercises.prediction(...)`` on its
    checker; the checker's name (``q1``) is the exercise's name. What the learner reads
    (title, hints, solution, explanation) comes from the ``[q1]`` table of the lesson's
    TOML file beside its module (``ExerciseSet("第 1 课", __name__)``), or is given to
    the decorator; the checker's diagnoses may live there too (``[q1.says]``, read
    with :meth:`say`), so that the module holds what the check does and the TOML file
    what the learner reads.
    """

    _TEXTS = ("title", "hints", "solution", "explanation")

    def __init__(self, lesson, module=None, alias="ex"):
        self.lesson, self.alias, self.exercises = lesson, alias, {}
        self.texts = _load_texts(module) if module else {}
        self.says = _says_of(self.texts, module)

    def say(self, key, /, **values):
        """The text ``key`` from the lesson's TOML file, its ``{placeholders}`` filled
        from ``values`` (``str.format``): ``say("q2.transposed", name="W1")`` is key
        ``transposed`` of table ``[q2.says]``; a key without a dot is one of the
        top-level ``[says]`` table (texts that several exercises share). A key or a
        value that is missing raises ``KeyError``: the checker's bug, never the learner's."""
        if key not in self.says:
            raise KeyError(f"{self.lesson} has no text {key!r} to say: add it to the lesson's "
                           "TOML file")
        return self.says[key].format(**values)

    def need(self, condition, key, /, **values):
        """Raise :class:`Incorrect` with the text ``key`` (see :meth:`say`) unless ``condition``
        holds: one line per requirement of a check. ``values`` are computed before the call,
        so pass none whose computation ``condition`` is meant to guard."""
        if not condition:
            raise Incorrect(self.say(key, **values))

    def _add(self, checker, texts, **options):
        name = checker.__name__
        if name in self.exercises:
            raise ValueError(f"exercise {name!r} is defined twice in {self.lesson}")
        given = {key: value for key, value in texts.items() if value is not None}
        merged = {**self.texts.get(name, {}), **given}
        missing = [key for key in self._TEXTS if key not in merged]
        if missing:
            raise ValueError(f"exercise {name!r} of {self.lesson} has no {', '.join(missing)}: "
                             f"add them to its [{name}] table in the lesson's TOML file")
        exercise = Exercise(name, merged["title"], checker, merged["hints"], merged["solution"],
                            merged["explanation"], **options)
        exercise.ref = f"{self.alias}.{name}"
        self.exercises[name] = exercise
        return exercise

    def code(self, title=None, hints=None, solution=None, explanation=None, functions=1,
             context=None, diagnose=()):
        """Decorator: the learner writes code (a function, or a value) checked by the
        decorated function; returns the :class:`Exercise`."""
        texts = dict(title=title, hints=hints, solution=solution, explanation=explanation)
        return lambda checker: self._add(checker, texts, functions=functions, context=context,
                                         diagnose=diagnose)

    def prediction(self, choices, title=None, hints=None, solution=None, explanation=None):
        """Decorator: a predict-first question among ``choices``, judged by the decorated
        ``checker(prediction, *measured)``; returns the :class:`Exercise`."""
        texts = dict(title=title, hints=hints, solution=solution, explanation=explanation)
        return lambda checker: self._add(checker, texts, choices=tuple(choices))

    def progress(self):
        """Print each exercise of the lesson as correct / incorrect / not attempted."""
        counts = {s: 0 for s in _STATUS_TEXT}
        print(f"{self.lesson}的练习：")
        for exercise in self.exercises.values():
            counts[exercise.last.status] += 1
            print(f"  {_STATUS_TEXT[exercise.last.status]:<6} {exercise.title}")
        print(f"共 {len(self.exercises)} 题：正确 {counts[CORRECT]}，还不对 {counts[INCORRECT]}，"
              f"尚未作答 {counts[NOT_ATTEMPTED] + counts[CHECKER_ERROR]}。")
