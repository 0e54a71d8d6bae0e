"""Lesson 12's exercises: the confusion matrix, the label-shift estimate, the reweighting and the
importance weights with their usual mistakes diagnosed; the predictions judged on constructed
runs; the sampling tool (tests/test_exercises.py and tests/test_exercise_notebooks.py run the
starters and solutions)."""
import random

import numpy as np
import pytest
import torch
from exercise_asserts import accepted as correct
from exercise_asserts import only_choice_accepted
from exercise_asserts import rejected as incorrect
from torch.nn import functional as F

from d2l_helpers.exercises import NOT_ATTEMPTED, ____
from d2l_helpers.exercises import lesson12 as ex
from d2l_helpers.repeats import Runs


@pytest.fixture(autouse=True)
def fresh_exercises():
    for exercise in ex.exercises.exercises.values():
        exercise.prediction = None
    yield


# --- q1: the confusion matrix ------------------------------------------------------------------

def counts_of(y_hat, y, k):
    counts = torch.zeros((k, k))
    for i, j in zip(y_hat.tolist(), y.tolist()):
        counts[i, j] += 1
    return counts


def bincount_counts(y_hat, y, k):
    return torch.bincount(y_hat * k + y, minlength=k * k).reshape(k, k).float()


@pytest.mark.parametrize("confusion_matrix", [
    ex.reference_confusion_matrix,
    lambda y_hat, y, k: counts_of(y_hat, y, k) / counts_of(y_hat, y, k).sum(0),
    lambda y_hat, y, k: bincount_counts(y_hat, y, k) / torch.bincount(y, minlength=k).float(),
    lambda y_hat, y, k: (F.one_hot(y_hat, k).T.double() @ F.one_hot(y, k).double())
    / F.one_hot(y, k).sum(0),
    lambda y_hat, y, k: torch.stack([torch.bincount(y_hat[y == j], minlength=k) / (y == j).sum()
                                     for j in range(k)], dim=1),
], ids=["reference", "loop", "bincount", "one-hot product", "column by column"])
def test_confusion_matrix_written_any_right_way_is_correct(confusion_matrix):
    correct(ex.q1.evaluate(confusion_matrix))


@pytest.mark.parametrize("confusion_matrix, words", [
    (lambda y_hat, y, k: (counts_of(y_hat, y, k) / counts_of(y_hat, y, k).sum(0)).T, ["转置"]),
    (lambda y_hat, y, k: counts_of(y, y_hat, k) / counts_of(y, y_hat, k).sum(0), ["转置"]),
    (lambda y_hat, y, k: counts_of(y_hat, y, k) / counts_of(y_hat, y, k).sum(1, keepdim=True),
     ["按行归一化", "P(y = j | ŷ = i)"]),
    (lambda y_hat, y, k: counts_of(y_hat, y, k), ["计数", "没有归一化"]),
    (lambda y_hat, y, k: counts_of(y_hat, y, k) / len(y), ["样本总数", "联合比例"]),
    (lambda y_hat, y, k: counts_of(y, y_hat, k), ["转置的计数"]),
    (lambda y_hat, y, k: counts_of(y, y_hat, k) / len(y), ["转置的联合比例"]),
    (lambda y_hat, y, k: bincount_counts(y_hat, y, k).long() // torch.bincount(y, minlength=k),
     ["整数张量"]),
    (lambda y_hat, y, k: counts_of(y_hat, y, k) / counts_of(y_hat, y, k).sum(dim=1),
     ["sum(dim=1)", "keepdim"]),
], ids=["transposed", "indices swapped", "row-normalised", "counts", "joint", "transposed counts",
        "transposed joint", "integer division", "row sums without keepdim"])
def test_confusion_matrix_mistakes_get_their_diagnosis(confusion_matrix, words):
    incorrect(ex.q1.evaluate(confusion_matrix), *words)


def test_confusion_matrix_sized_by_the_labels_seen_is_told_to_use_num_classes():
    def sized_by_predictions(y_hat, y, k):
        m = int(max(y_hat.max(), y.max())) + 1
        n = int(y_hat.max()) + 1
        counts = torch.bincount(y_hat * m + y, minlength=n * m).reshape(n, m).float()
        return counts / counts.sum(0)
    incorrect(ex.q1.evaluate(sized_by_predictions), "从没被预测过", "num_classes")


def test_confusion_matrix_counted_in_a_loop_sized_by_the_predictions_is_told_to_use_num_classes():
    def loop_sized_by_predictions(y_hat, y, k):
        n = int(y_hat.max()) + 1  # one short when the last class is never predicted
        counts = torch.zeros((n, n))
        for i, j in zip(y_hat.tolist(), y.tolist()):
            counts[i, j] += 1
        return counts / counts.sum(0)
    incorrect(ex.q1.evaluate(loop_sized_by_predictions), ex.say("q1.error_index"))


@pytest.mark.parametrize("codes", [
    lambda y_hat, y, k: (y_hat * k + y).float(),
    lambda y_hat, y, k: torch.stack((y_hat, y), dim=1),
], ids=["float codes", "pairs"])
def test_confusion_matrix_bincount_of_floats_or_pairs_is_told_to_count_integer_codes(codes):
    def confusion_matrix(y_hat, y, k):
        counts = torch.bincount(codes(y_hat, y, k), minlength=k * k).reshape(k, k).float()
        return counts / counts.sum(0)
    incorrect(ex.q1.evaluate(confusion_matrix), ex.say("q1.error_bincount"))


def test_confusion_matrix_off_by_one_class_is_caught():
    def off_by_one(y_hat, y, k):
        counts = torch.zeros((k + 1, k + 1))
        counts.index_put_((y_hat, y), torch.ones(len(y)), accumulate=True)
        return counts / counts.sum(0).clamp(min=1)
    incorrect(ex.q1.evaluate(off_by_one), "应当是")


def test_confusion_matrix_that_changes_its_input_or_returns_nothing():
    def in_place(y_hat, y, k):
        y_hat -= 0
        y_hat[0] = 0
        return ex.reference_confusion_matrix(y_hat, y, k)
    incorrect(ex.q1.evaluate(in_place), "原地修改")
    incorrect(ex.q1.evaluate(lambda y_hat, y, k: None), "没有返回结果")


def test_confusion_matrix_untouched_starter_is_not_attempted():
    def confusion_matrix(y_hat, y, num_classes):
        counts = torch.zeros((num_classes, num_classes))
        counts.index_put_((____, ____), torch.ones(len(y)), accumulate=True)
        return ____
    assert ex.q1.evaluate(confusion_matrix).status == NOT_ATTEMPTED


# --- q2: solve C p = mu ------------------------------------------------------------------------

def clip_renorm(p):
    p = p.clamp(min=0)
    return p / p.sum()


@pytest.mark.parametrize("estimate", [
    ex.reference_estimate_label_shift,
    lambda C, mu: clip_renorm(torch.linalg.inv(C) @ mu),
    lambda C, mu: clip_renorm(torch.linalg.lstsq(C, mu.unsqueeze(1)).solution.squeeze(1)),
    lambda C, mu: (lambda p: p / p.sum())(torch.relu(torch.linalg.solve(C.double(), mu.double()))),
    lambda C, mu: torch.as_tensor(
        (lambda p: p / p.sum())(np.clip(np.linalg.solve(C.numpy(), mu.numpy()), 0, None))),
], ids=["reference", "inverse", "lstsq", "relu in float64", "numpy"])
def test_label_shift_estimate_written_any_right_way_is_correct(estimate):
    correct(ex.q2.evaluate(estimate))


@pytest.mark.parametrize("estimate, words", [
    (lambda C, mu: clip_renorm(torch.linalg.solve(C.T, mu)), ["Cᵀ"]),
    (lambda C, mu: clip_renorm(mu @ torch.linalg.inv(C)), ["Cᵀ"]),
    (lambda C, mu: mu, ["μ̂ 本身"]),
    (lambda C, mu: clip_renorm(mu), ["直接用了预测的分布"]),
    (lambda C, mu: torch.linalg.solve(C, mu), ["负数", "clamp(min=0)"]),
    (lambda C, mu: torch.linalg.solve(C, mu).clamp(min=0), ["没有重新归一化"]),
    (lambda C, mu: torch.linalg.solve(C, mu) / torch.linalg.solve(C, mu).sum(), ["没有先把负数裁成 0"]),
    (lambda C, mu: clip_renorm(torch.linalg.solve(C, mu).abs()), ["绝对值"]),
    (lambda C, mu: clip_renorm(C @ mu), ["C @ μ̂"]),
], ids=["transposed", "row vector", "mu itself", "mu clipped", "no clip", "no renormalise",
        "renormalise unclipped", "abs", "C @ mu"])
def test_label_shift_estimate_mistakes_get_their_diagnosis(estimate, words):
    incorrect(ex.q2.evaluate(estimate), *words)


def test_label_shift_estimate_in_numpy_or_in_place_is_told_so():
    incorrect(ex.q2.evaluate(lambda C, mu: np.linalg.solve(C.numpy(), mu.numpy())), "NumPy")

    def in_place(C, mu):
        mu.mul_(2)  # the solution is the same after renormalising; the caller's mu is not
        return clip_renorm(torch.linalg.solve(C, mu))
    incorrect(ex.q2.evaluate(in_place), "原地修改")


def test_label_shift_estimate_normalised_the_wrong_way_is_told_what_is_off():
    def by_absolute_sum(C, mu):
        p = torch.linalg.solve(C, mu)
        return p / p.abs().sum()  # still negative where the exact solution is
    incorrect(ex.q2.evaluate(by_absolute_sum), ex.say("q2.negative"))

    def by_sum_before_clipping(C, mu):
        p = torch.linalg.solve(C, mu)
        return p.clamp(min=0) / p.sum()  # clipping raised the sum: more than 1
    incorrect(ex.q2.evaluate(by_sum_before_clipping), "你的估计加起来是 1.1", "不是 1：最后除以总和")


def test_label_shift_estimate_that_returns_nothing_is_told_so():
    incorrect(ex.q2.evaluate(lambda C, mu: None), ex.say("q2.no_return"))


def test_label_shift_estimate_untouched_starter_is_not_attempted():
    def estimate_label_shift(C, mu_hat):
        p = ____
        p = p.clamp(min=____)
        return p / ____
    assert ex.q2.evaluate(estimate_label_shift).status == NOT_ATTEMPTED


# --- q3: reweighting the probabilities ----------------------------------------------------------

@pytest.mark.parametrize("reweight", [
    ex.reference_reweight,
    lambda P, p, q: torch.softmax(torch.log(P) + torch.log(p) - torch.log(q), dim=1),
    lambda P, p, q: F.normalize(P * p / q, p=1, dim=1),
    lambda P, p, q: (P * (p / q).unsqueeze(0)) / (P @ (p / q)).unsqueeze(1),
], ids=["reference", "log space", "F.normalize", "matrix product"])
def test_reweight_written_any_right_way_is_correct(reweight):
    correct(ex.q3.evaluate(reweight))


def _rows(M):
    return M / M.sum(dim=1, keepdim=True)


@pytest.mark.parametrize("reweight, words", [
    (lambda P, p, q: _rows(P * q / p), ["q/p", "反了"]),
    (lambda P, p, q: P * p / q, ["没有重新归一化"]),
    (lambda P, p, q: _rows(P * p), ["忘了除以源的分布"]),
    (lambda P, p, q: _rows(P / q), ["只除以了 q"]),
    (lambda P, p, q: (P * p / q) / (P * p / q).sum(dim=0, keepdim=True), ["按列归一化"]),
    (lambda P, p, q: _rows(P * (p / q)[:, None]), ["形状对不上", "beta[:, None]"]),
    (lambda P, p, q: _rows(P * (p / q)[:, None]) if len(P) == len(p) else _rows(P * p / q),
     ["乘到了行上"]),
    (lambda P, p, q: (P * p / q) / (P * p / q).sum(dim=1), ["形状对不上", "keepdim"]),
    (lambda P, p, q: _rows(P + p / q), ["加到了概率上"]),
    (lambda P, p, q: torch.softmax(P * p / q, dim=1), ["又做了 softmax"]),
], ids=["inverted", "not renormalised", "only p", "only 1/q", "columns", "rows", "rows when square",
        "sum without keepdim", "added", "softmax again"])
def test_reweight_mistakes_get_their_diagnosis(reweight, words):
    incorrect(ex.q3.evaluate(reweight), *words)


def test_reweight_that_changes_its_input_is_told_so():
    def in_place(P, p, q):
        P *= p / q
        return _rows(P)
    incorrect(ex.q3.evaluate(in_place), "原地修改")


def test_reweight_that_returns_nothing_or_nan_is_told_so():
    incorrect(ex.q3.evaluate(lambda P, p, q: None), ex.say("q3.no_return"))

    def zero_times_log_zero(P, p, q):
        weighted = P * p / q
        return weighted / weighted.sum(dim=1, keepdim=True) + 0 * torch.log(p)  # 0 · log 0 = nan
    incorrect(ex.q3.evaluate(zero_times_log_zero), ex.say("q3.nan"))


def test_reweight_untouched_starter_is_not_attempted():
    def reweight(probs, p_target, q_source):
        beta = ____
        weighted = probs * beta
        return weighted / ____
    assert ex.q3.evaluate(reweight).status == NOT_ATTEMPTED


# --- q5: importance weights ---------------------------------------------------------------------

def clip(beta, c):
    return beta if c is None else torch.clamp(beta, max=c)


@pytest.mark.parametrize("weights", [
    ex.reference_importance_weights,
    lambda h, ns, nt, c=None: clip(torch.exp(h + np.log(ns / nt)), c),
    lambda h, ns, nt, c=None: clip(torch.exp(h.double()) * ns / nt, c),
    lambda h, ns, nt, c=None: torch.minimum(torch.exp(h) * (ns / nt),
                                            torch.tensor(float("inf") if c is None else c)),
], ids=["reference", "log ratio inside", "float64", "torch.minimum"])
def test_importance_weights_written_any_right_way_are_correct(weights):
    correct(ex.q5.evaluate(weights))


@pytest.mark.parametrize("weights, words", [
    (lambda h, ns, nt, c=None: clip(torch.exp(-h) * ns / nt, c), ["exp(-h)", "反了"]),
    (lambda h, ns, nt, c=None: clip(torch.exp(h), c), ["忘了样本数之比"]),
    (lambda h, ns, nt, c=None: clip(torch.exp(h) * nt / ns, c), ["样本数之比乘反了"]),
    (lambda h, ns, nt, c=None: clip(torch.exp(-h) * nt / ns, c), ["都反了"]),
    (lambda h, ns, nt, c=None: clip(torch.sigmoid(h) * ns / nt, c), ["概率", "几率"]),
    (lambda h, ns, nt, c=None: clip(torch.sigmoid(h), c), ["概率 sigmoid(h)"]),
    (lambda h, ns, nt, c=None: clip(torch.sigmoid(-h) * ns / nt, c), ["另一个类别"]),
    (lambda h, ns, nt, c=None: clip((1 - torch.sigmoid(h)) / torch.sigmoid(h) * ns / nt, c),
     ["exp(-h)", "反了"]),
    (lambda h, ns, nt, c=None: clip(torch.exp(h), c) * ns / nt, ["先裁剪、再乘"]),
    (lambda h, ns, nt, c=None: torch.exp(h) * ns / nt, ["没有裁剪"]),
    (lambda h, ns, nt, c=None: torch.exp(h) * ns / nt if c is None
     else torch.clamp(torch.exp(h) * ns / nt, min=c), ["下限"]),
    (lambda h, ns, nt, c=None: (lambda b: b / b.mean())(clip(torch.exp(h), c)), ["均值"]),
], ids=["exp(-h)", "no ratio", "ratio inverted", "both inverted", "probability", "probability only",
        "other class", "inverse odds", "clip first", "no clip", "clip as floor", "self-normalised"])
def test_importance_weights_mistakes_get_their_diagnosis(weights, words):
    incorrect(ex.q5.evaluate(weights), *words)


def test_importance_weights_from_probabilities_overflow_on_confident_logits():
    def from_probabilities(h, ns, nt, c=None):
        prob = torch.sigmoid(h)
        return clip(prob / (1 - prob) * ns / nt, c)
    incorrect(ex.q5.evaluate(from_probabilities), "inf", "torch.exp(h)")


def test_importance_weights_with_pythons_min_or_math_exp_are_told_the_tensor_way():
    incorrect(ex.q5.evaluate(lambda h, ns, nt, c=None: torch.exp(h) * ns / nt if c is None
                             else min(torch.exp(h) * ns / nt, c)), "clamp(max=c)")
    import math
    incorrect(ex.q5.evaluate(lambda h, ns, nt, c=None: clip(math.exp(h) * ns / nt, c)),
              "torch.exp(h)")


def test_importance_weights_that_change_h_are_told_so():
    def in_place(h, ns, nt, c=None):
        return clip(h.exp_() * ns / nt, c)
    incorrect(ex.q5.evaluate(in_place), "原地修改")


def test_importance_weights_that_return_nothing_are_told_so():
    incorrect(ex.q5.evaluate(lambda h, ns, nt, c=None: None), ex.say("q5.no_return"))


def test_importance_weights_untouched_starter_is_not_attempted():
    def importance_weights(h, n_source, n_target, c=None):
        beta = ____
        if c is not None:
            beta = ____
        return beta
    assert ex.q5.evaluate(importance_weights).status == NOT_ATTEMPTED


# --- q4, q6: predictions judged on constructed runs ---------------------------------------------

def runs_of(before, after, before_name="target_acc", after_name="corrected_acc"):
    return Runs(range(len(before)), [[{"epoch": 1, before_name: b, after_name: a}]
                                     for b, a in zip(before, after)])


BEFORE = [0.80, 0.81, 0.79, 0.80, 0.82]
HIGHER = [0.87, 0.88, 0.86, 0.88, 0.885]
SAME = [0.805, 0.80, 0.795, 0.81, 0.815]
LOWER = [0.70, 0.72, 0.69, 0.71, 0.72]


@pytest.mark.parametrize("exercise, after_name", [(ex.q4, "corrected_acc"), (ex.q6, "weighted_acc")])
@pytest.mark.parametrize("after, answer", [(HIGHER, "A"), (SAME, "B"), (LOWER, "C")])
def test_gain_predictions_are_judged_against_the_paired_comparison(exercise, after_name, after,
                                                                    answer):
    runs = runs_of(BEFORE, after, after_name=after_name)
    only_choice_accepted(exercise, runs, answer)


def test_gain_prediction_without_its_runs_says_what_it_needs():
    ex.q4.prediction = "A"
    incorrect(ex.q4.evaluate({"a": 1}), "label_runs")
    incorrect(ex.q4.evaluate(runs_of(BEFORE, HIGHER, after_name="other")), "没有记录")
    incorrect(ex.q4.evaluate(runs_of(BEFORE[:3], HIGHER[:3])), "至少")


def test_gain_prediction_with_a_diverged_seed_is_not_judged():
    ex.q6.prediction = "A"
    incorrect(ex.q6.evaluate(runs_of(BEFORE, [*HIGHER[:4], float("nan")],
                                     after_name="weighted_acc")), "发散")


def test_gain_prediction_before_predicting_is_not_attempted():
    assert ex.q4.evaluate(runs_of(BEFORE, HIGHER)).status == NOT_ATTEMPTED


# --- q7: which kind of shift --------------------------------------------------------------------

RIGHT = ("covariate", "label", "concept", "covariate", "concept", "label")


@pytest.mark.parametrize("kinds", [
    RIGHT,
    list(RIGHT),
    ("协变量偏移", "标签偏移", "概念偏移", "协变量", "概念", "标签"),
    tuple(k.upper() + " " for k in RIGHT),
], ids=["english", "list", "chinese", "case and spaces"])
def test_shift_kinds_in_any_accepted_words_are_correct(kinds):
    correct(ex.q7.evaluate(kinds))


def test_each_wrong_scenario_is_named_with_its_reason():
    kinds = ("label", "label", "covariate", "covariate", "concept", "concept")
    outcome = ex.q7.evaluate(kinds)
    incorrect(outcome, "3 个场景还不对", "场景 1", "场景 3", "场景 6", "P(y | x) 变了")
    assert "场景 2" not in outcome.message


def test_every_scenario_wrong_is_named_with_its_own_reason():
    kinds = ("label", "concept", "label", "concept", "covariate", "covariate")
    reasons = [ex.say(f"q7.{key}") for key in ("dark", "winter", "formal", "cartoon", "soda",
                                               "disease")]
    incorrect(ex.q7.evaluate(kinds), "6 个场景还不对", *reasons)


@pytest.mark.parametrize("kinds, words", [
    ({"a": "label"}, ["元组"]),
    (RIGHT[:4], ["6 个场景"]),
    (("covariate", "label", "drift", "covariate", "concept", "label"), ["场景 3", "'drift'"]),
    ((1, "label", "concept", "covariate", "concept", "label"), ["场景 1"]),
], ids=["dict", "too few", "unknown word", "not a word"])
def test_shift_kinds_in_the_wrong_form_are_told_so(kinds, words):
    incorrect(ex.q7.evaluate(kinds), *words)


def test_shift_kinds_untouched_starter_is_not_attempted():
    assert ex.q7.evaluate((____, "label", ____, ____, ____, ____)).status == NOT_ATTEMPTED


# --- the sampling tool --------------------------------------------------------------------------

def test_sample_by_priors_draws_the_counts_without_replacement_and_leaves_the_rngs_alone():
    labels = torch.arange(10).repeat(300)
    torch_state, python_state = torch.random.get_rng_state(), random.getstate()
    priors = [0.4, 0.2, 0.1, 0.1, 0.05, 0.05, 0.04, 0.03, 0.02, 0.01]
    index = ex.sample_by_priors(labels, priors, 500, seed=3)
    assert torch.equal(torch.random.get_rng_state(), torch_state)
    assert random.getstate() == python_state
    assert len(index) == 500 == len(set(index.tolist()))
    assert torch.bincount(labels[index], minlength=10).tolist() == [200, 100, 50, 50, 25, 25, 20,
                                                                     15, 10, 5]
    assert torch.equal(index, ex.sample_by_priors(labels, torch.tensor(priors), 500, seed=3))
    assert not torch.equal(index, ex.sample_by_priors(labels, priors, 500, seed=4))
    assert labels[index][:20].tolist() != sorted(labels[index][:20].tolist())  # shuffled


def test_sample_by_priors_rounds_counts_to_the_total():
    index = ex.sample_by_priors(torch.arange(3).repeat(10), [1 / 3, 1 / 3, 1 / 3], 10)
    assert len(index) == 10


@pytest.mark.parametrize("args, error, words", [
    ((torch.rand(10), [0.5, 0.5], 4), TypeError, "integer"),
    (([0, 1], [0.5, 0.5], 2), TypeError, "tensor"),
    ((torch.arange(2).repeat(5), "ab", 2), TypeError, "priors"),
    ((torch.arange(2).repeat(5), [0.5, None], 2), TypeError, "number"),
    ((torch.arange(3).repeat(5), [0.5, 0.5], 2), ValueError, "2 classes"),
    ((torch.arange(2).repeat(5), [0.7, 0.7], 2), ValueError, "sum to 1"),
    ((torch.arange(2).repeat(5), [1.5, -0.5], 2), ValueError, "non-negative"),
    ((torch.arange(2).repeat(5), [0.5, 0.5], 0), ValueError, "positive"),
    ((torch.arange(2).repeat(5), [0.9, 0.1], 10), ValueError, "only 5"),
])
def test_sample_by_priors_rejects_bad_input_with_a_clear_message(args, error, words):
    with pytest.raises(error, match=words):
        ex.sample_by_priors(*args)


def test_sample_by_priors_wants_a_whole_seed():
    with pytest.raises(TypeError, match="seed"):
        ex.sample_by_priors(torch.arange(2).repeat(5), [0.5, 0.5], 2, seed=0.5)


# --- what a learner attacking the lesson found -----------------------------------------------------

def confusion_without_accumulation(y_hat, y, num_classes):
    counts = torch.zeros((num_classes, num_classes))
    counts[y_hat, y] += 1  # a repeated index is counted once
    return counts / counts.sum(dim=0, keepdim=True)


def confusion_by_bincount_without_minlength(y_hat, y, num_classes):
    counts = torch.bincount(y_hat * num_classes + y).reshape(num_classes, -1).float()
    return counts / counts.sum(dim=0, keepdim=True)


@pytest.mark.parametrize("confusion_matrix, words", [
    (confusion_without_accumulation, ["accumulate=True"]),
    (confusion_by_bincount_without_minlength, ["minlength"]),
], ids=["no accumulation", "bincount without minlength"])
def test_confusion_matrix_counting_slips_get_their_diagnosis(confusion_matrix, words):
    incorrect(ex.q1.evaluate(confusion_matrix), *words)


def test_confusion_matrix_joint_fraction_names_the_books_wording():
    def joint(y_hat, y, num_classes):
        counts = torch.zeros((num_classes, num_classes))
        counts.index_put_((y_hat, y), torch.ones(len(y)), accumulate=True)
        return counts / len(y)
    incorrect(ex.q1.evaluate(joint), "联合比例", "书里")


@pytest.mark.parametrize("exercise, after_name, word", [(ex.q4, "corrected_acc", "纠正之后更高"),
                                                         (ex.q6, "weighted_acc", "加权之后更高")])
def test_gain_predictions_name_the_answer_in_their_own_words(exercise, after_name, word):
    exercise.prediction = "B"
    incorrect(exercise.evaluate(runs_of(BEFORE, HIGHER, after_name=after_name)), word)
