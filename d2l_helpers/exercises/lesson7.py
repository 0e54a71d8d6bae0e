"""Lesson 7 exercises (book section 4.4): ``from d2l_helpers.exercises import lesson7 as ex``.

Three pieces of code the lesson then uses: ``poly_features`` (the book's features
x^i / i!), ``least_squares`` (the exact solution of the book's exercise 1, which must
hold on an ill-conditioned design where float32 is not enough) and ``get_k_fold_data``
(the K-fold split of book 4.10, here with every row used when n is not divisible by
k). Three predict-first questions, the book's exercises 2-4: where training and
validation loss are lowest against the number of features, what happens without the
1/i! scaling, and whether the generalisation error can reach zero.
"""
import math

import torch

from d2l_helpers.exercises.core import (
    ExerciseSet,
    Incorrect,
    need_close,
    need_runs,
    need_tensor,
    reject_mistakes,
)
from d2l_helpers.repeats import MIN_SEEDS, Runs, compare

exercises = ExerciseSet("第 7 课", __name__)
progress = exercises.progress

NOISE_STD = 0.1  # the book's noise: epsilon ~ N(0, 0.1^2)
TRUE_W = (5.0, 1.2, -3.4, 5.6)  # the book's weights of 1, x, x^2/2!, x^3/3!


# --- the references: each solution cell is its exercise's reference ------------------------
# poly_features, least_squares and get_k_fold_data, which the lesson falls back on until the
# learner's code passes, are the functions the solutions define (set below each exercise).

# --- q1: the features x^i / i! --------------------------------------------------------------

def _powers(x, num_features, first=0, factorial=lambda i: math.gamma(i + 1)):
    x = x.double().reshape(-1, 1)
    return torch.cat([x ** i / factorial(i) for i in range(first, first + num_features)], dim=1)


_FEATURE_MISTAKES = (
    (lambda x, k: _powers(x, k, factorial=lambda i: 1.0),
     "你的第 i 列是 x**i，没有除以 i!：x 大一些时高次项大得惊人（|x| = 3 时 x**19 约是 1e9），"
     "书把它们缩放成 x**i / i!（math.gamma(i + 1) = i!）。"),
    (lambda x, k: _powers(x, k, first=1),
     "你的第 0 列是 x，不是常数 1：特征要从 x**0 / 0! = 1 开始，这一列的权重就是偏置"
     "（书的 nn.Linear 不带偏置，偏置就靠这一列）。"),
    (lambda x, k: _powers(x, k, factorial=lambda i: math.gamma(i + 2)),
     "你除以的是 (i+1)!（math.gamma(i + 2)）：Γ(n) = (n-1)!，所以 i! = math.gamma(i + 1)。"),
    (lambda x, k: _powers(x, k, factorial=lambda i: float(i) if i else 0.0),
     "你除以的是 i，不是 i!（第 0 列除以 0 成了 inf 或 nan）：i! = math.gamma(i + 1) 或 "
     "math.factorial(i)。"),
    (lambda x, k: _powers(x, k, factorial=lambda i: float(i + 1)),
     "你除以的是 i + 1，不是 i!：i! = 1 × 2 × … × i = math.gamma(i + 1)。"),
    (lambda x, k: _powers(x, k, factorial=lambda i: math.gamma(i) if i else math.inf),
     "你除以的是 Γ(i) = (i-1)!（第 0 列成了 0）：Γ(n) = (n-1)!，所以 i! = math.gamma(i + 1)。"),
)

_FEATURE_ERRORS = (
    (r"math domain error", "math.gamma(0) 没有定义：Γ(n) = (n-1)!，所以 i! = math.gamma(i + 1)。"),
    (r"must match the size of tensor", "形状对不上：x ** powers / factorials 要借广播得到 "
     "(n, num_features)。x 的形状是 (n,)，要先变成一列 x.reshape(-1, 1)，形状 (n, 1)；powers 和 "
     "factorials 都要正好 num_features 个（torch.arange(num_features)，range(num_features)）。"),
)


def _feature_cases():
    g = torch.Generator().manual_seed(7)
    wide = torch.cat([torch.tensor([0.0, 1.0, -1.0, 3.5, -4.0]),
                      torch.randn(5, generator=g, dtype=torch.float64)])
    return {"four": (wide, 4), "twenty": (wide, 20), "one": (wide, 1),
            "square": (wide[:4], 4), "float32": (wide.float(), 20)}


@exercises.code(diagnose=_FEATURE_ERRORS)
def q1(features):
    got, inputs = {}, {}
    for case, (x, k) in _feature_cases().items():
        given = x.clone()
        out = features(given, k)
        if not torch.equal(given, x):
            raise Incorrect("poly_features 改动了传进来的 x（原地操作，比如 x **= ...）：调用者的数据"
                            "被悄悄改掉了。")
        if torch.is_tensor(out) and tuple(out.shape) == (k, len(x)) and k != len(x):
            raise Incorrect(f"poly_features(x, {k}) 的形状是 {tuple(out.shape)}，反了：每一行是一个"
                            f"样本，每一列是一个特征，应当是 ({len(x)}, {k})。")
        if torch.is_tensor(out) and out.dim() == 1 and len(out) == len(x):
            raise Incorrect("poly_features 返回的是一维张量：x 和 torch.arange(num_features) 一样长时，"
                            "x ** powers 是逐元素的乘方，而不是每个样本一行。先把 x 变成一列，"
                            "x.reshape(-1, 1)。")
        if torch.is_tensor(out) and out.dim() == 2 and out.shape[0] == len(x) \
                and out.shape[1] != k:
            more = "多" if out.shape[1] > k else "少"
            raise Incorrect(f"poly_features(x, {k}) 有 {out.shape[1]} 列，{more}了 "
                            f"{abs(out.shape[1] - k)} 列：要的是 x**0, x**1, …, x**{k - 1} 这 {k} 列"
                            f"（torch.arange({k}) 正好是 0 到 {k - 1}）。")
        got[case] = need_tensor(out, f"poly_features(x, {k})", (len(x), k)).detach().double()
        inputs[case] = (x, k)
    expected = {case: _powers(x, k) for case, (x, k) in inputs.items()}
    wrong = [case for case in got if not torch.allclose(got[case], expected[case], rtol=1e-5,
                                                          atol=1e-12, equal_nan=True)]
    if wrong:
        # a fingerprint over every input: several mistakes agree on one easy input
        reject_mistakes({c: got[c] for c in inputs}, {c: inputs[c] for c in inputs},
                        [(lambda args, f=f: f(*args), why) for f, why in _FEATURE_MISTAKES],
                        rtol=1e-5, atol=1e-12)
        case = wrong[0]
        x, k = inputs[case]
        need_close(got[case], expected[case], f"poly_features(x, {k})", atol=1e-12, rtol=1e-5)
    return ("第 i 列是 x**i / i!：常数列 x**0 = 1 充当偏置，除以 i! 让 |x| 大时的高次项也"
            "不至于大得离谱（x = 4 时 x**19 / 19! 约是 2e-6，x**19 约是 3e11）。")


poly_features = q1.reference("poly_features")


# --- q2: the exact least-squares solution ---------------------------------------------------

def _design(num_features, n=100, seed=0):
    """The book's data (float32, as the book's tensors): ``(X, y)`` with ``num_features``
    columns x^i / i!."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, dtype=torch.float64, generator=g)
    w = torch.tensor(TRUE_W, dtype=torch.float64)
    y = _powers(x, 4) @ w + NOISE_STD * torch.randn(n, dtype=torch.float64, generator=g)
    return _powers(x, num_features).float(), y.float()


def _optimum(X, y):
    """The minimiser, solved as precisely as float64 allows: columns scaled to norm one
    first (the condition number drops by orders of magnitude), then scaled back."""
    X64, y64 = X.double(), y.double()
    scale = X64.norm(dim=0)
    return torch.linalg.lstsq(X64 / scale, y64.reshape(-1, 1)).solution.reshape(-1) / scale


def _mse(X, y, w):
    return float(((X.double() @ w.double().reshape(-1) - y.double().reshape(-1)) ** 2).mean())


def _least_squares_cases():
    g = torch.Generator().manual_seed(3)
    # well conditioned, no constant column (solve exactly what is given), more than 4 columns
    X_plain = torch.randn(30, 6, generator=g)
    y_plain = X_plain @ torch.tensor([1.0, -2.0, 0.5, 0.0, 3.0, -1.0]) \
        + 0.1 * torch.randn(30, generator=g)
    return {"four": _design(4), "fourteen": _design(14), "plain": (X_plain, y_plain)}


EXCESS_TOLERANCE = 1e-4  # relative excess of the training MSE over the optimum

_LEAST_SQUARES_ERRORS = (
    (r"Incompatible shapes of A and B|size mismatch|should match other\.size|cannot be multiplied",
     "形状对不上，多半是转置放错了一边。X 的形状是 (n, d)：正规方程是 XᵀX w = Xᵀy，XᵀX "
     "是 (d, d)，Xᵀy 是 (d,)，也就是 torch.linalg.solve(X.T @ X, X.T @ y)；或者直接 "
     "torch.linalg.lstsq(X, y)（X 在前，不转置）。"),
    (r"must be batches of square matrices", "torch.linalg.solve 只解方阵的方程组；X 是 (n, d)、"
     "n > d，这是超定方程组：解正规方程 XᵀX w = Xᵀy，或者用 torch.linalg.lstsq(X, y)。"),
    (r"singular", "矩阵是奇异的：X Xᵀ 是 (n, n) 的，秩最多是 d，不可逆。转置放错了一边："
     "正规方程是 XᵀX w = Xᵀy。"),
)


@exercises.code(diagnose=_LEAST_SQUARES_ERRORS)
def q2(solve):
    excess = {}
    for case, (X, y) in _least_squares_cases().items():
        d = X.shape[1]
        out = solve(X.clone(), y.clone())
        if hasattr(out, "solution") and not torch.is_tensor(out):
            raise Incorrect("torch.linalg.lstsq 返回的是一个结果对象（里面还有残差、秩等），"
                            "解在它的 .solution 里：torch.linalg.lstsq(X, y).solution。")
        need_tensor(out, "least_squares(X, y) 的结果")
        if out.numel() == d + 1:
            raise Incorrect(f"X 有 {d} 列，你返回了 {d + 1} 个权重：你又拼了一列 1 做截距。本课的"
                            "特征里第 0 列已经是常数 x⁰ = 1，它的权重就是偏置，不用再加；"
                            "least_squares 只解给它的 X。")
        if out.numel() == d - 1:
            raise Incorrect(f"X 有 {d} 列，你只返回了 {d - 1} 个权重：别去掉第 0 列。常数列 x⁰ = 1 "
                            "的权重就是偏置（书里 w₀ = 5）；least_squares 对 X 的每一列给一个权重。")
        if out.numel() == len(X) and len(X) != d:
            raise Incorrect(f"你返回了 {len(X)} 个数，也就是每个样本一个：这像是预测值 Xw，"
                            f"要返回的是 {d} 个权重 w。")
        if tuple(out.shape) not in ((d,), (d, 1)):
            raise Incorrect(f"least_squares(X, y) 应当返回 {d} 个权重，形状 ({d},)（(d, 1) 也行），"
                            f"你返回的形状是 {tuple(out.shape)}。")
        w = out.detach().reshape(-1)
        if not torch.isfinite(w).all():
            raise Incorrect("解里有 nan 或 inf：矩阵（近乎）奇异，或者求逆时上溢。用 float64，"
                            "并用 torch.linalg.lstsq 或 torch.linalg.solve 代替求逆。")
        best = _mse(X, y, _optimum(X, y))
        excess[case] = (_mse(X, y, w) / best - 1, w.dtype)
    for case in ("four", "plain"):
        if excess[case][0] > EXCESS_TOLERANCE:
            raise Incorrect(f"这不是最小二乘解：训练 MSE 比最小值高 {100 * excess[case][0]:.2g}%"
                            "（在一个条件很好的设计上，和精度无关）。最小二乘解满足正规方程 "
                            "XᵀX w = Xᵀy：torch.linalg.solve(X.T @ X, X.T @ y)，或者 "
                            "torch.linalg.lstsq(X, y).solution。")
    hard, dtype = excess["fourteen"]
    cond = float(torch.linalg.cond(_least_squares_cases()["fourteen"][0].double()))
    if hard > EXCESS_TOLERANCE:
        problem = (f"在条件很好的设计上对了，但在 14 个特征（x⁰…x¹³/13!）上，训练 MSE 比最小值高 "
                   f"{100 * hard:.2g}%。这个设计的条件数约是 {cond:.0e}：")
        precision = ("float32 只有约 7 位有效数字（eps ≈ 1.2e-7），解的相对误差可以到 条件数 × eps ≈ "
                     f"{cond * 1.2e-7:.0f}，那些很小的列（x¹³/13! 约 1e-7）上的权重一位也不可信；"
                     "解正规方程时条件数还要平方。")
        if dtype != torch.float64:
            raise Incorrect(f"{problem}你的结果是 {str(dtype).replace('torch.', '')}，{precision}"
                            "先换成 float64（X.double(), y.double()；eps ≈ 2.2e-16），再解。")
        raise Incorrect(f"{problem}{precision}你的结果是 float64：如果你是先在 float32 里解、"
                        "再转成 float64 的，把 X.double(), y.double() 放到解之前；否则你解的不完全"
                        "是 min ||Xw - y||²（比如加了 λI 这样的正则项，在条件差的设计上它会改变"
                        "解）。")
    return (f"w 使 ||Xw - y||² 最小；在条件数约 {cond:.0e} 的 14 个特征上也准（训练 MSE 与最小值"
            f"的相对差 {max(hard, 0.0):.1e}），因为你在 float64 里解。")


least_squares = q2.reference("least_squares")


# --- q3: the model-complexity curve, predicted then measured --------------------------------

_COMPLEXITY_CHOICES = ((4, 4), (4, 20), (20, 4), (20, 20))


def _lowest(measured, metric, label):
    """The setting with the lowest mean ``metric`` and the settings not significantly above it."""
    for key, runs in measured.items():
        if metric not in runs.metrics():
            raise Incorrect(f"{key} 个特征的结果里没有记录 {metric!r}（记录了："
                            f"{'、'.join(runs.metrics())}）。用上面实验格子里的 complexity_runs。")
        if len(runs) < MIN_SEEDS:
            raise Incorrect(f"{key} 个特征只跑了 {len(runs)} 个种子：比较至少要 {MIN_SEEDS} 个。")
        if runs.diverged(metric):
            raise Incorrect(f"{key} 个特征的 {label}里有 nan 或 inf（种子 {runs.diverged(metric)}）。")
    best = min(measured, key=lambda key: measured[key].final(metric).mean)
    return best, lambda key: key == best or compare(measured[key], measured[best],
                                                    metric).outcome == "noise"


@exercises.prediction(choices=_COMPLEXITY_CHOICES)
def q3(prediction, measured):
    need_runs(measured, "各特征数的结果 complexity_runs", at_least=2)
    train_guess, valid_guess = prediction
    for guess in prediction:
        if guess not in measured:
            raise Incorrect(f"实验里没有测 {guess} 个特征；测过的是 {sorted(measured)}。"
                            "ex.q3.check 要的是上面实验格子里的 complexity_runs：键是特征数 1 … 20。")
    train_best, train_ok = _lowest(measured, "train_loss", "训练损失")
    valid_best, valid_ok = _lowest(measured, "log_valid", "验证损失")
    def versus(guess, best, metric, label):
        return compare(measured[guess], measured[best], metric, label=label,
                       names=(f"{guess} 个特征", f"{best} 个特征"))

    verdicts = []
    if not train_ok(train_guess):
        verdicts.append(f"训练损失最低的是 {train_best} 个特征，不是 {train_guess} 个："
                        f"{versus(train_guess, train_best, 'train_loss', '训练损失')}。"
                        "特征多的模型包含特征少的模型（多出来的权重取 0 就是它），精确解的训练损失"
                        "只会更低，不会更高。")
    if not valid_ok(valid_guess):
        if valid_guess > valid_best:
            why = "多出来的特征去拟合了训练集里的噪声，在训练样本稀疏的地方（两端）大幅摆动。"
        elif valid_guess < len(TRUE_W):
            why = "特征太少的模型连真实的三次多项式都表示不了（欠拟合）。"
        else:
            why = ""
        verdicts.append(f"验证损失（log10）最低的是 {valid_best} 个特征，不是 {valid_guess} 个："
                        f"{versus(valid_guess, valid_best, 'log_valid', 'log10 验证损失')}。{why}")
    if verdicts:
        raise Incorrect(" ".join(verdicts))
    return (f"训练损失最低的是 {train_best} 个特征，验证损失（log10）最低的是 {valid_best} 个特征"
            "：训练损失随特征数一直下降，验证损失先降后升。")


# --- q4: features without the 1/i! scaling --------------------------------------------------

RAW_CHOICES = {
    "A": "和除以 i! 时差不多，照常训练",
    "B": "用书的学习率 0.01 训练发散：损失变成 inf 或 nan",
    "C": "不发散，但训练损失明显比除以 i! 时高",
    "D": "训练损失比除以 i! 时更低：特征的数值大，学得更快",
}


@exercises.prediction(choices=tuple(RAW_CHOICES))
def q4(prediction, raw_runs, book_runs):
    for runs, what in ((raw_runs, "raw_runs（不除以 i! 的运行）"), (book_runs, "book_runs（书的运行）")):
        if not isinstance(runs, Runs):
            raise Incorrect(f"ex.q4.check(raw_runs, book_runs) 的 {what} 应当是上面实验格子里的 "
                            f"d2l.Runs，你给出的是 {type(runs).__name__}。")
        if "train_loss" not in runs.metrics():
            raise Incorrect(f"{what} 里没有记录 'train_loss'。")
    book_diverged = book_runs.diverged("train_loss")
    if book_diverged:
        raise Incorrect(f"第二个参数 book_runs（书的运行，除以 i!）里有 {len(book_diverged)} 个种子"
                        "的训练损失是 inf 或 nan：两个参数是不是放反了？顺序是 "
                        "ex.q4.check(raw_runs, book_runs)：先是不除以 i! 的 raw_runs，再是书的运行"
                        "（twenty.until(400)）。")
    diverged = raw_runs.diverged("train_loss")
    if diverged:
        measured = "B"
        found = (f"实验测得：不除以 i! 时，{len(raw_runs)} 个种子里有 {len(diverged)} 个的训练损失"
                 "变成了 inf 或 nan，也就是 B。")
    else:
        verdict = compare(raw_runs, book_runs, "train_loss", names=("不除以 i!", "除以 i!"),
                          label="训练损失")
        measured = {"higher": "C", "noise": "A", "lower": "D", "diverged": "B"}[verdict.outcome]
        found = f"实验测得：{verdict}，也就是 {measured}。"
    if prediction != measured:
        raise Incorrect(f"你预测的是 {prediction}（{RAW_CHOICES[prediction]}）。{found}"
                        "想一想：x = 3 时 x**19 有多大？一步梯度下降要乘上它的平方。")
    return found + "x = 3 时 x**19 约是 1e9，梯度和它的平方成正比，学习率 0.01 的一步就飞出去了。"


# --- q5: can the generalisation error reach zero? --------------------------------------------

FLOOR_CHOICES = {
    "A": "能：用真实的阶数（3 阶），训练到收敛",
    "B": "能：特征足够多、训练数据足够多就行",
    "C": "不能：验证 MSE 最低约为噪声的方差 σ² = 0.01",
    "D": "不能：验证 MSE 最低约为 σ²/2 = 0.005",
}


@exercises.prediction(choices=tuple(FLOOR_CHOICES))
def q5(prediction, noise_runs):
    if not isinstance(noise_runs, Runs) or "valid_loss" not in noise_runs.metrics():
        raise Incorrect("ex.q5.check(noise_runs) 需要上面实验格子里的 noise_runs：真实函数在验证集"
                        "上的 MSE（d2l.Runs，记录 'valid_loss'）。")
    if set(noise_runs.metrics()) & {"train_loss", "log_train", "log_valid"}:
        extra = "、".join(sorted(set(noise_runs.metrics()) & {"train_loss", "log_train", "log_valid"}))
        raise Incorrect(f"这些运行还记录了 {extra}，是拟合出来的模型（比如 size_runs 里的）：本题要的是"
                        "真实的函数本身（不用训练）在验证集上的 MSE，也就是上面实验格子里的 "
                        "noise_runs。")
    floor = noise_runs.final("valid_loss").mean
    variance = NOISE_STD ** 2
    found = (f"实验测得：连真实的函数（w = [5, 1.2, -3.4, 5.6]，一点误差都没有）在验证集上的 MSE "
             f"也有 {floor:.4f}（{len(noise_runs)} 个种子的均值）")
    if abs(floor / variance - 1) < 0.25:
        measured = "C"
    elif abs(floor / (variance / 2) - 1) < 0.25:
        measured = "D"
    else:
        raise Incorrect(f"{found}，它既不接近 σ² = {variance:g}，也不接近 σ²/2：noise_runs "
                        "应当是真实函数在验证集上的 MSE（不带 ½）。")
    if prediction != measured:
        why = {"A": "真实的阶数和无限的训练也消不掉标签里的噪声 ε：新样本的 ε 谁也预测不了。",
               "B": "更多的特征和数据只能让模型接近真实函数，可真实函数本身的误差就是噪声。",
               "C": "",
               "D": "书的 PyTorch 代码用 nn.MSELoss，它是 (ŷ - y)² 的平均，没有 ½；带 ½ 的是 "
                    "MXNet 版的 L2Loss 和第 3.2 节的 squared_loss，那时下限才是 σ²/2。"}[prediction]
        raise Incorrect(f"你预测的是 {prediction}（{FLOOR_CHOICES[prediction]}）。{found}。{why}")
    return (f"{found}，约等于 σ² = {variance:g}：标签里的噪声 ε 对新样本是不可预测的，"
            "nn.MSELoss 下泛化误差的下限就是 E[ε²] = σ²。")


# --- q6: K-fold cross-validation --------------------------------------------------------------

def _fold_inputs(n, d=2):
    """Rows whose first feature is the row's number, so that any rows returned can be named."""
    ids = torch.arange(n, dtype=torch.float64)
    X = torch.stack([ids] + [ids * 0.5 + j for j in range(1, d)], dim=1)
    y = 1000 + ids
    return X, y


def _rows(X, what):
    ids = X[:, 0]
    if not torch.equal(ids, ids.round()):
        raise Incorrect(f"{what}里的行不是传进来的 X 的行（数值变了）：只挑选行，不要改动它们。")
    return [int(v) for v in ids.tolist()]


def _check_fold(k, i, n, out):
    if not isinstance(out, tuple) or len(out) != 4:
        got = f"{len(out)} 个值" if isinstance(out, (tuple, list)) else type(out).__name__
        raise Incorrect(f"get_k_fold_data 应当返回 4 个张量 (X_train, y_train, X_valid, y_valid)，"
                        f"你返回的是 {got}。")
    X_train, y_train, X_valid, y_valid = (need_tensor(t, f"get_k_fold_data 返回的第 {j + 1} 个值")
                                          for j, t in enumerate(out))
    if y_train.dim() == 2 and X_valid.dim() == 1:
        raise Incorrect("你返回的第 2 个值是二维的（像特征），第 3 个值是一维的（像标签）：看起来是 "
                        "(X_train, X_valid, y_train, y_valid)。返回顺序应当是 (X_train, y_train, "
                        "X_valid, y_valid)，和书第 4.10 节一样。")
    for X_part, y_part, what in ((X_train, y_train, "训练"), (X_valid, y_valid, "验证")):
        if X_part.dim() != 2 or X_part.shape[1] != 2:
            raise Incorrect(f"{what}特征的形状是 {tuple(X_part.shape)}：应当是 X 的一些整行，"
                            "形状 (行数, 特征数)。")
        if y_part.dim() != 1 or len(y_part) != len(X_part):
            raise Incorrect(f"{what}部分有 {len(X_part)} 行特征，标签的形状却是 "
                            f"{tuple(y_part.shape)}：X 和 y 要取同样的行。")
        _rows(X_part, f"{what}集")
        if not torch.equal(y_part, 1000 + X_part[:, 0]):
            raise Incorrect(f"{what}部分的 X 和 y 取的不是同样的行（标签和特征对不上了）："
                            "用同一个下标同时取 X[idx] 和 y[idx]。")
    return _rows(X_train, "训练集"), _rows(X_valid, "验证集")


def _check_split(get, k, n):
    X, y = _fold_inputs(n)
    folds = []
    for i in range(k):
        try:
            out = get(k, i, X.clone(), y.clone())
        except IndexError as err:
            if i == k - 1:
                raise Incorrect(f"get_k_fold_data({k}, {k - 1}, X, y) 出错了：i 从 0 数到 k - 1，"
                                f"最后一折是 i = {k - 1}（Python 的下标从 0 开始）。"
                                f"（{type(err).__name__}: {err}）") from None
            raise
        train, valid = _check_fold(k, i, n, out)
        if not valid:
            raise Incorrect(f"get_k_fold_data({k}, {i}, X, y) 的验证集是空的：i 从 0 数到 k - 1。")
        if len(train) < len(valid) and len(train) + len(valid) == n and k > 2 \
                and len(train) in (n // k, n // k + 1):
            raise Incorrect(f"get_k_fold_data({k}, {i}, X, y) 的“训练集”只有 {len(train)} 行，"
                            f"“验证集”却有 {len(valid)} 行：返回的顺序是 (X_train, y_train, "
                            "X_valid, y_valid)，训练集在前。")
        if set(train) & set(valid):
            raise Incorrect(f"get_k_fold_data({k}, {i}, X, y) 的训练集和验证集有 "
                            f"{len(set(train) & set(valid))} 行相同：第 {i} 折做验证时，它就不能再"
                            "出现在训练集里（两者要不相交），否则验证损失是在见过的数据上算的。")
        if len(set(valid)) != len(valid) or len(set(train)) != len(train):
            raise Incorrect(f"get_k_fold_data({k}, {i}, X, y) 里有的行出现了两次：每一行只取一次。")
        folds.append((train, valid))
    size = {len(valid) for _, valid in folds}
    seen = [row for _, valid in folds for row in valid]
    if len(set(seen)) != len(seen):
        raise Incorrect(f"n = {n}、k = {k} 时，不同的 i 给出的验证折有重叠：同一行做了不止一次"
                        "验证。k 折要把行分成 k 个互不相交的部分，第 i 折是其中的第 i 个。")
    unused = sorted(set(range(n)) - set(seen))
    if unused:
        never_trained = all(set(unused).isdisjoint(train) for train, _ in folds)
        if never_trained and unused == list(range(n - len(unused), n)) and len(unused) == n % k:
            raise Incorrect(f"n = {n}、k = {k} 时，最后 {len(unused)} 行（n % k）既没做过验证也没"
                            f"参加训练：你用了 fold_size = n // k = {n // k}，于是它们被丢掉了。书"
                            "第 4.10 节的写法就是这样（n 能被 k 整除时没关系），本题要每一行都用上："
                            "前 n % k 折各多一行，比如 torch.arange(n).tensor_split(k)。")
        raise Incorrect(f"n = {n}、k = {k} 时，有 {len(unused)} 行从没做过验证（例如第 {unused[0]} "
                        f"行）：i = 0 … {k - 1} 的验证折的大小是 {[len(v) for _, v in folds]}，合起来"
                        f"只有 {len(seen)} 行。k 个验证折合起来应当正好是全部的行：把行号分成 k 份，"
                        "tensor_split(k)。")
    for i, (train, valid) in enumerate(folds):
        missing = sorted(set(range(n)) - set(train) - set(valid))
        if missing:
            left_out = [j for j, (_, other) in enumerate(folds)
                        if j != i and set(other) <= set(missing)]
            which = ("、".join(f"第 {j} 折" for j in left_out) if left_out
                     else f" {len(missing)} 行")
            raise Incorrect(f"get_k_fold_data({k}, {i}, X, y) 的训练集少了{which}（比如第 "
                            f"{missing[0]} 行）：除了第 {i} 折，其余 k - 1 = {k - 1} 折都要拼进训练集。")
    if max(size) - min(size) > 1:
        sizes = [len(v) for _, v in folds]
        if sizes[-1] == max(sizes):
            how = "你可能把余下的行都塞进了最后一折"
        elif sizes[-1] == min(sizes):
            how = (f"你的前几折每折取了 ceil(n / k) = {math.ceil(n / k)} 行（torch.chunk(k) 和 "
                   "split(math.ceil(n / k)) 就是这样分的），最后一折只剩下余下的行")
        else:
            how = "你的各折大小不均"
        raise Incorrect(f"n = {n}、k = {k} 时，各折的大小是 {sizes}：应当尽量平均，最多差 1"
                        f"（这里是 {n // k} 或 {n // k + 1} 行）。{how}；torch.arange(n)."
                        "tensor_split(k) 把余下的 n % k 行分给前 n % k 折，每折各多一行。")
    again = _check_fold(k, 0, n, get(k, 0, X.clone(), y.clone()))
    if again != folds[0]:
        raise Incorrect("同样的参数调用两次，得到的折不一样：如果你打乱了行，每次调用都要打乱得一样"
                        "（否则不同 i 的折会重叠），最简单是不打乱，按顺序分。")


@exercises.code()
def q6(get):
    for k, n in ((5, 100), (5, 103), (3, 10), (4, 6), (2, 9)):
        _check_split(get, k, n)
    return ("k 个验证折互不相交、合起来正好是全部的行，大小最多差 1（n = 103、k = 5 时是 "
            "21, 21, 21, 20, 20）；每一折做验证时，其余 k - 1 折拼成训练集。")


get_k_fold_data = q6.reference("get_k_fold_data")
