"""Lesson 2 exercises (book sections 3.6-3.7): ``from d2l_helpers.exercises import lesson2 as ex``.

q1 and q2 are the lesson's own: a numerically stable softmax and log-softmax, checked on
ordinary logits and on hard ones (huge, far apart, rows at +1000 and -1000, one low
outlier, rows spread over ±1000), on which every shift but the row maximum fails. q3
and q4 are the book's two exercises of section 3.7, asked predict-first and judged
against what the lesson's experiment measured over seeds.
"""
import torch

from d2l_helpers.exercises.core import (
    ExerciseSet,
    Incorrect,
    judge_best,
    need_close,
    need_tensor,
    reject_mistakes,
)
from d2l_helpers.repeats import Comparison, Runs

exercises = ExerciseSet("第 2 课", __name__)
progress, say, need = exercises.progress, exercises.say, exercises.need


def _rowmax(O):
    return O.max(dim=1, keepdim=True).values


def _normalised(E):
    return E / E.sum(dim=1, keepdim=True)


def _log_softmax_shifted(O, c):
    return O - c - torch.log(torch.exp(O - c).sum(dim=1, keepdim=True))


def reference_softmax(O):
    """Row-wise softmax of ``O`` (batch, classes), with each row's maximum subtracted first."""
    return _normalised(torch.exp(O - _rowmax(O)))


def reference_log_softmax(O):
    """Row-wise log-softmax of ``O`` (batch, classes) by the LogSumExp trick."""
    return _log_softmax_shifted(O, _rowmax(O))


def _logits():
    """The test inputs, each of shape (4, 10), easy first: ``{name: O}``.

    ``huge``: rows near 1000 (exp overflows); ``far_apart``: entries 100-300 below the
    row's maximum (exp underflows); ``mixed_rows``: rows near +1000 and near -1000 (one
    constant for the whole tensor cannot serve both); ``low_outlier``: one entry 100
    below the rest (the row minimum as the shift overflows); ``wide_rows``: rows
    spread over ±1000 like the lesson's [1000, 0, -1000] (the row mean overflows).
    """
    g = torch.Generator().manual_seed(2)
    ordinary = torch.randn(4, 10, generator=g) * 3
    huge = 1000 + torch.randn(4, 10, generator=g) * 5
    far_apart = torch.randn(4, 10, generator=g)
    far_apart[:, 1::3] -= torch.tensor([100.0, 200.0, 300.0])
    mixed_rows = torch.randn(4, 10, generator=g) + torch.tensor([[1000.0], [-1000.0], [0.0],
                                                                 [500.0]])
    low_outlier = torch.randn(4, 10, generator=g)
    low_outlier[:, 7] -= 100.0
    wide_rows = torch.linspace(1000.0, -1000.0, 10).repeat(4, 1) + torch.randn(4, 10, generator=g)
    return {"ordinary": ordinary, "huge": huge, "far_apart": far_apart,
            "mixed_rows": mixed_rows, "low_outlier": low_outlier, "wide_rows": wide_rows}


def _call(f, O, name):
    """Run the learner's ``f`` on a copy of ``O``; diagnose shape errors and in-place edits."""
    given = O.clone()
    out = f(given)
    need(torch.equal(given, O), "in_place", name=name)
    return need_tensor(out, f"{name}(O) 的结果", O.shape).detach().float()


# Constants per row (or for all) that are not the row maximum, and why each fails.
_SHIFTS = ((lambda O: O.max(), say("global_max")), (lambda O: O.min(), say("global_min")),
           (lambda O: O.min(dim=1, keepdim=True).values, say("row_min")),
           (lambda O: O.mean(dim=1, keepdim=True), say("row_mean")))


def _with_shifts(mistake):
    """``mistake(O, c)`` with each wrong constant c of ``_SHIFTS``, each with its diagnosis."""
    return tuple((lambda O, shift=shift: mistake(O, shift(O)), why) for shift, why in _SHIFTS)


# Known wrong softmaxes (a function of O) and their diagnoses, most specific first.
_SOFTMAX_MISTAKES = (
    (lambda O: torch.log_softmax(O, dim=1), say("q1.log_probs")),
    (lambda O: torch.softmax(O, dim=0), say("q1.batch_dim")),
    (lambda O: torch.exp(O - _rowmax(O)) / torch.exp(O - _rowmax(O)).sum(dim=0, keepdim=True),
     say("q1.sum_batch_dim")),
    (lambda O: torch.exp(O - _rowmax(O)) / torch.exp(O - _rowmax(O)).sum(), say("q1.whole_sum")),
    (lambda O: torch.exp(O - _rowmax(O)), say("q1.unnormalised")),
    (lambda O: _normalised(torch.exp(O - O.max(dim=0, keepdim=True).values)),
     say("q1.column_max")),
    *_with_shifts(lambda O, c: _normalised(torch.exp(O - c))),
    (lambda O: _normalised(torch.exp(O)), say("q1.overflow")),
)

_LOG_SOFTMAX_MISTAKES = (
    (reference_softmax, say("q2.probs")),
    (lambda O: torch.log_softmax(O, dim=0), say("q2.batch_dim")),
    (lambda O: reference_log_softmax(O) + _rowmax(O), say("q2.forgot_c")),
    (lambda O: reference_log_softmax(O) - _rowmax(O), say("q2.c_twice")),
    (lambda O: _log_softmax_shifted(O, O.max(dim=0, keepdim=True).values), say("q2.column_max")),
    (lambda O: torch.log(reference_softmax(O)), say("q2.log_of_probs")),
    *_with_shifts(_log_softmax_shifted),
    (lambda O: torch.log(_normalised(torch.exp(O))), say("q2.overflow")),
    (lambda O: O - torch.log(torch.exp(O).sum(dim=1, keepdim=True)), say("q2.overflow")),
)


def _check_rows(f, name, reference, mistakes, atol):
    """Run ``f`` on every test input; name the known mistake whose outputs it reproduces on
    all of them, else say on which input it first goes wrong."""
    cases = _logits()
    got = {case: _call(f, O, name) for case, O in cases.items()}
    expected = {case: reference(O) for case, O in cases.items()}
    wrong = [case for case in cases
             if not torch.allclose(got[case], expected[case], atol=atol, rtol=1e-4)]
    if not wrong:
        return
    reject_mistakes(got, cases, mistakes)
    case = wrong[0]
    where = say(f"where_{case}")
    need(torch.isfinite(got[case]).all(), "not_finite", where=where)
    need_close(got[case], expected[case], f"{name}(O) {where}", atol=atol)


@exercises.code()
def q1(softmax_stable):
    _check_rows(softmax_stable, "softmax_stable", reference_softmax, _SOFTMAX_MISTAKES, 1e-5)
    return say("q1.correct")


@exercises.code()
def q2(log_softmax_stable):
    _check_rows(log_softmax_stable, "log_softmax_stable", reference_log_softmax,
                _LOG_SOFTMAX_MISTAKES, 1e-3)
    return say("q2.correct")


def _batch(size):
    return say("q3.batch", size=size)


def _need_valid_acc(measured):
    """Runs that record validation accuracy as ``test_acc`` (train_ch3's name for its third
    loader) are the learner's to rename, not the checker's to fail on."""
    for key, runs in (measured.items() if isinstance(measured, dict) else ()):
        renamed = not isinstance(runs, Runs) or "valid_acc" in runs.metrics()
        need(renamed or "test_acc" not in runs.metrics(), "q3.test_acc", batch=_batch(key))


@exercises.prediction(choices=(32, 256, 2048))
def q3(prediction, measured):
    _need_valid_acc(measured)
    return judge_best(prediction, measured, "valid_acc", describe=_batch,
                      why=lambda p, best: say("q3.why"))


def _in_order(loss_verdict, acc_verdict):
    """The two verdicts as the lesson makes them: the loss first, the accuracy second, both
    ``compare(last epoch, early-stopping epoch)``; a swapped or reversed pair is named."""
    for verdict, part in ((loss_verdict, say("q4.loss_part")), (acc_verdict, say("q4.acc_part"))):
        need(isinstance(verdict, Comparison), "q4.not_compared",
             part=part, kind=type(verdict).__name__)
    need(not ("loss" not in loss_verdict.metric and "loss" in acc_verdict.metric), "q4.swapped")
    need("loss" in loss_verdict.metric and "acc" in acc_verdict.metric, "q4.metrics",
         loss=loss_verdict.metric, acc=acc_verdict.metric)
    if loss_verdict.outcome != "diverged" and loss_verdict.difference < 0:
        # the early-stopping epoch has the lowest validation loss of each seed by construction
        raise Incorrect(say("q4.reversed"))
    need(loss_verdict.names == acc_verdict.names, "q4.other_pairs",
         loss=loss_verdict.names, acc=acc_verdict.names)


def _worse(verdict, part):
    """Whether ``verdict`` (last epoch vs the early-stopping epoch, a :class:`Comparison`
    by ``_in_order``) says 'clearly worse'."""
    need(verdict.outcome != "diverged", "q4.diverged", part=part, verdict=verdict)
    return verdict.outcome == ("higher" if "loss" in verdict.metric else "lower")


@exercises.prediction(choices=("A", "B", "C", "D"))
def q4(prediction, loss_verdict, acc_verdict):
    """Verdicts compare the last epoch (first) with the early-stopping epoch (second)."""
    _in_order(loss_verdict, acc_verdict)
    worse = _worse(loss_verdict, say("q4.loss_part")), _worse(acc_verdict, say("q4.acc_part"))
    measured = {(False, False): "A", (True, False): "B", (True, True): "C",
                (False, True): "D"}[worse]
    found = say("q4.found", loss=loss_verdict, acc=acc_verdict, measured=measured,
                meaning=say(f"q4.{measured}"))
    need(prediction == measured, "q4.wrong",
         prediction=prediction, predicted=say(f"q4.{prediction}"), found=found)
    return found
