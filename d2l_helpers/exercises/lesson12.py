"""Lesson 12 exercises (book section 4.9): ``from d2l_helpers.exercises import lesson12 as ex``.

The book's notation: ``q`` is the source distribution (training), ``p`` the target (where the
model is used). Label shift (4.9.3.3): the learner writes the confusion matrix the book's way
(q1 ``confusion_matrix``: ``C[i, j] = P(ŷ = i | y = j)`` on the validation set, every column
sums to 1), solves ``C p(y) = μ(ŷ)`` for the target's label distribution (q2
``estimate_label_shift``: negative estimates clipped to 0, renormalised) and applies
``β(y) = p(y)/q(y)`` to the classifier's probabilities (q3 ``reweight``). Covariate shift
(4.9.3.2): importance weights from a logistic-regression domain classifier (q5
``importance_weights``: ``β = exp(h(x)) · n_source/n_target``, the book's clip ``min(β, c)``).
Two predict-first questions are judged against the lesson's runs over seeds (q4: does the
label-shift correction recover accuracy; q6: does the covariate correction), and one asks
which kind of shift each of six scenarios is (q7). Each code check runs the learner's function
on easy and hard inputs (unbalanced classes so that rows and columns differ, a class never
predicted, noisy μ̂ whose exact solution has negative entries, a batch as long as the number of
classes so that a wrong broadcast still fits, unequal sample sizes, confident domain logits)
and names the usual mistake.

:func:`sample_by_priors` is the lesson's tool for drawing a target set with given class
priors; it uses its own generator and leaves the global ones alone.
"""
import math
import numbers

import torch

from d2l_helpers.exercises.core import (
    ExerciseSet,
    Incorrect,
    judge_paired,
    need_close,
    need_tensor,
    reject_mistakes,
)

exercises = ExerciseSet("第 12 课", __name__)
progress = exercises.progress


# --- the lesson's sampling tool ---------------------------------------------------------------

def _class_counts(priors, n):
    """Round ``n * priors`` to whole counts that add up to ``n`` (largest remainders first)."""
    raw = [n * float(p) for p in priors]
    counts = [math.floor(r) for r in raw]
    by_remainder = sorted(range(len(raw)), key=lambda k: (counts[k] - raw[k], k))
    for k in by_remainder[:n - sum(counts)]:
        counts[k] += 1
    return counts


def sample_by_priors(labels, priors, n, seed=0):
    """Indices of ``n`` examples of ``labels`` drawn without replacement so that class ``k``
    makes up ``priors[k]`` of them (counts rounded to whole numbers that sum to ``n``), in a
    random order. Not in the book: the lesson's way to make a target set whose label
    distribution differs from the source's while each class looks the same (label shift).

    ``labels``: a 1-D integer tensor; ``priors``: one non-negative number per class summing to
    1 (a list or a 1-D tensor); ``seed``: the draw (its own generator; the global random state
    is left as it was).
    """
    if not torch.is_tensor(labels) or labels.dim() != 1 or labels.is_floating_point():
        raise TypeError(f"sample_by_priors(): labels must be a 1-D integer tensor, got "
                        f"{type(labels).__name__} {getattr(labels, 'shape', '')}")
    if torch.is_tensor(priors):
        priors = priors.detach().flatten().tolist()
    if isinstance(priors, (str, bytes)) or not hasattr(priors, "__len__"):
        raise TypeError(f"sample_by_priors(): priors must be a list or tensor of class "
                        f"probabilities, got {priors!r:.60}")
    if not all(isinstance(p, numbers.Real) and not isinstance(p, bool) for p in priors):
        raise TypeError(f"sample_by_priors(): every prior must be a number, got {priors!r:.80}")
    priors = [float(p) for p in priors]
    if len(labels) and int(labels.max()) >= len(priors) or len(labels) and int(labels.min()) < 0:
        raise ValueError(f"sample_by_priors(): labels run from {int(labels.min())} to "
                         f"{int(labels.max())} but priors has {len(priors)} classes")
    if any(not math.isfinite(p) or p < 0 for p in priors) or abs(sum(priors) - 1) > 1e-6:
        raise ValueError(f"sample_by_priors(): priors must be non-negative and sum to 1, got "
                         f"{[round(p, 4) for p in priors]} (sum {sum(priors):.6g})")
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(f"sample_by_priors(): n must be a positive whole number, got {n!r}")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"sample_by_priors(): seed must be a whole number, got {seed!r}")
    g = torch.Generator().manual_seed(int(seed))
    chosen = []
    for k, count in enumerate(_class_counts(priors, int(n))):
        pool = (labels == k).nonzero().flatten()
        if count > len(pool):
            raise ValueError(f"sample_by_priors(): class {k} needs {count} examples "
                             f"({priors[k]:.3f} of {n}) but labels has only {len(pool)}; "
                             "ask for a smaller n")
        chosen.append(pool[torch.randperm(len(pool), generator=g)[:count]])
    index = torch.cat(chosen)
    return index[torch.randperm(len(index), generator=g)]


# --- q1: the confusion matrix -----------------------------------------------------------------

_CONFUSION_ERRORS = (
    (r"index .* is out of bounds|out of bounds for dimension",
     "某个类别号超出了矩阵的范围：矩阵的大小用参数 num_classes，别用 y.max() + 1 或 "
     "y_hat.max() + 1（某个类别可能从没被预测过）。"),
    (r"shape .* is invalid for input of size",
     "reshape 不成 (num_classes, num_classes)：torch.bincount 只数到出现过的最大的数，某个组合"
     "从没出现时结果就短了。写 torch.bincount(..., minlength=num_classes * num_classes)。"),
    (r"bincount only supports 1-d non-negative integral inputs",
     "torch.bincount 只接受一维的非负整数张量：先算 y_hat * num_classes + y（整数），"
     "别先转成 float。"),
)


def _confusion_counts(y_hat, y, k):
    counts = torch.zeros(k, k, dtype=torch.float64)
    counts.index_put_((y_hat, y), torch.ones(len(y), dtype=torch.float64), accumulate=True)
    return counts


def _safe_div(a, b):
    return torch.where(b > 0, a / b.clamp(min=1e-300), torch.zeros_like(a))


def _confusion_case(seed, n, k, skew, never_predicted=False):
    """Labels with unbalanced classes and a classifier that confuses neighbours unevenly."""
    g = torch.Generator().manual_seed(seed)
    priors = torch.tensor([skew ** j for j in range(k)], dtype=torch.float64)
    y = torch.multinomial(priors / priors.sum(), n, replacement=True, generator=g)
    y[:k] = torch.arange(k)  # every class appears at least once: every column is defined
    shift = torch.multinomial(torch.tensor([0.6, 0.25, 0.1, 0.05]), n, replacement=True,
                              generator=g)
    y_hat = (y + shift) % k
    if never_predicted:
        y_hat[y_hat == k - 1] = 0  # the last class is never predicted
    return y_hat, y


def _columns(M):
    return _safe_div(M, M.sum(dim=0, keepdim=True))


def _rows(M):
    return _safe_div(M, M.sum(dim=1, keepdim=True))


def _counts_of(case):
    y_hat, y, k = case
    return _confusion_counts(y_hat, y, k)


def _right_confusion(case):
    return _columns(_counts_of(case))


_CONFUSION_MISTAKES = (
    (lambda c: _columns(_counts_of(c)).T,
     "你的矩阵是转置：行是真实类别、列是预测类别。书里的约定是每一列对应一个真实类别 j、"
     "每一行对应一个预测类别 i，C[i, j] = P(ŷ = i | y = j)：下标写成 C[y_hat, y]。"),
    (lambda c: _rows(_counts_of(c)),
     "你按行归一化了（每一行加起来是 1），算的是 P(y = j | ŷ = i)。要的是 P(ŷ = i | y = j)："
     "每一列除以这一列的和（真实类别是 j 的样本数），counts / counts.sum(dim=0, keepdim=True)。"),
    (lambda c: _rows(_counts_of(c)).T,
     "你的矩阵是转置，而且按预测类别归一化了。C[i, j] = P(ŷ = i | y = j)：行是预测、列是真实，"
     "每一列除以真实类别 j 的样本数。"),
    (lambda c: _counts_of(c),
     "你给出的是计数，没有归一化：每一列要除以真实类别是 j 的样本数，"
     "counts / counts.sum(dim=0, keepdim=True)，这样每一列加起来是 1。"),
    (lambda c: _counts_of(c) / len(c[1]),
     "你除以了样本总数，得到的是联合比例 P(ŷ = i, y = j)。书里“所占的比例”这句话可以这样读，但"
     "解 C p = μ(ŷ) 要的是条件概率 P(ŷ = i | y = j)（书里的式子就是这样用它的）：每一列除以"
     "这一列的和（真实类别是 j 的样本数）。验证集均衡时两者只差一个因子 k，类别不平衡时差得最多。"),
    (lambda c: _counts_of(c).T,
     "你给出的是转置的计数：下标写成 C[y_hat, y]（行是预测），再把每一列除以它的和。"),
    (lambda c: _counts_of(c).T / len(c[1]),
     "你给出的是转置的联合比例：下标写成 C[y_hat, y]（行是预测），每一列除以这一列的和。"),
    (lambda c: _columns((_counts_of(c) > 0).to(torch.float64)),
     "每一对 (预测, 真实) 你最多只数了一次：counts[y_hat, y] += 1（或 index_put_ 不加 "
     "accumulate=True）遇到重复的下标时只加一次。用 counts.index_put_((y_hat, y), ones, "
     "accumulate=True)，或 torch.bincount(y_hat * num_classes + y, minlength=num_classes ** 2)。"),
    (lambda c: _safe_div(_counts_of(c), _counts_of(c).sum(dim=1)),
     "你除以的是 counts.sum(dim=1)（每一行的和，也就是每个类别被预测的次数），而且没有 keepdim："
     "形状 (k,) 广播之后，第 j 列除以的是“预测为 j 的次数”。要除以每一列的和（真实类别 j 的"
     "样本数）：counts / counts.sum(dim=0, keepdim=True)。"),
)


@exercises.code(diagnose=_CONFUSION_ERRORS)
def q1(confusion_matrix):
    cases = {"skewed": (*_confusion_case(0, 3000, 10, 0.75), 10),
             "never predicted": (*_confusion_case(1, 2000, 6, 0.8, never_predicted=True), 6),
             "two classes": (*_confusion_case(2, 500, 2, 0.3), 2)}
    got = {}
    for name, (y_hat, y, k) in cases.items():
        before = (y_hat.clone(), y.clone())
        out = confusion_matrix(y_hat, y, k)
        if out is None:
            raise Incorrect("confusion_matrix 没有返回结果：最后一行要 return 归一化之后的矩阵。")
        if not (torch.equal(y_hat, before[0]) and torch.equal(y, before[1])):
            raise Incorrect("confusion_matrix 改了传进来的 y_hat 或 y（原地修改）：不要改输入。")
        need_tensor(out, f"confusion_matrix(y_hat, y, {k})")
        if tuple(out.shape) != (k, k):
            raise Incorrect(f"有 {k} 个类别时矩阵应当是 ({k}, {k})，你的是 {tuple(out.shape)}"
                            + ("：这组数据里最后一个类别从没被预测过。矩阵的大小用参数 num_classes"
                               "（torch.bincount 要写 minlength=num_classes * num_classes）。"
                               if name == "never predicted" else "。"))
        if not out.is_floating_point():
            raise Incorrect(f"你的矩阵是整数张量（{out.dtype}）：归一化要得到小数，计数先 .float()，"
                            "别用 //。")
        got[name] = out.detach().double()
    right = {name: _right_confusion(case) for name, case in cases.items()}
    if not all(torch.allclose(got[n], right[n], atol=1e-5) for n in cases):
        # a division by an empty row or column: nan or inf in the learner's code, 0 in a mistake's
        reject_mistakes({n: m.nan_to_num(0.0, 0.0, 0.0) for n, m in got.items()}, cases,
                        _CONFUSION_MISTAKES, atol=1e-5)
        for name, (_, _, k) in cases.items():
            need_close(got[name], right[name], f"有 {k} 个类别时的混淆矩阵", atol=1e-5)
    return ("C[i, j] = P(ŷ = i | y = j)：每一列是一个真实类别，各列加起来都是 1；"
            "类别不平衡、某个类别从没被预测过时也对。")


reference_confusion_matrix = q1.reference("confusion_matrix")


# --- q2: solve C p = μ(ŷ) ---------------------------------------------------------------------

def _label_shift_case(seed, k, noise):
    g = torch.Generator().manual_seed(seed)
    C = torch.eye(k, dtype=torch.float64) * 3 + torch.rand(k, k, generator=g, dtype=torch.float64)
    C = C / C.sum(dim=0, keepdim=True)
    p = torch.rand(k, generator=g, dtype=torch.float64) ** 3
    p = p / p.sum()
    mu = C @ p + noise * torch.randn(k, generator=g, dtype=torch.float64)
    return C.float(), mu.float()


def _clip_renormalise(x):
    x = x.clamp(min=0)
    return x / x.sum()


_SOLVE_MISTAKES = (
    (lambda C, mu: _clip_renormalise(torch.linalg.solve(C.T, mu)),
     "你解的是 Cᵀ p = μ̂（或用了 mu @ inv(C)、按行的约定）。C 的每一列是一个真实类别："
     "μ(ŷ)_i = Σ_j C[i, j] p(y = j)，也就是 C @ p = mu，torch.linalg.solve(C, mu)。"),
    (lambda C, mu: _clip_renormalise(mu),
     "你直接用了预测的分布 μ̂（或只对它做了裁剪、归一化）：μ̂ 里混着分类器的错误。要从 "
     "C p = μ̂ 里解出 p：torch.linalg.solve(C, mu)。"),
    (lambda C, mu: mu,
     "你返回的是 μ̂ 本身：要解 C p = μ̂，torch.linalg.solve(C, mu)。"),
    (lambda C, mu: torch.linalg.solve(C, mu),
     "解出来的 p 有负数：μ̂ 是从有限的目标样本估计的，带着噪声，精确解可能是负的。概率不能是负的："
     "先 .clamp(min=0)，再除以总和，让它加起来是 1。"),
    (lambda C, mu: torch.linalg.solve(C, mu).clamp(min=0),
     "你把负数裁成了 0，但没有重新归一化：裁剪之后总和不再是 1，要再除以 p.sum()。"),
    (lambda C, mu: torch.linalg.solve(C, mu) / torch.linalg.solve(C, mu).sum(),
     "你重新归一化了，但没有先把负数裁成 0：概率不能是负的，先 .clamp(min=0)，再除以总和。"),
    (lambda C, mu: _clip_renormalise(torch.linalg.solve(C, mu).abs()),
     "你对负数取了绝对值：负的估计说明这个类别在目标数据里几乎没有，应当裁成 0（.clamp(min=0)），"
     "不是翻成正数。"),
    (lambda C, mu: _clip_renormalise(C @ mu),
     "你算的是 C @ μ̂：那是把预测再“混淆”一次。要反过来解方程 C p = μ̂：torch.linalg.solve(C, mu)"
     "（或 torch.linalg.inv(C) @ mu）。"),
)


@exercises.code()
def q2(estimate_label_shift):
    cases = {"exact": _label_shift_case(0, 10, 0.0), "noisy": _label_shift_case(3, 10, 0.02),
             "noisier": _label_shift_case(5, 6, 0.05), "two classes": _label_shift_case(7, 2, 0.0)}
    if not any((torch.linalg.solve(C.double(), mu.double()) < 0).any() for C, mu in cases.values()):
        raise RuntimeError("lesson 12 q2: no case has a negative exact solution")
    got = {}
    for name, (C, mu) in cases.items():
        before = (C.clone(), mu.clone())
        out = estimate_label_shift(C, mu)
        if out is None:
            raise Incorrect("estimate_label_shift 没有返回结果：最后一行要 return 估计的 p。")
        if not (torch.equal(C, before[0]) and torch.equal(mu, before[1])):
            raise Incorrect("estimate_label_shift 改了传进来的 C 或 mu（原地修改）：不要改输入。")
        if not torch.is_tensor(out) and hasattr(out, "__array__"):
            raise Incorrect("你返回的是 NumPy 数组：用 torch.linalg.solve 得到张量"
                            "（或 torch.as_tensor(...)）。")
        need_tensor(out, "estimate_label_shift(C, mu)", shape=mu.shape)
        got[name] = out.detach().float()
    right = {name: _clip_renormalise(torch.linalg.solve(C.double(), mu.double())).float()
             for name, (C, mu) in cases.items()}
    if all(torch.allclose(got[n], right[n], atol=1e-4) for n in cases):
        return ("p = C⁻¹ μ̂，负的估计裁成 0 再归一化：结果是一个概率分布，"
                "μ̂ 带噪声、精确解有负数时也是。")
    reject_mistakes(got, {n: (C.double(), mu.double()) for n, (C, mu) in cases.items()},
                    [(lambda case, m=m: m(*case).float(), d) for m, d in _SOLVE_MISTAKES],
                    atol=1e-4)
    for name in cases:
        if (got[name] < -1e-6).any():
            raise Incorrect("你的估计里有负数：概率不能是负的，先 .clamp(min=0)，再除以总和。")
        if not math.isclose(float(got[name].sum()), 1.0, abs_tol=1e-4):
            raise Incorrect(f"你的估计加起来是 {float(got[name].sum()):.4g}，不是 1：最后除以总和。")
        need_close(got[name], right[name], "估计的目标标签分布 p", atol=1e-4)
    return None


reference_estimate_label_shift = q2.reference("estimate_label_shift")


# --- q3: reweight the classifier's probabilities ---------------------------------------------

def _reweight_case(seed, n, k, zero_class=None):
    g = torch.Generator().manual_seed(seed)
    probs = torch.softmax(2 * torch.randn(n, k, generator=g), dim=1)
    q = torch.rand(k, generator=g) + 0.2
    q = q / q.sum()
    p = torch.rand(k, generator=g) ** 2 + 0.01
    if zero_class is not None:
        p[zero_class] = 0.0
    return probs, p / p.sum(), q / q.sum()


def _renorm_rows(M):
    return M / M.sum(dim=1, keepdim=True)


_REWEIGHT_MISTAKES = (
    (lambda P, p, q: _renorm_rows(P * q / p),
     "你乘的是 q/p，反了：β(y) = p(y)/q(y)（目标的比例除以源的比例）。目标里多的类别要加权。"),
    (lambda P, p, q: P * p / q,
     "乘上 β = p/q 之后没有重新归一化：每一行要再除以它的和，才是概率"
     "（P_p(y | x) ∝ P_q(y | x) · β(y)）。"),
    (lambda P, p, q: _renorm_rows(P * p),
     "你只乘了目标的分布 p，忘了除以源的分布 q：β = p/q。源的类别不均衡时差别就出来了。"),
    (lambda P, p, q: _renorm_rows(P / q),
     "你只除以了 q，没有乘 p：β = p/q。"),
    (lambda P, p, q: (P * p / q) / (P * p / q).sum(dim=0, keepdim=True),
     "你按列归一化了（dim=0）：每个样本（每一行）的概率加起来是 1，用 .sum(dim=1, keepdim=True)。"),
    (lambda P, p, q: (_renorm_rows(P * (p / q)[:, None]) if P.shape[0] == P.shape[1] else None),
     "β 乘到了行上（β[:, None]，或者 β.reshape(-1, 1)）：β 是每个类别一个数，要乘到每一列上，"
     "P * beta（形状 (k,) 自动广播到每一行）。"),
    (lambda P, p, q: _renorm_rows(P + p / q),
     "你把 β 加到了概率上：要乘，P_p(y | x) ∝ P_q(y | x) · β(y)。"
     "（对 logits 才是加 log β。）"),
    (lambda P, p, q: torch.softmax(P * p / q, dim=1),
     "你对 P · β 又做了 softmax：P 已经是概率，乘上 β 之后除以每一行的和就行。"
     "（对 logits 才是 softmax(logits + log β)。）"),
)


_REWEIGHT_ERRORS = (
    (r"must match the size of tensor",
     "形状对不上：β = p_target / q_source 是每个类别一个数，形状 (k,)，probs * beta 会自动广播到每一行"
     "（每个样本）。别写 beta[:, None] 或 beta.reshape(-1, 1)：那是把 β 乘到行上。归一化时 "
     ".sum(dim=1, keepdim=True) 保持 (批量, 1) 才能逐行相除。"),
)


@exercises.code(diagnose=_REWEIGHT_ERRORS)
def q3(reweight):
    cases = {"50 个样本、10 个类别": _reweight_case(0, 50, 10),
             "10 个样本、10 个类别": _reweight_case(1, 10, 10),
             "有一个类别的 p 是 0": _reweight_case(2, 40, 6, zero_class=3),
             "两个类别": _reweight_case(3, 7, 2)}
    got = {}
    for name, (P, p, q) in cases.items():
        before = (P.clone(), p.clone(), q.clone())
        out = reweight(P, p, q)
        if out is None:
            raise Incorrect("reweight 没有返回结果：最后一行要 return 重新加权、归一化之后的概率。")
        if not all(torch.equal(a, b) for a, b in zip((P, p, q), before)):
            raise Incorrect("reweight 改了传进来的张量（原地修改，比如 probs *= beta）：不要改输入，"
                            "返回一个新的张量。")
        need_tensor(out, "reweight(probs, p_target, q_source)", shape=P.shape)
        got[name] = out.detach().float()
    right = {name: _renorm_rows(P * (p / q)) for name, (P, p, q) in cases.items()}
    if all(torch.allclose(got[n], right[n], atol=1e-5) for n in cases):
        return ("每一列乘 β(y) = p(y)/q(y)，每一行再除以它的和：P_p(y | x) ∝ "
                "P_q(y | x) · p(y)/q(y)；p 里是 0 的类别概率变成 0。")
    reject_mistakes(got, cases, [(lambda case, m=m: m(*case), d) for m, d in _REWEIGHT_MISTAKES])
    for name in cases:
        if torch.isnan(got[name]).any():
            raise Incorrect("结果里有 nan：看看是不是对 0 取了 log 又相乘，或者除以了 0。")
        need_close(got[name], right[name], f"重新加权之后的概率（{name}）", atol=1e-5)
    return None


reference_reweight = q3.reference("reweight")


# --- predictions judged against runs over seeds ----------------------------------------------

_GAIN_WORDS = {"A": "纠正之后更高", "B": "差不多（差别不显著）", "C": "纠正之后更低"}
_WEIGHTED_WORDS = {"A": "加权之后更高", "B": "差不多（差别不显著）", "C": "加权之后更低"}


def _judge_gain(prediction, runs, before, after, what, why, names=("纠正之后", "不纠正"),
                words=None):
    return judge_paired(prediction, runs, what, after, before, metric="acc", names=names,
                        label="目标数据上的精度", words=words or _GAIN_WORDS, why=why)


@exercises.prediction(choices=tuple(_GAIN_WORDS))
def q4(prediction, label_runs):
    return _judge_gain(prediction, label_runs, "target_acc", "corrected_acc", "label_runs",
                       "分类器在源数据上学到的是 P_q(y | x)，它默认每个类别各占十分之一；目标里某些"
                       "类别多得多时，拿不准的样本判给常见的类别更容易对。乘上 p(y)/q(y) 正是把"
                       "这个先验换成目标的。")


# --- q5: importance weights from the domain classifier ---------------------------------------

def _weights_right(h, n_source, n_target, c):
    beta = torch.exp(h.double()) * (n_source / n_target)
    return beta if c is None else beta.clamp(max=c)


def _clip(beta, c):
    return beta if c is None else beta.clamp(max=c)


_WEIGHT_MISTAKES = (
    (lambda h, ns, nt, c: _clip(torch.exp(-h) * ns / nt, c),
     "你用的是 exp(-h)，反了：h 是“来自目标”的 logit，P(目标 | x) = sigmoid(h)，"
     "P(目标 | x) / P(源 | x) = exp(h)。目标里常见、源里少见的样本权重要大。"),
    (lambda h, ns, nt, c: _clip(torch.exp(h), c),
     "你忘了样本数之比：分类器的几率 exp(h) = p(x) n_target / (q(x) n_source)，两组样本不一样多时"
     "要乘 n_source / n_target，β = p(x)/q(x) 才对。书里假设两组一样多，所以没有这个因子。"),
    (lambda h, ns, nt, c: _clip(torch.exp(h) * nt / ns, c),
     "样本数之比乘反了：exp(h) = p(x) n_target / (q(x) n_source)，要乘 n_source / n_target。"),
    (lambda h, ns, nt, c: _clip(torch.exp(-h) * nt / ns, c),
     "exp(-h) 和样本数之比都反了：β = exp(h) · n_source / n_target。"),
    (lambda h, ns, nt, c: _clip(torch.sigmoid(h) * ns / nt, c),
     "你用的是概率 sigmoid(h) = P(目标 | x)，不是几率：β 要的是 P(目标 | x) / P(源 | x) = exp(h)，"
     "再乘 n_source / n_target。"),
    (lambda h, ns, nt, c: _clip(torch.sigmoid(h), c),
     "你用的是概率 sigmoid(h) = P(目标 | x)：要的是几率 exp(h)（P(目标 | x) / P(源 | x)），"
     "再乘 n_source / n_target。"),
    (lambda h, ns, nt, c: _clip(torch.sigmoid(-h) * ns / nt, c),
     "你用的是 sigmoid(-h) = P(源 | x)，是另一个类别的概率，而且是概率不是几率：β = exp(h) · "
     "n_source / n_target。"),
    (lambda h, ns, nt, c: _clip(torch.sigmoid(-h) / torch.sigmoid(h) * ns / nt, c),
     "你用的是 P(源 | x) / P(目标 | x)，反了：β = P(目标 | x) / P(源 | x) · n_source / n_target "
     "= exp(h) · n_source / n_target。"),
    (lambda h, ns, nt, c: (None if c is None else torch.exp(h).clamp(max=c) * ns / nt),
     "你先裁剪、再乘样本数之比：书里的 min(β, c) 裁的是最终的权重，先乘 n_source / n_target，"
     "再 .clamp(max=c)。"),
    (lambda h, ns, nt, c: (None if c is None else torch.exp(h) * ns / nt),
     "给了 c 却没有裁剪：书里建议 β = min(exp(h), c)，用 .clamp(max=c) 限制最大的权重。"),
    (lambda h, ns, nt, c: (None if c is None else (torch.exp(h) * ns / nt).clamp(min=c)),
     "你把 c 当成了下限（clamp(min=c) 或 max(β, c)）：书里是 min(β, c)，只限制太大的权重，"
     ".clamp(max=c)。"),
    (lambda h, ns, nt, c: (lambda b: b / b.mean())(_clip(torch.exp(h), c)),
     "你把权重除以了它们的均值：那是另一种（自归一化的）做法。这里要的是 β = exp(h) · n_source / "
     "n_target 本身：它的均值只是大约为 1。"),
)


def _weights_case(seed, n, scale, n_source, n_target, c):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, generator=g) * scale + 0.3, n_source, n_target, c


_WEIGHT_ERRORS = (
    (r"Boolean value of Tensor with more than one (value|element) is ambiguous",
     "Python 的 min()、max() 和 if 不能逐元素比较张量：截断写 beta.clamp(max=c)"
     "（或 torch.minimum(beta, torch.tensor(c))）。"),
    (r"only one element tensors can be converted to Python scalars|must be real number, not Tensor",
     "math.exp 只接受一个数：对整个张量逐元素求指数用 torch.exp(h)。"),
)


@exercises.code(diagnose=_WEIGHT_ERRORS)
def q5(importance_weights):
    cases = {"源样本多于目标": _weights_case(0, 200, 1.5, 4000, 2000, None),
             "目标样本多于源": _weights_case(1, 100, 2.0, 500, 3000, None),
             "c = 20": _weights_case(2, 300, 2.5, 3000, 1000, 20.0),
             "c = 1.5、目标样本多于源": _weights_case(3, 300, 2.5, 1000, 2500, 1.5)}
    got = {}
    for name, (h, ns, nt, c) in cases.items():
        before = h.clone()
        out = importance_weights(h, ns, nt, c)
        if out is None:
            raise Incorrect("importance_weights 没有返回结果：最后一行要 return 权重 beta。")
        if not torch.equal(h, before):
            raise Incorrect("importance_weights 改了传进来的 h（原地修改，比如 h.exp_()）：不要改输入。")
        need_tensor(out, "importance_weights(h, n_source, n_target, c)", shape=h.shape)
        got[name] = out.detach().double()
    right = {name: _weights_right(h, ns, nt, c) for name, (h, ns, nt, c) in cases.items()}
    ok = all(torch.allclose(got[n], right[n], rtol=1e-3, atol=0) for n in cases)
    if not ok:
        reject_mistakes(got, {n: tuple(v) for n, v in cases.items()},
                        [(lambda case, m=m: m(*case).double() if m(*case) is not None else None, d)
                         for m, d in _WEIGHT_MISTAKES], atol=0, rtol=1e-3)
        for name in cases:
            need_close(got[name], right[name], f"重要性权重（{name}）", atol=0, rtol=1e-3)
    # a confident domain classifier: the ratio of two probabilities overflows in float32
    h = torch.tensor([40.0, 25.0, 0.0, -30.0])
    out = importance_weights(h, 1000, 1000, None)
    need_tensor(out, "importance_weights(h, 1000, 1000, None)", shape=h.shape)
    if not torch.isfinite(out.detach()).all():
        raise Incorrect("h = 40 时你的权重是 inf：sigmoid(40) 在 float32 里就是 1.0，1 - sigmoid(h) "
                        "变成 0，p / (1 - p) 除以了 0。p/(1-p) 正是 exp(h)：直接用 torch.exp(h)。")
    need_close(out.detach().double(), _weights_right(h, 1000, 1000, None),
               "h = [40, 25, 0, -30] 时的权重", atol=0, rtol=1e-3)
    return ("β = exp(h) · n_source / n_target：分类器的几率除以两组样本数之比，就是 p(x)/q(x)；"
            "给了 c 时再 min(β, c)。")


reference_importance_weights = q5.reference("importance_weights")


# --- q6: does the covariate correction help -------------------------------------------------

@exercises.prediction(choices=tuple(_GAIN_WORDS))
def q6(prediction, covariate_runs):
    return _judge_gain(prediction, covariate_runs, "target_acc", "weighted_acc", "covariate_runs",
                       "暗的图在源数据里只占一小部分，不加权时一个线性模型主要去拟合亮的图；"
                       "重要性权重让训练把力气花在目标里常见的那种输入上。",
                       names=("加权训练", "不加权"), words=_WEIGHTED_WORDS)


# --- q7: which kind of shift ------------------------------------------------------------------

SCENARIOS = (
    "训练用的是白天拍的衣服照片，上线后的照片大多是夜里拍的：同样的衣服，整张图暗得多。",
    "冬天到了，店里卖出的外套比 T 恤多得多；每一类衣服的样子和去年一样。",
    "一个认“正装”的模型：去年公司规定穿衬衫就算正装，今年规定要穿外套才算。照片还是那些照片。",
    "书里的例子：训练集是真实的猫狗照片，测试集是卡通画的猫狗。",
    "书里的例子：同一种饮料，美国有的地方叫 soda，有的地方叫 pop，有的地方叫 coke。",
    "一种病：训练数据里病人和健康人各占一半，上线后只有 1% 的人得病；病人的症状和以前一样。",
)
_KINDS = {"covariate": "covariate", "协变量偏移": "covariate", "协变量": "covariate",
          "label": "label", "标签偏移": "label", "标签": "label",
          "concept": "concept", "概念偏移": "concept", "概念": "concept"}
_ANSWERS = ("covariate", "label", "concept", "covariate", "concept", "label")
_WHY = (
    "变的是输入 P(x)（图变暗了），同一张衣服照片该叫什么没有变，P(y | x) 不变：协变量偏移。",
    "变的是各类别的比例 P(y)，每一类长什么样 P(x | y) 没有变：标签偏移。",
    "同一张照片该叫什么变了，P(y | x) 变了：概念偏移。",
    "输入的样子变了（照片 → 卡通），一张图是猫还是狗的定义没有变：协变量偏移。",
    "同一个东西在不同地方叫法不同，P(y | x) 随地方而变：概念偏移。",
    "得病的比例 P(y) 变了，病人的症状 P(x | y) 没有变：标签偏移（书里说，标签决定特征时这样想更自然）。",
)


@exercises.code(functions=0)
def q7(kinds):
    if isinstance(kinds, dict):
        raise Incorrect("kinds 要是一个元组（按场景的顺序，每个场景一个词），不是字典。")
    if not isinstance(kinds, (list, tuple)) or len(kinds) != len(SCENARIOS):
        raise Incorrect(f"kinds 要是一个元组，{len(SCENARIOS)} 个场景各一个词，你给出的是 "
                        f"{kinds!r:.80}。")
    wrong = []
    for i, (word, answer) in enumerate(zip(kinds, _ANSWERS), start=1):
        kind = _KINDS.get(word.strip().lower()) if isinstance(word, str) else None
        if kind is None:
            raise Incorrect(f"场景 {i} 你写的是 {word!r}：每一项写 \"covariate\"、\"label\" 或 "
                            "\"concept\"（或 协变量偏移 / 标签偏移 / 概念偏移）。")
        if kind != answer:
            wrong.append(f"场景 {i}：{_WHY[i - 1]}")
    if wrong:
        raise Incorrect(f"{len(wrong)} 个场景还不对。" + " ".join(wrong))
    return "六个场景都对：问的总是哪一部分变了，P(x)、P(y)，还是 P(y | x)。"
