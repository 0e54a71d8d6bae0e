"""Lesson 13 exercises (book section 4.10, the house-price competition):
``from d2l_helpers.exercises import lesson13 as ex``.

The learner writes the competition's metric (q1 ``log_rmse``: the book clamps the predictions
to [1, ∞) before the log, then the root of the mean squared log difference), the K-fold split
as indices (q2 ``k_fold_indices(n, k)``: k pairs ``(train_idx, valid_idx)``, every row in
exactly one validation fold, the last ``n % k`` rows not dropped; lesson 7's
``get_k_fold_data`` is the same split handed out one fold at a time) and the book's
preprocessing fitted on the training rows only (q3 ``preprocess(train, others)``: numeric
columns standardised with the training mean and standard deviation, missing values 0 after
standardising, categorical columns one-hot with a column for missing, the same columns for
every frame). Each check runs the learner's code on hard inputs (predictions ≤ 0, cheap
"houses" where log and log1p differ, n not divisible by k, a frame whose distribution is
shifted and which lacks a category, strings in pandas 3's ``str`` dtype) and names the usual
mistake: no clamp, raw-price RMSE, log10, no square root; overlapping folds, a fold left out,
the last rows dropped, the validation fold trained on; the book's leak (statistics from all
rows), missing values filled before standardising, no column for missing, one-hot columns that
differ between frames; q3 returns float32 tensors, which the lesson trains on. The three
predictions (q4 log target or price, q5 the book's leak, q6 no standardising) are judged by
:func:`judge_paired` against the lesson's runs over 5 seeds.
"""
import math
import numbers

import numpy as np
import torch

from d2l_helpers.exercises.core import ExerciseSet, Incorrect, judge_paired, reject_mistakes

exercises = ExerciseSet("第 13 课", __name__)
progress, say, need = exercises.progress, exercises.say, exercises.need


# --- q1: the log-RMSE -------------------------------------------------------------------------

def _log_rmse(p, y):
    return torch.sqrt(torch.mean((torch.log(p.clamp(min=1)) - torch.log(y)) ** 2))


def _log_rmse_cases():
    g = torch.Generator().manual_seed(13)
    n = 200
    prices = torch.exp(12.0 + 0.4 * torch.randn(n, 1, generator=g))
    noisy = prices * torch.exp(0.2 * torch.randn(n, 1, generator=g))
    bad = noisy.clone()
    bad[:6, 0] = torch.tensor([0.0, -5000.0, 0.5, -1.0, 0.99, 1.0])  # a model that went wrong
    cheap = 1.5 + 28.5 * torch.rand(50, generator=g)  # "prices" where log and log1p differ
    cheap_preds = (cheap * torch.exp(0.3 * torch.randn(50, generator=g))).clamp(min=1.2)
    below_one = cheap_preds.clone()
    below_one[:3] = torch.tensor([0.2, 3.0, 0.7])
    # every prediction above its price: log(ŷ - y) is finite here, so only that mistake matches it
    over = prices * (1.05 + 0.2 * torch.randn(n, 1, generator=g).abs())
    return {"prices": (noisy, prices), "predictions <= 0": (bad, prices),
            "cheap": (cheap_preds, cheap), "cheap, some below 1": (below_one, cheap),
            "over-estimates": (over, prices)}


def _clamped(p):
    return p.clamp(min=1)


_LOG_RMSE_MISTAKES = (
    (lambda p, y: torch.sqrt(torch.mean((p - y) ** 2)), say("q1.raw_price")),
    (lambda p, y: torch.mean((torch.log(_clamped(p)) - torch.log(y)) ** 2), say("q1.no_sqrt")),
    # also the root taken per sample, mean(sqrt(d ** 2)): the same numbers
    (lambda p, y: torch.mean((torch.log(_clamped(p)) - torch.log(y)).abs()), say("q1.mean_abs")),
    (lambda p, y: torch.sqrt(torch.mean((torch.log10(_clamped(p)) - torch.log10(y)) ** 2)),
     say("q1.log10")),
    (lambda p, y: torch.sqrt(torch.mean((torch.log2(_clamped(p)) - torch.log2(y)) ** 2)),
     say("q1.log2")),
    (lambda p, y: torch.sqrt(torch.mean((_clamped(p) - torch.log(y)) ** 2)),
     say("q1.log_labels_only")),  # unclamped too: raw prices dwarf the clamp's change
    (lambda p, y: torch.sqrt(torch.mean((torch.log(_clamped(p)) - y) ** 2)),
     say("q1.log_preds_only")),
    (lambda p, y: torch.sqrt(torch.mean(torch.log(_clamped(p) - y) ** 2)),
     say("q1.log_of_difference")),
    (lambda p, y: torch.sqrt(torch.mean(torch.log(_clamped(p)) - torch.log(y)) ** 2),
     say("q1.square_of_mean")),
    (lambda p, y: torch.sqrt(torch.mean((torch.log1p(_clamped(p)) - torch.log1p(y)) ** 2)),
     say("q1.log1p")),
    (lambda p, y: torch.sqrt(torch.mean((torch.log1p(p.clamp(min=0)) - torch.log1p(y)) ** 2)),
     say("q1.log1p_at_0")),
    (lambda p, y: torch.sqrt(torch.sum((torch.log(_clamped(p)) - torch.log(y)) ** 2)),
     say("q1.summed")),
    (lambda p, y: torch.sqrt(torch.mean(((_clamped(p) - y) / y) ** 2)), say("q1.relative")),
)


def _as_number(value, case):
    """The learner's log-RMSE as a Python float, or Incorrect saying why it is not one number."""
    need(value is not None, "q1.no_result")
    if torch.is_tensor(value):
        need(value.numel() == 1, "q1.not_scalar", case=case, shape=tuple(value.shape))
        return float(value.detach().flatten()[0])
    if isinstance(value, np.ndarray):
        need(value.size == 1, "q1.array_shape", shape=value.shape)
        return float(value.reshape(-1)[0])
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    raise Incorrect(say("q1.not_number", kind=type(value).__name__, value=value))


def _same_number(a, b, rtol=1e-4):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return math.isclose(a, b, rel_tol=rtol, abs_tol=1e-6)


@exercises.code()
def q1(log_rmse):
    cases = _log_rmse_cases()
    got, right = {}, {}
    for name, (p, y) in cases.items():
        before = (p.clone(), y.clone())
        out = log_rmse(p, y)
        need(torch.equal(p, before[0]) and torch.equal(y, before[1]), "q1.in_place")
        got[name] = _as_number(out, name)
        right[name] = float(_log_rmse(p.double(), y.double()))
    if all(_same_number(got[n], right[n]) for n in cases):
        return say("q1.correct")
    inputs = {n: (p.double(), y.double()) for n, (p, y) in cases.items()}
    reject_mistakes(got, inputs, [(lambda pair, m=m: float(m(*pair)), diagnosis)
                                  for m, diagnosis in _LOG_RMSE_MISTAKES], atol=1e-6)
    hard = "predictions <= 0"
    above_one = [n for n, (p, _) in cases.items() if bool((p >= 1).all())]
    need(any(math.isfinite(got[n]) for n in cases), "q1.never_finite", value=got[hard])
    need(math.isfinite(got[hard]), "q1.no_clamp", value=got[hard])
    need(not all(_same_number(got[n], right[n]) for n in above_one), "q1.clamp_bound",
         got=got[hard], right=right[hard])
    name = next(n for n in cases if not _same_number(got[n], right[n]))
    raise Incorrect(say("q1.wrong", name=name, got=got[name], right=right[name]))


reference_log_rmse = q1.reference("log_rmse")


# --- q2: the K-fold split ---------------------------------------------------------------------

def _index_list(value, n, what):
    """``value`` (a tensor, array, list or range of row numbers) as a list of ints; Incorrect
    if it is none of these (a boolean mask included: the lesson counts and indexes rows)."""
    if torch.is_tensor(value):
        value = value.detach().cpu().numpy()
    if isinstance(value, (range, list, tuple)):
        value = np.asarray(list(value))
    need(isinstance(value, np.ndarray), "q2.not_indices",
         what=what, kind=type(value).__name__, value=value)
    value = value.reshape(-1)
    need(value.dtype != bool, "q2.mask", what=what)
    if value.size and not np.issubdtype(value.dtype, np.integer):
        need(not (np.issubdtype(value.dtype, np.floating) and np.all(value == np.round(value))),
             "q2.float", what=what, dtype=value.dtype)
        raise Incorrect(say("q2.not_integer", what=what, dtype=value.dtype))
    rows = [int(i) for i in value]
    outside = [i for i in rows if not 0 <= i < n]
    if outside:
        raise Incorrect(say("q2.outside", what=what, row=outside[0], last=n - 1, n=n))
    return rows


def _check_folds(k_fold_indices, n, k):
    call = f"k_fold_indices({n}, {k})"
    out = k_fold_indices(n, k)
    need(out is not None, "q2.no_result", call=call)
    need(not isinstance(out, (str, bytes)) and hasattr(out, "__iter__"), "q2.not_list",
         call=call, kind=type(out).__name__)
    out = list(out)
    if len(out) != k:
        need(len(out) != k - 1, "q2.fold_short", call=call, count=len(out))
        two_lists = len(out) == 2 and k != 2 and all(
            hasattr(part, "__len__") and len(part) == k for part in out)
        need(not two_lists, "q2.two_lists", call=call, k=k)
        need(len(out) != n, "q2.n_folds", call=call, n=n)
        raise Incorrect(say("q2.fold_count", call=call, count=len(out), k=k))
    folds, bounds = [], dict(small=n // k, large=n // k + 1)
    for i, pair in enumerate(out):
        need(not isinstance(pair, dict) and hasattr(pair, "__len__") and len(pair) == 2,
             "q2.not_pair", call=call, i=i, kind=type(pair).__name__)
        train = _index_list(pair[0], n, f"{call} 第 {i} 折的 train_idx ")
        valid = _index_list(pair[1], n, f"{call} 第 {i} 折的 valid_idx ")
        need(valid, "q2.empty_valid", call=call, i=i, **bounds)
        need(len(set(valid)) == len(valid) and len(set(train)) == len(train), "q2.duplicate",
             call=call, i=i)
        common = set(train) & set(valid)
        if common:
            need(set(train) != set(range(n)), "q2.train_all", call=call, i=i)
            raise Incorrect(say("q2.overlap", call=call, i=i, count=len(common), row=min(common)))
        need(not (len(train) < len(valid) and len(train) + len(valid) == n and k > 2),
             "q2.swapped", call=call, i=i, train=len(train), valid=len(valid))
        folds.append((train, valid))
    seen = [row for _, valid in folds for row in valid]
    if len(set(seen)) != len(seen):
        twice = next(row for row in seen if seen.count(row) > 1)
        raise Incorrect(say("q2.folds_overlap", call=call, row=twice))
    unused = sorted(set(range(n)) - set(seen))
    sizes = [len(v) for _, v in folds]
    if unused:
        need(not (unused == list(range(n - len(unused), n)) and len(unused) == n % k),
             "q2.last_dropped", call=call, count=len(unused), n=n, k=k, size=n // k)
        parts = n // k
        need(parts in (0, k) or not all(len(v) in (n // parts, -(-n // parts)) for _, v in folds),
             "q2.parts_for_size", call=call, sizes=sizes, count=len(unused), n=n, parts=parts)
        raise Incorrect(say("q2.unvalidated", call=call, count=len(unused), row=unused[0],
                            sizes=sizes, n=n))
    for i, (train, valid) in enumerate(folds):
        missing = set(range(n)) - set(train) - set(valid)
        if missing:
            left_out = [j for j, (_, other) in enumerate(folds) if j != i and set(other) <= missing]
            which = ("、".join(say("q2.fold", j=j) for j in left_out) if left_out
                     else say("q2.rows", count=len(missing)))
            raise Incorrect(say("q2.train_missing", call=call, i=i, which=which,
                                row=min(missing), rest=k - 1))
    if max(sizes) - min(sizes) > 1:
        how = (say("q2.remainder_last") if sizes[-1] == max(sizes) else
               say("q2.chunked") if sizes[-1] == min(sizes) else say("q2.uneven"))
        raise Incorrect(say("q2.unequal", call=call, sizes=sizes, how=how, **bounds))


@exercises.code()
def q2(k_fold_indices):
    for n, k in ((100, 5), (103, 5), (10, 3), (6, 4), (9, 2), (11, 10), (7, 7), (1460, 5)):
        _check_folds(k_fold_indices, n, k)
    return say("q2.correct")


reference_k_fold_indices = q2.reference("k_fold_indices")


# --- q3: preprocessing fitted on the training rows --------------------------------------------

_PREPROCESS_ERRORS = (
    (r"unsupported operand type|could not convert string to float|Could not convert|"
     r"Cannot perform reduction|does not support (reduction|operation)|"
     r"can only concatenate str|ufunc '(subtract|divide)'", say("q3.error_strings")),
    (r"can't convert np\.ndarray of type numpy\.object_", say("q3.error_object")),
)

_NUMERIC = ("LotArea", "YearBuilt", "OverallQual", "GarageArea")
_CATEGORICAL = ("MSZoning", "Alley", "Street")


def _house_frames(seed, n_train, n_other, str_dtype):
    """A training frame and two others shaped like the book's features: numeric columns with
    missing values, categorical ones with missing values; the second "other" frame's houses are
    bigger and newer (so the leak shows) and lack the category "FV" (so one-hot columns made
    frame by frame differ)."""
    import pandas as pd

    rng = np.random.default_rng(seed)

    def frame(n, shift, zonings):
        data = {
            "MSZoning": rng.choice(zonings, n).astype(object),
            "LotArea": rng.normal(9000 + 4000 * shift, 3000, n).round(),
            "YearBuilt": rng.integers(1900 + int(40 * shift), 2010, n),
            "Alley": rng.choice(["Grvl", "Pave", "none"], n, p=[0.2, 0.2, 0.6]).astype(object),
            "OverallQual": rng.integers(1 + int(3 * shift), 11, n),
            "Street": rng.choice(["Pave", "Grvl"], n, p=[0.8, 0.2]).astype(object),
            "GarageArea": rng.normal(450 + 150 * shift, 200, n).round(1),
        }
        data["Alley"][data["Alley"] == "none"] = None
        data["MSZoning"][rng.random(n) < 0.1] = None
        data["LotArea"][rng.random(n) < 0.15] = np.nan
        data["GarageArea"][rng.random(n) < 0.1] = np.nan
        result = pd.DataFrame(data)
        for column in _CATEGORICAL:
            result[column] = result[column].astype("str" if str_dtype else object)
            result.loc[pd.Series(data[column]).isna().to_numpy(), column] = np.nan
        return result

    zonings = ["RL", "RM", "FV", "C (all)"]
    train = frame(n_train, 0.0, zonings)
    return train, [frame(n_other, 0.0, zonings), frame(n_other, 1.0, ["RL", "RM", "C (all)"])]


def _features(train, others, stats="train", ddof=1, order="standardise then fill",
              dummy_na=True, categories="all"):
    """The stacked feature matrix (float64, training rows first) of one way of preprocessing.

    ``categories``: "all" (one-hot on every frame together, the book's way), "train zeros"
    (the training frame's categories; one the training rows never have is all zeros) or "train
    missing" (such a category counts as missing)."""
    import pandas as pd

    frames = [train, *others]
    numeric = list(train.select_dtypes(include="number").columns)
    fit = pd.concat(frames) if stats == "all" else train
    data = pd.concat(frames, ignore_index=True)
    values = data[numeric].astype(float)
    if order == "fill then standardise":
        values, fit_values = values.fillna(0), fit[numeric].astype(float).fillna(0)
        values = (values - fit_values.mean()) / fit_values.std(ddof=ddof)
    elif order == "mean fill then standardise":
        fit_values = fit[numeric].astype(float)
        fit_values = fit_values.fillna(fit_values.mean())
        values = values.fillna(fit[numeric].astype(float).mean())
        values = (values - fit_values.mean()) / fit_values.std(ddof=ddof)
    elif order == "zero fill, observed statistics":
        fit_values = fit[numeric].astype(float)
        values = (values.fillna(0) - fit_values.mean()) / fit_values.std(ddof=ddof)
    elif order == "raw mean fill after standardising":
        fit_values = fit[numeric].astype(float)
        values = ((values - fit_values.mean()) / fit_values.std(ddof=ddof)).fillna(
            fit_values.mean())
    elif order == "variance":
        fit_values = fit[numeric].astype(float)
        values = ((values - fit_values.mean()) / fit_values.var(ddof=ddof)).fillna(0)
    elif order == "not standardised":
        values = values.fillna(0)
    elif order == "min-max":
        fit_values = fit[numeric].astype(float)
        low, high = fit_values.min(), fit_values.max()
        values = ((values - low) / (high - low)).fillna(0)
    elif stats == "own":  # every frame standardised with its own statistics
        blocks = [frame[numeric].astype(float) for frame in frames]
        values = pd.concat([((b - b.mean()) / b.std(ddof=ddof)).fillna(0) for b in blocks],
                           ignore_index=True)
    else:
        fit_values = fit[numeric].astype(float)
        values = ((values - fit_values.mean()) / fit_values.std(ddof=ddof)).fillna(0)
    parts = [values]
    for column in train.columns:
        if column in numeric:
            continue
        col = data[column].astype(object)
        if categories == "all":
            levels = sorted(col.dropna().unique())
        else:
            levels = sorted(train[column].dropna().unique())
        onehot = pd.DataFrame({level: (col == level).astype(float) for level in levels})
        if dummy_na:
            known = col.isin(levels)
            missing = col.isna() | (~known if categories == "train missing" else False)
            onehot["nan"] = missing.astype(float)
        parts.append(onehot.reset_index(drop=True))
    return pd.concat(parts, axis=1).to_numpy(dtype=float)


def _canonical(matrix):
    """The columns of ``matrix`` in an order that does not depend on how they were arranged."""
    keys = [tuple(np.round(column, 3)) for column in matrix.T]
    order = sorted(range(matrix.shape[1]), key=lambda j: keys[j])
    return matrix[:, order]


def _informative(matrix):
    """``matrix`` without its columns that are 0 in every row (a "missing" column of a column
    that is never missing says nothing; writing it or not are both right)."""
    return matrix[:, np.abs(matrix).max(axis=0) > 0] if matrix.size else matrix


def _same_columns(a, b):
    a, b = _informative(a), _informative(b)
    return a.shape == b.shape and np.allclose(_canonical(a), _canonical(b), atol=2e-3)


def _variants(train, others, **how):
    return [_features(train, others, ddof=ddof, categories=categories, **how)
            for ddof in (1, 0) for categories in ("all", "train zeros", "train missing")]


_PREPROCESS_MISTAKES = (
    (dict(stats="all"), say("q3.leak")),
    (dict(stats="own"), say("q3.own_stats")),
    (dict(order="fill then standardise"), say("q3.fill_first")),
    (dict(order="mean fill then standardise"), say("q3.mean_fill_first")),
    (dict(order="zero fill, observed statistics"), say("q3.zero_fill")),
    (dict(order="raw mean fill after standardising"), say("q3.raw_mean_fill")),
    (dict(order="variance"), say("q3.variance")),
    (dict(order="not standardised"), say("q3.not_standardised")),
    (dict(order="min-max"), say("q3.min_max")),
    (dict(dummy_na=False), say("q3.no_missing_column")),
    (dict(stats="all", order="fill then standardise"), say("q3.leak_and_fill_first")),
    (dict(stats="all", dummy_na=False), say("q3.leak_and_no_missing_column")),
)


def _as_matrix(value, what):
    import pandas as pd

    # the lesson trains float32 networks on these tensors and indexes them by row numbers
    need(not isinstance(value, pd.DataFrame), "q3.dataframe", what=what)
    need(torch.is_tensor(value), "q3.not_tensor", what=what, kind=type(value).__name__)
    need(value.dtype == torch.float32, "q3.dtype", what=what, dtype=value.dtype)
    value = value.detach().cpu().double().numpy()
    need(value.ndim == 2, "q3.not_2d", what=what, shape=value.shape)
    return value


def _learner_features(preprocess, train, others):
    before = [train.copy(), *(o.copy() for o in others)]
    out = preprocess(train, others)
    need(all(a.equals(b) for a, b in zip(before, [train, *others])), "q3.in_place")
    need(isinstance(out, (tuple, list)) and len(out) == 2, "q3.not_pair")
    X_train, X_others = out
    need(not torch.is_tensor(X_others) and isinstance(X_others, (list, tuple)),
         "q3.others_not_list")
    need(len(X_others) == len(others), "q3.others_count", count=len(others), got=len(X_others))
    matrices = [_as_matrix(X_train, "X_train")] + [
        _as_matrix(x, f"X_others[{j}]") for j, x in enumerate(X_others)]
    for j, (matrix, frame) in enumerate(zip(matrices, [train, *others])):
        what = "X_train" if j == 0 else f"X_others[{j - 1}]"
        need(matrix.shape[0] == len(frame), "q3.rows",
             what=what, rows=matrix.shape[0], expected=len(frame))
    widths = [m.shape[1] for m in matrices]
    need(len(set(widths)) == 1, "q3.widths", widths=widths)
    stacked = np.vstack(matrices)
    need(not np.isnan(stacked).any(), "q3.nan")
    need(not np.isinf(stacked).any(), "q3.inf")
    return stacked


@exercises.code(diagnose=_PREPROCESS_ERRORS, context=lambda: {"pd": __import__("pandas")})
def q3(preprocess):
    cases = {"object columns": _house_frames(0, 60, 25, str_dtype=False),
             "pandas 3 str columns": _house_frames(1, 80, 30, str_dtype=True)}
    got = {name: _learner_features(preprocess, *frames) for name, frames in cases.items()}
    right = {name: _variants(*frames) for name, frames in cases.items()}
    if all(any(_same_columns(got[n], r) for r in right[n]) for n in cases):
        return say("q3.correct")
    for how, diagnosis in _PREPROCESS_MISTAKES:
        if all(any(_same_columns(got[n], w) for w in _variants(*frames, **how))
               for n, frames in cases.items()):
            raise Incorrect(diagnosis)
    name = next(n for n in cases if not any(_same_columns(got[n], r) for r in right[n]))
    expected = _informative(right[name][0]).shape[1]
    count = _informative(got[name]).shape[1]
    need(count == expected, "q3.column_count", count=count, expected=expected,
         numeric=sum(1 for c in cases[name][0].columns if c in _NUMERIC))
    raise Incorrect(say("q3.values"))


reference_preprocess = q3.reference("preprocess", pd=__import__("pandas"))


# --- predictions judged against runs over seeds ----------------------------------------------

_LOWER_IS_A = (("lower", "A"), ("noise", "B"), ("higher", "C"))
_HIGHER_IS_A = (("higher", "A"), ("noise", "B"), ("lower", "C"))


def _judge(q, prediction, runs, what, new, old, answers):
    """Judge prediction ``q`` ('q4'...'q6') by the paired K-fold log-RMSE of ``new`` against
    ``old`` in ``runs``; the words come from ``[q.says]``: ``new``, ``old``, ``A``, ``C``, ``why``."""
    return judge_paired(
        prediction, runs, what, f"{new}_rmse", f"{old}_rmse", metric="log_rmse",
        names=(say(f"{q}.{new}"), say(f"{q}.{old}")), label=say("label"),
        words=dict(A=say(f"{q}.A"), B=say("same"), C=say(f"{q}.C")), answers=answers,
        why=say(f"{q}.why"))


@exercises.prediction(choices=("A", "B", "C"))
def q4(prediction, target_runs):
    return _judge("q4", prediction, target_runs, "target_runs", "log_target", "price_target",
                  _LOWER_IS_A)


@exercises.prediction(choices=("A", "B", "C"))
def q5(prediction, leak_runs):
    return _judge("q5", prediction, leak_runs, "leak_runs", "all_stats", "fold_stats",
                  _LOWER_IS_A)


@exercises.prediction(choices=("A", "B", "C"))
def q6(prediction, scale_runs):
    return _judge("q6", prediction, scale_runs, "scale_runs", "raw", "standardised",
                  _HIGHER_IS_A)
