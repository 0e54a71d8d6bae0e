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
    judge_paired,
    need_close,
    need_tensor,
    reject_mistakes,
)

exercises = ExerciseSet("第 12 课", __name__)
progress, say, need = exercises.progress, exercises.say, exercises.need


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
    (r"index .* is out of bounds|out of bounds for dimension", say("q1.error_index")),
    (r"shape .* is invalid for input of size", say("q1.error_reshape")),
    # a 2-D or negative input; a float one (torch 2.x: "bincount_cpu" not implemented for 'Float')
    (r"bincount only supports 1-d non-negative integral inputs"
     r"|\"bincount_\w+\" not implemented for '(Float|Double|Half|BFloat16)'",
     say("q1.error_bincount")),
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
    (lambda c: _columns(_counts_of(c)).T, say("q1.transposed")),
    (lambda c: _rows(_counts_of(c)), say("q1.by_rows")),
    (lambda c: _rows(_counts_of(c)).T, say("q1.transposed_by_rows")),
    (lambda c: _counts_of(c), say("q1.counts")),
    (lambda c: _counts_of(c) / len(c[1]), say("q1.joint")),
    (lambda c: _counts_of(c).T, say("q1.transposed_counts")),
    (lambda c: _counts_of(c).T / len(c[1]), say("q1.transposed_joint")),
    (lambda c: _columns((_counts_of(c) > 0).to(torch.float64)), say("q1.counted_once")),
    (lambda c: _safe_div(_counts_of(c), _counts_of(c).sum(dim=1)), say("q1.row_sums")),
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
        need(out is not None, "q1.no_return")
        need(torch.equal(y_hat, before[0]) and torch.equal(y, before[1]), "q1.in_place")
        need_tensor(out, f"confusion_matrix(y_hat, y, {k})")
        need(tuple(out.shape) == (k, k),
             "q1.shape_never_predicted" if name == "never predicted" else "q1.shape",
             k=k, shape=tuple(out.shape))
        need(out.is_floating_point(), "q1.integer", dtype=out.dtype)
        got[name] = out.detach().double()
    right = {name: _right_confusion(case) for name, case in cases.items()}
    if not all(torch.allclose(got[n], right[n], atol=1e-5) for n in cases):
        # a division by an empty row or column: nan or inf in the learner's code, 0 in a mistake's
        reject_mistakes({n: m.nan_to_num(0.0, 0.0, 0.0) for n, m in got.items()}, cases,
                        _CONFUSION_MISTAKES, atol=1e-5)
        for name, (_, _, k) in cases.items():
            need_close(got[name], right[name], f"有 {k} 个类别时的混淆矩阵", atol=1e-5)
    return say("q1.correct")


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
    (lambda C, mu: _clip_renormalise(torch.linalg.solve(C.T, mu)), say("q2.transposed")),
    (lambda C, mu: _clip_renormalise(mu), say("q2.predicted")),
    (lambda C, mu: mu, say("q2.mu_itself")),
    (lambda C, mu: torch.linalg.solve(C, mu), say("q2.exact")),
    (lambda C, mu: torch.linalg.solve(C, mu).clamp(min=0), say("q2.clipped_only")),
    (lambda C, mu: torch.linalg.solve(C, mu) / torch.linalg.solve(C, mu).sum(),
     say("q2.renormalised_only")),
    (lambda C, mu: _clip_renormalise(torch.linalg.solve(C, mu).abs()), say("q2.absolute")),
    (lambda C, mu: _clip_renormalise(C @ mu), say("q2.confused_again")),
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
        need(out is not None, "q2.no_return")
        need(torch.equal(C, before[0]) and torch.equal(mu, before[1]), "q2.in_place")
        need(torch.is_tensor(out) or not hasattr(out, "__array__"), "q2.numpy")
        need_tensor(out, "estimate_label_shift(C, mu)", shape=mu.shape)
        got[name] = out.detach().float()
    right = {name: _clip_renormalise(torch.linalg.solve(C.double(), mu.double())).float()
             for name, (C, mu) in cases.items()}
    if all(torch.allclose(got[n], right[n], atol=1e-4) for n in cases):
        return say("q2.correct")
    reject_mistakes(got, {n: (C.double(), mu.double()) for n, (C, mu) in cases.items()},
                    [(lambda case, m=m: m(*case).float(), d) for m, d in _SOLVE_MISTAKES],
                    atol=1e-4)
    for name in cases:
        need(not (got[name] < -1e-6).any(), "q2.negative")
        total = float(got[name].sum())
        need(math.isclose(total, 1.0, abs_tol=1e-4), "q2.sum", total=total)
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
    (lambda P, p, q: _renorm_rows(P * q / p), say("q3.inverted")),
    (lambda P, p, q: P * p / q, say("q3.not_renormalised")),
    (lambda P, p, q: _renorm_rows(P * p), say("q3.only_p")),
    (lambda P, p, q: _renorm_rows(P / q), say("q3.only_q")),
    (lambda P, p, q: (P * p / q) / (P * p / q).sum(dim=0, keepdim=True), say("q3.by_columns")),
    (lambda P, p, q: (_renorm_rows(P * (p / q)[:, None]) if P.shape[0] == P.shape[1] else None),
     say("q3.on_rows")),
    (lambda P, p, q: _renorm_rows(P + p / q), say("q3.added")),
    (lambda P, p, q: torch.softmax(P * p / q, dim=1), say("q3.softmax")),
)


_REWEIGHT_ERRORS = ((r"must match the size of tensor", say("q3.error_shape")),)


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
        need(out is not None, "q3.no_return")
        need(all(torch.equal(a, b) for a, b in zip((P, p, q), before)), "q3.in_place")
        need_tensor(out, "reweight(probs, p_target, q_source)", shape=P.shape)
        got[name] = out.detach().float()
    right = {name: _renorm_rows(P * (p / q)) for name, (P, p, q) in cases.items()}
    if all(torch.allclose(got[n], right[n], atol=1e-5) for n in cases):
        return say("q3.correct")
    reject_mistakes(got, cases, [(lambda case, m=m: m(*case), d) for m, d in _REWEIGHT_MISTAKES])
    for name in cases:
        need(not torch.isnan(got[name]).any(), "q3.nan")
        need_close(got[name], right[name], f"重新加权之后的概率（{name}）", atol=1e-5)
    return None


reference_reweight = q3.reference("reweight")


# --- predictions judged against runs over seeds ----------------------------------------------

def _judge_gain(prediction, runs, before, after, what, names, words, why):
    return judge_paired(prediction, runs, what, after, before, metric="acc", names=names,
                        label=say("target_acc"), words=words, why=why)


@exercises.prediction(choices=("A", "B", "C"))
def q4(prediction, label_runs):
    return _judge_gain(prediction, label_runs, "target_acc", "corrected_acc", "label_runs",
                       names=(say("q4.corrected"), say("q4.uncorrected")),
                       words={"A": say("q4.A"), "B": say("q4.B"), "C": say("q4.C")},
                       why=say("q4.why"))


# --- q5: importance weights from the domain classifier ---------------------------------------

def _weights_right(h, n_source, n_target, c):
    beta = torch.exp(h.double()) * (n_source / n_target)
    return beta if c is None else beta.clamp(max=c)


def _clip(beta, c):
    return beta if c is None else beta.clamp(max=c)


_WEIGHT_MISTAKES = (
    # also sigmoid(-h) / sigmoid(h), the inverted odds: it is exp(-h) to the last digits
    (lambda h, ns, nt, c: _clip(torch.exp(-h) * ns / nt, c), say("q5.minus_h")),
    (lambda h, ns, nt, c: _clip(torch.exp(h), c), say("q5.no_ratio")),
    (lambda h, ns, nt, c: _clip(torch.exp(h) * nt / ns, c), say("q5.ratio_inverted")),
    (lambda h, ns, nt, c: _clip(torch.exp(-h) * nt / ns, c), say("q5.both_inverted")),
    (lambda h, ns, nt, c: _clip(torch.sigmoid(h) * ns / nt, c), say("q5.sigmoid")),
    (lambda h, ns, nt, c: _clip(torch.sigmoid(h), c), say("q5.sigmoid_no_ratio")),
    (lambda h, ns, nt, c: _clip(torch.sigmoid(-h) * ns / nt, c), say("q5.sigmoid_minus_h")),
    (lambda h, ns, nt, c: (None if c is None else torch.exp(h).clamp(max=c) * ns / nt),
     say("q5.clipped_first")),
    (lambda h, ns, nt, c: (None if c is None else torch.exp(h) * ns / nt), say("q5.not_clipped")),
    (lambda h, ns, nt, c: (None if c is None else (torch.exp(h) * ns / nt).clamp(min=c)),
     say("q5.clipped_below")),
    (lambda h, ns, nt, c: (lambda b: b / b.mean())(_clip(torch.exp(h), c)),
     say("q5.self_normalised")),
)


def _weights_case(seed, n, scale, n_source, n_target, c):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, generator=g) * scale + 0.3, n_source, n_target, c


_WEIGHT_ERRORS = (
    (r"Boolean value of Tensor with more than one (value|element) is ambiguous",
     say("q5.error_min")),
    (r"only one element tensors can be converted to Python scalars|must be real number, not Tensor",
     say("q5.error_math_exp")),
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
        need(out is not None, "q5.no_return")
        need(torch.equal(h, before), "q5.in_place")
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
    need(torch.isfinite(out.detach()).all(), "q5.overflow")
    need_close(out.detach().double(), _weights_right(h, 1000, 1000, None),
               "h = [40, 25, 0, -30] 时的权重", atol=0, rtol=1e-3)
    return say("q5.correct")


reference_importance_weights = q5.reference("importance_weights")


# --- q6: does the covariate correction help -------------------------------------------------

@exercises.prediction(choices=("A", "B", "C"))
def q6(prediction, covariate_runs):
    return _judge_gain(prediction, covariate_runs, "target_acc", "weighted_acc", "covariate_runs",
                       names=(say("q6.weighted"), say("q6.unweighted")),
                       words={"A": say("q6.A"), "B": say("q6.B"), "C": say("q6.C")},
                       why=say("q6.why"))


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
_WHY = (say("q7.dark"), say("q7.winter"), say("q7.formal"), say("q7.cartoon"), say("q7.soda"),
        say("q7.disease"))


@exercises.code(functions=0)
def q7(kinds):
    need(not isinstance(kinds, dict), "q7.dict")
    need(isinstance(kinds, (list, tuple)) and len(kinds) == len(SCENARIOS), "q7.not_tuple",
         count=len(SCENARIOS), kinds=kinds)
    wrong = []
    for i, (word, answer, why) in enumerate(zip(kinds, _ANSWERS, _WHY), start=1):
        kind = _KINDS.get(word.strip().lower()) if isinstance(word, str) else None
        need(kind is not None, "q7.unknown", i=i, word=word)
        if kind != answer:
            wrong.append(say("q7.scenario", i=i, why=why))
    need(not wrong, "q7.wrong", count=len(wrong), scenarios=" ".join(wrong))
    return say("q7.correct")
