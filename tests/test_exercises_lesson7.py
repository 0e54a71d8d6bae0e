"""Lesson 7's exercises: each typical mistake gets its diagnosis; predictions meet measurements.

The learner's poly_features, least_squares and get_k_fold_data are checked against the
reference on hard inputs (|x| up to 4 and 20 features; a design with condition number
about 1e8; n not divisible by k); here each check gets constructed wrong versions, above
all ones that agree with the reference on easy inputs, and must name what is wrong. The
predict-first checks get constructed measurements (Runs built from made-up values).
"""
import math
import random

import numpy as np
import pytest
import torch
from exercise_asserts import correct, incorrect, predicted

import d2l_helpers as d2l
from d2l_helpers.exercises import CORRECT, INCORRECT, NOT_ATTEMPTED
from d2l_helpers.exercises import lesson7 as ex


def gamma_table(k, dtype, f=lambda i: math.gamma(i + 1)):
    return torch.tensor([f(i) for i in range(k)], dtype=dtype)


# --- exercise 1: the features x^i / i! ---------------------------------------------------

@pytest.mark.parametrize("features", [
    ex.poly_features,
    lambda x, k: x.reshape(-1, 1) ** torch.arange(k) / torch.tensor(
        [math.factorial(i) for i in range(k)]),  # an int64 table of i!
    lambda x, k: torch.stack([x ** i / math.factorial(i) for i in range(k)], dim=1),
    lambda x, k: x.unsqueeze(1).pow(torch.arange(k)) / torch.exp(torch.lgamma(
        torch.arange(k, dtype=torch.float64) + 1)).to(x.dtype),
    lambda x, k: torch.cat([(x ** i / math.gamma(i + 1)).reshape(-1, 1) for i in range(k)], 1),
    lambda x, k: torch.from_numpy(np.stack([x.numpy() ** i / math.factorial(i)
                                            for i in range(k)], axis=1)),
], ids=["reference", "int-factorials", "stacked-columns", "lgamma", "cat-columns", "numpy"])
def test_poly_features_written_any_right_way_is_correct(features):
    correct(ex.q1, features)


def _columns(x, k, first=0, factorial=lambda i: math.gamma(i + 1)):
    return torch.stack([x ** i / factorial(i) for i in range(first, first + k)], dim=1)


def _in_place(x, k):
    x.unsqueeze_(1)  # unsqueeze_ instead of unsqueeze: the caller's x becomes a column
    return x ** torch.arange(k) / gamma_table(k, x.dtype)


@pytest.mark.parametrize("features, words", [
    (lambda x, k: x.reshape(-1, 1) ** torch.arange(k), ["没有除以 i!"]),
    (lambda x, k: _columns(x, k, first=1), ["不是常数 1", "偏置"]),
    (lambda x, k: _columns(x, k, factorial=lambda i: math.gamma(i + 2)), ["(i+1)!"]),
    (lambda x, k: _columns(x, k, factorial=lambda i: i + 1), ["i + 1"]),
    (lambda x, k: x.reshape(-1, 1) ** torch.arange(k) / gamma_table(k, x.dtype, math.gamma),
     ["math.gamma(i + 1)", "没有定义"]),
    (lambda x, k: x ** torch.arange(k) / gamma_table(k, x.dtype), ["reshape(-1, 1)"]),
    (lambda x, k: x.reshape(-1, 1) ** torch.arange(k + 1) / gamma_table(k, x.dtype),
     ["形状对不上", "正好 num_features 个"]),
    (lambda x, k: (x.reshape(-1, 1) ** torch.arange(k) / gamma_table(k, x.dtype)).T, ["反了"]),
    (lambda x, k: x.reshape(-1, 1) ** torch.arange(k + 1) / gamma_table(k + 1, x.dtype),
     ["多了 1 列"]),
    (lambda x, k: x.reshape(-1, 1) ** torch.arange(k - 1) / gamma_table(k - 1, x.dtype),
     ["少了 1 列"]),
    (lambda x, k: x.reshape(-1, 1) ** torch.arange(k) / torch.arange(k), ["除以的是 i，不是 i!"]),
    # lgamma(i) is log (i-1)!, and lgamma(0) = inf: column 0 becomes 1 / inf = 0
    (lambda x, k: x.reshape(-1, 1) ** torch.arange(k) / torch.exp(torch.lgamma(
        torch.arange(k, dtype=x.dtype))), ["Γ(i) = (i-1)!", "第 0 列成了 0"]),
    # right except where x is as long as the powers: there x ** powers is elementwise
    (lambda x, k: x ** torch.arange(k) / gamma_table(k, x.dtype) if len(x) == k
     else ex.poly_features(x, k), ["一维张量", "一样长时"]),
    (_in_place, ["改动了传进来的 x"]),
    # agrees with the reference wherever x >= 0: the inputs have negative x
    (lambda x, k: x.abs().reshape(-1, 1) ** torch.arange(k) / gamma_table(k, x.dtype),
     ["poly_features(x, 4)"]),
    # agrees with the reference up to 4 features: the inputs go up to 20
    (lambda x, k: x.reshape(-1, 1) ** torch.arange(k) / gamma_table(
        k, x.dtype, lambda i: math.gamma(i + 1) if i < 5 else 1.0), ["poly_features(x, 20)"]),
], ids=["no-factorial", "powers-from-one", "gamma-i-plus-2", "divided-by-i-plus-1",
        "gamma-i", "x-not-a-column", "powers-and-factorials-of-different-lengths", "transposed",
        "one-column-too-many", "one-column-too-few", "divided-by-i", "lgamma-of-i",
        "elementwise-where-as-long", "in-place", "abs", "factorial-only-low-orders"])
def test_poly_features_mistakes_get_their_diagnosis(features, words):
    message = incorrect(ex.q1, features)
    assert all(w in message for w in words), message
    assert "Traceback" not in message


# --- exercise 2: the exact least-squares solution ----------------------------------------

def _double(f):
    return lambda X, y: f(X.double(), y.double())


@pytest.mark.parametrize("solve", [
    ex.least_squares,
    _double(lambda X, y: torch.linalg.lstsq(X, y.unsqueeze(1)).solution),  # (d, 1) is fine
    _double(lambda X, y: torch.linalg.solve(X.T @ X, X.T @ y)),
    _double(lambda X, y: torch.linalg.pinv(X) @ y),
    _double(lambda X, y: torch.inverse(X.T @ X) @ X.T @ y),
    lambda X, y: torch.from_numpy(np.linalg.lstsq(X.double().numpy(), y.double().numpy(),
                                                  rcond=None)[0]),
], ids=["reference", "lstsq-column", "normal-equations-float64", "pinv-float64",
        "inverse-float64", "numpy-float64"])
def test_least_squares_written_any_right_way_in_float64_is_correct(solve):
    correct(ex.q2, solve)


def _gradient_descent(X, y, steps=200):
    X, y = X.double(), y.double()
    w = torch.zeros(X.shape[1], dtype=torch.float64)
    for _ in range(steps):
        w = w - 0.5 * 2 / len(X) * X.T @ (X @ w - y)
    return w


def _scaled_by_std(X, y):  # the checker's own column scaling, with std in place of the norm
    X, y = X.double(), y.double()
    scale = X.std(dim=0)  # the constant column's std is 0: that column becomes inf
    return torch.linalg.lstsq(X / scale, y.unsqueeze(1)).solution.reshape(-1) / scale


def _intercept_normal_equations(X, y):  # a column of ones added again, then XᵀX w = Xᵀy
    X = torch.cat([torch.ones(len(X), 1), X], 1).double()
    return torch.linalg.solve(X.T @ X, X.T @ y.double())[1:]


def _ridge(lam):
    return _double(lambda X, y: torch.linalg.solve(
        X.T @ X + lam * torch.eye(X.shape[1], dtype=X.dtype), X.T @ y))


@pytest.mark.parametrize("solve, words", [
    # right on the well-conditioned designs: only the 14-feature one tells
    (lambda X, y: torch.linalg.lstsq(X, y.reshape(-1, 1)).solution.reshape(-1),
     ["14 个特征", "float32", "X.double()"]),
    (lambda X, y: torch.linalg.solve(X.T @ X, X.T @ y), ["14 个特征", "float32", "平方"]),
    (lambda X, y: torch.linalg.lstsq(X, y.unsqueeze(1)).solution.double(),
     ["14 个特征", "先在 float32 里解"]),
    (_ridge(1e-3), ["14 个特征", "λI"]),
    (_ridge(0.1), ["不是最小二乘解"]),
    (_gradient_descent, ["不是最小二乘解"]),
    # right on the 4-feature design only
    (_double(lambda X, y: torch.cat([torch.linalg.lstsq(X[:, :4], y.unsqueeze(1)).solution
                                     .reshape(-1), torch.zeros(X.shape[1] - min(4, X.shape[1]),
                                                               dtype=X.dtype)])),
     ["不是最小二乘解"]),
    (_double(lambda X, y: torch.linalg.lstsq(X, y.unsqueeze(1))), [".solution"]),
    (_double(lambda X, y: torch.linalg.lstsq(torch.cat([torch.ones(len(X), 1, dtype=X.dtype), X],
                                                       1), y.unsqueeze(1)).solution.reshape(-1)),
     ["截距"]),
    (_double(lambda X, y: torch.linalg.lstsq(X[:, 1:], y.unsqueeze(1)).solution.reshape(-1)),
     ["别去掉第 0 列"]),
    (_double(lambda X, y: X @ torch.linalg.lstsq(X, y.unsqueeze(1)).solution.reshape(-1)),
     ["预测值"]),
    (_double(lambda X, y: torch.linalg.solve(X @ X.T, X.T @ y)), ["转置放错了一边"]),
    (_double(lambda X, y: torch.linalg.solve(X, y)), ["超定方程组"]),
    (_intercept_normal_equations, ["奇异", "截距"]),
    (_double(lambda X, y: torch.linalg.lstsq(X, y.unsqueeze(1)).solution.T),
     ["你返回的形状是 (1, 4)"]),
    (_scaled_by_std, ["nan 或 inf"]),
    (lambda X, y: np.linalg.lstsq(X.double().numpy(), y.double().numpy(), rcond=None)[0],
     ["张量", "ndarray"]),
], ids=["lstsq-float32", "normal-equations-float32", "float32-then-double", "ridge-small",
        "ridge", "gradient-descent", "first-four-columns", "result-object", "extra-intercept",
        "dropped-constant", "predictions", "transpose-wrong-side", "solve-not-square",
        "intercept-in-the-normal-equations", "row-vector", "scaled-by-std", "numpy-array"])
def test_least_squares_mistakes_get_their_diagnosis(solve, words):
    message = incorrect(ex.q2, solve)
    assert all(w in message for w in words), message
    assert "Traceback" not in message


def test_least_squares_check_passes_the_learner_copies():
    seen = []

    def spoil(X, y):
        X.mul_(2)  # a learner's in-place edit must not change what the check compares against
        seen.append(X)
        return ex.least_squares(X / 2, y)
    correct(ex.q2, spoil)
    assert seen


# --- exercises 3-5: predictions against constructed measurements -------------------------

def exact_like(train, log_valid, n=6, seed=0):
    """Runs with the metrics the lesson's exact_runs records, each seed its own noise."""
    noise = random.Random(seed)
    rows = []
    for _ in range(n):
        t, v = train * (1 + 0.02 * noise.gauss(0, 1)), log_valid + 0.05 * noise.gauss(0, 1)
        rows.append([{"train_loss": t, "valid_loss": 10 ** v, "log_train": math.log10(t),
                      "log_valid": v}])
    return d2l.Runs(list(range(n)), rows)


# the lesson's shape: training loss falls with the features, validation loss is lowest at 4
TYPICAL = {k: exact_like(0.03 / k, abs(k - 4) * 0.3 - 2, seed=k) for k in range(1, 21)}


def test_complexity_prediction_meets_the_measured_minima():
    assert predicted(ex.q3, (20, 4), TYPICAL).status == CORRECT
    message = predicted(ex.q3, (4, 4), TYPICAL).message
    assert "训练损失最低的是 20 个特征" in message and "包含" in message
    message = predicted(ex.q3, (20, 20), TYPICAL).message
    assert "验证损失（log10）最低的是 4 个特征" in message and "噪声" in message
    message = predicted(ex.q3, (4, 20), TYPICAL).message
    assert "训练损失最低" in message and "验证损失（log10）最低" in message


def test_complexity_guess_within_noise_of_the_best_counts():
    # 20 features only a hair below 19 (within noise): a guess of 20 is fine either way
    near = {4: exact_like(0.01, -2.0, seed=1), 20: exact_like(0.0100001, -1.0, seed=2)}
    assert predicted(ex.q3, (4, 4), near).status == CORRECT
    assert predicted(ex.q3, (20, 4), near).status == CORRECT
    assert predicted(ex.q3, (4, 20), near).status == INCORRECT


def test_complexity_check_names_a_setting_whose_runs_diverged():
    diverged = {4: TYPICAL[4], 20: exact_like(math.nan, -1.0, seed=2)}
    message = predicted(ex.q3, (20, 4), diverged).message
    assert "20 个特征的 训练损失里有 nan 或 inf" in message and "[0, 1, 2, 3, 4, 5]" in message


def test_complexity_check_needs_the_complexity_runs():
    assert "log_valid" in predicted(ex.q3, (20, 4), {4: d2l.Runs(
        list(range(6)), [[{"train_loss": 0.1}]] * 6), 20: TYPICAL[20]}).message
    assert "至少要 5" in predicted(ex.q3, (20, 4), {4: exact_like(0.01, -2, n=3),
                                                   20: TYPICAL[20]}).message
    message = predicted(ex.q3, (20, 4), {k: TYPICAL[k] for k in (3, 4)}).message
    assert "没有测 20" in message and "complexity_runs" in message
    assert predicted(ex.q3, (20, 4), [0.1, 0.2]).status == INCORRECT


def loss_runs(values, metric="train_loss"):
    return d2l.Runs(list(range(len(values))), [[{"epoch": 1, metric: v}] for v in values])


BOOK = loss_runs([0.011, 0.012, 0.010, 0.011, 0.013, 0.012])


@pytest.mark.parametrize("raw, answer", [
    (loss_runs([math.nan] * 6), "B"),
    (loss_runs([0.011, math.inf, 0.012, 0.010, 0.013, 0.012]), "B"),  # one seed is enough
    (loss_runs([0.5, 0.6, 0.55, 0.52, 0.58, 0.61]), "C"),
    (loss_runs([0.012, 0.011, 0.010, 0.012, 0.012, 0.011]), "A"),
    (loss_runs([0.001, 0.002, 0.0015, 0.0012, 0.0018, 0.0011]), "D"),
])
def test_unscaled_prediction_meets_what_training_did(raw, answer):
    assert predicted(ex.q4, answer, raw, BOOK).status == CORRECT
    for other in "ABCD".replace(answer, ""):
        message = predicted(ex.q4, other, raw, BOOK).message
        assert "实验测得" in message and "x**19" in message, message


def test_unscaled_check_needs_two_runs_of_training_loss():
    assert "d2l.Runs" in predicted(ex.q4, "B", [math.nan], BOOK).message
    message = predicted(ex.q4, "B", BOOK, [0.011, 0.012]).message
    assert "book_runs（书的运行） 应当是" in message and "list" in message, message
    assert "'train_loss'" in predicted(ex.q4, "B", loss_runs([1.0] * 6, "valid_loss"),
                                       BOOK).message


def test_unscaled_check_names_the_argument_order_when_the_runs_are_swapped():
    outcome = predicted(ex.q4, "B", BOOK, loss_runs([math.nan] * 6))  # ex.q4.check(book, raw)
    assert outcome.status == INCORRECT, outcome.message
    assert "放反" in outcome.message and "ex.q4.check(raw_runs, book_runs)" in outcome.message
    assert "检查程序" not in outcome.message and "KeyError" not in outcome.message


def test_unscaled_check_reads_a_diverged_comparison_as_divergence(monkeypatch):
    class Diverged:
        outcome = "diverged"

        def __str__(self):
            return "不除以 i! 的训练损失有 nan"
    monkeypatch.setattr(ex, "compare", lambda *args, **kwargs: Diverged())
    raw = loss_runs([0.5, 0.6, 0.55, 0.52, 0.58, 0.61])
    assert predicted(ex.q4, "B", raw, BOOK).status == CORRECT
    message = predicted(ex.q4, "C", raw, BOOK).message
    assert "也就是 B" in message, message


def floor_runs(mean, n=6):
    noise = random.Random(7)
    return loss_runs([mean * (1 + 0.1 * noise.gauss(0, 1)) for _ in range(n)], "valid_loss")


def test_floor_prediction_meets_the_true_functions_validation_mse():
    assert predicted(ex.q5, "C", floor_runs(0.0105)).status == CORRECT
    for wrong, words in (("A", "消不掉"), ("B", "真实函数本身"), ("D", "没有 ½")):
        message = predicted(ex.q5, wrong, floor_runs(0.0105)).message
        assert words in message and "0.01" in message, message
    # had the loss carried a ½ (MXNet's L2Loss), D would be the measurement
    assert predicted(ex.q5, "D", floor_runs(0.005)).status == CORRECT
    assert predicted(ex.q5, "C", floor_runs(0.005)).status == INCORRECT


def test_floor_check_names_measurements_that_are_not_the_true_functions():
    assert "不带 ½" in predicted(ex.q5, "C", floor_runs(0.03)).message
    assert "noise_runs" in predicted(ex.q5, "C", [0.01] * 6).message
    assert "noise_runs" in predicted(ex.q5, "C", loss_runs([0.01] * 6)).message
    fitted = exact_like(0.0095, math.log10(0.0105))  # a fitted model's runs, not the truth's
    assert "拟合出来的模型" in predicted(ex.q5, "C", fitted).message
    # the same runs with the training loss renamed still carry log_train and log_valid
    message = predicted(ex.q5, "C", fitted.renamed(train_loss="t")).message
    assert "拟合出来的模型" in message and "log_train" in message, message


def test_predictions_without_or_outside_the_choices_are_not_attempted(capsys):
    for exercise, outside in ((ex.q3, (3, 4)), (ex.q4, "E"), (ex.q5, "c")):
        assert exercise.evaluate(TYPICAL).status == NOT_ATTEMPTED
        exercise.predict(outside)
        assert "尚未作答" in capsys.readouterr().out
        assert exercise.prediction is None


# --- exercise 6: K-fold cross-validation ------------------------------------------------

def _split(k, n):
    return torch.arange(n).tensor_split(k)


def _mask_version(k, i, X, y):
    valid = torch.zeros(len(X), dtype=torch.bool)
    valid[_split(k, len(X))[i]] = True
    return X[~valid], y[~valid], X[valid], y[valid]


def _slices_version(k, i, X, y):  # the book's loop, with the remainder spread over the first folds
    n = len(X)
    sizes = [n // k + (j < n % k) for j in range(k)]
    start = sum(sizes[:i])
    stop = start + sizes[i]
    return (torch.cat([X[:start], X[stop:]]), torch.cat([y[:start], y[stop:]]),
            X[start:stop], y[start:stop])


def _interleaved(k, i, X, y):  # every k-th row: also k disjoint folds of sizes within one
    rows = torch.arange(len(X))
    return X[rows % k != i], y[rows % k != i], X[rows % k == i], y[rows % k == i]


def _numpy_version(k, i, X, y):
    folds = np.array_split(np.arange(len(X)), k)
    train = np.concatenate([f for j, f in enumerate(folds) if j != i])
    return X[train], y[train], X[folds[i]], y[folds[i]]


@pytest.mark.parametrize("get", [ex.get_k_fold_data, _mask_version, _slices_version,
                                 _interleaved, _numpy_version],
                         ids=["reference", "mask", "slices", "interleaved", "numpy"])
def test_k_fold_written_any_right_way_is_correct(get):
    correct(ex.q6, get)


def _book(k, i, X, y):  # book 4.10: fold_size = n // k, the last n % k rows dropped
    fold_size = X.shape[0] // k
    X_train, y_train = None, None
    for j in range(k):
        idx = slice(j * fold_size, (j + 1) * fold_size)
        X_part, y_part = X[idx, :], y[idx]
        if j == i:
            X_valid, y_valid = X_part, y_part
        elif X_train is None:
            X_train, y_train = X_part, y_part
        else:
            X_train, y_train = torch.cat([X_train, X_part], 0), torch.cat([y_train, y_part], 0)
    return X_train, y_train, X_valid, y_valid


def _last_fold_takes_the_rest(k, i, X, y):
    n, size = len(X), len(X) // k
    bounds = [j * size for j in range(k)] + [n]
    folds = [torch.arange(bounds[j], bounds[j + 1]) for j in range(k)]
    train = torch.cat([f for j, f in enumerate(folds) if j != i])
    return X[train], y[train], X[folds[i]], y[folds[i]]


def _from(folds_of, train_of=None, returned=None):
    """A get_k_fold_data built from its pieces, so that one piece at a time can be wrong."""
    def get(k, i, X, y):
        folds = folds_of(k, len(X))
        train = (train_of or (lambda f, i: torch.cat([g for j, g in enumerate(f) if j != i])))(
            folds, i)
        out = X[train], y[train], X[folds[i]], y[folds[i]]
        return returned(out, folds, i, X, y) if returned else out
    return get


def _shuffled(k, i, X, y):
    order = torch.randperm(len(X))  # a fresh order on every call: the folds overlap
    folds = order.tensor_split(k)
    train = torch.cat([f for j, f in enumerate(folds) if j != i])
    return X[train], y[train], X[folds[i]], y[folds[i]]


def _stacked(k, i, X, y):  # torch.stack instead of torch.cat: one more dimension, not more rows
    folds = _split(k, len(X))
    others = [f for j, f in enumerate(folds) if j != i]
    return (torch.stack([X[f] for f in others]), torch.stack([y[f] for f in others]),
            X[folds[i]], y[folds[i]])


def _shuffled_apart(k, i, X, y):  # X and y shuffled, each with its own permutation
    return ex.get_k_fold_data(k, i, X[torch.randperm(len(X))], y[torch.randperm(len(y))])


def _one_based_slices(k, i, X, y):  # i counted from 1: the last fold's slice lies past the end
    size = len(X) // k
    start, stop = (i + 1) * size, (i + 2) * size
    rows = torch.arange(len(X))
    train = (rows < start) | (rows >= stop)
    return X[train], y[train], X[start:stop], y[start:stop]


def _bootstrapped(k, i, X, y):  # the training rows drawn with replacement from the other folds
    folds = _split(k, len(X))
    others = torch.cat([f for j, f in enumerate(folds) if j != i])
    train = others[torch.randint(len(others), (len(others),))]
    return X[train], y[train], X[folds[i]], y[folds[i]]


def _reshuffled_each_round():
    order = {}

    def get(k, i, X, y):  # a fresh permutation whenever a round of folds starts (i == 0)
        if i == 0 or len(X) not in order:
            order[len(X)] = torch.randperm(len(X))
        folds = order[len(X)].tensor_split(k)
        train = torch.cat([f for j, f in enumerate(folds) if j != i])
        return X[train], y[train], X[folds[i]], y[folds[i]]
    return get


def _standardised(k, i, X, y):  # rescaled the features (book 4.10 does it once, beforehand)
    X_train, y_train, X_valid, y_valid = ex.get_k_fold_data(k, i, X, y)
    mean, std = X_train.mean(dim=0), X_train.std(dim=0)
    return (X_train - mean) / std, y_train, (X_valid - mean) / std, y_valid


@pytest.mark.parametrize("get, words", [
    (_book, ["n % k", "丢掉"]),
    (_last_fold_takes_the_rest, ["最多差 1", "塞进了最后一折"]),
    (_from(_split, lambda f, i: torch.cat(f)), ["不相交"]),
    (_from(_split, lambda f, i: torch.cat([g for j, g in enumerate(f) if j not in (i, i - 1)])),
     ["训练集少了"]),
    (_from(_split, returned=lambda out, f, i, X, y: (out[2], out[3], out[0], out[1])),
     ["训练集在前"]),
    (_from(_split, returned=lambda out, f, i, X, y: (out[0], out[2], out[1], out[3])),
     ["返回顺序应当是 (X_train, y_train, X_valid, y_valid)"]),
    (_from(lambda k, n: torch.arange(n).chunk(k)), ["ceil(n / k)", "chunk", "tensor_split"]),
    (_from(lambda k, n: torch.arange(n).split(math.ceil(n / k))),
     ["ceil(n / k)", "最后一折只剩下", "tensor_split"]),
    (_from(_split, returned=lambda out, f, i, X, y: (out[0], y[f[i]], out[2], out[1])),
     ["标签"]),
    (_from(_split, returned=lambda out, f, i, X, y: out[:2]), ["4 个张量"]),
    (_from(lambda k, n: torch.arange(n).tensor_split(k + 1)), ["从没做过验证"]),
    (_from(lambda k, n: torch.arange(n).tensor_split(n // k)), ["从没做过验证", "tensor_split(k)"]),
    (lambda k, i, X, y: ex.get_k_fold_data(k, i + 1, X, y), ["i 从 0 数到 k - 1"]),
    (_shuffled, ["重叠"]),
    (_standardised, ["数值变了"]),
    (_stacked, ["训练特征的形状是 (4, 20, 2)", "整行"]),
    (_shuffled_apart, ["X 和 y 取的不是同样的行"]),
    (_one_based_slices, ["get_k_fold_data(5, 4, X, y) 的验证集是空的", "i 从 0 数到 k - 1"]),
    (_bootstrapped, ["出现了两次"]),
    (_reshuffled_each_round(), ["调用两次", "不一样"]),
], ids=["book-drops-the-remainder", "last-fold-takes-the-rest", "validation-in-training",
        "a-fold-left-out", "train-and-valid-swapped", "X-X-y-y-order", "chunk", "ceil-split",
        "labels-of-other-rows", "two-values",
        "k-plus-one-folds", "n-over-k-folds", "one-based-i", "shuffled-each-call", "values-changed",
        "stacked-folds", "X-and-y-shuffled-apart", "one-based-slices", "bootstrapped-training-rows",
        "reshuffled-each-round"])
def test_k_fold_mistakes_get_their_diagnosis(get, words):
    torch.manual_seed(0)
    message = incorrect(ex.q6, get)
    assert all(w in message for w in words), message
    assert "Traceback" not in message


def test_k_fold_size_diagnosis_tells_the_last_fold_largest_from_smallest():
    chunked = incorrect(ex.q6, _from(lambda k, n: torch.arange(n).chunk(k)))
    assert "[21, 21, 21, 21, 19]" in chunked and "塞进了最后一折" not in chunked, chunked
    rest = incorrect(ex.q6, _last_fold_takes_the_rest)
    assert "[20, 20, 20, 20, 23]" in rest and "ceil" not in rest, rest


@pytest.mark.parametrize("seed", [0, 2, 3])
def test_k_fold_size_diagnosis_names_no_cause_for_randomly_assigned_folds(seed):
    """Each row sent to a random fold (the same one each call): sizes such as [23, 20, 15, 18, 24]
    are uneven, and neither "the rest in the last fold" nor "ceil(n / k) per fold" made them."""
    def get(k, i, X, y):
        fold = torch.randint(k, (len(X),), generator=torch.Generator().manual_seed(seed))
        return X[fold != i], y[fold != i], X[fold == i], y[fold == i]
    message = incorrect(ex.q6, get)
    assert ex.say("q6.uneven") in message and "最多差 1" in message, message
    assert "最后一折" not in message and "ceil" not in message, message


def test_the_books_split_is_right_where_n_is_divisible_by_k():
    """Why the check needs n = 103: with n = 100 and k = 5 the book's code splits it well."""
    X, y = ex._fold_inputs(100)
    for i in range(5):
        for got, want in zip(_book(5, i, X, y), ex.get_k_fold_data(5, i, X, y)):
            assert torch.equal(got, want)


# --- the references the lesson continues with --------------------------------------------

def test_references_are_the_solutions_and_compute_the_book_features():
    x = torch.tensor([2.0, -1.0])
    assert torch.allclose(ex.poly_features(x, 4),
                          torch.tensor([[1, 2, 2, 8 / 6], [1, -1, 0.5, -1 / 6]]))
    X, y = ex._design(4)
    w = ex.least_squares(X, y)
    assert w.dtype == torch.float64 and w.shape == (4,)
    assert torch.allclose(w, torch.tensor(ex.TRUE_W, dtype=torch.float64), atol=0.1)
    X_train, _, X_valid, _ = ex.get_k_fold_data(5, 4, *ex._fold_inputs(103))
    assert X_valid[:, 0].tolist() == list(range(83, 103)) and len(X_train) == 83


def test_checks_do_not_touch_the_global_random_stream():
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    for exercise, answer in ((ex.q1, ex.poly_features), (ex.q2, ex.least_squares),
                             (ex.q6, ex.get_k_fold_data)):
        exercise.evaluate(answer)
    assert torch.equal(torch.rand(3), expected)


def test_complexity_diagnosis_says_underfitting_only_below_the_true_degree():
    five_best = {4: exact_like(0.01, -1.5, seed=3), 5: exact_like(0.009, -2.0, seed=4),
                 20: exact_like(0.008, 1.0, seed=5)}
    message = predicted(ex.q3, (20, 4), five_best).message
    assert "最低的是 5 个特征" in message and "欠拟合" not in message
    three_best = {3: exact_like(0.02, -2.0, seed=6), 4: exact_like(0.01, -1.0, seed=7),
                  20: exact_like(0.008, 1.0, seed=8)}
    assert "欠拟合" not in predicted(ex.q3, (20, 4), three_best).message
    assert "欠拟合" in predicted(ex.q3, (20, 3), TYPICAL).message
