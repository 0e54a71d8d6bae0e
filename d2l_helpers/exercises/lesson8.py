"""Lesson 8 exercises (book section 4.5): ``from d2l_helpers.exercises import lesson8 as ex``.

Three pieces of code the lesson then trains with: ``l2_penalty`` (q1), the loss line of the
book's training loop (q2, ``penalized_loss``) and ``l1_penalty`` (q3b). Each check runs the
learner's function on easy and hard inputs (a column, a 1-D vector, a row like
``nn.Linear``'s weight, a matrix; small and large values; a bias that is not zero; batches
of one and of several examples) and names the typical mistake by its fingerprint on *all*
of them. Three predict-first questions are judged against the lesson's runs over seeds:
L1 against L2 (q3), decaying the bias (q4) and the optimism of the best validation score (q5).
"""
import math

import torch

from d2l_helpers.exercises.core import (
    ExerciseSet,
    Incorrect,
    need_runs,
    need_tensor,
    reject_mistakes,
)
from d2l_helpers.regression import linreg, squared_loss
from d2l_helpers.repeats import MIN_SEEDS, Runs, compare

exercises = ExerciseSet("第 8 课", __name__)
progress = exercises.progress


# --- references the lesson falls back on until the learner's code passes -------------------

def l2_penalty(w):
    """Reference (book 4.5.3): half the sum of the squares of every element of ``w``."""
    return torch.sum(w.pow(2)) / 2


def l1_penalty(w):
    """Reference (book 4.5, exercise 3): the sum of the absolute values of ``w``."""
    return torch.sum(torch.abs(w))


def penalized_loss(X, y, w, b, lambd, penalty=l2_penalty):
    """Reference: the loss line of the book's ``train(lambd)`` (4.5.3), one value per example:
    ``squared_loss(linreg(X, w, b), y) + lambd * penalty(w)``; the bias is not penalised."""
    return squared_loss(linreg(X, w, b), y) + lambd * penalty(w)


# --- shared: inputs and checks for a penalty -------------------------------------------------

def _penalty_inputs():
    """Named inputs: easy ones (small, a column as in the book) and hard ones (a 1-D vector
    with a zero, a row shaped like nn.Linear's weight, a matrix, values beyond 1, one sign)."""
    g = torch.Generator().manual_seed(0)
    return {
        "column": torch.randn(200, 1, generator=g),  # the book's w: N(0, 1), many |w| > 1
        "small": torch.randn(200, 1, generator=g) * 0.01,
        "vector": torch.tensor([3.0, -2.0, 0.5, 0.0, -1.5]),
        "row": torch.randn(1, 200, generator=g) * 2,  # nn.Linear(200, 1).weight
        "matrix": torch.randn(3, 4, generator=g) * 2,  # a hidden layer's weights
        "positive": torch.rand(6, 1, generator=g) + 0.5,  # one sign, all above 0.5
    }


_SHAPE_WORDS = {"column": "形状为 (200, 1) 的列", "small": "形状为 (200, 1) 的列",
                "vector": "形状为 (5,) 的一维张量",
                "row": "形状为 (1, 200) 的行（nn.Linear(200, 1) 的 weight 就是这个形状）",
                "matrix": "形状为 (3, 4) 的矩阵", "positive": "形状为 (6, 1) 的列"}


_SHAPE_HOW = {
    "l2_penalty": "sum(dim=...) 只沿一个维度求和，Python 自带的 sum(...) 只沿第 0 维相加（w 是一行时"
                  "它留下 200 个数）；w.T @ w 只在 w 是一列时才是 wᵀw（w 是一行时它是一个外积矩阵）。",
    "l1_penalty": "sum(dim=...) 只沿一个维度求和，Python 自带的 sum(...) 只沿第 0 维相加（w 是一行时"
                  "它留下 200 个数）。",
}


def _run_penalty(penalty, name, inputs):
    """``penalty`` on every input (copies, no gradient); return one float per case.

    Rejects what can be told from one output alone: not a tensor, changed the input in
    place, not one number."""
    got = {}
    for case, w in inputs.items():
        before = w.clone()
        out = penalty(w)
        if isinstance(out, (int, float)) and not isinstance(out, bool):
            raise Incorrect(f"{name}(w) 返回的是 Python 的数（{type(out).__name__}）：.item() 或 "
                            "float(...) 把结果从计算图上取了下来，反向传播就穿不过惩罚项，它对训练"
                            "不起作用。返回张量，例如 torch.sum(...)。")
        if type(out).__module__ == "numpy":
            raise Incorrect(f"{name}(w) 返回的是 NumPy 的数（{type(out).__name__}）：.numpy() 把结果从"
                            "计算图上取了下来，反向传播就穿不过惩罚项，它对训练不起作用。全程用 torch 的"
                            "运算，返回张量，例如 torch.sum(...)。")
        need_tensor(out, f"{name}(w)")
        if not torch.equal(w, before):
            raise Incorrect(f"{name} 改动了传进来的 w 本身（原地运算，如 w.pow_(2)、w.abs_()、"
                            "w **= 2 或对 w.data 赋值）：训练时这会改掉模型的权重。用不带下划线的 "
                            "w.pow(2)、torch.abs(w)，得到新的张量。")
        if out.numel() != 1:
            if tuple(out.shape) == tuple(w.shape):
                raise Incorrect(f"{name}(w) 返回的张量和 w 一样形状 {tuple(w.shape)}：少了求和。"
                                "惩罚是一个数，要把所有元素的值加起来（torch.sum）。")
            raise Incorrect(f"{name}(w) 应当是一个数（所有元素加起来）；w 是{_SHAPE_WORDS[case]}"
                            f"时，你返回了形状 {tuple(out.shape)}。{_SHAPE_HOW[name]}"
                            "torch.sum(...) 不给 dim，就把所有元素加起来。")
        value = float(out.detach())
        if not math.isfinite(value):
            raise Incorrect(f"w 是{_SHAPE_WORDS[case]}时，{name}(w) 是 {value}。")
        got[case] = value
    return got


def _need_value(got, expected, name, formula):
    for case, value in got.items():
        if not math.isclose(value, expected[case], rel_tol=1e-4, abs_tol=1e-6):
            raise Incorrect(f"w 是{_SHAPE_WORDS[case]}时，{name}(w) 是 {value:.6g}，应当是 "
                            f"{expected[case]:.6g}（{formula}）。")


def _need_no_factor(got, expected, name, formula):
    """Every case off by the same factor: a constant multiplied in (lambd, most likely)."""
    ratios = [got[case] / expected[case] for case in got if expected[case] != 0]
    k = ratios[0]
    if (not math.isclose(k, 1, rel_tol=1e-3)
            and all(math.isclose(r, k, rel_tol=1e-4) for r in ratios)):
        raise Incorrect(f"每种形状的 w 上，{name}(w) 都正好是{formula}的 {k:.4g} 倍（应当是 1 倍）："
                        "你多乘（或多除）了一个常数。如果乘的是 λ（lambd）：λ 不属于惩罚函数本身，"
                        "它乘在练习 2 的那一行（lambd * l2_penalty(w)）；这个函数只算惩罚。")


def _fingerprints(inputs, mistakes):
    """``reject_mistakes`` wants a function of the input per mistake, giving a float."""
    return [(lambda w, f=f: float(f(w)), diagnosis) for f, diagnosis in mistakes]


def _spectral(w):
    return torch.linalg.matrix_norm(w, ord=2) if w.dim() == 2 else torch.linalg.vector_norm(w)


def _matrix_one_norm(w):
    return w.abs().sum(dim=0).max() if w.dim() == 2 else w.abs().sum()


_L2_MISTAKES = (
    (lambda w: (w ** 2).sum(),
     "少了 1/2：你算的是 Σw²，是书中惩罚 Σw²/2 的两倍。它的作用和把 λ 加倍一样，梯度是 2λw 而不是 λw；"
     "书里写 1/2 正是为了让导数干干净净地等于 λw（也就和优化器的 weight_decay=λ 对得上，第 6 节）。"),
    (lambda w: w.abs().sum(),
     "这是绝对值之和 Σ|w|，即 L1 惩罚（练习 3 会用到它）。L2 惩罚是平方和的一半 Σw²/2。"),
    (lambda w: w.abs().sum() / 2, "这是绝对值之和的一半，Σ|w|/2；L2 惩罚要先平方：Σw²/2。"),
    (lambda w: torch.linalg.vector_norm(w),
     "你算的是 L2 范数 ‖w‖ = √(Σw²)（torch.norm(w) 就是它），没有平方。惩罚要的是范数的平方的一半 "
     "‖w‖²/2 = Σw²/2：不平方时，梯度 w/‖w‖ 的长度总是 1，大权重和小权重被同样用力地往回拉。"),
    (lambda w: torch.linalg.vector_norm(w) / 2,
     "你算的是 ‖w‖/2（torch.norm(w) / 2）：范数没有平方。要的是 ‖w‖²/2 = Σw²/2，"
     "例如 torch.norm(w) ** 2 / 2 或 torch.sum(w ** 2) / 2。"),
    (lambda w: (w ** 2).mean() / 2,
     "你用了平均（mean）而不是求和：结果被除以了权重的个数（这里 200 个时就小了 200 倍），惩罚的"
     "强弱就随模型大小而变，λ 也不再是书里的意思。用 torch.sum。"),
    (lambda w: (w ** 2).mean(), "你用了平均（mean）而不是求和，也少了 1/2：要的是 torch.sum(w ** 2) / 2。"),
    (lambda w: w.sum() ** 2 / 2,
     "你先求和再平方：(Σw)²/2。正负权重会互相抵消，交叉项 wᵢwⱼ 也混了进来。"
     "要先平方每个元素，再求和：Σw²/2。"),
    (lambda w: torch.nn.functional.smooth_l1_loss(w, torch.zeros_like(w), reduction="sum"),
     "smooth_l1_loss（Huber 损失）只在 |w| < 1 时等于 w²/2，更大的权重按 |w| - 1/2 算。检查用的 w 有"
     "很多大于 1 的元素（书里 w 从 N(0, 1) 开始）。用平方：torch.sum(w ** 2) / 2。"),
    (lambda w: torch.log(torch.cosh(w)).sum(),
     "log(cosh(w)) 只在 w 很小时近似 w²/2，大权重时差得多。用平方：torch.sum(w ** 2) / 2。"),
    (lambda w: _spectral(w) ** 2 / 2,
     "对矩阵，torch.linalg.norm(w, 2)（ord=2）是谱范数（最大奇异值），只在 w 是一行或一列时等于 √(Σw²)。"
     "惩罚要的是所有元素的平方和（矩阵的 Frobenius 范数的平方，书中练习 4）：torch.sum(w ** 2) / 2。"),
)


def _penalty_gradient(penalty, name, w, expected_grad, what):
    w = w.clone().requires_grad_(True)
    out = penalty(w)
    if not torch.is_tensor(out) or not out.requires_grad:
        raise Incorrect(f"{name}(w) 的结果断开了计算图（没有 grad_fn）：不要用 .detach()、.item()、"
                        ".numpy() 或 torch.tensor(...) 重新造张量，惩罚项才有梯度，训练才会把权重往 0 拉。")
    out.sum().backward()
    grad = w.grad
    if grad is None:
        raise Incorrect(f"{name}(w) 对 w 没有梯度：惩罚项要由 w 经过 torch 的运算算出来。")
    if torch.isnan(grad).any():
        raise Incorrect(f"{name}(w) 在 w = 0 处的梯度是 nan：例如 torch.sqrt(w ** 2) 的导数是 "
                        "w / sqrt(w ** 2)，在 0 处是 0/0。训练时某个权重恰好是 0，整个 w 就变成 nan。"
                        "用 torch.abs(w)：PyTorch 取它在 0 处的导数为 0。")
    if expected_grad is not None and not torch.allclose(grad, expected_grad, atol=1e-5, rtol=1e-4):
        raise Incorrect(f"{name}(w) 的数值对了，梯度却不对（应当是 {what}）：惩罚项里有一部分没有参与"
                        "反向传播（比如用了 w.detach()、w.data、.item() 或 float(...)）。")


# --- q1: l2_penalty --------------------------------------------------------------------------

_PENALTY_ERRORS = (
    (r"name '(lambd|lam|lamb|lmbda|lambda_|wd)' is not defined",
     "惩罚函数里用到了 λ（lambd 等），可这时它还没有定义。λ 不属于惩罚函数本身：l2_penalty(w) 只算 "
     "Σw²/2（l1_penalty(w) 只算 Σ|w|），λ 乘在练习 2 的那一行：loss(net(X), y) + lambd * l2_penalty(w)。"),
    (r"leaf Variable that requires grad is being used in an in-place operation",
     "惩罚项里有原地运算（w.pow_(2)、w.abs_()、w **= 2 等）：它会改掉模型的权重，PyTorch 对需要梯度的"
     "参数禁止这么做。用不带下划线的 w.pow(2)、torch.abs(w)。"),
    (r"too many indices|IndexError",
     "你按两个维度取下标（如 w[:, 0]），一维的 w 没有第二个维度：惩罚项要对任意形状的 w 都能算，"
     "torch.sum(...) 不给维度就会把所有元素加起来。"),
    (r"self must be a matrix|both arguments to matmul need to be at least 1D|1D tensors expected|"
     r"Expected 2D|must be a matrix|size mismatch|cannot be multiplied",
     "你用矩阵乘法算平方和（如 torch.mm(w.T, w)、w.T @ w）：它只对一列的 w 成立，一维的 w、一行的 w "
     "（nn.Linear 的 weight）或矩阵都不行。逐元素平方再求和：torch.sum(w ** 2)。"),
)


@exercises.code(diagnose=_PENALTY_ERRORS)
def q1(penalty):
    inputs = _penalty_inputs()
    got = _run_penalty(penalty, "l2_penalty", inputs)
    reject_mistakes(got, inputs, _fingerprints(inputs, _L2_MISTAKES), atol=1e-6, rtol=1e-4)
    expected = {case: float(l2_penalty(w)) for case, w in inputs.items()}
    _need_no_factor(got, expected, "l2_penalty", " Σw²/2 ")
    _need_value(got, expected, "l2_penalty", "所有元素平方和的一半")
    w = inputs["column"]
    _penalty_gradient(penalty, "l2_penalty", w, w, "λ = 1 时的 w 本身：Σw²/2 对 wᵢ 的导数是 wᵢ")
    return ("对任意形状的 w 都是所有元素平方和的一半，Σw²/2；它的梯度正好是 w，所以训练时每一步"
            "把 w 往 0 拉 λ·w（这就是“衰减”）。")


# --- q2: the loss line of the training loop --------------------------------------------------

# (batch size, lambd, bias): the first is easy (one example, lambd 1, bias 0 as the book
# initialises it), on which several mistakes agree with the book's line.
_LOSS_CASES = {"easy": (1, 1.0, 0.0), "batch": (5, 3.0, 0.3), "other": (4, 0.5, -0.7),
               "no decay": (5, 0.0, 0.2)}


def _loss_inputs():
    g = torch.Generator().manual_seed(1)
    inputs = {}
    for case, (size, lambd, bias) in _LOSS_CASES.items():
        X = torch.randn(size, 200, generator=g)
        y = torch.randn(size, 1, generator=g) * 0.2 + 0.05
        w = torch.randn(200, 1, generator=g)
        inputs[case] = (X, y, w, torch.tensor([bias]), lambd)
    return inputs


def _sq(X, y, w, b):
    return (X @ w + b - y) ** 2 / 2


def _p(t):
    return (t ** 2).sum() / 2


_LOSS_MISTAKES = (
    (lambda X, y, w, b, lam: _sq(X, y, w, b) + _p(w) + 0 * lam,
     "惩罚项前面少了 lambd：λ 改变不了任何东西，所有 λ 的训练结果都一样（检查里 λ = 1 时你的结果碰巧对）。"
     "写 lambd * l2_penalty(w)。"),
    (lambda X, y, w, b, lam: lam * (_sq(X, y, w, b) + _p(w)),
     "lambd 乘在了整个损失上：它也放大了数据的那一项，λ = 0 时损失就成了 0、什么也学不到。"
     "λ 只乘惩罚项：loss(net(X), y) + lambd * l2_penalty(w)。"),
    (lambda X, y, w, b, lam: lam * _sq(X, y, w, b) + _p(w),
     "lambd 乘在了数据的损失上，而不是惩罚项上。写 loss(net(X), y) + lambd * l2_penalty(w)。"),
    (lambda X, y, w, b, lam: _sq(X, y, w, b) - lam * _p(w),
     "惩罚项是减掉的：最小化损失时，它会奖励大权重、把 w 往外推。惩罚要加上：+ lambd * l2_penalty(w)。"),
    (lambda X, y, w, b, lam: _sq(X, y, w, b) + lam * (_p(w) + _p(b)),
     "你把偏置 b 也罚了（书中只罚权重 w）：偏置只把所有预测平移同样的量，它大一些并不让模型更“复杂”；"
     "罚它只会把截距往 0 拉（练习 4 量一量）。检查里 b = 0 时这看不出来，b 不为 0 时就不同了。"
     "只写 lambd * l2_penalty(w)。"),
    (lambda X, y, w, b, lam: _sq(X, y, w, b) + lam * _p(w) / X.shape[0],
     "惩罚项被除以了批量大小：循环先把 l 求和、d2l.sgd 再除以批量大小，于是惩罚在一个批量里只算了"
     "一次的 1/批量大小，实际的 λ 小了批量大小倍（检查里批量为 1 时这看不出来）。书中的写法让"
     "每个样本的损失各带一份惩罚：求和再除以批量大小后，正好剩下 λ·l2_penalty(w)。"),
    (lambda X, y, w, b, lam: (X @ w + b - y) ** 2 + lam * _p(w),
     "平方损失少了 1/2：(ŷ - y)² 是 nn.MSELoss 的算法，d2l.squared_loss 是 (ŷ - y)²/2。数据那一项"
     "大了一倍，就等于 λ 相对地小了一半。用 loss(net(X), y)。"),
    (lambda X, y, w, b, lam: _sq(X, y, w, b) + lam * (w ** 2).sum(),
     "惩罚项少了 1/2：λΣw² 是书中 λΣw²/2 的两倍，等于把 λ 加倍。用练习 1 的 l2_penalty(w)。"),
    (lambda X, y, w, b, lam: _sq(X, y, w, b) + lam * _p(w) / 2,
     "惩罚项多了一个 1/2：l2_penalty(w) 里已经除过 2 了（Σw²/2），再写 lambd / 2 就成了 λΣw²/4，"
     "等于把 λ 减半。写 lambd * l2_penalty(w)。"),
    (lambda X, y, w, b, lam: _sq(X, y, w, b) + lam * w.abs().sum(),
     "惩罚项是绝对值之和 Σ|w|，那是 L1 惩罚（练习 3）。这里要的是 L2：lambd * l2_penalty(w)。"),
    (lambda X, y, w, b, lam: _sq(X, y, w, b) + lam * torch.linalg.vector_norm(w),
     "惩罚项用的是范数 ‖w‖（torch.norm(w)），没有平方、也没有 1/2。用练习 1 的 l2_penalty(w)。"),
    (lambda X, y, w, b, lam: _sq(X, y, w, b) + 0 * lam * _p(w),
     "没有惩罚项：这就是 λ = 0 的训练（检查里 λ = 0 时你的结果碰巧对）。加上 + lambd * l2_penalty(w)。"),
)

_SCALAR_MISTAKES = (
    (lambda X, y, w, b, lam: (_sq(X, y, w, b) + lam * _p(w)).sum(),
     "你返回的是书中那一行的 l 再求和（(loss(net(X), y) + lambd * l2_penalty(w)).sum()），一个数。"
     "在这个循环里梯度其实一样：对一个数再 l.sum() 还是它自己，d2l.sgd 照样除以批量大小，训练结果不变。"
     "但本题要的是书中那一行的 l，每个样本一个值（形状（批量, 1））：去掉最后的 .sum()，"
     "求和留给循环里的 l.sum().backward()。"),
    (lambda X, y, w, b, lam: lam * _p(w),
     "只剩下惩罚项，数据的损失 loss(net(X), y) 没了：模型只会把 w 拉向 0，不去拟合数据。"),
    (lambda X, y, w, b, lam: _sq(X, y, w, b).mean() + lam * _p(w),
     "你对这一批求了平均（loss(...).mean() + 惩罚，或 (loss(...) + 惩罚).mean()）。"
     "单看目标函数，它和书中的写法一样（平均损失 + λ·惩罚）；在优化器直接对 l 反向传播的循环里，"
     "这样写是对的。可这个循环接着还要 "
     "l.sum().backward()，d2l.sgd 再除以批量大小：整个梯度（数据那一项和惩罚项）被除了两次批量大小，"
     "每一步只走了应有的 1/批量大小。这个循环要每个样本一个损失：loss(net(X), y) + lambd * l2_penalty(w)，"
     "惩罚随广播加到每个样本上。"),
    (lambda X, y, w, b, lam: _sq(X, y, w, b).sum() + lam * _p(w),
     "你先对这一批求了和，再加一次惩罚：惩罚在每个批量里只加了一次，d2l.sgd 把梯度除以批量大小之后，"
     "实际的 λ 就小了批量大小倍（检查里批量为 1 时这看不出来）。书中的写法让每个样本的损失各带一份"
     "惩罚：loss(net(X), y) + lambd * l2_penalty(w)（形状（批量, 1），广播），求和再除以批量大小后"
     "正好剩下 λ·l2_penalty(w)。"),
)


_LOSS_ERRORS = (
    (r"l2_penalty.* is not defined|name 'l2_penalty' is not defined",
     "l2_penalty 还没有定义：先运行练习 1 和它下面那个选用 l2_penalty 的格子。"),
    (r"must match the size of tensor|must match the existing size",
     "两个张量的形状对不上：loss(net(X), y) 是（批量, 1），lambd * l2_penalty(w) 是一个数，"
     "两者相加靠广播；看看是不是把 w、y 或偏置弄成了别的形状。"),
)


def _need_no_penalty_factor(flat, inputs):
    """The data term right and the penalty off by the same factor everywhere: a constant
    (batch_size, 5 in the lesson, most likely) in the penalty term."""
    ratios = []
    for case, (X, y, w, b, lambd) in inputs.items():
        extra = flat[case] - _sq(X, y, w, b).reshape(-1)
        if not torch.allclose(extra, extra[0].expand_as(extra), atol=1e-4, rtol=1e-4):
            return
        if lambd == 0:
            if abs(float(extra[0])) > 1e-4:
                return
            continue
        ratios.append(float(extra[0]) / (lambd * float(_p(w))))
    k = ratios[0]
    if math.isclose(k, 1, rel_tol=1e-3) or not all(math.isclose(r, k, rel_tol=1e-3) for r in ratios):
        return
    if math.isclose(k, 1 / 5, rel_tol=1e-3):
        raise Incorrect("惩罚项被除以了常数 5，即本课的 batch_size：循环先把 l 求和、d2l.sgd 再除以批量"
                        "大小，于是惩罚在一个批量里只算了一次的 1/5，实际的 λ 小了 5 倍（检查里批量大小"
                        "也不总是 5）。书中的写法让每个样本的损失各带一份完整的惩罚：求和再除以批量大小后，"
                        "正好剩下 λ·l2_penalty(w)。写 loss(net(X), y) + lambd * l2_penalty(w)。")
    raise Incorrect(f"数据那一项对了，惩罚项却在每种情况下都是 λ·l2_penalty(w) 的 {k:.4g} 倍："
                    "你多乘（或多除）了一个常数，等于换了一个 λ。"
                    "写 loss(net(X), y) + lambd * l2_penalty(w)。")


@exercises.code(diagnose=_LOSS_ERRORS, context=lambda: {"l2_penalty": l2_penalty})
def q2(loss_line):
    inputs = _loss_inputs()
    got = {}
    for case, (X, y, w, b, lambd) in inputs.items():
        out = need_tensor(loss_line(X, y, w.clone(), b.clone(), lambd),
                          "penalized_loss(X, y, w, b, lambd)")
        got[case] = out.detach().float()
    sizes = {case: inputs[case][0].shape[0] for case in inputs}
    if any(got[case].numel() != sizes[case] for case in inputs):
        scalar = all(got[case].numel() == 1 for case in inputs)
        if scalar:
            reject_mistakes({c: float(v) for c, v in got.items()}, inputs,
                            [(lambda a, f=f: float(f(*a)), d) for f, d in _SCALAR_MISTAKES])
        case = next(c for c in inputs if got[c].numel() != sizes[c])
        raise Incorrect(f"批量有 {sizes[case]} 个样本时，你返回的张量形状是 {tuple(got[case].shape)}："
                        "这个循环要每个样本一个损失（形状（批量, 1）），之后 l.sum().backward() 再由 "
                        "d2l.sgd 除以批量大小。")
    flat = {case: value.reshape(-1) for case, value in got.items()}
    reject_mistakes(flat, inputs, [(lambda a, f=f: f(*a).reshape(-1), d) for f, d in _LOSS_MISTAKES])
    _need_no_penalty_factor(flat, inputs)
    for case, (X, y, w, b, lambd) in inputs.items():
        expected = penalized_loss(X, y, w, b, lambd).reshape(-1)
        if not torch.allclose(flat[case], expected, atol=1e-5, rtol=1e-4):
            size, lam, bias = _LOSS_CASES[case]
            raise Incorrect(f"批量 {size}、λ = {lam:g}、b = {bias:g} 时，第一个样本的损失是 "
                            f"{float(flat[case][0]):.6g}，应当是 {float(expected[0]):.6g}："
                            "loss(net(X), y) + lambd * l2_penalty(w)。")
    # the gradient that the loop takes: l.sum().backward()
    X, y, w0, b0, lambd = inputs["batch"]
    w, b = w0.clone().requires_grad_(True), b0.clone().requires_grad_(True)
    loss_line(X, y, w, b, lambd).sum().backward()
    w_ref, b_ref = w0.clone().requires_grad_(True), b0.clone().requires_grad_(True)
    penalized_loss(X, y, w_ref, b_ref, lambd).sum().backward()
    if w.grad is None or b.grad is None:
        raise Incorrect("l.sum().backward() 之后 w 或 b 没有梯度：损失要由 w 和 b 经过 torch 的运算算出来"
                        "（net(X) 用的就是传进来的 w、b）。")
    if not torch.allclose(b.grad, b_ref.grad, atol=1e-5, rtol=1e-4):
        raise Incorrect("损失的数值对了，b 的梯度却不对：数据那一项里有一部分没有参与反向传播。")
    if not torch.allclose(w.grad, w_ref.grad, atol=1e-4, rtol=1e-4):
        raise Incorrect("损失的数值对了，w 的梯度却不对：惩罚项没有参与反向传播（比如对 w.detach() 或 "
                        "w.data 求了惩罚，或者用 .item()、float(...) 把惩罚变成了 Python 的数），"
                        "它就拉不动权重。")
    return ("每个样本的损失各加一份 λ·l2_penalty(w)（广播），只罚 w 不罚 b；l.sum() 之后 d2l.sgd 除以"
            "批量大小，梯度正好是平均损失的梯度加 λw。")


# --- the predictions -------------------------------------------------------------------------

def _need_pair(measured, names, what):
    need_runs(measured, what, at_least=2)
    missing = [name for name in names if name not in measured]
    if missing:
        raise Incorrect(f"check 需要 {what}：一个字典，键是 {'、'.join(repr(n) for n in names)}；"
                        f"缺了 {'、'.join(repr(n) for n in missing)}。")
    for name in names:
        if len(measured[name]) < MIN_SEEDS:
            raise Incorrect(f"{name!r} 只跑了 {len(measured[name])} 个种子：比较至少要 {MIN_SEEDS} 个。")
    return measured


def _need_metric(runs, metric, name):
    if metric not in runs.metrics():
        raise Incorrect(f"{name!r} 的结果里没有记录 {metric!r}（记录了：{'、'.join(runs.metrics())}）："
                        "用上面实验格子里的变量。")


def _absolute(runs, metric):
    """The same runs with ``|metric|`` as ``abs_<metric>`` (one row per seed)."""
    return Runs(runs.seeds, [[{f"abs_{metric}": abs(v)}] for v in runs.values(metric)])


@exercises.prediction(choices=("L1", "L2", "same"))
def q3(prediction, measured):
    _need_pair(measured, ("L1", "L2"), "L1 和 L2 各自的重复实验")
    for name in ("L1", "L2"):
        _need_metric(measured[name], "near_zero", name)
    verdict = compare(measured["L1"], measured["L2"], "near_zero", names=("L1", "L2"),
                      label="接近 0 的权重个数")
    answer = {"higher": "L1", "lower": "L2", "noise": "same"}.get(verdict.outcome)
    if answer is None:
        raise Incorrect(f"{verdict}。")
    if prediction == answer:
        return f"{verdict}。"
    why = {"L1": "L1 的梯度是 λ·sign(w)：不论权重多小，每一步都往 0 拉同样的一段，小权重就被拉到 0 附近；"
                 "L2 的梯度 λw 随权重变小而变弱，权重缩小却到不了 0。",
           "L2": "", "same": ""}[answer]
    raise Incorrect(f"实验里：{verdict}。{why}")


# --- q3b: l1_penalty -------------------------------------------------------------------------

_L1_MISTAKES = (
    (lambda w: w.sum(),
     "少了绝对值：Σw 里正负权重互相抵消，一正一负两个大权重的“惩罚”可以是 0。要 Σ|w|：torch.abs(w)。"),
    (lambda w: w.sum().abs(),
     "你先求和再取绝对值：|Σw|。它只在所有权重同号时等于 Σ|w|（检查里全是正数的那个 w 上碰巧对），"
     "正负权重会互相抵消。先取绝对值再求和：torch.sum(torch.abs(w))。"),
    (lambda w: (w ** 2).sum() / 2, "这是 L2 惩罚 Σw²/2（练习 1）。L1 惩罚是绝对值之和 Σ|w|。"),
    (lambda w: (w ** 2).sum(), "这是平方和 Σw²，L1 惩罚是绝对值之和 Σ|w|。"),
    (lambda w: torch.linalg.vector_norm(w),
     "torch.norm(w) 默认是 L2 范数 √(Σw²)。L1 是绝对值之和：torch.norm(w, p=1) 或 torch.sum(torch.abs(w))。"),
    (lambda w: w.abs().sum() / 2,
     "多了 1/2：书中的 L1 惩罚是 Σ|w|（L2 里的 1/2 只是为了让导数是 λw；|w| 的导数本来就是 ±1）。"
     "多乘 1/2 等于把 λ 减半。"),
    (lambda w: w.abs().mean(),
     "你用了平均（mean）而不是求和：结果被除以了权重的个数，惩罚随模型大小而变。用 torch.sum。"),
    (lambda w: w.abs().max(), "这是最大的绝对值 max|w|（L∞ 范数），L1 是所有绝对值之和。"),
    (_matrix_one_norm,
     "torch.linalg.norm(w, ord=1) 对矩阵（包括一行的 w）算的是矩阵 1-范数：每一列绝对值之和中最大的那个；"
     "它只在 w 是一列或一维时等于 Σ|w|。要所有元素的绝对值之和：torch.sum(torch.abs(w))，"
     "或 torch.norm(w, p=1)。"),
)


def _l1_gradient(penalty, w):
    """The gradient is sign(w) where w is not 0; at 0 any subgradient in [-1, 1] will do."""
    _penalty_gradient(penalty, "l1_penalty", w, None, "")
    w = w.clone().requires_grad_(True)
    penalty(w).sum().backward()
    grad, nonzero = w.grad, w != 0
    if not (torch.allclose(grad[nonzero], torch.sign(w.detach()[nonzero]), atol=1e-5)
            and bool((grad[~nonzero].abs() <= 1 + 1e-6).all())):
        raise Incorrect("l1_penalty(w) 的数值对了，梯度却不对（应当是 sign(w)：正的权重是 1，负的是 -1）："
                        "惩罚项里有一部分没有参与反向传播（比如用了 w.detach() 或 w.data）。")


@exercises.code(diagnose=_PENALTY_ERRORS)
def q3b(penalty):
    inputs = _penalty_inputs()
    got = _run_penalty(penalty, "l1_penalty", inputs)
    reject_mistakes(got, inputs, _fingerprints(inputs, _L1_MISTAKES), atol=1e-6, rtol=1e-4)
    expected = {case: float(l1_penalty(w)) for case, w in inputs.items()}
    _need_no_factor(got, expected, "l1_penalty", " Σ|w| ")
    _need_value(got, expected, "l1_penalty", "所有元素绝对值之和")
    _l1_gradient(penalty, inputs["vector"])  # has a zero: the gradient there must be finite
    return ("L1 惩罚 Σ|w| 的梯度是 sign(w)：不论权重多大，每一步都往 0 拉同样的 λ·学习率，"
            "而 L2 拉的是 λw，权重越小拉得越轻。")


@exercises.prediction(choices=("toward 0", "unchanged", "away from 0"))
def q4(prediction, measured):
    names = ("weights only", "all parameters")
    _need_pair(measured, names, "只衰减权重、连偏置一起衰减两组的重复实验")
    for name in names:
        _need_metric(measured[name], "b", name)
    free, decayed = (_absolute(measured[name], "b") for name in names)
    verdict = compare(decayed, free, "abs_b", names=("连偏置一起衰减", "只衰减权重"),
                      label="截距的大小 |b|")
    answer = {"lower": "toward 0", "noise": "unchanged", "higher": "away from 0"}.get(verdict.outcome)
    if answer is None:
        raise Incorrect(f"{verdict}。")
    if prediction == answer:
        return f"{verdict}。"
    why = ("衰减偏置就是在损失里加 λb²/2：它的梯度 λb 每一步都把 b 往 0 拉，而数据要的截距是 0.05。"
           "两者平衡时 b 只剩下数据要的那个值的约 1/(1 + λ)。" if answer == "toward 0" else "")
    raise Incorrect(f"实验里：{verdict}。{why}")


@exercises.prediction(choices=("lower", "same", "higher"))
def q5(prediction, measured):
    names = ("validation", "fresh")
    _need_pair(measured, names, "选中的设置在验证集上和在新样本上的成绩")
    for name in names:
        _need_metric(measured[name], "loss", name)
    verdict = compare(measured["validation"], measured["fresh"], "loss",
                      names=("选中的设置在验证集上", "在新样本上"), label="损失")
    answer = {"lower": "lower", "noise": "same", "higher": "higher"}.get(verdict.outcome)
    if answer is None:
        raise Incorrect(f"{verdict}。")
    if prediction == answer:
        return f"{verdict}。"
    why = ("每个设置的验证损失 = 它真正的损失 + 验证样本带来的噪声。挑最小的那个，也就挑中了噪声碰巧"
           "最往下偏的那个；换一份新样本，噪声重新抽过，它就回到真正的水平。"
           if answer == "lower" else "")
    raise Incorrect(f"实验里：{verdict}。{why}")
