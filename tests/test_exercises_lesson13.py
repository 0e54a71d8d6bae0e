"""Lesson 13's exercises: the log-RMSE, the K-fold indices and the preprocessing fitted on the
training rows, with their usual mistakes diagnosed and equivalent answers accepted
(tests/test_exercises.py and tests/test_exercise_notebooks.py run the starters and solutions)."""
import math

import numpy as np
import pandas as pd
import pytest
import torch
from exercise_asserts import accepted as correct
from exercise_asserts import only_choice_accepted
from exercise_asserts import rejected as incorrect
from torch import nn

from d2l_helpers.exercises import NOT_ATTEMPTED, ____
from d2l_helpers.exercises import lesson13 as ex
from d2l_helpers.repeats import Runs


@pytest.fixture(autouse=True)
def fresh_exercises():
    for exercise in ex.exercises.exercises.values():
        exercise.prediction = None
    yield


# --- q1: log_rmse -------------------------------------------------------------------------------

def book_log_rmse(preds, labels):  # the book's 4.10 code, word for word
    loss = nn.MSELoss()
    clipped_preds = torch.clamp(preds, 1, float("inf"))
    rmse = torch.sqrt(loss(torch.log(clipped_preds), torch.log(labels)))
    return rmse.item()


@pytest.mark.parametrize("log_rmse", [
    ex.reference_log_rmse,
    book_log_rmse,
    lambda p, y: torch.sqrt(((p.clamp(min=1).log() - y.log()) ** 2).mean()).item(),
    lambda p, y: torch.sqrt(torch.mean(torch.log(torch.where(p < 1, 1.0, p) / y) ** 2)),
    lambda p, y: float(np.sqrt(np.mean(np.log(np.maximum(p.numpy(), 1) / y.numpy()) ** 2))),
    lambda p, y: torch.linalg.vector_norm(torch.log(p.double().clamp(1)) - torch.log(y.double()))
    / math.sqrt(p.numel()),
    lambda p, y: torch.sqrt(torch.mean((torch.log(p.clamp(1)) - torch.log(y.clamp(1))) ** 2)),
], ids=["reference", "book", "item", "where and ratio", "numpy", "norm in float64",
        "labels clamped too"])
def test_log_rmse_written_any_right_way_is_correct(log_rmse):
    correct(ex.q1.evaluate(log_rmse))


def clip(p):
    return torch.clamp(p, 1, float("inf"))


@pytest.mark.parametrize("log_rmse, words", [
    (lambda p, y: torch.sqrt(torch.mean((torch.log(p) - torch.log(y)) ** 2)), ["裁剪", "[1, ∞)"]),
    (lambda p, y: torch.sqrt(torch.mean((torch.log(p.clamp(min=0)) - torch.log(y)) ** 2)),
     ["裁剪", "-inf"]),
    (lambda p, y: torch.sqrt(torch.mean((torch.log(p.clamp(min=1e-6)) - torch.log(y)) ** 2)),
     ["下界是 1"]),
    (lambda p, y: torch.sqrt(torch.mean((p - y) ** 2)), ["价格本身的 RMSE"]),
    (lambda p, y: torch.mean((torch.log(clip(p)) - torch.log(y)) ** 2), ["没有开平方根"]),
    (lambda p, y: torch.mean(torch.abs(torch.log(clip(p)) - torch.log(y))), ["绝对值"]),
    (lambda p, y: torch.sqrt(torch.mean((torch.log10(clip(p)) - torch.log10(y)) ** 2)),
     ["log10"]),
    (lambda p, y: torch.sqrt(torch.mean((clip(p) - torch.log(y)) ** 2)), ["只对标签取了对数"]),
    (lambda p, y: torch.sqrt(torch.mean((torch.log1p(clip(p)) - torch.log1p(y)) ** 2)),
     ["log1p"]),
    (lambda p, y: torch.sqrt(torch.sum((torch.log(clip(p)) - torch.log(y)) ** 2)), ["求了和"]),
    (lambda p, y: torch.sqrt((torch.log(clip(p)) - torch.log(y)) ** 2), ["忘了 torch.mean"]),
    (lambda p, y: torch.sqrt(torch.mean((torch.log(clip(p)) - y) ** 2)), ["只对预测值取了对数"]),
    (lambda p, y: torch.sqrt(torch.mean(torch.log(clip(p) - y) ** 2)), ["对差取了对数", "nan"]),
    (lambda p, y: torch.sqrt(torch.mean(torch.log(clip(p)) - torch.log(y)) ** 2),
     ["先对差取平均", "抵消"]),
    (lambda p, y: torch.sqrt(torch.mean(torch.log(clip(p)) - torch.log(y) ** 2)),
     ["每一组数据上都是 nan", "** 比 - 先算"]),
    (lambda p, y: torch.tensor(float("nan")), ["每一组数据上都是 nan"]),
    (lambda p, y: None, ["没有返回结果"]),
    (lambda p, y: torch.sqrt(torch.mean((torch.log2(clip(p)) - torch.log2(y)) ** 2)),
     [ex.say("q1.log2")]),
    (lambda p, y: torch.sqrt(torch.mean((torch.log1p(p.clamp(min=0)) - torch.log1p(y)) ** 2)),
     [ex.say("q1.log1p_at_0")]),
    (lambda p, y: torch.sqrt(torch.mean(((clip(p) - y) / y) ** 2)), [ex.say("q1.relative")]),
    (lambda p, y: np.abs(np.log(np.maximum(p.numpy(), 1)) - np.log(y.numpy())),
     ["返回一个数", "形状为 (200, 1) 的数组"]),
    (lambda p, y: f"{ex.reference_log_rmse(p, y):.4f}", ["返回的是 str：'0.2000'"]),
    (lambda p, y: torch.std(torch.log(clip(p)) - torch.log(y)),
     ["在“prices”这组数据上", "应当是 0.200012", "ŷ 先裁剪到 [1, ∞)"]),
    (lambda p, y: torch.mean(torch.sqrt((torch.log(clip(p)) - torch.log(y)) ** 2)),
     ["绝对值", "先对每个样本开根号"]),
    (lambda p, y: torch.sqrt(torch.mean((p - torch.log(y)) ** 2)), ["只对标签取了对数"]),
], ids=["no clamp", "clamp at 0", "clamp at epsilon", "raw RMSE", "no sqrt", "mean abs", "log10",
        "log of labels only", "log1p", "sum", "per sample", "log of predictions only",
        "log of the difference", "square of the mean", "precedence", "always nan",
        "returns nothing", "log2", "log1p clamped at 0", "relative error", "numpy per sample",
        "formatted string", "standard deviation", "root per sample",
        "log of unclamped labels only"])
def test_log_rmse_mistakes_get_their_diagnosis(log_rmse, words):
    incorrect(ex.q1.evaluate(log_rmse), *words)


def test_log_rmse_that_clamps_in_place_is_told_so():
    def in_place(preds, labels):
        preds.clamp_(1)
        return torch.sqrt(torch.mean((torch.log(preds) - torch.log(labels)) ** 2))
    incorrect(ex.q1.evaluate(in_place), "原地修改", "clamp_")


def test_log_rmse_untouched_starter_is_not_attempted():
    def log_rmse(preds, labels):
        clipped = torch.clamp(preds, ____, float("inf"))
        return torch.sqrt(torch.mean((torch.log(clipped) - ____) ** 2))
    assert ex.q1.evaluate(log_rmse).status == NOT_ATTEMPTED


# --- q2: k_fold_indices ---------------------------------------------------------------------------

def shuffled_folds(n, k):
    order = torch.randperm(n, generator=torch.Generator().manual_seed(0))
    folds = order.tensor_split(k)
    return [(torch.cat(folds[:i] + folds[i + 1:]), folds[i]) for i in range(k)]


def numpy_masks(n, k):
    fold_of = np.arange(n) % k  # round-robin: row r is in fold r % k
    return [(fold_of != i, fold_of == i) for i in range(k)]


def round_robin(n, k):
    fold_of = np.arange(n) % k
    return [(np.flatnonzero(fold_of != i), np.flatnonzero(fold_of == i)) for i in range(k)]


def list_folds(n, k):
    bounds = [i * n // k for i in range(k + 1)]
    return [(list(range(0, bounds[i])) + list(range(bounds[i + 1], n)),
             range(bounds[i], bounds[i + 1])) for i in range(k)]


def generator_folds(n, k):
    folds = np.array_split(np.arange(n), k)
    for i in range(k):
        yield np.concatenate([f for j, f in enumerate(folds) if j != i]), folds[i]


@pytest.mark.parametrize("k_fold_indices", [
    ex.reference_k_fold_indices, shuffled_folds, round_robin, list_folds, generator_folds,
], ids=["reference", "shuffled", "round robin", "lists and ranges", "generator"])
def test_k_fold_indices_written_any_right_way_is_correct(k_fold_indices):
    correct(ex.q2.evaluate(k_fold_indices))


def book_sized(n, k):  # the book's fold_size = n // k: the last n % k rows are dropped
    size = n // k
    folds = [torch.arange(i * size, (i + 1) * size) for i in range(k)]
    return [(torch.cat(folds[:i] + folds[i + 1:]), folds[i]) for i in range(k)]


def overlapping(n, k):
    size = math.ceil(n / k) + 1
    folds = [torch.arange(i * (n // k), min(i * (n // k) + size, n)) for i in range(k)]
    return [(torch.tensor([r for r in range(n) if r not in set(f.tolist())]), f) for f in folds]


def one_fold_short(n, k):
    folds = torch.arange(n).tensor_split(k)
    return [(torch.cat(folds[:i] + folds[i + 1:]), folds[i]) for i in range(k - 1)]


def train_is_everything(n, k):
    return [(torch.arange(n), f) for f in torch.arange(n).tensor_split(k)]


def train_misses_a_fold(n, k):
    folds = torch.arange(n).tensor_split(k)
    return [(torch.cat([f for j, f in enumerate(folds) if j not in (i, (i + 1) % k)]), folds[i])
            for i in range(k)]


def remainder_in_last(n, k):
    size = n // k
    folds = [torch.arange(i * size, (i + 1) * size if i < k - 1 else n) for i in range(k)]
    return [(torch.cat(folds[:i] + folds[i + 1:]), folds[i]) for i in range(k)]


def swapped_pair(n, k):
    return [(valid, train) for train, valid in ex.reference_k_fold_indices(n, k)]


def float_indices(n, k):
    return [(t.float(), v.float()) for t, v in ex.reference_k_fold_indices(n, k)]


def zipped_lists(n, k):
    folds = ex.reference_k_fold_indices(n, k)
    return [t for t, _ in folds], [v for _, v in folds]


def split_by_k(n, k):  # split takes the size of each part, not their number
    folds = torch.arange(n).split(k)
    return [(torch.cat([f for j, f in enumerate(folds) if j != i]), folds[i]) for i in range(k)]


def fold_size_as_parts(n, k):  # the starter's blank filled with the fold size
    folds = torch.arange(n).tensor_split(n // k)
    return [(torch.cat([f for j, f in enumerate(folds) if j != i]), folds[i]) for i in range(k)]


def set_folds(n, k):
    folds = [set(f.tolist()) for f in torch.arange(n).tensor_split(k)]
    return [(set(range(n)) - f, f) for f in folds]


def string_rows(n, k):  # row numbers as text, as if read back from a file
    return [(t.numpy().astype(str), v.numpy().astype(str))
            for t, v in ex.reference_k_fold_indices(n, k)]


def one_based(n, k):  # rows numbered 1 ... n
    folds = torch.arange(1, n + 1).tensor_split(k)
    return [(torch.cat(folds[:i] + folds[i + 1:]), folds[i]) for i in range(k)]


def one_fold_too_many(n, k):
    folds = torch.arange(n).tensor_split(k + 1)
    return [(torch.cat(folds[:i] + folds[i + 1:]), folds[i]) for i in range(k + 1)]


def dict_pairs(n, k):
    return [{"train": t, "valid": v} for t, v in ex.reference_k_fold_indices(n, k)]


def arguments_swapped(k, n):  # def k_fold_indices(k, n): the caller passes (n, k)
    return ex.reference_k_fold_indices(n, k)


def bounds_one_fold_behind(n, k):  # fold i from bound i - 1 to bound i: fold 0 is empty
    bounds = [max(i - 1, 0) * n // k for i in range(k + 1)]
    folds = [torch.arange(bounds[i], bounds[i + 1]) for i in range(k)]
    return [(torch.cat(folds[:i] + folds[i + 1:]), folds[i]) for i in range(k)]


def randint_for_randperm(n, k):  # the rows shuffled by drawing with replacement
    order = torch.randint(n, (n,), generator=torch.Generator().manual_seed(0))
    folds = order.tensor_split(k)
    return [(torch.cat(folds[:i] + folds[i + 1:]), folds[i]) for i in range(k)]


def next_fold_left_out(n, k):  # the training set leaves out fold i + 1 instead of fold i
    folds = torch.arange(n).tensor_split(k)
    return [(torch.cat([f for j, f in enumerate(folds) if j != (i + 1) % k]), folds[i])
            for i in range(k)]


def slices_one_short(n, k):  # each fold ends one row early
    size = n // k
    folds = [torch.arange(i * size, (i + 1) * size - 1) for i in range(k)]
    return [(torch.cat(folds[:i] + folds[i + 1:]), folds[i]) for i in range(k)]


def chunked(n, k):
    folds = torch.arange(n).chunk(k)
    return [(torch.cat(folds[:i] + folds[i + 1:]), folds[i]) for i in range(len(folds))]


def random_fold_per_row(n, k):  # every row to a random fold: the sizes differ by chance
    fold_of = torch.randint(k, (n,), generator=torch.Generator().manual_seed(0))
    return [(torch.nonzero(fold_of != i).flatten(), torch.nonzero(fold_of == i).flatten())
            for i in range(k)]


@pytest.mark.parametrize("k_fold_indices, words", [
    (book_sized, ["最后", "n % k", "丢掉"]),
    (overlapping, ["重叠"]),
    (one_fold_short, ["少了一折", "range(k - 1)"]),
    (train_is_everything, ["训练集是全部的行"]),
    (train_misses_a_fold, ["训练集少了第"]),
    (remainder_in_last, ["最后一折"]),
    (swapped_pair, ["训练集在前"]),
    (float_indices, ["浮点数"]),
    (zipped_lists, ["两个长度为"]),
    (fold_size_as_parts, ["tensor_split(n // k)", "份数"]),
    (split_by_k, ["split(k)", "份数"]),
    (numpy_masks, ["布尔掩码", "flatnonzero"]),
    (lambda n, k: None, ["没有返回结果"]),
    (set_folds, ["应当是一组行号", "set"]),
    (string_rows, ["不是一组整数行号", "<U"]),
    (one_based, ["行号 100，超出了 0 … 99"]),
    (lambda n, k: n // k, ["应当返回一个列表", "int"]),
    (arguments_swapped, ["给出了 100 折", "参数的顺序是 (n, k)"]),
    (one_fold_too_many, ["给出了 6 折，应当是 k = 5 折"]),
    (dict_pairs, ["第 0 个元素应当是一对", "dict"]),
    (bounds_one_fold_behind, ["第 0 折的验证集是空的"]),
    (randint_for_randperm, ["出现了两次"]),
    (next_fold_left_out, ["有 20 行相同", "不相交"]),
    (slices_one_short, ["有 5 行从没做过验证", "[19, 19, 19, 19, 19]"]),
    (chunked, ["[21, 21, 21, 21, 19]", ex.say("q2.chunked")]),
    (random_fold_per_row, ["各折验证集的大小是", ex.say("q2.uneven")]),
], ids=["last rows dropped", "overlapping", "a fold left out", "train includes valid",
        "train misses a fold", "remainder in the last fold", "pair swapped", "float indices",
        "two lists", "fold size as the number of parts", "split(k)", "boolean masks",
        "returns nothing", "sets", "strings", "rows from 1", "fold size returned",
        "arguments swapped", "one fold too many", "dicts", "an empty fold",
        "drawn with replacement", "the wrong fold left out", "folds one row short",
        "torch.chunk", "random fold per row"])
def test_k_fold_indices_mistakes_get_their_diagnosis(k_fold_indices, words):
    incorrect(ex.q2.evaluate(k_fold_indices), *words)


def test_k_fold_indices_untouched_starter_is_not_attempted():
    def k_fold_indices(n, k):
        folds = torch.arange(n).tensor_split(____)
        return [(torch.cat([f for j, f in enumerate(folds) if j != i]), ____) for i in range(k)]
    assert ex.q2.evaluate(k_fold_indices).status == NOT_ATTEMPTED


# --- q3: preprocess ---------------------------------------------------------------------------

def split_rows(features, frames):
    X = torch.tensor(features.to_numpy(dtype=float), dtype=torch.float32)
    X_train, *X_others = X.split([len(f) for f in frames])
    return X_train, X_others


def book_style(train, others, fit_on_all=False, fill_first=False, dummy_na=True, ddof=1):
    """The book's preprocessing, with the lesson's numeric-column selection; switches for the
    mistakes."""
    frames = [train, *others]
    features = pd.concat(frames)
    numeric = train.select_dtypes(include="number").columns
    fit = features if fit_on_all else train
    if fill_first:
        features[numeric] = features[numeric].fillna(0)
        fit = fit[numeric].fillna(0)
    mean, std = fit[numeric].mean(), fit[numeric].std(ddof=ddof)
    features[numeric] = ((features[numeric] - mean) / std).fillna(0)
    features = pd.get_dummies(features, dummy_na=dummy_na, dtype=float)
    return split_rows(features, frames)


def train_columns_only(train, others):
    numeric = train.select_dtypes(include="number").columns
    mean, std = train[numeric].mean(), train[numeric].std(ddof=0)

    def transform(frame):
        frame = frame.copy()
        frame[numeric] = ((frame[numeric] - mean) / std).fillna(0)
        return pd.get_dummies(frame, dummy_na=True, dtype=float)

    columns = transform(train).columns
    X_train = torch.tensor(transform(train).to_numpy(), dtype=torch.float32)
    return X_train, [torch.tensor(transform(o).reindex(columns=columns, fill_value=0).to_numpy(),
                                  dtype=torch.float32) for o in others]


def numpy_by_hand(train, others):
    numeric = [c for c in train.columns if pd.api.types.is_numeric_dtype(train[c])]
    categorical = [c for c in train.columns if c not in numeric]
    values = train[numeric].to_numpy(dtype=float)
    mean, std = np.nanmean(values, axis=0), np.nanstd(values, axis=0)
    out = []
    for frame in [train, *others]:
        z = np.nan_to_num((frame[numeric].to_numpy(dtype=float) - mean) / std)
        parts = [z]
        for c in categorical[::-1]:  # another column order
            levels = sorted(train[c].dropna().unique())
            col = frame[c].to_numpy(dtype=object)
            missing = [pd.isna(col)] if train[c].isna().any() else []  # only where train has any
            parts.append(np.stack([col == lv for lv in levels] + missing, 1).astype(float))
        out.append(torch.tensor(np.hstack(parts[::-1]), dtype=torch.float32))
    return out[0], out[1:]


@pytest.mark.parametrize("preprocess", [
    ex.reference_preprocess, book_style, lambda t, o: book_style(t, o, ddof=0),
    train_columns_only, numpy_by_hand,
], ids=["reference", "book style fitted on train", "ddof 0", "train's columns, reindexed",
        "numpy by hand"])
def test_preprocess_written_any_right_way_is_correct(preprocess):
    correct(ex.q3.evaluate(preprocess))


def per_frame_dummies(train, others):
    numeric = train.select_dtypes(include="number").columns
    mean, std = train[numeric].mean(), train[numeric].std()
    out = []
    for frame in [train, *others]:
        frame = frame.copy()
        frame[numeric] = ((frame[numeric] - mean) / std).fillna(0)
        dummies = pd.get_dummies(frame, dummy_na=True, dtype=float)
        out.append(torch.tensor(dummies.to_numpy(), dtype=torch.float32))
    return out[0], out[1:]


def book_dtypes(train, others):  # the book's dtypes != 'object': str columns count as numeric
    features = pd.concat([train, *others])
    numeric = features.dtypes[features.dtypes != "object"].index
    mean, std = train[numeric].mean(), train[numeric].std()
    features[numeric] = ((features[numeric] - mean) / std).fillna(0)
    return split_rows(pd.get_dummies(features, dummy_na=True, dtype=float), [train, *others])


def bool_dummies(train, others):
    frames = [train, *others]
    features = pd.concat(frames)
    numeric = train.select_dtypes(include="number").columns
    mean, std = train[numeric].mean(), train[numeric].std()
    features[numeric] = ((features[numeric] - mean) / std).fillna(0)
    features = pd.get_dummies(features, dummy_na=True)
    X = torch.tensor(features.values, dtype=torch.float32)
    return X[:len(train)], [X[len(train):len(train) + len(others[0])], X[len(train) + len(others[0]):]]


def in_place(train, others):
    numeric = train.select_dtypes(include="number").columns
    mean, std = train[numeric].mean(), train[numeric].std()
    train[numeric] = ((train[numeric] - mean) / std).fillna(0)
    return book_style(train, others)


def all_columns_mean(train, others):  # statistics of every column, strings too
    mean, std = train.mean(), train.std()
    numeric = train.select_dtypes(include="number").columns
    frames = []
    for frame in [train, *others]:
        frame = frame.copy()
        frame[numeric] = ((frame[numeric] - mean[numeric]) / std[numeric]).fillna(0)
        frames.append(frame)
    return split_rows(pd.get_dummies(pd.concat(frames), dummy_na=True, dtype=float), frames)


def variance_scaled(train, others):
    numeric = train.select_dtypes(include="number").columns
    mean, var = train[numeric].mean(), train[numeric].var()
    frames = []
    for frame in [train, *others]:
        frame = frame.copy()
        frame[numeric] = ((frame[numeric] - mean) / var).fillna(0)
        frames.append(frame)
    return split_rows(pd.get_dummies(pd.concat(frames), dummy_na=True, dtype=float), frames)


def not_filled(train, others):
    X_train, X_others = book_style(train, others)
    X_train[0, 0] = float("nan")
    return X_train, X_others


def mean_filled_first(train, others):
    frames = [train, *others]
    numeric = train.select_dtypes(include="number").columns
    mean = train[numeric].mean()
    filled = train[numeric].fillna(mean)
    features = pd.concat(frames)
    features[numeric] = (features[numeric].fillna(mean) - filled.mean()) / filled.std()
    return split_rows(pd.get_dummies(features, dummy_na=True, dtype=float), frames)


def zero_filled_before_subtracting(train, others):
    numeric = train.select_dtypes(include="number").columns
    mean, std = train[numeric].mean(), train[numeric].std()  # of the observed values
    frames = []
    for frame in [train, *others]:
        frame = frame.copy()
        frame[numeric] = (frame[numeric].fillna(0) - mean) / std
        frames.append(frame)
    return split_rows(pd.get_dummies(pd.concat(frames), dummy_na=True, dtype=float), frames)


def raw_mean_filled(train, others):  # the starter's fillna blank filled with ``mean``
    numeric = train.select_dtypes(include="number").columns
    mean, std = train[numeric].mean(), train[numeric].std()
    frames = []
    for frame in [train, *others]:
        frame = frame.copy()
        frame[numeric] = ((frame[numeric] - mean) / std).fillna(mean)
        frames.append(frame)
    return split_rows(pd.get_dummies(pd.concat(frames), dummy_na=True, dtype=float), frames)


def not_standardised(train, others):
    frames = [train, *others]
    features = pd.concat(frames)
    numeric = train.select_dtypes(include="number").columns
    features[numeric] = features[numeric].fillna(0)
    return split_rows(pd.get_dummies(features, dummy_na=True, dtype=float), frames)


def min_max(train, others):
    frames = [train, *others]
    features = pd.concat(frames)
    numeric = train.select_dtypes(include="number").columns
    low, high = train[numeric].min(), train[numeric].max()
    features[numeric] = ((features[numeric] - low) / (high - low)).fillna(0)
    return split_rows(pd.get_dummies(features, dummy_na=True, dtype=float), frames)


def own_statistics(train, others):
    numeric = train.select_dtypes(include="number").columns
    frames = []
    for frame in [train, *others]:
        frame = frame.copy()
        frame[numeric] = ((frame[numeric] - frame[numeric].mean()) / frame[numeric].std()).fillna(0)
        frames.append(frame)
    return split_rows(pd.get_dummies(pd.concat(frames), dummy_na=True, dtype=float), frames)


def inf_left(train, others):
    X_train, X_others = book_style(train, others)
    X_train[0, 0] = float("inf")
    return X_train, X_others


def missing_rows_dropped(train, others):
    numeric = train.select_dtypes(include="number").columns
    return ex.reference_preprocess(train.dropna(subset=numeric), others)


def median_centred(train, others):
    numeric = train.select_dtypes(include="number").columns
    median, std = train[numeric].median(), train[numeric].std()
    frames = []
    for frame in [train, *others]:
        frame = frame.copy()
        frame[numeric] = ((frame[numeric] - median) / std).fillna(0)
        frames.append(frame)
    return split_rows(pd.get_dummies(pd.concat(frames), dummy_na=True, dtype=float), frames)


@pytest.mark.parametrize("preprocess, words", [
    (own_statistics, ["它自己的均值和标准差"]),
    (min_max, ["[0, 1]", "(x - mean) / std"]),
    (lambda t, o: book_style(t, o, fit_on_all=True), ["全部的行", "泄漏"]),
    (lambda t, o: book_style(t, o, fit_on_all=True, ddof=0), ["全部的行", "泄漏"]),
    (mean_filled_first, ["先用均值填了缺失值"]),
    (not_standardised, ["没有标准化"]),
    (zero_filled_before_subtracting, ["减均值之前", "fillna(0)"]),
    (raw_mean_filled, ["原来的均值", "fillna(0)"]),
    (lambda t, o: book_style(t, o, fill_first=True), ["先把缺失值填成了 0"]),
    (lambda t, o: book_style(t, o, dummy_na=False), ["缺失", "dummy_na=True"]),
    (lambda t, o: book_style(t, o, fit_on_all=True, fill_first=True), ["两个问题"]),
    (per_frame_dummies, ["分别", "get_dummies", "列数不一样"]),
    (book_dtypes, ["pandas 3", "select_dtypes"]),
    (all_columns_mean, ["字符串列", "select_dtypes"]),
    (bool_dummies, ["dtype=float"]),
    (in_place, ["原地修改"]),
    (not_filled, ["nan", "fillna(0)"]),
    (lambda t, o: (lambda X, Xs: (pd.DataFrame(X.numpy()), [x.numpy() for x in Xs]))(
        *ex.reference_preprocess(t, o)), ["DataFrame", "float32"]),
    (lambda t, o: (lambda X, Xs: (X.numpy(), [x.numpy() for x in Xs]))(
        *ex.reference_preprocess(t, o)), ["ndarray", "float32"]),
    (lambda t, o: (lambda X, Xs: (X.double(), [x.double() for x in Xs]))(
        *ex.reference_preprocess(t, o)), ["float64", "same dtype"]),
    (variance_scaled, ["方差", "std"]),
    (lambda t, o: ex.reference_preprocess(t, o)[0], ["两样东西"]),
    (lambda t, o: ex.reference_preprocess(t, o[:1]), ["2 张表"]),
    (lambda t, o: book_style(t, o, fit_on_all=True, dummy_na=False),
     [ex.say("q3.leak_and_no_missing_column")]),
    (lambda t, o: (lambda X, Xs: (X.flatten(), [x.flatten() for x in Xs]))(
        *ex.reference_preprocess(t, o)), ["X_train的形状是 (", "应当是二维的"]),
    (lambda t, o: (lambda X, Xs: (X, torch.cat(Xs)))(*ex.reference_preprocess(t, o)),
     [ex.say("q3.others_not_list")]),
    (missing_rows_dropped, ["X_train 有 51 行，对应的表有 60 行"]),
    (inf_left, [ex.say("q3.inf")]),
    (median_centred, [ex.say("q3.values")]),
], ids=["own statistics", "min-max", "the leak", "the leak, ddof 0", "mean filled first", "not standardised",
        "zero filled before subtracting", "raw mean filled",
        "filled before standardising", "no column for missing", "leak and fill",
        "one-hot per frame", "book's dtypes under pandas 3", "mean of every column", "bool dummies",
        "in place",
        "nan left", "DataFrames", "numpy arrays", "float64", "divided by the variance",
        "one value", "others cut short", "leak and no column for missing", "flattened",
        "others in one tensor", "rows with missing values dropped", "inf left",
        "centred on the median"])
def test_preprocess_mistakes_get_their_diagnosis(preprocess, words):
    incorrect(ex.q3.evaluate(preprocess), *words)


def test_preprocess_with_a_wrong_number_of_columns_is_told_how_many():
    def one_column_short(train, others):
        X_train, X_others = ex.reference_preprocess(train, others)
        return X_train[:, 1:], [x[:, 1:] for x in X_others]
    incorrect(ex.q3.evaluate(one_column_short), "应当是", "dummy_na=True")


def test_preprocess_untouched_starter_is_not_attempted():
    def preprocess(train, others):
        numeric = train.select_dtypes(include="number").columns
        mean, std = ____, ____
        frames = []
        for frame in [train, *others]:
            frame = frame.copy()
            frame[numeric] = ((frame[numeric] - mean) / std).fillna(____)
            frames.append(frame)
        features = pd.get_dummies(pd.concat(frames), dummy_na=____, dtype=float)
        X = torch.tensor(features.to_numpy(), dtype=torch.float32)
        X_train, *X_others = X.split([len(frame) for frame in frames])
        return X_train, X_others
    assert ex.q3.evaluate(preprocess).status == NOT_ATTEMPTED


def test_preprocess_reference_runs_on_the_ames_houses():
    from d2l_helpers.houses import load_house_prices

    data = load_house_prices(source="ames")
    train = data.train.drop(columns=["Id", "SalePrice"])
    test = data.test.drop(columns=["Id", "SalePrice"])
    X_train, (X_test,) = ex.reference_preprocess(train, [test])
    assert X_train.shape[0] == len(train) and X_test.shape == (len(test), X_train.shape[1])
    assert torch.isfinite(X_train).all() and torch.isfinite(X_test).all()


# --- q4-q6: predictions judged on constructed runs -------------------------------------------

def runs_of(base_name, base, other_name, other):
    return Runs(range(len(base)), [[{"epoch": 1, base_name: b, other_name: a}]
                                   for b, a in zip(base, other)])


BASE = [0.150, 0.152, 0.149, 0.151, 0.153]
HIGHER = [0.190, 0.195, 0.188, 0.192, 0.197]
SAME = [0.1505, 0.151, 0.1495, 0.1515, 0.152]
LOWER = [0.120, 0.121, 0.119, 0.122, 0.124]


@pytest.mark.parametrize("exercise, names, answers", [
    (ex.q4, ("price_target_rmse", "log_target_rmse"), {"lower": "A", "same": "B", "higher": "C"}),
    (ex.q5, ("fold_stats_rmse", "all_stats_rmse"), {"lower": "A", "same": "B", "higher": "C"}),
    (ex.q6, ("standardised_rmse", "raw_rmse"), {"higher": "A", "same": "B", "lower": "C"}),
], ids=["log target", "leak", "standardising"])
@pytest.mark.parametrize("other, outcome", [(HIGHER, "higher"), (SAME, "same"), (LOWER, "lower")])
def test_predictions_are_judged_against_the_paired_comparison(exercise, names, answers, other,
                                                               outcome):
    runs = runs_of(names[0], BASE, names[1], other)
    answer = answers[outcome]
    only_choice_accepted(exercise, runs, answer)


def test_a_prediction_is_judged_by_the_pairs_not_the_means():
    # The means differ by 0.001 and the per-seed differences are all 0.001: paired, significant.
    ex.q5.prediction = "B"
    incorrect(ex.q5.evaluate(runs_of("fold_stats_rmse", BASE, "all_stats_rmse",
                                     [b - 0.001 for b in BASE])), "也就是 A")


@pytest.mark.parametrize("exercise, what, names", [
    (ex.q4, "target_runs", ("price_target_rmse", "log_target_rmse")),
    (ex.q5, "leak_runs", ("fold_stats_rmse", "all_stats_rmse")),
    (ex.q6, "scale_runs", ("standardised_rmse", "raw_rmse")),
])
def test_prediction_without_its_runs_says_what_it_needs(exercise, what, names):
    exercise.prediction = "A"
    incorrect(exercise.evaluate({"a": 1}), what)
    incorrect(exercise.evaluate(runs_of(names[0], BASE, "other", LOWER)), "没有记录")
    incorrect(exercise.evaluate(runs_of(names[0], BASE[:3], names[1], LOWER[:3])), "至少")


def test_prediction_with_a_diverged_seed_is_not_judged():
    ex.q6.prediction = "A"
    incorrect(ex.q6.evaluate(runs_of("standardised_rmse", BASE, "raw_rmse",
                                     [*HIGHER[:4], float("nan")])), "发散")


def test_prediction_before_predicting_is_not_attempted():
    assert ex.q5.evaluate(runs_of("fold_stats_rmse", BASE, "all_stats_rmse", LOWER)).status \
        == NOT_ATTEMPTED
