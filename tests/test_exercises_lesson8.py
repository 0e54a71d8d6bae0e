"""Lesson 8's exercises: every typical mistake gets its diagnosis; predictions are judged
against constructed measurements (tests/test_exercises.py runs the starters and solutions)."""
import random

import pytest
import torch
from exercise_asserts import rejected as incorrect
from torch.nn import functional as F

import d2l_helpers as d2l
from d2l_helpers.exercises import CORRECT, NOT_ATTEMPTED, ____
from d2l_helpers.exercises import lesson8 as ex
from d2l_helpers.repeats import Runs


@pytest.fixture(autouse=True)
def fresh_exercises():
    for exercise in ex.exercises.exercises.values():
        exercise.prediction = None
    yield


def runs(metric, *values):
    """Runs whose final ``metric`` is ``values`` (one per seed)."""
    return Runs(range(len(values)), [[{"epoch": 1, metric: v}] for v in values])


def noisy(metric, mean, spread, seed, n=10):
    rng = random.Random(seed)
    return runs(metric, *(mean + rng.gauss(0, spread) for _ in range(n)))


# --- q1: l2_penalty --------------------------------------------------------------------------

@pytest.mark.parametrize("penalty", [
    ex.l2_penalty,
    lambda w: torch.norm(w) ** 2 / 2,
    lambda w: (w * w).sum() * 0.5,
    lambda w: torch.linalg.norm(w) ** 2 / 2,  # Frobenius for matrices: right
    lambda w: F.mse_loss(w, torch.zeros_like(w), reduction="sum") / 2,
    lambda w: (w.flatten() @ w.flatten()) / 2,
    lambda w: torch.sum(w * w / 2),
    lambda w: (w.abs() ** 2).sum() / 2,
    lambda w: (w ** 2).mean() * w.numel() / 2,
])
def test_l2_penalty_reference_and_equivalents_are_correct(penalty):
    assert ex.q1.evaluate(penalty).status == CORRECT


def in_place_square(w):
    w.pow_(2)
    return w.sum() / 2


def in_place_data(w):
    w.data = w.data ** 2
    return w.sum() / 2


def clipped_in_place(w):
    w.clamp_(-10, 10)  # changes none of the check's values, but w requires grad in training
    return torch.sum(w ** 2) / 2


@pytest.mark.parametrize("penalty, words", [
    # the mistakes the issue names
    (lambda w: (w ** 2).sum(), ["少了 1/2", "把 λ 加倍", "λw"]),
    (lambda w: w.abs().sum(), ["绝对值之和", "L1"]),
    (lambda w: torch.norm(w), ["没有平方", "torch.norm(w)"]),
    (lambda w: torch.norm(w) / 2, ["范数没有平方"]),
    (lambda w: (w ** 2).mean() / 2, ["平均（mean）", "权重的个数"]),
    (lambda w: (w ** 2).mean(), ["平均（mean）", "1/2"]),
    (in_place_square, ["改动了传进来的 w", "原地"]),
    (in_place_data, ["改动了传进来的 w"]),
    # right on a (200, 1) column, wrong for a 1-D vector, a row or a matrix
    (lambda w: w.T @ w / 2, ["(1, 200) 的行", "外积"]),
    (lambda w: torch.mm(w.T, w) / 2, ["矩阵乘法", "一维的 w"]),
    (lambda w: w[:, 0].pow(2).sum() / 2, ["两个维度取下标", "一维的 w"]),
    (lambda w: (w ** 2).sum(dim=0) / 2, ["sum(dim=...)", "(1, 200) 的行"]),
    (lambda w: torch.linalg.norm(w, 2) ** 2 / 2, ["谱范数", "Frobenius"]),
    # right for small values only
    (lambda w: F.smooth_l1_loss(w, torch.zeros_like(w), reduction="sum"), ["|w| < 1", "Huber"]),
    (lambda w: torch.log(torch.cosh(w)).sum(), ["w 很小时"]),
    # other shapes of the same slip
    (lambda w: w.sum() ** 2 / 2, ["先求和再平方"]),
    (lambda w: w ** 2 / 2, ["少了求和"]),
    (lambda w: float((w ** 2).sum() / 2), ["Python 的数", ".item()"]),
    (lambda w: (w.numpy() ** 2).sum() / 2, ["NumPy 的数", ".numpy()"]),
    (lambda w: (w.detach() ** 2).sum() / 2, ["断开了计算图"]),
    (lambda w: (w ** 2).sum() / 3, ["应当是"]),
    # found by the review: Python's built-in sum adds along dim 0 only
    (lambda w: sum(w ** 2) / 2, ["Python 自带的 sum(...) 只沿第 0 维相加", "(1, 200) 的行"]),
    # lambd multiplied inside the penalty, once lambd exists (after section 5 it is 100)
    (lambda w: 3 * torch.sum(w ** 2) / 2, ["3 倍", "λ 不属于惩罚函数本身", "练习 2 的那一行"]),
    (lambda w: 100 * torch.sum(w ** 2) / 2, ["100 倍", "λ 不属于惩罚函数本身"]),
    # the absolute values halved, squeezed before a sum along dim 0 (wrong for a matrix)
    (lambda w: w.abs().sum() / 2, ["绝对值之和的一半", "要先平方"]),
    (lambda w: (w.squeeze() ** 2).sum(dim=0) / 2, ["(3, 4) 的矩阵", "你返回了形状 (4,)"]),
    # the right values with the wrong gradient, or none reaching w; an in-place clip
    (lambda w: torch.sum(w * w.detach()) / 2, ["梯度却不对", "对 wᵢ 的导数是 wᵢ"]),
    (lambda w: torch.sum(w.clone().detach().requires_grad_(True) ** 2) / 2, ["对 w 没有梯度"]),
    (clipped_in_place, [ex.say("error_in_place")]),
])
def test_l2_penalty_mistakes_get_their_diagnosis(penalty, words):
    incorrect(ex.q1.evaluate(penalty), *words)


def test_l2_penalty_with_lambd_before_it_exists_is_told_where_lambd_belongs():
    """In cell 9 no lambd exists yet: the NameError names where lambd goes, not 'run the cell'."""
    def l2_penalty(w):
        return lambd * torch.sum(w ** 2) / 2  # noqa: F821

    outcome = ex.q1.evaluate(l2_penalty)
    incorrect(outcome, "λ 不属于惩罚函数本身", "练习 2 的那一行", "lambd * l2_penalty(w)")
    assert "定义它的格子是否已经运行过" not in outcome.message
    # another undefined name keeps the generic diagnosis
    def typo(w):
        return torch.sum(W ** 2) / 2  # noqa: F821

    incorrect(ex.q1.evaluate(typo), "定义它的格子是否已经运行过")


def test_l2_penalty_mistakes_that_agree_on_the_easy_inputs_do_agree():
    """The table above holds mutants that are right where the check's inputs are easy."""
    column, small = torch.randn(200, 1), torch.randn(200, 1) * 0.01
    assert torch.allclose((column.T @ column).squeeze() / 2, ex.l2_penalty(column))
    assert torch.allclose(torch.log(torch.cosh(small)).sum(), ex.l2_penalty(small), rtol=1e-3)
    assert torch.allclose(torch.linalg.norm(column, 2) ** 2 / 2, ex.l2_penalty(column), rtol=1e-4)


@pytest.mark.parametrize("case, only_there", [
    ("column", lambda w: w.shape == (200, 1) and w.abs().max() > 1),
    ("small", lambda w: w.abs().max() < 0.1),
    ("vector", lambda w: w.dim() == 1),
    ("row", lambda w: w.shape == (1, 200)),
    ("matrix", lambda w: w.shape == (3, 4)),
    ("positive", lambda w: bool((w > 0).all())),
])
def test_penalty_not_one_number_names_the_input_it_went_wrong_on(case, only_there):
    """A constructed penalty, right on every input but one: the diagnosis names that w."""
    def l2_penalty(w):
        value = ex.l2_penalty(w)
        return torch.stack([value, value]) if only_there(w) else value

    incorrect(ex.q1.evaluate(l2_penalty), f"w 是{ex.say(f'shape_{case}')}时", "你返回了形状 (2,)")


def test_l2_penalty_untouched_starter_is_not_attempted():
    def l2_penalty(w):
        return ____

    assert ex.q1.evaluate(l2_penalty).status == NOT_ATTEMPTED


# --- q2: the loss line ------------------------------------------------------------------------

def sq(X, y, w, b):
    return d2l.squared_loss(d2l.linreg(X, w, b), y)


def penalty(w):
    return ex.l2_penalty(w)


@pytest.mark.parametrize("loss_line", [
    lambda X, y, w, b, lambd: ex.penalized_loss(X, y, w, b, lambd),
    lambda X, y, w, b, lambd: sq(X, y, w, b) + lambd * penalty(w),
    lambda X, y, w, b, lambd: (X @ w + b - y) ** 2 / 2 + lambd * (w ** 2).sum() / 2,
    lambda X, y, w, b, lambd: (sq(X, y, w, b) + lambd * penalty(w)).reshape(-1),  # (batch,) too
    lambda X, y, w, b, lambd: sq(X, y, w, b) + penalty(w) * lambd,
    lambda X, y, w, b, lambd: 0.5 * (torch.mm(X, w) + b - y.reshape(-1, 1)) ** 2
    + 0.5 * lambd * torch.sum(w * w),
    lambda X, y, w, b, lambd: sq(X, y, w, b) + (lambd * penalty(w)).expand(len(y), 1),
])
def test_loss_line_reference_and_equivalents_are_correct(loss_line):
    assert ex.q2.evaluate(loss_line).status == CORRECT


@pytest.mark.parametrize("loss_line, words", [
    # the bias penalised: agrees with the book while b = 0 (as the book initialises it)
    (lambda X, y, w, b, lambd: sq(X, y, w, b) + lambd * (penalty(w) + penalty(b)),
     ["偏置 b 也罚了", "b = 0 时"]),
    (lambda X, y, w, b, lambd: sq(X, y, w, b) + lambd * penalty(torch.cat([w.flatten(), b])),
     ["偏置 b 也罚了"]),
    # lambd does not multiply the penalty: agrees at lambd = 1
    (lambda X, y, w, b, lambd: sq(X, y, w, b) + penalty(w), ["少了 lambd", "λ = 1 时"]),
    (lambda X, y, w, b, lambd: lambd * (sq(X, y, w, b) + penalty(w)), ["整个损失上"]),
    (lambda X, y, w, b, lambd: lambd * sq(X, y, w, b) + penalty(w), ["数据的损失上"]),
    (lambda X, y, w, b, lambd: sq(X, y, w, b) - lambd * penalty(w), ["减掉的"]),
    # the penalty once per batch: agrees with a batch of one
    (lambda X, y, w, b, lambd: sq(X, y, w, b).sum() + lambd * penalty(w),
     ["只加了一次", "批量为 1 时", "每个样本的损失各带一份"]),
    (lambda X, y, w, b, lambd: sq(X, y, w, b) + lambd * penalty(w) / len(y),
     ["除以了批量大小", "批量为 1 时"]),
    # once after a mean over examples: the same objective, divided twice in this loop
    (lambda X, y, w, b, lambd: sq(X, y, w, b).mean() + lambd * penalty(w),
     ["求了平均", "目标函数", "除了两次批量大小"]),
    (lambda X, y, w, b, lambd: (sq(X, y, w, b) + lambd * penalty(w)).mean(), ["求了平均"]),
    # the penalty or the loss of another shape
    (lambda X, y, w, b, lambd: torch.nn.MSELoss(reduction="none")(d2l.linreg(X, w, b), y)
     + lambd * penalty(w), ["平方损失少了 1/2", "nn.MSELoss"]),
    (lambda X, y, w, b, lambd: sq(X, y, w, b) + lambd * (w ** 2).sum(), ["惩罚项少了 1/2"]),
    (lambda X, y, w, b, lambd: sq(X, y, w, b) + lambd * torch.norm(w), ["没有平方"]),
    # found by the learner attack: the 1/2 twice, and the L1 penalty in the L2 line
    (lambda X, y, w, b, lambd: sq(X, y, w, b) + lambd / 2 * penalty(w), ["多了一个 1/2", "λ 减半"]),
    (lambda X, y, w, b, lambd: sq(X, y, w, b) + lambd * w.abs().sum(), ["L1 惩罚", "l2_penalty(w)"]),
    (lambda X, y, w, b, lambd: sq(X, y, w, b), ["没有惩罚项", "λ = 0 时"]),
    (lambda X, y, w, b, lambd: lambd * penalty(w) + 0 * b, ["只剩下惩罚项"]),
    (lambda X, y, w, b, lambd: sq(X, y, w, b) + lambd * penalty(w.detach()), ["w 的梯度却不对"]),
    # found by the review: the penalty divided by the notebook's batch_size (5), a constant
    (lambda X, y, w, b, lambd: sq(X, y, w, b) + lambd * penalty(w) / 5,
     ["除以了常数 5", "batch_size", "λ 小了 5 倍"]),
    (lambda X, y, w, b, lambd: sq(X, y, w, b) + lambd * penalty(w) * 3, ["3 倍", "换了一个 λ"]),
    # summed over the batch after the book's line: the loop's gradient is the same, said so
    (lambda X, y, w, b, lambd: (sq(X, y, w, b) + lambd * penalty(w)).sum(),
     ["书中那一行的 l", "每个样本一个值", "梯度其实一样"]),
    # .item() / float(...) take the penalty off the graph
    (lambda X, y, w, b, lambd: sq(X, y, w, b) + lambd * penalty(w).item(),
     ["w 的梯度却不对", ".item()", "float(...)"]),
    (lambda X, y, w, b, lambd: sq(X, y, w, b) + lambd * float(penalty(w)), ["float(...)"]),
    (lambda X, y, w, b, lambd: (d2l.linreg(X, w, b) - y.reshape(-1)) ** 2 / 2 + lambd * penalty(w),
     ["形状是 (5, 5)"]),
    # X * w for X @ w: the shapes do not broadcast once the batch has more than one example
    (lambda X, y, w, b, lambd: (X * w + b - y) ** 2 / 2 + lambd * penalty(w), ["形状对不上"]),
    # lambd squared: right at lambd = 1, no constant factor
    (lambda X, y, w, b, lambd: sq(X, y, w, b) + lambd ** 2 * penalty(w),
     ["批量 5、λ = 3、b = 0.3 时", "应当是"]),
    # the right values, the gradient of b missing or wrong (b.item() in the net; a constructed
    # line whose data term sees b.detach() while b is still in the graph)
    (lambda X, y, w, b, lambd: (X @ w + b.item() - y) ** 2 / 2 + lambd * penalty(w),
     ["w 或 b 没有梯度"]),
    (lambda X, y, w, b, lambd: sq(X, y, w, b.detach()) + 0 * b + lambd * penalty(w),
     ["b 的梯度却不对"]),
])
def test_loss_line_mistakes_get_their_diagnosis(loss_line, words):
    incorrect(ex.q2.evaluate(loss_line), *words)


def test_loss_line_mistakes_that_agree_on_the_easy_case_do_agree():
    """The easy case (one example, lambd 1, bias 0) cannot tell these from the book's line."""
    X, y, w, b = torch.randn(1, 200), torch.randn(1, 1), torch.randn(200, 1), torch.zeros(1)
    book = ex.penalized_loss(X, y, w, b, 1.0).reshape(-1)
    for mutant in (lambda: sq(X, y, w, b) + penalty(w),
                   lambda: sq(X, y, w, b) + (penalty(w) + penalty(b)),
                   lambda: sq(X, y, w, b).sum() + penalty(w),
                   lambda: sq(X, y, w, b).mean() + penalty(w),
                   lambda: sq(X, y, w, b) + penalty(w) / len(y)):
        assert torch.allclose(mutant().reshape(-1), book)


def test_loss_line_uses_the_learners_l2_penalty_and_blames_a_missing_one():
    def loss_line(X, y, w, b, lambd):
        return sq(X, y, w, b) + lambd * undefined_penalty(w)  # noqa: F821

    outcome = ex.q2.evaluate(loss_line)
    incorrect(outcome, "运行你的代码时出错")
    # l2_penalty itself not defined yet: run exercise 1's cells first
    def before_exercise_1(X, y, w, b, lambd):
        return sq(X, y, w, b) + lambd * l2_penalty(w)  # noqa: F821

    incorrect(ex.q2.evaluate(before_exercise_1), ex.say("q2.error_undefined"))


def test_loss_line_untouched_starter_is_not_attempted():
    def penalized_loss(X, y, w, b, lambd):
        net = lambda X: d2l.linreg(X, w, b)  # noqa: E731, F841
        loss = d2l.squared_loss  # noqa: F841
        l = ____  # noqa: E741
        return l

    assert ex.q2.evaluate(penalized_loss).status == NOT_ATTEMPTED


# --- q3b: l1_penalty --------------------------------------------------------------------------

@pytest.mark.parametrize("penalty_fn", [
    ex.l1_penalty,
    lambda w: torch.norm(w, p=1),
    lambda w: w.abs().sum(),
    lambda w: torch.where(w > 0, w, -w).sum(),  # gradient -1 at 0: a subgradient, fine
    lambda w: (w * torch.sign(w)).sum(),
    lambda w: abs(w).sum(),
    lambda w: (torch.relu(w) + torch.relu(-w)).sum(),
    lambda w: torch.linalg.vector_norm(w, ord=1),
])
def test_l1_penalty_reference_and_equivalents_are_correct(penalty_fn):
    assert ex.q3b.evaluate(penalty_fn).status == CORRECT


def in_place_abs(w):
    return w.abs_().sum()


@pytest.mark.parametrize("penalty_fn, words", [
    (lambda w: w.sum(), ["少了绝对值"]),
    # right when all weights have one sign
    (lambda w: w.sum().abs(), ["先求和再取绝对值", "同号"]),
    (lambda w: (w ** 2).sum() / 2, ["L2 惩罚"]),
    (lambda w: (w ** 2).sum(), ["平方和"]),
    (lambda w: torch.norm(w), ["默认是 L2 范数", "p=1"]),
    (lambda w: w.abs().sum() / 2, ["多了 1/2", "λ 减半"]),
    (lambda w: w.abs().mean(), ["平均（mean）"]),
    (lambda w: w.abs().max(), ["L∞"]),
    # right for a column and a 1-D vector, wrong for a row (nn.Linear's weight) or a matrix
    (lambda w: torch.linalg.norm(w, ord=1), ["矩阵 1-范数", "torch.norm(w, p=1)"]),
    (lambda w: w.abs().sum(dim=0), ["sum(dim=...)"]),
    (lambda w: sum(torch.abs(w)), ["Python 自带的 sum(...)"]),
    (lambda w: 3 * w.abs().sum(), ["3 倍", "λ 不属于惩罚函数本身"]),
    # right everywhere but at w = 0, where the gradient is nan
    (lambda w: torch.sqrt(w ** 2).sum(), ["w = 0 处的梯度是 nan"]),
    (in_place_abs, ["改动了传进来的 w"]),
    (lambda w: w.detach().abs().sum(), ["断开了计算图"]),
    # smoothed for a finite gradient at 0: off where weights are small
    (lambda w: torch.sqrt(w ** 2 + 1e-6).sum(), ["(200, 1) 的列", "（所有元素绝对值之和）"]),
    # the sign as w / |w|: 0/0 at a zero weight
    (lambda w: (w * (w / w.abs())).sum(), ["(5,) 的一维张量", "是 nan"]),
    # the right values, the negative half from w.detach(): no gradient there
    (lambda w: torch.relu(w).sum() + torch.relu(-w.detach()).sum(), ["梯度却不对", "sign(w)"]),
])
def test_l1_penalty_mistakes_get_their_diagnosis(penalty_fn, words):
    incorrect(ex.q3b.evaluate(penalty_fn), *words)


def test_l1_penalty_shape_diagnosis_does_not_talk_about_the_l2_matmul():
    """w.T @ w is an L2 slip; the L1 shape diagnosis must not suggest it."""
    for mutant in (lambda w: torch.sum(torch.abs(w), dim=0), lambda w: sum(torch.abs(w))):
        outcome = ex.q3b.evaluate(mutant)
        incorrect(outcome, "sum(dim=...)")
        assert "w.T @ w" not in outcome.message and "wᵀw" not in outcome.message


def test_l1_penalty_mistakes_that_agree_on_easy_inputs_do_agree():
    positive, column = torch.rand(6, 1) + 0.5, torch.randn(200, 1)
    assert torch.allclose(positive.sum().abs(), ex.l1_penalty(positive))
    assert torch.allclose(torch.linalg.norm(column, ord=1), ex.l1_penalty(column))
    assert torch.allclose(torch.sqrt(column ** 2).sum(), ex.l1_penalty(column))


def test_l1_penalty_untouched_starter_is_not_attempted():
    def l1_penalty(w):
        return ____

    assert ex.q3b.evaluate(l1_penalty).status == NOT_ATTEMPTED


# --- q3: L1 against L2, weights near zero ------------------------------------------------------

def penalty_runs(l1_mean, l2_mean, spread=4.0):
    return {"L1": noisy("near_zero", l1_mean, spread, seed=1),
            "L2": noisy("near_zero", l2_mean, spread, seed=2)}


def test_l1_prediction_is_judged_by_the_comparison():
    measured = penalty_runs(113, 31)
    ex.q3.prediction = "L1"
    assert ex.q3.evaluate(measured).status == CORRECT
    ex.q3.prediction = "L2"
    incorrect(ex.q3.evaluate(measured), "L1 的接近 0 的权重个数比 L2 高", "sign(w)")
    ex.q3.prediction = "same"
    incorrect(ex.q3.evaluate(measured), "高")
    ex.q3.prediction = "same"
    assert ex.q3.evaluate(penalty_runs(50, 50.5, spread=6.0)).status == CORRECT
    ex.q3.prediction = "L2"
    assert ex.q3.evaluate(penalty_runs(20, 150)).status == CORRECT


def test_l1_prediction_wants_both_runs_with_the_count_and_five_seeds():
    ex.q3.prediction = "L1"
    incorrect(ex.q3.evaluate({"L1": noisy("near_zero", 100, 3, 1)}), "d2l.repeat")
    incorrect(ex.q3.evaluate({"L1": noisy("near_zero", 100, 3, 1),
                              "L3": noisy("near_zero", 30, 3, 2)}), "缺了 'L2'")
    incorrect(ex.q3.evaluate({"L1": noisy("valid_loss", 1, 0.1, 1),
                              "L2": noisy("valid_loss", 1, 0.1, 2)}), "'near_zero'")
    incorrect(ex.q3.evaluate({"L1": noisy("near_zero", 100, 3, 1, n=3),
                              "L2": noisy("near_zero", 30, 3, 2, n=3)}), "只跑了 3 个种子")


def test_l1_prediction_before_predicting_is_not_attempted():
    assert ex.q3.evaluate(penalty_runs(113, 31)).status == NOT_ATTEMPTED


# --- q4: decaying the bias --------------------------------------------------------------------

def bias_runs(free_mean, decayed_mean):
    return {"weights only": noisy("b", free_mean, 0.03, seed=3),
            "all parameters": noisy("b", decayed_mean, 0.001, seed=4)}


def test_bias_prediction_is_judged_on_the_size_of_the_intercept():
    measured = bias_runs(0.058, 0.001)
    ex.q4.prediction = "toward 0"
    assert ex.q4.evaluate(measured).status == CORRECT
    ex.q4.prediction = "unchanged"
    incorrect(ex.q4.evaluate(measured), "截距的大小 |b|", "1/(1 + λ)")
    ex.q4.prediction = "away from 0"
    incorrect(ex.q4.evaluate(measured), "低")
    # a negative intercept pulled toward 0 is toward 0 too (|b| is compared)
    ex.q4.prediction = "toward 0"
    assert ex.q4.evaluate(bias_runs(-0.3, -0.003)).status == CORRECT
    ex.q4.prediction = "unchanged"
    assert ex.q4.evaluate({"weights only": noisy("b", 0.05, 0.03, seed=5),
                           "all parameters": noisy("b", 0.05, 0.03, seed=6)}).status == CORRECT


def test_bias_prediction_names_what_is_missing():
    ex.q4.prediction = "toward 0"
    incorrect(ex.q4.evaluate({"weights only": noisy("b", 0.05, 0.03, 3),
                              "biases too": noisy("b", 0.0, 0.001, 4)}), "缺了 'all parameters'")
    incorrect(ex.q4.evaluate({"weights only": noisy("valid_loss", 0.01, 0.001, 3),
                              "all parameters": noisy("valid_loss", 0.01, 0.001, 4)}), "'b'")


# --- q5: the best of many validation scores -----------------------------------------------------

def selection_runs(valid_mean, fresh_mean):
    return {"validation": noisy("loss", valid_mean, 0.0005, seed=7, n=20),
            "fresh": noisy("loss", fresh_mean, 0.0015, seed=8, n=20)}


def test_selection_prediction_is_judged_by_the_comparison():
    measured = selection_runs(0.0073, 0.0100)
    ex.q5.prediction = "lower"
    assert ex.q5.evaluate(measured).status == CORRECT
    ex.q5.prediction = "same"
    incorrect(ex.q5.evaluate(measured), "在验证集上 的损失比 在新样本上 低", "噪声")
    ex.q5.prediction = "higher"
    incorrect(ex.q5.evaluate(measured), "低")
    ex.q5.prediction = "same"
    assert ex.q5.evaluate(selection_runs(0.0100, 0.0100)).status == CORRECT


def test_selection_prediction_needs_both_sides():
    ex.q5.prediction = "lower"
    incorrect(ex.q5.evaluate({"validation": noisy("loss", 0.007, 0.001, 1)}), "d2l.repeat")
    incorrect(ex.q5.evaluate({"validation": noisy("loss", 0.007, 0.001, 1),
                              "test": noisy("loss", 0.01, 0.001, 2)}), "缺了 'fresh'")


# --- the lesson's runs: the prediction checks accept what the notebook builds ---------------------

def test_prediction_checks_accept_the_notebooks_shapes():
    picked = d2l.repeat(lambda seed: {"validation": 0.007 + 0.0001 * seed,
                                      "fresh": 0.010 - 0.0002 * (seed * 7 % 3)}, seeds=6)
    measured = {"validation": picked.renamed(validation="loss"), "fresh": picked.renamed(fresh="loss")}
    ex.q5.prediction = "lower"
    assert ex.q5.evaluate(measured).status == CORRECT
