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
progress = exercises.progress


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
    (lambda p, y: torch.sqrt(torch.mean((p - y) ** 2)),
     "你算的是价格本身的 RMSE：贵房子的误差会压倒一切。比赛（和书）用的是对数的 RMSE，"
     "sqrt(mean((log ŷ - log y)²))，它量的是相对误差：把 12 万的房子错估 1 万，和把 120 万的"
     "错估 10 万，算一样的错。"),
    (lambda p, y: torch.mean((torch.log(_clamped(p)) - torch.log(y)) ** 2),
     "你没有开平方根：算出来的是对数误差的均方（MSE），不是 RMSE。最后套一个 torch.sqrt。"),
    (lambda p, y: torch.mean((torch.log(_clamped(p)) - torch.log(y)).abs()),
     "你算的是对数误差绝对值的平均（MAE）：要的是平方的平均再开根号，"
     "torch.sqrt(torch.mean((log ŷ - log y) ** 2))，大的误差罚得更重。"),
    (lambda p, y: torch.sqrt(torch.mean((torch.log10(_clamped(p)) - torch.log10(y)) ** 2)),
     "你用了以 10 为底的对数（log10）：书和比赛用自然对数 torch.log，两者差一个因子 "
     "ln 10 ≈ 2.303，分数就不能和别人的比了。"),
    (lambda p, y: torch.sqrt(torch.mean((torch.log2(_clamped(p)) - torch.log2(y)) ** 2)),
     "你用了以 2 为底的对数（log2）：书和比赛用自然对数 torch.log。"),
    (lambda p, y: torch.sqrt(torch.mean((_clamped(p) - torch.log(y)) ** 2)),
     "你只对标签取了对数，预测值没有取：两边都要取 log，log ŷ - log y。"),
    (lambda p, y: torch.sqrt(torch.mean((p - torch.log(y)) ** 2)),
     "你只对标签取了对数，预测值没有取：两边都要取 log（预测值先裁剪到 [1, ∞)），log ŷ - log y。"),
    (lambda p, y: torch.sqrt(torch.mean((torch.log(_clamped(p)) - y) ** 2)),
     "你只对预测值取了对数，标签没有取：两边都要取 log，torch.log(clipped) - torch.log(labels)。"),
    (lambda p, y: torch.sqrt(torch.mean(torch.log(_clamped(p) - y) ** 2)),
     "你对差取了对数，log(ŷ - y)：差可以是负数，负数的 log 是 nan。要的是对数的差，"
     "torch.log(clipped) - torch.log(labels)。"),
    (lambda p, y: torch.sqrt(torch.mean(torch.log(_clamped(p)) - torch.log(y)) ** 2),
     "你先对差取平均、再平方：那是 |mean(log ŷ - log y)|，正负误差会互相抵消。顺序是先平方、"
     "再平均、最后开根号：torch.sqrt(torch.mean((log ŷ - log y) ** 2))。"),
    (lambda p, y: torch.sqrt(torch.mean((torch.log1p(_clamped(p)) - torch.log1p(y)) ** 2)),
     "你用了 log1p，也就是 log(1 + x)：价格很低的时候它和 log x 差得不少（检查用了几组“便宜”"
     "的数据）。书里是先把预测值裁剪到 [1, ∞)，再用 torch.log。"),
    (lambda p, y: torch.sqrt(torch.mean((torch.log1p(p.clamp(min=0)) - torch.log1p(y)) ** 2)),
     "你用了 log1p，也就是 log(1 + x)：价格很低的时候它和 log x 差得不少。书里是先把预测值裁剪到 "
     "[1, ∞)，再用 torch.log。"),
    (lambda p, y: torch.sqrt(torch.sum((torch.log(_clamped(p)) - torch.log(y)) ** 2)),
     "你对平方误差求了和，没有取平均：RMSE 是 mean 再开根号，这样它才不随样本数变大。"),
    (lambda p, y: torch.sqrt(torch.mean(((_clamped(p) - y) / y) ** 2)),
     "你算的是相对误差 (ŷ - y)/y 的 RMSE：误差小的时候它接近对数误差，大的时候差得多。"
     "书和比赛用的是 log ŷ - log y。"),
    (lambda p, y: torch.mean(torch.sqrt((torch.log(_clamped(p)) - torch.log(y)) ** 2)),
     "你先对每个样本开了根号再取平均：那就是 |log ŷ - log y| 的平均。顺序是先平方、再平均、"
     "最后开根号。"),
)


def _as_number(value, case):
    """The learner's log-RMSE as a Python float, or Incorrect saying why it is not one number."""
    if value is None:
        raise Incorrect("log_rmse 没有返回结果：最后一行要 return 算出来的数。")
    if torch.is_tensor(value):
        if value.numel() != 1:
            raise Incorrect(f"log_rmse 应当返回一个数（整个数据集的误差），你在“{case}”上返回的是"
                            f"形状为 {tuple(value.shape)} 的张量：是不是忘了 torch.mean？")
        return float(value.detach().flatten()[0])
    if isinstance(value, np.ndarray):
        if value.size != 1:
            raise Incorrect(f"log_rmse 应当返回一个数，你返回的是形状为 {value.shape} 的数组。")
        return float(value.reshape(-1)[0])
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    raise Incorrect(f"log_rmse 应当返回一个数（张量或 float），你返回的是 "
                    f"{type(value).__name__}：{value!r:.60}。")


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
        if not (torch.equal(p, before[0]) and torch.equal(y, before[1])):
            raise Incorrect("log_rmse 改了传进来的 preds 或 labels（原地修改，比如 preds.clamp_(1)）："
                            "用不带下划线的 torch.clamp(preds, 1, float('inf'))，它返回新的张量。")
        got[name] = _as_number(out, name)
        right[name] = float(_log_rmse(p.double(), y.double()))
    if all(_same_number(got[n], right[n]) for n in cases):
        return ("sqrt(mean((log max(ŷ, 1) - log y)²))：预测值 ≤ 0 时也是一个有限的数，"
                "比例相同的误差不论房子贵贱都算一样多。")
    inputs = {n: (p.double(), y.double()) for n, (p, y) in cases.items()}
    reject_mistakes(got, inputs, [(lambda pair, m=m: float(m(*pair)), diagnosis)
                                  for m, diagnosis in _LOG_RMSE_MISTAKES], atol=1e-6)
    hard = "predictions <= 0"
    above_one = [n for n, (p, _) in cases.items() if bool((p >= 1).all())]
    if not any(math.isfinite(got[n]) for n in cases):
        raise Incorrect(f"你的 log_rmse 在每一组数据上都是 {got[hard]}，预测值都很好的那组也是：问题不在"
                        "裁剪。看看是不是对可能为负的数取了 log 或开了根号，或者运算的顺序不对（** 比 - "
                        "先算：要写 (torch.log(clipped) - torch.log(labels)) ** 2）。")
    if not math.isfinite(got[hard]):
        raise Incorrect(f"有的预测值 ≤ 0 时（0、-5000 这样的，训练刚开始的网络会给出），你的 log_rmse "
                        f"得到 {got[hard]}：log 0 = -inf，负数的 log 是 nan。书里先把预测值裁剪到 "
                        "[1, ∞)：torch.clamp(preds, 1, float('inf'))，再取对数。")
    if all(_same_number(got[n], right[n]) for n in above_one):
        raise Incorrect(f"预测值都 ≥ 1 时你的结果是对的，有的预测值 < 1 时却不对（你的是 "
                        f"{got[hard]:.6g}，应当是 {right[hard]:.6g}）：裁剪的下界是 1（书里 "
                        "torch.clamp(preds, 1, float('inf'))），不是 0 或一个很小的数，"
                        "这样 log 之后最小是 0。")
    name = next(n for n in cases if not _same_number(got[n], right[n]))
    raise Incorrect(f"在“{name}”这组数据上你的 log_rmse 是 {got[name]:.6g}，应当是 "
                    f"{right[name]:.6g}：sqrt(mean((log ŷ - log y)²))，ŷ 先裁剪到 [1, ∞)。")


reference_log_rmse = q1.reference("log_rmse")


# --- q2: the K-fold split ---------------------------------------------------------------------

def _index_list(value, n, what):
    """``value`` (a tensor, array, list or range of row numbers) as a list of ints; Incorrect
    if it is none of these (a boolean mask included: the lesson counts and indexes rows)."""
    if torch.is_tensor(value):
        value = value.detach().cpu().numpy()
    if isinstance(value, (range, list, tuple)):
        value = np.asarray(list(value))
    if not isinstance(value, np.ndarray):
        raise Incorrect(f"{what}应当是一组行号（张量、列表或 range），你给出的是 "
                        f"{type(value).__name__}：{value!r:.60}。")
    value = value.reshape(-1)
    if value.dtype == bool:
        raise Incorrect(f"{what}是一个布尔掩码（每一行一个 True/False）：本题要行号（下标），后面的"
                        "格子要数行数、按行号取行。掩码 mask 变成行号：torch.nonzero(mask).flatten()"
                        "（numpy：np.flatnonzero(mask)）。")
    if value.size and not np.issubdtype(value.dtype, np.integer):
        if np.issubdtype(value.dtype, np.floating) and np.all(value == np.round(value)):
            raise Incorrect(f"{what}是浮点数（{value.dtype}）：下标要是整数，"
                            "torch.arange(n) 而不是 torch.arange(n, dtype=torch.float32)。")
        raise Incorrect(f"{what}不是一组整数行号（dtype {value.dtype}）。")
    rows = [int(i) for i in value]
    outside = [i for i in rows if not 0 <= i < n]
    if outside:
        raise Incorrect(f"{what}里有行号 {outside[0]}，超出了 0 … {n - 1}（n = {n}）。")
    return rows


def _check_folds(k_fold_indices, n, k):
    call = f"k_fold_indices({n}, {k})"
    out = k_fold_indices(n, k)
    if out is None:
        raise Incorrect(f"{call} 没有返回结果：要 return 一个列表，每一折一对 (train_idx, valid_idx)。")
    if isinstance(out, (str, bytes)) or not hasattr(out, "__iter__"):
        raise Incorrect(f"{call} 应当返回一个列表（每一折一对 (train_idx, valid_idx)），你返回的是 "
                        f"{type(out).__name__}。")
    out = list(out)
    if len(out) != k:
        if len(out) == k - 1:
            raise Incorrect(f"{call} 只给出了 {len(out)} 折，少了一折：i 要从 0 数到 k - 1，"
                            "range(k)，不是 range(k - 1)。")
        if len(out) == 2 and k != 2 and all(hasattr(part, "__len__") and len(part) == k
                                            for part in out):
            raise Incorrect(f"{call} 返回了两个长度为 {k} 的列表：要的是 k 对 (train_idx, valid_idx)，"
                            "一折一对，比如 list(zip(trains, valids))。")
        if len(out) == n:
            raise Incorrect(f"{call} 给出了 {n} 折：参数的顺序是 (n, k)，n 是行数，k 是折数。")
        raise Incorrect(f"{call} 给出了 {len(out)} 折，应当是 k = {k} 折。")
    folds = []
    for i, pair in enumerate(out):
        if isinstance(pair, dict) or not hasattr(pair, "__len__") or len(pair) != 2:
            raise Incorrect(f"{call} 的第 {i} 个元素应当是一对 (train_idx, valid_idx)，你给出的是 "
                            f"{type(pair).__name__}。")
        train = _index_list(pair[0], n, f"{call} 第 {i} 折的 train_idx ")
        valid = _index_list(pair[1], n, f"{call} 第 {i} 折的 valid_idx ")
        if not valid:
            raise Incorrect(f"{call} 第 {i} 折的验证集是空的：k 个验证折合起来是全部的行，每折 "
                            f"{n // k} 或 {n // k + 1} 行。")
        if len(set(valid)) != len(valid) or len(set(train)) != len(train):
            raise Incorrect(f"{call} 第 {i} 折里有的行出现了两次：每一行只取一次。")
        common = set(train) & set(valid)
        if common:
            if set(train) == set(range(n)):
                raise Incorrect(f"{call} 第 {i} 折的训练集是全部的行，也包括这一折的验证行：验证就是"
                                "在见过的数据上做的，误差会偏低。训练集是其余的 k - 1 折。")
            raise Incorrect(f"{call} 第 {i} 折的训练集和验证集有 {len(common)} 行相同（例如第 "
                            f"{min(common)} 行）：两者要不相交。")
        if len(train) < len(valid) and len(train) + len(valid) == n and k > 2:
            raise Incorrect(f"{call} 第 {i} 折的训练集只有 {len(train)} 行、验证集却有 {len(valid)} "
                            "行：每一对的顺序是 (train_idx, valid_idx)，训练集在前。")
        folds.append((train, valid))
    seen = [row for _, valid in folds for row in valid]
    if len(set(seen)) != len(seen):
        twice = next(row for row in seen if seen.count(row) > 1)
        raise Incorrect(f"{call} 的验证折有重叠（例如第 {twice} 行在不止一折里做验证）：k 折要把行分成 "
                        "k 个互不相交的部分，比如 torch.arange(n).tensor_split(k)。")
    unused = sorted(set(range(n)) - set(seen))
    if unused:
        if unused == list(range(n - len(unused), n)) and len(unused) == n % k:
            raise Incorrect(f"{call} 的最后 {len(unused)} 行（n % k = {n} % {k}）从没做过验证：你用了 "
                            f"fold_size = n // k = {n // k}，于是它们被丢掉了（书第 4.10 节的 "
                            "get_k_fold_data 就是这样）。本题要每一行都用上：前 n % k 折各多一行，"
                            "torch.arange(n).tensor_split(k)。")
        parts = n // k
        if parts not in (0, k) and all(len(v) in (n // parts, -(-n // parts)) for _, v in folds):
            raise Incorrect(f"{call} 各折验证集只有 {[len(v) for _, v in folds]} 行，{len(unused)} 行从没"
                            f"做过验证：你大概写了 tensor_split(n // k) 或 split(k)，"
                            f"把 {n} 行分成了约 {parts} 份。"
                            "tensor_split 的参数是份数（split 的参数才是每份的大小）：tensor_split(k)。")
        raise Incorrect(f"{call} 有 {len(unused)} 行从没做过验证（例如第 {unused[0]} 行）：各折验证集"
                        f"的大小是 {[len(v) for _, v in folds]}，合起来应当正好是全部 {n} 行。")
    for i, (train, valid) in enumerate(folds):
        missing = set(range(n)) - set(train) - set(valid)
        if missing:
            left_out = [j for j, (_, other) in enumerate(folds) if j != i and set(other) <= missing]
            which = "、".join(f"第 {j} 折" for j in left_out) if left_out else f" {len(missing)} 行"
            raise Incorrect(f"{call} 第 {i} 折的训练集少了{which}（例如第 {min(missing)} 行）："
                            f"除了第 {i} 折，其余 k - 1 = {k - 1} 折都要拼进训练集。")
    sizes = [len(v) for _, v in folds]
    if max(sizes) - min(sizes) > 1:
        how = ("你把余下的行都放进了最后一折" if sizes[-1] == max(sizes) else
               "你的前几折每折取了 ceil(n / k) 行（torch.chunk 就这样分），最后一折只剩下余下的行"
               if sizes[-1] == min(sizes) else "你的各折大小不均")
        raise Incorrect(f"{call} 各折验证集的大小是 {sizes}：应当尽量平均，最多差 1（{n // k} 或 "
                        f"{n // k + 1} 行）。{how}；torch.arange(n).tensor_split(k) 把余下的 n % k "
                        "行分给前 n % k 折。")


@exercises.code()
def q2(k_fold_indices):
    for n, k in ((100, 5), (103, 5), (10, 3), (6, 4), (9, 2), (11, 10), (7, 7), (1460, 5)):
        _check_folds(k_fold_indices, n, k)
    return ("k 个验证折互不相交、合起来正好是全部的行（n = 103、k = 5 时各折 21, 21, 21, 20, 20 行），"
            "每一折的训练集是其余 k - 1 折；打不打乱都可以，只要每一行恰好验证一次。")


reference_k_fold_indices = q2.reference("k_fold_indices")


# --- q3: preprocessing fitted on the training rows --------------------------------------------

_PREPROCESS_ERRORS = (
    (r"unsupported operand type|could not convert string to float|Could not convert|"
     r"Cannot perform reduction|does not support (reduction|operation)|"
     r"can only concatenate str|ufunc '(subtract|divide)'",
     "你把字符串列当成数值列算了均值或做了减法：只对数值列算 mean 和 std、做标准化，数值列用 "
     "train.select_dtypes(include='number').columns 选（pandas 3 读 CSV 时字符串列的 dtype 是 str，"
     "不是 object，书里的 dtypes != 'object' 会把它们也算成数值列）。"),
    (r"can't convert np\.ndarray of type numpy\.object_",
     "DataFrame 里混着 bool 列（pd.get_dummies 默认给 True/False）和浮点列，.values 成了 object "
     "数组，torch.tensor 转不了：写 pd.get_dummies(..., dtype=float)。"),
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
    (dict(stats="all"),
     "你的均值和标准差是用全部的行（训练集和其他的表一起）算的：这就是书里的做法，也是本课要量的"
     "“泄漏”。K 折验证时验证折的特征就提前进了训练，验证误差就不全是在没见过的数据上量的。只用 train "
     "算 mean 和 std，再用它们变换每一张表。"),
    (dict(stats="own"),
     "你的每张表用的是它自己的均值和标准差：同一个面积在训练集和测试集里就变成了不同的数，模型学到的"
     "权重在别的表上对不上了。均值和标准差只用 train 算一次，再用同一组数变换每一张表。"),
    (dict(order="fill then standardise"),
     "你先把缺失值填成了 0，再标准化：0 是一个真实的数值（面积 0），它会把均值拉低、标准差拉大。书里"
     "先标准化（缺失值不参与均值和标准差），再 fillna(0)：这时 0 就是训练集的均值。"),
    (dict(order="mean fill then standardise"),
     "你先用均值填了缺失值，再标准化：填进去的均值让标准差变小了，结果和书里不一样。书里先标准化"
     "（均值和标准差只用观测到的值），再 fillna(0)：效果也是填均值，但标准差不受影响。"),
    (dict(order="zero fill, observed statistics"),
     "缺失值在减均值之前就填成了 0：0 是一个真实的数值（面积 0、公元 0 年建的车库），标准化之后它"
     "成了 (0 - mean) / std，一个离均值很远的数。书里先标准化，再 fillna(0)：这时 0 就是均值。"),
    (dict(order="raw mean fill after standardising"),
     "标准化之后你用原来的均值（几千、1970 这样的数）填了缺失值：标准化之后的列均值是 0，填 0 "
     "才是填均值，fillna(0)。"),
    (dict(order="variance"),
     "你除以的是方差 var，不是标准差 std：(x - mean) / std，标准化之后每一列的方差才是 1。"),
    (dict(order="not standardised"),
     "数值列没有标准化：要减去训练集的均值、再除以训练集的标准差，(x - mean) / std。"),
    (dict(order="min-max"),
     "你把数值列缩放到了 [0, 1]（(x - min) / (max - min)）：那也是一种缩放，但书里是标准化，"
     "(x - mean) / std，之后均值为 0、方差为 1，缺失值填 0 才等于填均值。"),
    (dict(dummy_na=False),
     "类别列没有“缺失”这一列：pd.get_dummies(..., dummy_na=True)。“没有小巷（Alley 缺失）”本身"
     "就是一种信息。"),
    (dict(stats="all", order="fill then standardise"),
     "你先把缺失值填成 0 再标准化，而且均值和标准差是用全部的行算的：两个问题。书里先标准化、"
     "再 fillna(0)；本课只用 train 的统计量。"),
    (dict(stats="all", dummy_na=False),
     "均值和标准差用了全部的行（书里的泄漏：只用 train 算），而且类别列没有“缺失”这一列"
     "（dummy_na=True）。"),
)


def _as_matrix(value, what):
    import pandas as pd

    # the lesson trains float32 networks on these tensors and indexes them by row numbers
    if isinstance(value, pd.DataFrame):
        raise Incorrect(f"{what}是一个 DataFrame：后面的格子要的是张量（网络的输入，按行号取行），"
                        "torch.tensor(features.to_numpy(), dtype=torch.float32)。")
    if not torch.is_tensor(value):
        raise Incorrect(f"{what}应当是一个二维张量（行是房子，列是特征），你给出的是 "
                        f"{type(value).__name__}：用 torch.tensor(..., dtype=torch.float32)。")
    if value.dtype != torch.float32:
        raise Incorrect(f"{what}的 dtype 是 {value.dtype}：网络的权重是 float32，两者相乘会报错"
                        "（mat1 and mat2 must have the same dtype）。torch.tensor(..., "
                        "dtype=torch.float32)。")
    value = value.detach().cpu().double().numpy()
    if value.ndim != 2:
        raise Incorrect(f"{what}的形状是 {value.shape}：应当是二维的 (房子数, 特征数)。")
    return value


def _learner_features(preprocess, train, others):
    before = [train.copy(), *(o.copy() for o in others)]
    out = preprocess(train, others)
    if not all(a.equals(b) for a, b in zip(before, [train, *others])):
        raise Incorrect("preprocess 改了传进来的表（原地修改，比如 train[numeric] = ...）：先 .copy()"
                        " 或 pd.concat 出一张新表再改，K 折的每一折都要从原来的数据开始。")
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise Incorrect("preprocess 应当返回两样东西：(X_train, X_others)，X_others 是一个列表，"
                        "others 里每张表一个张量。")
    X_train, X_others = out
    if torch.is_tensor(X_others) or not isinstance(X_others, (list, tuple)):
        raise Incorrect("preprocess 返回的第二个值应当是一个列表，others 里每张表一个张量"
                        "（只有一张表时也是列表 [X_test]）。")
    if len(X_others) != len(others):
        raise Incorrect(f"others 里有 {len(others)} 张表，你返回了 {len(X_others)} 个张量。")
    matrices = [_as_matrix(X_train, "X_train")] + [
        _as_matrix(x, f"X_others[{j}]") for j, x in enumerate(X_others)]
    for j, (matrix, frame) in enumerate(zip(matrices, [train, *others])):
        what = "X_train" if j == 0 else f"X_others[{j - 1}]"
        if matrix.shape[0] != len(frame):
            raise Incorrect(f"{what} 有 {matrix.shape[0]} 行，对应的表有 {len(frame)} 行：一行一所房子，"
                            "行不能多也不能少。")
    widths = [m.shape[1] for m in matrices]
    if len(set(widths)) != 1:
        raise Incorrect(f"各张表得到的特征列数不一样（{widths}）：你大概是对每张表分别做了 "
                        "pd.get_dummies，某个类别在一张表里没有出现，那一列就少了。所有表的列必须一样："
                        "把表 pd.concat 起来一起独热编码，或者用 reindex(columns=训练集的列, "
                        "fill_value=0)。")
    stacked = np.vstack(matrices)
    if np.isnan(stacked).any():
        raise Incorrect("特征里还有 nan：标准化之后要把缺失值填成 0（fillna(0)，这时 0 就是均值）。")
    if np.isinf(stacked).any():
        raise Incorrect("特征里有 inf：是不是有一列的标准差是 0（除以了 0）？")
    return stacked


@exercises.code(diagnose=_PREPROCESS_ERRORS, context=lambda: {"pd": __import__("pandas")})
def q3(preprocess):
    cases = {"object columns": _house_frames(0, 60, 25, str_dtype=False),
             "pandas 3 str columns": _house_frames(1, 80, 30, str_dtype=True)}
    got = {name: _learner_features(preprocess, *frames) for name, frames in cases.items()}
    right = {name: _variants(*frames) for name, frames in cases.items()}
    if all(any(_same_columns(got[n], r) for r in right[n]) for n in cases):
        return ("只用训练集的均值和标准差标准化每一张表，缺失值在标准化之后填 0，类别列独热编码并多一列"
                "“缺失”，每张表的列都一样。")
    for how, diagnosis in _PREPROCESS_MISTAKES:
        if all(any(_same_columns(got[n], w) for w in _variants(*frames, **how))
               for n, frames in cases.items()):
            raise Incorrect(diagnosis)
    name = next(n for n in cases if not any(_same_columns(got[n], r) for r in right[n]))
    expected = _informative(right[name][0]).shape[1]
    if _informative(got[name]).shape[1] != expected:
        numeric = sum(1 for c in cases[name][0].columns if c in _NUMERIC)
        raise Incorrect(f"你的特征有 {_informative(got[name]).shape[1]} 列不全是 0，应当是 {expected} "
                        f"列：{numeric} 个数值列各一列，每个类别列每个类别一列，再加一列“缺失”"
                        "（dummy_na=True）。")
    raise Incorrect("列数对了，数值不对：数值列 (x - mean) / std，mean 和 std 只用 train 算；之后 "
                    "fillna(0)；类别列 pd.get_dummies(..., dummy_na=True)。")


reference_preprocess = q3.reference("preprocess", pd=__import__("pandas"))


# --- predictions judged against runs over seeds ----------------------------------------------

_TARGET_WORDS = {"A": "预测对数价格的误差更低", "B": "差不多，差别不显著",
                 "C": "预测价格本身的误差更低"}
_LEAK_WORDS = {"A": "统计量用全部的行时 K 折误差更低", "B": "差不多，差别不显著",
               "C": "统计量用全部的行时 K 折误差更高"}
_SCALE_WORDS = {"A": "不标准化更差（误差更高）", "B": "差不多，差别不显著",
                "C": "不标准化更好（误差更低）"}
_LOWER_IS_A = (("lower", "A"), ("noise", "B"), ("higher", "C"))
_HIGHER_IS_A = (("higher", "A"), ("noise", "B"), ("lower", "C"))


@exercises.prediction(choices=tuple(_TARGET_WORDS))
def q4(prediction, target_runs):
    return judge_paired(
        prediction, target_runs, "target_runs", "log_target_rmse", "price_target_rmse",
        metric="log_rmse", names=("预测对数价格", "预测价格"), label="K 折验证的对数 RMSE",
        words=_TARGET_WORDS, answers=_LOWER_IS_A,
        why="在价格上用均方误差训练，损失几乎只由贵房子的大误差决定（误差是几万），便宜房子错了"
            "一半也没多少损失；评分看的却是相对误差。在对数价格上训练，损失就是评分的平方，"
            "每一所房子按比例算错。价格还跨了一个数量级：对数让目标的尺度小而均匀，一个学习率就够用。")


@exercises.prediction(choices=tuple(_LEAK_WORDS))
def q5(prediction, leak_runs):
    return judge_paired(
        prediction, leak_runs, "leak_runs", "all_stats_rmse", "fold_stats_rmse",
        metric="log_rmse", names=("统计量用全部的行", "统计量只用训练折"),
        label="K 折验证的对数 RMSE", words=_LEAK_WORDS, answers=_LOWER_IS_A,
        why="这里泄漏的只是特征的均值和标准差，没有价格：训练折有全部行的大部分，两种统计量差得"
            "不多，差别只是特征的中心和尺度稍有不同，它可以让误差略高，也可以略低。泄漏的危害"
            "取决于泄漏了什么：标签或由标签算出的东西（比如按价格挑特征）泄漏时，验证误差会乐观得多。")


@exercises.prediction(choices=tuple(_SCALE_WORDS))
def q6(prediction, scale_runs):
    return judge_paired(
        prediction, scale_runs, "scale_runs", "raw_rmse", "standardised_rmse",
        metric="log_rmse", names=("不标准化", "标准化"), label="K 折验证的对数 RMSE",
        words=_SCALE_WORDS, answers=_HIGHER_IS_A,
        why="数值特征的尺度差得很远（LotArea 上万，OverallQual 是 1 到 10）：不标准化时，大尺度"
            "那一列的权重动一点，预测就变很多，同一个学习率对它太大、对小尺度的列又太小，梯度下降"
            "要么不稳，要么在小尺度的方向上走得极慢。标准化之后每一列的尺度相同，一个学习率对所有"
            "权重都合适。")
