"""Lesson 8 exercises (book section 4.5): ``from d2l_helpers.exercises import lesson8 as ex``.

Three pieces of code the lesson then trains with: ``l2_penalty`` (q1), the loss line of the
book's training loop (q2, ``penalized_loss``) and ``l1_penalty`` (q3b). Each check runs the
learner's function on easy and hard inputs (a column, a 1-D vector, a row like
``nn.Linear``'s weight, a matrix; small and large values; a bias that is not zero; batches
of one and of several examples) and names the typical mistake by its fingerprint on *all*
of them. Three predict-first questions are judged against the lesson's runs over seeds:
L1 against L2 (q3), decaying the bias (q4) and the optimism of the best validation score (q5).
"""
import math

import torch

from d2l_helpers.exercises.core import (
    ExerciseSet,
    Incorrect,
    need_runs,
    need_tensor,
    reject_mistakes,
)
from d2l_helpers.regression import linreg, squared_loss
from d2l_helpers.repeats import MIN_SEEDS, Runs, compare

exercises = ExerciseSet("第 8 课", __name__)
progress, say, need = exercises.progress, exercises.say, exercises.need


# --- references the lesson falls back on until the learner's code passes -------------------

def l2_penalty(w):
    """Reference (book 4.5.3): half the sum of the squares of every element of ``w``."""
    return torch.sum(w.pow(2)) / 2


def l1_penalty(w):
    """Reference (book 4.5, exercise 3): the sum of the absolute values of ``w``."""
    return torch.sum(torch.abs(w))


def penalized_loss(X, y, w, b, lambd, penalty=l2_penalty):
    """Reference: the loss line of the book's ``train(lambd)`` (4.5.3), one value per example:
    ``squared_loss(linreg(X, w, b), y) + lambd * penalty(w)``; the bias is not penalised."""
    return squared_loss(linreg(X, w, b), y) + lambd * penalty(w)


# --- shared: inputs and checks for a penalty -------------------------------------------------

def _penalty_inputs():
    """Named inputs: easy ones (small, a column as in the book) and hard ones (a 1-D vector
    with a zero, a row shaped like nn.Linear's weight, a matrix, values beyond 1, one sign)."""
    g = torch.Generator().manual_seed(0)
    return {
        "column": torch.randn(200, 1, generator=g),  # the book's w: N(0, 1), many |w| > 1
        "small": torch.randn(200, 1, generator=g) * 0.01,
        "vector": torch.tensor([3.0, -2.0, 0.5, 0.0, -1.5]),
        "row": torch.randn(1, 200, generator=g) * 2,  # nn.Linear(200, 1).weight
        "matrix": torch.randn(3, 4, generator=g) * 2,  # a hidden layer's weights
        "positive": torch.rand(6, 1, generator=g) + 0.5,  # one sign, all above 0.5
    }


def _run_penalty(penalty, name, inputs):
    """``penalty`` on every input (copies, no gradient); return one float per case.

    Rejects what can be told from one output alone: not a tensor, changed the input in
    place, not one number."""
    got = {}
    for case, w in inputs.items():
        before = w.clone()
        out = penalty(w)
        kind, where = type(out).__name__, say(f"shape_{case}")
        need(isinstance(out, bool) or not isinstance(out, (int, float)), "python_number",
             name=name, kind=kind)
        need(type(out).__module__ != "numpy", "numpy_number", name=name, kind=kind)
        need_tensor(out, f"{name}(w)")
        need(torch.equal(w, before), "in_place", name=name)
        if out.numel() != 1:
            need(tuple(out.shape) != tuple(w.shape), "not_summed", name=name, shape=tuple(w.shape))
            raise Incorrect(say("not_one_number", name=name, where=where, shape=tuple(out.shape),
                                how=say(f"how_{name}")))
        value = float(out.detach())
        need(math.isfinite(value), "not_finite", where=where, name=name, value=value)
        got[case] = value
    return got


def _need_value(got, expected, name, formula):
    for case, value in got.items():
        need(math.isclose(value, expected[case], rel_tol=1e-4, abs_tol=1e-6), "value",
             where=say(f"shape_{case}"), name=name, value=value, expected=expected[case],
             formula=formula)


def _need_no_factor(got, expected, name, formula):
    """Every case off by the same factor: a constant multiplied in (lambd, most likely)."""
    ratios = [got[case] / expected[case] for case in got if expected[case] != 0]
    k = ratios[0]
    need(math.isclose(k, 1, rel_tol=1e-3)
         or not all(math.isclose(r, k, rel_tol=1e-4) for r in ratios),
         "factor", name=name, formula=formula, k=k)


def _fingerprints(inputs, mistakes):
    """``reject_mistakes`` wants a function of the input per mistake, giving a float."""
    return [(lambda w, f=f: float(f(w)), diagnosis) for f, diagnosis in mistakes]


def _spectral(w):
    return torch.linalg.matrix_norm(w, ord=2) if w.dim() == 2 else torch.linalg.vector_norm(w)


def _matrix_one_norm(w):
    return w.abs().sum(dim=0).max() if w.dim() == 2 else w.abs().sum()


_L2_MISTAKES = (
    (lambda w: (w ** 2).sum(), say("q1.doubled")),
    (lambda w: w.abs().sum(), say("q1.l1")),
    (lambda w: w.abs().sum() / 2, say("q1.l1_half")),
    (lambda w: torch.linalg.vector_norm(w), say("q1.norm")),
    (lambda w: torch.linalg.vector_norm(w) / 2, say("q1.norm_half")),
    (lambda w: (w ** 2).mean() / 2, say("q1.mean")),
    (lambda w: (w ** 2).mean(), say("q1.mean_no_half")),
    (lambda w: w.sum() ** 2 / 2, say("q1.square_of_sum")),
    (lambda w: torch.nn.functional.smooth_l1_loss(w, torch.zeros_like(w), reduction="sum"),
     say("q1.huber")),
    (lambda w: torch.log(torch.cosh(w)).sum(), say("q1.log_cosh")),
    (lambda w: _spectral(w) ** 2 / 2, say("q1.spectral")),
)


def _penalty_gradient(penalty, name, w, expected_grad, what):
    w = w.clone().requires_grad_(True)
    out = penalty(w)
    need(torch.is_tensor(out) and out.requires_grad, "detached", name=name)
    out.sum().backward()
    grad = w.grad
    need(grad is not None, "no_grad", name=name)
    need(not torch.isnan(grad).any(), "nan_grad", name=name)
    need(expected_grad is None or torch.allclose(grad, expected_grad, atol=1e-5, rtol=1e-4),
         "wrong_grad", name=name, what=what)


def _check_penalty(penalty, name, reference, mistakes, symbol, formula):
    """Every input's value: the typical mistakes named, then a constant factor, then the value
    itself (``symbol`` and ``formula`` say what it should be); return the inputs."""
    inputs = _penalty_inputs()
    got = _run_penalty(penalty, name, inputs)
    reject_mistakes(got, inputs, _fingerprints(inputs, mistakes), atol=1e-6, rtol=1e-4)
    expected = {case: float(reference(w)) for case, w in inputs.items()}
    _need_no_factor(got, expected, name, symbol)
    _need_value(got, expected, name, formula)
    return inputs


# --- q1: l2_penalty --------------------------------------------------------------------------

_PENALTY_ERRORS = (
    (r"name '(lambd|lam|lamb|lmbda|lambda_|wd)' is not defined", say("error_lambd")),
    (r"leaf Variable that requires grad is being used in an in-place operation",
     say("error_in_place")),
    (r"too many indices|IndexError", say("error_index")),
    (r"self must be a matrix|both arguments to matmul need to be at least 1D|1D tensors expected|"
     r"Expected 2D|must be a matrix|size mismatch|cannot be multiplied", say("error_matmul")),
)


@exercises.code(diagnose=_PENALTY_ERRORS)
def q1(penalty):
    inputs = _check_penalty(penalty, "l2_penalty", l2_penalty, _L2_MISTAKES, " Σw²/2 ",
                            say("q1.formula"))
    w = inputs["column"]
    _penalty_gradient(penalty, "l2_penalty", w, w, say("q1.gradient"))
    return say("q1.correct")


# --- q2: the loss line of the training loop --------------------------------------------------

# (batch size, lambd, bias): the first is easy (one example, lambd 1, bias 0 as the book
# initialises it), on which several mistakes agree with the book's line.
_LOSS_CASES = {"easy": (1, 1.0, 0.0), "batch": (5, 3.0, 0.3), "other": (4, 0.5, -0.7),
               "no decay": (5, 0.0, 0.2)}


def _loss_inputs():
    g = torch.Generator().manual_seed(1)
    inputs = {}
    for case, (size, lambd, bias) in _LOSS_CASES.items():
        X = torch.randn(size, 200, generator=g)
        y = torch.randn(size, 1, generator=g) * 0.2 + 0.05
        w = torch.randn(200, 1, generator=g)
        inputs[case] = (X, y, w, torch.tensor([bias]), lambd)
    return inputs


def _sq(X, y, w, b):
    return (X @ w + b - y) ** 2 / 2


def _p(t):
    return (t ** 2).sum() / 2


_LOSS_MISTAKES = (
    (lambda X, y, w, b, lam: _sq(X, y, w, b) + _p(w) + 0 * lam, say("q2.no_lambd")),
    (lambda X, y, w, b, lam: lam * (_sq(X, y, w, b) + _p(w)), say("q2.lambd_on_all")),
    (lambda X, y, w, b, lam: lam * _sq(X, y, w, b) + _p(w), say("q2.lambd_on_data")),
    (lambda X, y, w, b, lam: _sq(X, y, w, b) - lam * _p(w), say("q2.subtracted")),
    (lambda X, y, w, b, lam: _sq(X, y, w, b) + lam * (_p(w) + _p(b)), say("q2.bias")),
    (lambda X, y, w, b, lam: _sq(X, y, w, b) + lam * _p(w) / X.shape[0], say("q2.per_batch")),
    (lambda X, y, w, b, lam: (X @ w + b - y) ** 2 + lam * _p(w), say("q2.mse")),
    (lambda X, y, w, b, lam: _sq(X, y, w, b) + lam * (w ** 2).sum(), say("q2.doubled")),
    (lambda X, y, w, b, lam: _sq(X, y, w, b) + lam * _p(w) / 2, say("q2.halved")),
    (lambda X, y, w, b, lam: _sq(X, y, w, b) + lam * w.abs().sum(), say("q2.l1")),
    (lambda X, y, w, b, lam: _sq(X, y, w, b) + lam * torch.linalg.vector_norm(w),
     say("q2.norm")),
    (lambda X, y, w, b, lam: _sq(X, y, w, b) + 0 * lam * _p(w), say("q2.no_penalty")),
)

_SCALAR_MISTAKES = (
    (lambda X, y, w, b, lam: (_sq(X, y, w, b) + lam * _p(w)).sum(), say("q2.summed")),
    (lambda X, y, w, b, lam: lam * _p(w), say("q2.only_penalty")),
    (lambda X, y, w, b, lam: _sq(X, y, w, b).mean() + lam * _p(w), say("q2.mean")),
    (lambda X, y, w, b, lam: _sq(X, y, w, b).sum() + lam * _p(w), say("q2.once_per_batch")),
)


_LOSS_ERRORS = (
    (r"l2_penalty.* is not defined|name 'l2_penalty' is not defined", say("q2.error_undefined")),
    (r"must match the size of tensor|must match the existing size", say("q2.error_shape")),
)


def _need_no_penalty_factor(flat, inputs):
    """The data term right and the penalty off by the same factor everywhere: a constant
    (batch_size, 5 in the lesson, most likely) in the penalty term."""
    ratios = []
    for case, (X, y, w, b, lambd) in inputs.items():
        extra = flat[case] - _sq(X, y, w, b).reshape(-1)
        if not torch.allclose(extra, extra[0].expand_as(extra), atol=1e-4, rtol=1e-4):
            return
        if lambd == 0:
            if abs(float(extra[0])) > 1e-4:
                return
            continue
        ratios.append(float(extra[0]) / (lambd * float(_p(w))))
    k = ratios[0]
    if math.isclose(k, 1, rel_tol=1e-3) or not all(math.isclose(r, k, rel_tol=1e-3) for r in ratios):
        return
    need(not math.isclose(k, 1 / 5, rel_tol=1e-3), "q2.batch_size_5")
    raise Incorrect(say("q2.factor", k=k))


@exercises.code(diagnose=_LOSS_ERRORS, context=lambda: {"l2_penalty": l2_penalty})
def q2(loss_line):
    inputs = _loss_inputs()
    got = {}
    for case, (X, y, w, b, lambd) in inputs.items():
        out = need_tensor(loss_line(X, y, w.clone(), b.clone(), lambd),
                          "penalized_loss(X, y, w, b, lambd)")
        got[case] = out.detach().float()
    sizes = {case: inputs[case][0].shape[0] for case in inputs}
    if any(got[case].numel() != sizes[case] for case in inputs):
        scalar = all(got[case].numel() == 1 for case in inputs)
        if scalar:
            reject_mistakes({c: float(v) for c, v in got.items()}, inputs,
                            [(lambda a, f=f: float(f(*a)), d) for f, d in _SCALAR_MISTAKES])
        case = next(c for c in inputs if got[c].numel() != sizes[c])
        raise Incorrect(say("q2.per_example", size=sizes[case], shape=tuple(got[case].shape)))
    flat = {case: value.reshape(-1) for case, value in got.items()}
    reject_mistakes(flat, inputs, [(lambda a, f=f: f(*a).reshape(-1), d) for f, d in _LOSS_MISTAKES])
    _need_no_penalty_factor(flat, inputs)
    for case, (X, y, w, b, lambd) in inputs.items():
        expected = penalized_loss(X, y, w, b, lambd).reshape(-1)
        size, lam, bias = _LOSS_CASES[case]
        need(torch.allclose(flat[case], expected, atol=1e-5, rtol=1e-4), "q2.value", size=size,
             lam=lam, bias=bias, got=float(flat[case][0]), expected=float(expected[0]))
    # the gradient that the loop takes: l.sum().backward()
    X, y, w0, b0, lambd = inputs["batch"]
    w, b = w0.clone().requires_grad_(True), b0.clone().requires_grad_(True)
    loss_line(X, y, w, b, lambd).sum().backward()
    w_ref, b_ref = w0.clone().requires_grad_(True), b0.clone().requires_grad_(True)
    penalized_loss(X, y, w_ref, b_ref, lambd).sum().backward()
    need(w.grad is not None and b.grad is not None, "q2.no_grad")
    need(torch.allclose(b.grad, b_ref.grad, atol=1e-5, rtol=1e-4), "q2.b_grad")
    need(torch.allclose(w.grad, w_ref.grad, atol=1e-4, rtol=1e-4), "q2.w_grad")
    return say("q2.correct")


# --- the predictions -------------------------------------------------------------------------

def _need_pair(measured, names, what, metric):
    """Both sides of the comparison, each with ``MIN_SEEDS`` seeds and ``metric`` recorded."""
    need_runs(measured, what, at_least=2)
    missing = [name for name in names if name not in measured]
    need(not missing, "missing_runs", what=what, names="、".join(map(repr, names)),
         missing="、".join(map(repr, missing)))
    for name in names:
        need(len(measured[name]) >= MIN_SEEDS, "few_seeds",
             name=name, seeds=len(measured[name]), least=MIN_SEEDS)
    for name in names:
        if metric not in measured[name].metrics():
            raise Incorrect(say("no_metric", name=name, metric=metric,
                                recorded="、".join(measured[name].metrics())))


def _judge(prediction, verdict, answers, why):
    """``prediction`` against ``verdict``: ``answers`` maps its outcome to the right choice,
    ``why`` the right choice to the reasoning a learner who missed it is told."""
    answer = answers.get(verdict.outcome)
    need(answer is not None, "verdict", verdict=verdict)
    if prediction == answer:
        return say("verdict", verdict=verdict)
    raise Incorrect(say("measured", verdict=verdict, why=why.get(answer, "")))


def _absolute(runs, metric):
    """The same runs with ``|metric|`` as ``abs_<metric>`` (one row per seed)."""
    return Runs(runs.seeds, [[{f"abs_{metric}": abs(v)}] for v in runs.values(metric)])


@exercises.prediction(choices=("L1", "L2", "same"))
def q3(prediction, measured):
    _need_pair(measured, ("L1", "L2"), "L1 和 L2 各自的重复实验", "near_zero")
    verdict = compare(measured["L1"], measured["L2"], "near_zero", names=("L1", "L2"),
                      label=say("q3.label"))
    return _judge(prediction, verdict, {"higher": "L1", "lower": "L2", "noise": "same"},
                  {"L1": say("q3.why")})


# --- q3b: l1_penalty -------------------------------------------------------------------------

_L1_MISTAKES = (
    (lambda w: w.sum(), say("q3b.no_abs")),
    (lambda w: w.sum().abs(), say("q3b.abs_of_sum")),
    (lambda w: (w ** 2).sum() / 2, say("q3b.l2")),
    (lambda w: (w ** 2).sum(), say("q3b.squares")),
    (lambda w: torch.linalg.vector_norm(w), say("q3b.norm")),
    (lambda w: w.abs().sum() / 2, say("q3b.half")),
    (lambda w: w.abs().mean(), say("q3b.mean")),
    (lambda w: w.abs().max(), say("q3b.max")),
    (_matrix_one_norm, say("q3b.matrix_norm")),
)


def _l1_gradient(penalty, w):
    """The gradient is sign(w) where w is not 0; at 0 any subgradient in [-1, 1] will do."""
    _penalty_gradient(penalty, "l1_penalty", w, None, "")
    w = w.clone().requires_grad_(True)
    penalty(w).sum().backward()
    grad, nonzero = w.grad, w != 0
    need(torch.allclose(grad[nonzero], torch.sign(w.detach()[nonzero]), atol=1e-5)
         and bool((grad[~nonzero].abs() <= 1 + 1e-6).all()), "q3b.sign_grad")


@exercises.code(diagnose=_PENALTY_ERRORS)
def q3b(penalty):
    inputs = _check_penalty(penalty, "l1_penalty", l1_penalty, _L1_MISTAKES, " Σ|w| ",
                            say("q3b.formula"))
    _l1_gradient(penalty, inputs["vector"])  # has a zero: the gradient there must be finite
    return say("q3b.correct")


@exercises.prediction(choices=("toward 0", "unchanged", "away from 0"))
def q4(prediction, measured):
    names = ("weights only", "all parameters")
    _need_pair(measured, names, "只衰减权重、连偏置一起衰减两组的重复实验", "b")
    free, decayed = (_absolute(measured[name], "b") for name in names)
    verdict = compare(decayed, free, "abs_b", names=(say("q4.decayed"), say("q4.free")),
                      label=say("q4.label"))
    return _judge(prediction, verdict,
                  {"lower": "toward 0", "noise": "unchanged", "higher": "away from 0"},
                  {"toward 0": say("q4.why")})


@exercises.prediction(choices=("lower", "same", "higher"))
def q5(prediction, measured):
    _need_pair(measured, ("validation", "fresh"), "选中的设置在验证集上和在新样本上的成绩", "loss")
    verdict = compare(measured["validation"], measured["fresh"], "loss",
                      names=(say("q5.validation"), say("q5.fresh")), label=say("q5.label"))
    return _judge(prediction, verdict, {"lower": "lower", "noise": "same", "higher": "higher"},
                  {"lower": say("q5.why")})
