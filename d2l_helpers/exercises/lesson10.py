"""Lesson 10 exercises (book section 4.7): ``from d2l_helpers.exercises import lesson10 as ex``.

The book's network of 4.7 (no bias, a batch in rows): ``Z = X @ W1.T``, ``H = sigmoid(Z)``,
``O = H @ W2.T``, ``L = F.cross_entropy(O, Y)`` (the batch mean), ``s = λ/2 (‖W1‖² + ‖W2‖²)``,
``J = L + s``. The learner writes each backward step in the book's order (q1 ∂J/∂O, q2
∂J/∂W2, q3 ∂J/∂H, q4 ∂J/∂Z, q5 ∂J/∂W1) and the bias of the book's exercise 2 (q6). Each
step is checked against **autograd** on four networks in float64 (a batch, a square one where
every shape is the same so that a transpose on the wrong side still has the right shape,
a batch of one where the batch mean changes nothing, and one with huge logits): the step
gets autograd's upstream gradient and is compared with autograd's own result; a wrong result
is matched against the usual mistakes on every network where the mistake is defined (a
fingerprint: one easy network cannot tell most of them apart).

Then a gradient check (q7 ``numerical_grad``: central differences; q8 ``relative_error``,
CS231n's), a prediction about float32 (q9), a scalar autograd engine in the manner of
karpathy/micrograd checked against torch (q10 ``Value``) and a prediction about what training
and inference keep in memory (q11).
"""
import math
import numbers

import torch
from torch.nn import functional as F

from d2l_helpers.exercises.core import (
    ExerciseSet,
    Incorrect,
    need_close,
    need_tensor,
    reject_mistakes,
)

exercises = ExerciseSet("第 10 课", __name__)
progress = exercises.progress


# --- the book's network, and autograd's gradients --------------------------------------------

def forward(X, Y, W1, W2, lambd, b1=None):
    """The book's forward pass of 4.7.1 on a batch: a dict of ``Z``, ``H``, ``O``, ``L``, ``s``
    and ``J`` (the objective). ``b1`` (optional): the hidden layer's bias of the book's
    exercise 2, not regularised."""
    Z = X @ W1.T if b1 is None else X @ W1.T + b1
    H = torch.sigmoid(Z)
    O = H @ W2.T
    L = F.cross_entropy(O, Y)
    s = lambd / 2 * (W1.square().sum() + W2.square().sum())
    return {"Z": Z, "H": H, "O": O, "L": L, "s": s, "J": L + s}


def autograd_gradients(X, Y, W1, W2, lambd, b1=None):
    """Autograd's ∂J/∂ of each intermediate and parameter of :func:`forward` (a dict: ``dO``,
    ``dW2``, ``dH``, ``dZ``, ``dW1`` and ``db1`` when ``b1`` is given), with the forward
    values (``Z``, ``H``, ``O``, ``J``). Inputs are not changed; nothing is left in a ``.grad``."""
    params = [p.detach().clone().requires_grad_(True) for p in (W1, W2)]
    bias = None if b1 is None else b1.detach().clone().requires_grad_(True)
    values = forward(X, Y, *params, lambd, b1=bias)
    wrt = {"dO": values["O"], "dH": values["H"], "dZ": values["Z"], "dW1": params[0],
           "dW2": params[1], **({"db1": bias} if bias is not None else {})}
    grads = torch.autograd.grad(values["J"], list(wrt.values()))
    result = {key: grad.detach() for key, grad in zip(wrt, grads)}
    result.update({key: values[key].detach() for key in ("Z", "H", "O", "J")})
    return result


def _network(n, d, h, q, lambd, seed, logit_scale=1.0):
    g = torch.Generator().manual_seed(seed)
    kw = dict(generator=g, dtype=torch.float64)
    X = torch.randn((n, d), **kw)
    Y = torch.randint(0, q, (n,), generator=g)
    W1 = torch.randn((h, d), **kw) * 0.7
    W2 = torch.randn((q, h), **kw) * 0.7 * logit_scale
    b1 = torch.randn((h,), **kw) * 0.5
    case = {"X": X, "Y": Y, "W1": W1, "W2": W2, "lambd": lambd, "b1": b1}
    case.update(autograd_gradients(X, Y, W1, W2, lambd, b1=b1))
    return case


_CASES = None


def _cases():
    """The four networks of every backward check (built once: they are fixed)."""
    global _CASES
    if _CASES is None:
        _CASES = {
            "batch": _network(n=6, d=5, h=4, q=3, lambd=0.1, seed=1),
            "square": _network(n=4, d=4, h=4, q=4, lambd=0.2, seed=2),
            "one": _network(n=1, d=5, h=4, q=3, lambd=0.3, seed=3),
            "huge": _network(n=6, d=5, h=4, q=3, lambd=0.1, seed=4, logit_scale=3000.0),
        }
    return _CASES


def _maybe(fn):
    """A mistake's value, or None where its shapes do not fit (it is not defined there)."""
    def value(case):
        try:
            return fn(case)
        except RuntimeError:
            return None
    return value


def _clone(value):
    return value.clone() if torch.is_tensor(value) else value


def _check_step(f, what, args, expected, mistakes, extra=None):
    """Run the learner's step ``f`` on every network; compare with autograd's ``expected``
    gradient; name a known mistake that gives what ``f`` gave everywhere it is defined."""
    got, inputs = {}, {}
    for name, case in _cases().items():
        given = [_clone(case[a]) for a in args]
        out = f(*given)
        if out is None:
            raise Incorrect(f"{what} 没有返回结果：最后一行要 return 它算出的梯度。")
        need_tensor(out, what)
        if out.dtype != torch.float64:
            raise Incorrect(f"{what} 返回的是 {out.dtype}：传进来的张量都是 float64，结果也应当是 float64"
                            "（别用 .float()，自己新建张量时用 torch.zeros_like 或写 dtype=torch.float64）。"
                            "float32 只有约 7 位有效数字，和 autograd 比不出对错。")
        for arg, before, after in zip(args, (case[a] for a in args), given):
            if torch.is_tensor(before) and not torch.equal(before, after):
                raise Incorrect(f"{what} 改了传进来的 {arg}（原地修改：+=、.add_、[...] = ...）："
                                f"{arg} 在别处还要用，返回一个新的张量。")
        want = case[expected]
        if extra is not None:
            extra(out, want, case)
        if tuple(out.shape) != tuple(want.shape):
            if want.ndim == 2 and tuple(out.shape) == tuple(reversed(want.shape)):
                raise Incorrect(f"{what} 的形状是 {tuple(out.shape)}，应当是 {tuple(want.shape)}："
                                "正好反了。梯度和它对应的量形状相同；看看转置放在了哪一边"
                                "（或者矩阵乘法的两个因子顺序反了）。")
            need_tensor(out, what, want.shape)
        got[name], inputs[name] = out.detach().to(torch.float64), case
    if all(torch.allclose(got[n], c[expected], atol=1e-9, rtol=1e-7) for n, c in inputs.items()):
        return None
    reject_mistakes(got, inputs, [(_maybe(m), d) for m, d in mistakes], atol=1e-9, rtol=1e-7)
    for name, case in inputs.items():
        need_close(got[name], case[expected], f"{what}（{_CASE_TEXT[name]}）", atol=1e-9, rtol=1e-7)
    return None


_CASE_TEXT = {"batch": "6 个样本的批量", "square": "所有维度都是 4 的网络",
              "one": "只有 1 个样本的批量", "huge": "logits 很大的网络"}


def _softmax(O):
    return torch.softmax(O, dim=1)


def _one_hot(c):
    return F.one_hot(c["Y"], c["O"].shape[1]).to(torch.float64)


_SHAPE_ERRORS = ((r"cannot be multiplied|size mismatch",
                  "矩阵乘法的形状对不上：A @ B 要求 A 的列数等于 B 的行数。先写下每个量的形状"
                  "（X: (n, d)，W1: (h, d)，Z 和 H: (n, h)，W2: (q, h)，O: (n, q)），结果要和"
                  "对应的量形状相同，再决定谁转置、谁在左边。"),)


# --- q1: ∂J/∂O ------------------------------------------------------------------------------

_Q1_MISTAKES = (
    (lambda c: _softmax(c["O"]) - _one_hot(c),
     "没有除以批量大小 n：L 是整个批量的平均损失（F.cross_entropy 默认 reduction='mean'），"
     "每个样本只占 1/n，所以 ∂J/∂O = (softmax(O) - onehot(Y)) / n。"),
    (lambda c: (_softmax(c["O"]) - _one_hot(c)) / c["O"].shape[0] ** 2,
     "除了两次批量大小（n²）：L 是平均损失，只除一次 n。"),
    (lambda c: _softmax(c["O"]) / c["O"].shape[0],
     "少了 - onehot(Y)：交叉熵对 logits 的导数是 softmax(o) - y（y 是独热标签），不只是 softmax(o)。"),
    (lambda c: (_one_hot(c) - _softmax(c["O"])) / c["O"].shape[0],
     "符号反了：是 softmax(O) - onehot(Y)，不是 onehot(Y) - softmax(O)（损失随正确类的 logit "
     "增大而减小，那一项的导数应当是负的）。"),
    (lambda c: (torch.softmax(c["O"], dim=0) - _one_hot(c)) / c["O"].shape[0],
     "softmax 按列（dim=0）算了：每个样本（每一行）的 logits 各做一次 softmax，dim=1。"),
)


def _q1_extra(out, want, case):
    if out.shape[0] == want.shape[0] and out.ndim == 2 and out.shape[1] < want.shape[1]:
        raise Incorrect(f"grad_o(O, Y) 只有 {out.shape[1]} 列，应当有 {want.shape[1]} 列（每个类一列）："
                        "F.one_hot(Y) 不知道一共有几个类，只按 Y 里出现的最大标签来定列数。"
                        "写 F.one_hot(Y, num_classes=O.shape[1])。")
    O = case["O"]
    if tuple(out.shape) == tuple(want.shape) and not torch.isnan(out).any():
        # ``+ lambd * O`` with the notebook's own lambd: what is left over is a multiple of O
        rest = out.detach().to(torch.float64) - want
        k = float((rest * O).sum() / (O * O).sum())
        if abs(k) > 1e-9 and torch.allclose(rest, k * O, atol=1e-9, rtol=1e-6):
            raise Incorrect(f"你的结果比 ∂J/∂O 多了 {k:.3g} × O：O 不在正则项 s 里。s 只含 W1 和 W2，"
                            "∂s/∂O = 0，∂J/∂O 就是 ∂L/∂O。")
    if torch.isnan(out).any() and not torch.isnan(want).any():
        raise Incorrect("logits 很大时（几千）你的结果里有 nan：torch.exp(O) 上溢成 inf，inf/inf = nan。"
                        "第 2 课讲过：先减去每一行的最大值再 exp，或者直接用 torch.softmax(O, dim=1)。")


@exercises.code(diagnose=((r"one_hot is only applicable to index tensor",
                           "F.one_hot 要的是整数标签（Y 本身），不要先把它变成小数。"),
                          (r"must match the size of tensor",
                           "两项的形状对不上。F.one_hot(Y) 不知道一共有几个类，只按 Y 里出现的最大标签"
                           "定列数：写 F.one_hot(Y, num_classes=O.shape[1])。自己写 softmax 时，"
                           "按行求和要 keepdim=True。"),))
def q1(grad_o):
    return _check_step(grad_o, "grad_o(O, Y)", ("O", "Y"), "dO", _Q1_MISTAKES, extra=_q1_extra)


# --- q2 and q5: ∂J/∂W = (upstream)ᵀ @ (input) + λW ------------------------------------------

def _weight_mistakes(up, x, w):
    """The usual mistakes of ∂J/∂W = up.T @ x + λ W (q2: dO, H, W2; q5: dZ, X, W1)."""
    n = lambda c: c[x].shape[0]  # noqa: E731
    return (
        (lambda c: c[up].T @ c[x],
         f"少了正则项的梯度：J = L + s，s = λ/2 (‖W1‖² + ‖W2‖²) 也含 {w}，∂s/∂{w} = λ·{w}，"
         "要加上 lambd * " + w + "。"),
        (lambda c: c[up].T @ c[x] + c["lambd"] / 2 * c[w],
         f"正则项的梯度是 λ·{w}，不是 λ/2·{w}：λ/2·‖{w}‖² 求导时平方的 2 和 1/2 约掉了。"),
        (lambda c: c[up].T @ c[x] + 2 * c["lambd"] * c[w],
         f"正则项的梯度是 λ·{w}，不是 2λ·{w}：s 里已经有 1/2 了。"),
        (lambda c: c[up].T @ c[x] / n(c) + c["lambd"] * c[w],
         f"又除了一次批量大小：{up} 已经含了 1/n（grad_o 除过了），这里直接相乘、相加就是对批量"
         "求和，不再平均。"),
        (lambda c: c[x].T @ c[up] + c["lambd"] * c[w],
         f"转置放错了边：{x}.T @ {up} 的形状是 ({x} 的列数, {up} 的列数)，是你要的结果的转置；"
         f"书里 ∂J/∂W = (∂J/∂o) h^T，按行存批量时是 {up}.T @ {x}（在所有维度相等的网络上形状碰巧"
         "对得上，数值不对）。"),
        (lambda c: c[up] * c[x] + c["lambd"] * c[w],
         f"用了逐元素乘法 *：这里要矩阵乘法 @，{up}.T @ {x} 把批量里每个样本的外积加起来。"),
        (lambda c: c["lambd"] * c[w],
         f"只剩正则项：还要加上损失那一部分 {up}.T @ {x}。"),
    )


def _weight_shape_errors(up, x, w):
    return ((r"must match the size of tensor",
             f"两个张量逐元素运算（* 或 +）时形状对不上。损失那部分是矩阵乘法 {up}.T @ {x}"
             f"（不是逐元素的 *），形状和 {w} 一样，所以能和 lambd * {w} 相加；{x}.T @ {up} 是它的转置。"),
            *_SHAPE_ERRORS)


@exercises.code(diagnose=_weight_shape_errors("dO", "H", "W2"))
def q2(grad_W2):
    return _check_step(grad_W2, "grad_W2(dO, H, W2, lambd)", ("dO", "H", "W2", "lambd"), "dW2",
                       _weight_mistakes("dO", "H", "W2"))


# --- q3: ∂J/∂H --------------------------------------------------------------------------------

_Q3_MISTAKES = (
    (lambda c: c["dO"] @ c["W2"].T,
     "转置放错了：O = H @ W2.T，所以 ∂J/∂H = dO @ W2（dO 的形状 (n, q)，W2 的形状 (q, h)，乘出来 "
     "(n, h)，和 H 一样）。在所有维度相等的网络上 dO @ W2.T 形状也对，数值不对。"),
    (lambda c: c["dO"] @ c["W2"] / c["dO"].shape[0],
     "又除了一次批量大小：dO 已经含了 1/n。"),
)

@exercises.code(diagnose=((r"cannot be multiplied|size mismatch",
                           "矩阵乘法的形状对不上，多半是转置放错了：O = H @ W2.T，所以 ∂J/∂H = dO @ W2"
                           "（dO 的形状 (n, q)，W2 的形状 (q, h)，乘出来 (n, h)，和 H 一样）。"),
                          (r"must match the size of tensor",
                           "dO 的形状 (n, q) 和 W2 的形状 (q, h) 不能逐元素相乘：这里是矩阵乘法 "
                           "dO @ W2（乘出来 (n, h)，和 H 一样），不是 *。"),))
def q3(grad_h):
    return _check_step(grad_h, "grad_h(dO, W2)", ("dO", "W2"), "dH", _Q3_MISTAKES)


# --- q4: ∂J/∂Z --------------------------------------------------------------------------------

_Q4_MISTAKES = (
    (lambda c: c["dH"] * torch.sigmoid(c["H"]) * (1 - torch.sigmoid(c["H"])),
     "导数取在了 h 上：φ'(z) 要在 z 处求值。sigmoid'(z) = sigmoid(z)(1 - sigmoid(z)) = h(1 - h)，"
     "你算的是 sigmoid(h)(1 - sigmoid(h))。"),
    (lambda c: c["dH"] * c["Z"] * (1 - c["Z"]),
     "z(1 - z) 不是 sigmoid 的导数：是 sigmoid(z)(1 - sigmoid(z))，也就是 H * (1 - H)。"),
    (lambda c: c["dH"] @ (c["H"] * (1 - c["H"])),
     "用了矩阵乘法 @：φ 是逐元素作用的，所以链式法则这一步也是逐元素乘法 ⊙，写 *。"),
    (lambda c: c["dH"] @ (c["H"] * (1 - c["H"])).T,
     "用了矩阵乘法 @：φ 是逐元素作用的，所以链式法则这一步也是逐元素乘法 ⊙，写 *。"),
    (lambda c: c["dH"],
     "忘了乘 φ'(z)：z 经过 sigmoid 才变成 h，∂J/∂z = ∂J/∂h ⊙ sigmoid'(z)。"),
    (lambda c: c["dH"] * c["H"],
     "sigmoid 的导数少了 (1 - H)：sigmoid'(z) = sigmoid(z)(1 - sigmoid(z))。"),
    (lambda c: c["dH"] * (1 - c["H"]),
     "sigmoid 的导数少了一个因子 H：sigmoid'(z) = sigmoid(z)(1 - sigmoid(z))。"),
    (lambda c: c["H"] * (1 - c["H"]),
     "只算了 sigmoid'(z)，没有乘上游的梯度 dH：链式法则是 ∂J/∂z = ∂J/∂h ⊙ φ'(z)。"),
)


_ELEMENTWISE = "用了矩阵乘法 @：φ 是逐元素作用的，所以链式法则这一步也是逐元素乘法 ⊙，写 *。"


def _q4_extra(out, want, case):
    n = want.shape[0]
    if tuple(out.shape) != tuple(want.shape) and tuple(out.shape) in ((n, n), (want.shape[1],) * 2):
        raise Incorrect(f"grad_z(dH, Z, H) 的形状是 {tuple(out.shape)}，应当是 {tuple(want.shape)}："
                        + _ELEMENTWISE)


@exercises.code(diagnose=((r"cannot be multiplied|size mismatch", _ELEMENTWISE),
                          (r"must match the size of tensor",
                           "逐元素相乘的两个张量形状对不上：dH、Z、H 的形状都是 (n, h)，"
                           "dH * (H * (1 - H)) 直接相乘就行，不要转置。"),))
def q4(grad_z):
    return _check_step(grad_z, "grad_z(dH, Z, H)", ("dH", "Z", "H"), "dZ", _Q4_MISTAKES,
                       extra=_q4_extra)


# --- q5: ∂J/∂W1 -------------------------------------------------------------------------------

@exercises.code(diagnose=_weight_shape_errors("dZ", "X", "W1"))
def q5(grad_W1):
    return _check_step(grad_W1, "grad_W1(dZ, X, W1, lambd)", ("dZ", "X", "W1", "lambd"), "dW1",
                       _weight_mistakes("dZ", "X", "W1"))


# --- q6: ∂J/∂b1 (the book's exercise 2) ---------------------------------------------------------

_Q6_MISTAKES = (
    (lambda c: c["dZ"].mean(dim=0),
     "求了平均：dZ 已经含了 1/n（grad_o 除过了），偏置的梯度是对批量求和，dZ.sum(dim=0)。"),
    (lambda c: c["dZ"].sum(dim=1),
     "按行（dim=1）求和了：偏置 b1 的每个元素对应一个隐藏单元（一列），对批量（dim=0）求和。"),
    (lambda c: c["dZ"].sum(dim=0) + c["lambd"] * c["b1"],
     "偏置不在正则项里（题目说了不包括它），所以没有 λ·b1 这一项。"),
    (lambda c: c["dZ"].sum(),
     "把所有元素加成了一个数：每个隐藏单元有自己的偏置，结果的形状是 (h,)，dZ.sum(dim=0)。"),
)


def _q6_extra(out, want, case):
    if out.ndim == 0:
        raise Incorrect("grad_b1(dZ) 是一个数：" + _Q6_MISTAKES[3][1])
    n = case["dZ"].shape[0]
    if tuple(out.shape) == (n,) != tuple(want.shape):
        raise Incorrect(f"grad_b1(dZ) 的形状是 ({n},)（每个样本一个数），应当是 {tuple(want.shape)}："
                        + _Q6_MISTAKES[1][1])


@exercises.code()
def q6(grad_b1):
    return _check_step(grad_b1, "grad_b1(dZ)", ("dZ",), "db1", _Q6_MISTAKES, extra=_q6_extra)


# --- q7: numerical_grad -------------------------------------------------------------------------

def _cubic(x):
    return (x ** 3).sum() + x.flatten()[0] * x.flatten()[-1] + torch.sin(x).sum()


def _central(f, x, eps):
    grad = torch.zeros_like(x)
    flat, out = x.detach().clone().flatten(), grad.view(-1)
    for i in range(flat.numel()):
        plus, minus = flat.clone(), flat.clone()
        plus[i] += eps
        minus[i] -= eps
        out[i] = (float(f(plus.view_as(x))) - float(f(minus.view_as(x)))) / (2 * eps)
    return grad


def _one_sided(f, x, eps, sign):
    grad = torch.zeros_like(x)
    flat, out, base = x.detach().clone().flatten(), grad.view(-1), float(f(x))
    for i in range(flat.numel()):
        moved = flat.clone()
        moved[i] += sign * eps
        out[i] = sign * (float(f(moved.view_as(x))) - base) / eps
    return grad


_Q7_INPUTS = {
    "matrix": (torch.tensor([[0.5, -1.2, 2.0], [1.5, 0.3, -0.7]], dtype=torch.float64), 1e-3),
    "vector": (torch.tensor([3.0, -2.0, 0.25, 1.0], dtype=torch.float64), 1e-2),
}


@exercises.code()
def q7(numerical_grad):
    got, inputs = {}, {}
    for name, (x, eps) in _Q7_INPUTS.items():
        x_in = x.clone()
        out = numerical_grad(_cubic, x_in, eps)
        what = f"numerical_grad(f, x, eps={eps:g})"
        if out is None:
            raise Incorrect(f"{what} 没有返回结果：最后一行要 return grad。")
        need_tensor(out, what, x.shape)
        if not torch.equal(x_in, x):
            raise Incorrect(f"调用 {what} 之后 x 变了：每个元素加上 eps、减去 eps 之后要把它恢复原值"
                            "（x[i] = old），否则后面的元素是在挪动过的点上求导，调用者的 x 也被改了。")
        if out.dtype != torch.float64:
            raise Incorrect(f"{what} 返回的是 {out.dtype}：x 是 float64，结果也要是 float64"
                            "（torch.zeros_like(x)）。float32 只有约 7 位有效数字，差分会丢掉大半。")
        got[name], inputs[name] = out.detach(), (x, eps)
    expected = {name: _central(_cubic, x, eps) for name, (x, eps) in inputs.items()}
    if all(torch.allclose(got[n], expected[n], atol=1e-8, rtol=1e-8) for n in got):
        return None
    reject_mistakes(got, inputs, (
        (lambda v: _one_sided(_cubic, v[0], v[1], 1),
         "你用的是前向差分 (f(x + eps) - f(x)) / eps：它的误差和 eps 成正比。中心差分 "
         "(f(x + eps) - f(x - eps)) / (2 * eps) 的误差和 eps² 成正比，同样的 eps 准得多。"),
        (lambda v: _one_sided(_cubic, v[0], v[1], -1),
         "你用的是后向差分 (f(x) - f(x - eps)) / eps：误差和 eps 成正比。用中心差分 "
         "(f(x + eps) - f(x - eps)) / (2 * eps)。"),
        (lambda v: 2 * _central(_cubic, v[0], v[1]),
         "分母应当是 2 * eps：x + eps 和 x - eps 相距 2·eps，你只除了 eps，结果是两倍。"),
        (lambda v: _central(_cubic, v[0], v[1]) / 2,
         "结果只有一半：分母是 2 * eps，不是 4 * eps（或者多除了一次 2）。"),
        (lambda v: _one_sided(_cubic, v[0], v[1], 1) / 2,
         "f_minus 是在 x 本身算的，不是在 x - eps：写 flat[i] = flat[i] - eps 时，flat[i] 已经是 "
         "old + eps 了，减回去正好是 old。从 old 算：flat[i] = old - eps。"),
        (lambda v: _central(_cubic, v[0], v[1]) * v[1] ** 2,
         "运算顺序：(f_plus - f_minus) / 2 * eps 是先除以 2、再乘 eps。分母要加括号："
         "(f_plus - f_minus) / (2 * eps)。"),
    ), atol=1e-8, rtol=1e-8)
    for name, (x, eps) in inputs.items():
        need_close(got[name], expected[name], f"numerical_grad(f, x, eps={eps:g})（x 的形状 "
                   f"{tuple(x.shape)}）", atol=1e-8, rtol=1e-8)
    return None


# --- q8: relative_error -------------------------------------------------------------------------

def _rel_sum(a, b):
    return float(((a - b).abs() / (a.abs() + b.abs()).clamp_min(1e-8)).max())


def _rel_max(a, b):
    return float(((a - b).abs() / torch.maximum(a.abs(), b.abs()).clamp_min(1e-8)).max())


# A denominator |a| + |b| + 1e-8 differs from the floor max(1e-8, |a| + |b|) by a relative 1e-8 /
# (|a| + |b|) <= 4e-6 on these inputs: both are right, so compare at 1e-5 (every mistake below
# is off by far more).
_Q8_RTOL = 1e-5


_T = lambda *v: torch.tensor(v, dtype=torch.float64)  # noqa: E731
_Q8_INPUTS = {
    "same": (_T(1.0, -2.0, 3.0), _T(1.0, -2.0, 3.0)),
    "small": (_T(1e-3, 1.0, -5.0), _T(2e-3, 1.0, -5.0)),
    "larger a": (_T(2e-3, 3.0, -5.0), _T(1e-3, 3.0, -4.0)),  # |a| > |b|: dividing by |b| shows
    "zeros": (_T(0.0, 0.0, 1.0), _T(0.0, 0.0, 1.0 + 1e-6)),
    "signs": (_T(1.0, -1.0, 2.0), _T(-1.0, 1.0, 2.0)),
    "one bad": (torch.cat([torch.ones(999, dtype=torch.float64), _T(1.0)]),
                torch.cat([torch.ones(999, dtype=torch.float64), _T(2.0)])),
    "matrix": (_T(1.0, 2.0, 3.0, 4.0).reshape(2, 2), _T(1.0, 2.5, 3.0, 4.0).reshape(2, 2)),
}


def _as_number(value, what):
    if torch.is_tensor(value) and value.numel() == 1:
        value = float(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise Incorrect(f"{what} 应当是一个数（float，或只有一个元素的张量），你给出的是 "
                        f"{value!r:.60}：用 .max() 把逐元素的相对误差归结成最坏的那一个。")
    return float(value)


@exercises.code()
def q8(relative_error):
    got = {}
    for name, (a, b) in _Q8_INPUTS.items():
        a_in, b_in = a.clone(), b.clone()
        got[name] = _as_number(relative_error(a_in, b_in), "relative_error(a, b)")
        if not (torch.equal(a_in, a) and torch.equal(b_in, b)):
            raise Incorrect("relative_error(a, b) 改了传进来的 a 或 b：返回一个数，不要原地修改输入。")
    if any(math.isnan(v) for v in got.values()):
        raise Incorrect("两个梯度的某些元素都是 0 时你的结果是 nan（0/0）：分母要有下限，"
                        "(a.abs() + b.abs()).clamp_min(1e-8)。梯度检查里 0 梯度很常见（ReLU 关掉的单元）。")
    for rule in (_rel_sum, _rel_max):
        if all(math.isclose(got[n], rule(a, b), rel_tol=_Q8_RTOL, abs_tol=1e-15)
               for n, (a, b) in _Q8_INPUTS.items()):
            return None if rule is _rel_sum else ("分母用 max(|a|, |b|) 也是常见的写法（CS231n 的讲义），"
                                                  "和 |a| + |b| 最多差一倍，判断的标准不变。")
    inputs = dict(_Q8_INPUTS)
    reject_mistakes(got, inputs, (
        (lambda v: float(((v[0] - v[1]).abs() / (v[0].abs() + v[1].abs()).clamp_min(1e-8)).mean()),
         "用了平均（mean）：一千个元素里只有一个错了，平均之后就看不出来。取最坏的那个，.max()。"),
        (lambda v: float((v[0] - v[1]).norm() / (v[0].norm() + v[1].norm())),
         "用了整体的范数 ‖a - b‖ / (‖a‖ + ‖b‖)：一个大元素会掩盖别的元素的错误（一千个元素里只有一个"
         "错了，范数比几乎不变）。按元素算相对误差，再取 .max()。"),
        (lambda v: float(((v[0] - v[1]).abs() / (v[0] + v[1]).abs().clamp_min(1e-8)).max()),
         "分母写成了 |a + b|：a 和 b 符号相反时它是 0（或很小），相对误差就变得巨大。分母是 |a| + |b|。"),
        (lambda v: float(((v[0] - v[1]).abs() / v[0].abs().clamp_min(1e-8)).max()),
         "分母只用了 |a|：相对误差应当对 a、b 对称，写 |a| + |b|。"),
        (lambda v: float(((v[0] - v[1]).abs() / v[1].abs().clamp_min(1e-8)).max()),
         "分母只用了 |b|：相对误差应当对 a、b 对称（哪个是“标准答案”都一样），写 |a| + |b|。"),
        (lambda v: float((v[0] - v[1]).abs().max()),
         "这是绝对误差，没有除以大小：梯度是 1e3 时差 1e-3 没问题，梯度是 1e-3 时差 1e-3 就全错了。"
         "除以 (|a| + |b|)。"),
    ), atol=1e-15, rtol=_Q8_RTOL)
    for name, (a, b) in _Q8_INPUTS.items():
        if not math.isclose(got[name], _rel_sum(a, b), rel_tol=_Q8_RTOL, abs_tol=1e-15):
            raise Incorrect(f"a = {a.tolist() if a.numel() < 10 else '(1000 个元素)'}，b = "
                            f"{b.tolist() if b.numel() < 10 else '(最后一个元素是 2)'} 时你的结果是 "
                            f"{got[name]:.6g}，应当是 {_rel_sum(a, b):.6g}："
                            "逐元素 |a - b| / max(1e-8, |a| + |b|)，再取最大值。")
    return None


# --- q9: the gradient check in float32 ------------------------------------------------------------

FLOAT32_BANDS = {"A": (0.0, 1e-7), "B": (1e-7, 1e-4), "C": (1e-4, math.inf)}
_Q9_TEXT = {"A": "和 float64 一样小（< 1e-7）", "B": "1e-7 到 1e-4 之间",
            "C": "1e-4 或更大：检查失去了意义"}


@exercises.prediction(choices=tuple(FLOAT32_BANDS))
def q9(prediction, check_errors):
    if not isinstance(check_errors, dict) or set(check_errors) != {"float64", "float32"}:
        raise Incorrect("check 需要上面实验格子里的 check_errors：一个字典，键是 'float64' 和 "
                        f"'float32'，你给出的是 {check_errors!r:.80}。")
    err32 = _as_number(check_errors["float32"], "check_errors['float32']")
    answer = next(k for k, (lo, hi) in FLOAT32_BANDS.items() if lo <= err32 < hi)
    shown = f"float32 下相对误差是 {err32:.0e}，属于 {answer}（{_Q9_TEXT[answer]}）"
    if prediction == answer:
        return shown + "。"
    raise Incorrect(shown + "。float32 的舍入误差约 6e-8 × |J|，差分再除以 2·eps = 2e-6，"
                    "误差被放大了约五十万倍；float64 的舍入误差约 1e-16，放大之后仍然很小。")


# --- q10: a scalar autograd engine ------------------------------------------------------------

def _engine(Value, values):
    leaves = [Value(v) for v in values]
    for leaf in leaves:
        for attr in ("data", "grad"):
            if not hasattr(leaf, attr):
                raise Incorrect(f"Value 没有属性 {attr}：__init__ 里要有 self.{attr}。")
    return leaves


def _torch_leaves(values):
    return [torch.tensor(float(v), dtype=torch.float64, requires_grad=True) for v in values]


def _expression_shared(a, b, c):
    return (a + b) * (b + c)  # b is used twice: its gradient is a sum of two paths


def _expression_square(x):
    return x * x


def _expression_deep(x, y):
    # micrograd's test in spirit: a node used in several places, relu on both sides of 0
    z = x * 2 + 2 + x
    q = _relu(z) + z * x
    h = _relu(z * z)
    return h + q + q * x + _relu(y * x) + y


def _relu(v):
    return v.relu() if hasattr(v, "relu") else torch.relu(v)


_Q10_PROBES = (
    # (name, expression, values, what the learner's engine got wrong if this one fails)
    ("add", lambda a, b: a + b, (2.0, -3.0),
     "a + b 的梯度不对：加法把上游的梯度原样传给两个输入，self.grad += out.grad，other.grad += out.grad。"),
    ("mul", lambda a, b: a * b, (2.0, -3.0),
     "a * b 的梯度不对：乘法对 self 的导数是 other.data，对 other 的导数是 self.data，"
     "各再乘上游的 out.grad：self.grad += other.data * out.grad。"),
    ("double", lambda a: a + a, (2.0,),
     "a + a 的梯度应当是 2：同一个 Value 出现两次时，两条路径的梯度要**累加**，用 +=，不是 =。"),
    ("square", _expression_square, (3.0,),
     "x * x 的梯度应当是 2x：同一个 Value 出现两次时，两条路径的梯度要**累加**，用 +=，不是 =。"),
    ("two adds", lambda a, b: (a + b) + b, (2.0, -3.0),
     "(a + b) + b 的梯度不对：backward 要从输出开始，按拓扑排序的**逆序**调用每个节点的 _backward"
     "（for v in reversed(topo)）：一个节点的 _backward 要等它的所有使用者都传完梯度之后才调用。"),
    ("add upstream", lambda a, b: (a + b) * 3.0, (2.0, -3.0),
     "(a + b) * 3 的梯度不对：加法要把上游的梯度原样传下去，self.grad += out.grad（不是 += 1.0："
     "只有输出本身的 out.grad 才是 1）。"),
    ("mul upstream", lambda a, b: (a * b) * 3.0, (2.0, -3.0),
     "(a * b) * 3 的梯度不对：乘法的局部导数还要乘上游的梯度，self.grad += other.data * out.grad"
     "（只有输出本身的 out.grad 才是 1）。"),
    ("chain", lambda a, b: (a * b) * a + b, (1.5, -2.0),
     "两层的表达式梯度不对：backward 要从输出开始，按拓扑排序的**逆序**调用每个节点的 _backward"
     "（for v in reversed(topo)），并且先把输出的梯度设为 1.0（self.grad = 1.0）。"),
    ("relu", lambda a, b: (_relu(a) + _relu(b)) * 3.0, (2.0, -3.0),
     "relu 的梯度不对：输入大于 0 时导数是 1，小于 0 时是 0，self.grad += (out.data > 0) * out.grad。"),
    ("derived", lambda a, b: (1 - a) * 2 + 2 * (b - 1.0) * a + (-b) + (1.0 + a), (2.0, -3.0),
     "1 - a、2 * x、b - 1.0、-b、1.0 + a 的梯度不对：这些由骨架里的 __neg__、__sub__、__rsub__、__radd__、"
     "__rmul__ 拼成加法和乘法，别删也别改。"),
    ("shared", _expression_shared, (2.0, -3.0, 10.0),
     "b 用了两次的 (a + b) * (b + c) 梯度不对：每条路径的梯度都要加到 b.grad 上（+=）。"),
    ("deep", _expression_deep, (-4.0, 1.5),
     "一个节点被多处用到的较深表达式梯度不对：每个节点的 _backward 只能调用一次，而且要在它的"
     "所有使用者之后（拓扑排序的逆序）。"),
)


@exercises.code(diagnose=((r"unsupported operand type\(s\) for .*'Value'",
                           "Value 和普通的数做运算时，先把数包成 Value：other = other if "
                           "isinstance(other, Value) else Value(other)（上面的骨架已经写好了，别删）。"),
                          (r"has no attribute 'relu'", "Value 要有方法 relu()。"),))
def q10(Value):
    if not isinstance(Value, type):
        raise Incorrect("把类 Value 本身交给 check：ex.q10.check(Value)（不是 Value(1.0)）。")
    for name, expression, values, diagnosis in _Q10_PROBES:
        leaves = _engine(Value, values)
        try:
            out = expression(*leaves)
        except TypeError as err:
            if "unsupported operand" not in str(err):
                raise
            raise Incorrect(f"{name} 表达式算不了（{err}）：Value 要能和普通的数做 +、-、*，数在左边也行"
                            "（1 - x、2 * x）。骨架里的 __neg__、__sub__、__rsub__、__radd__、__rmul__ "
                            "别删。") from None
        if not hasattr(out, "backward"):
            raise Incorrect(f"{name} 表达式的结果不是 Value（是 {type(out).__name__}）：运算要 return out。")
        out.backward()
        if getattr(out, "grad", None) != 1.0:
            raise Incorrect(f"backward() 之后输出自己的梯度是 {getattr(out, 'grad', None)!r}，应当是 1.0："
                            "∂out/∂out = 1，backward 要先写 self.grad = 1.0，再往回传。")
        ref_leaves = _torch_leaves(values)
        ref = expression(*ref_leaves)
        ref.backward()
        if not math.isclose(float(out.data), ref.item(), rel_tol=1e-12, abs_tol=1e-12):
            raise Incorrect(f"前向的值不对：{name} 表达式在 {values} 处应当是 {ref.item():g}，"
                            f"你的 Value 算出了 {out.data!r}。")
        for i, (leaf, ref_leaf) in enumerate(zip(leaves, ref_leaves)):
            grad = leaf.grad
            if isinstance(grad, bool) or not isinstance(grad, numbers.Real):
                raise Incorrect(f"梯度 .grad 应当是一个数，你的是 {grad!r:.40}。")
            if not math.isclose(float(grad), float(ref_leaf.grad), rel_tol=1e-12, abs_tol=1e-12):
                raise Incorrect(f"{diagnosis}（第 {i + 1} 个输入在 {values} 处：torch 算出的梯度是 "
                                f"{float(ref_leaf.grad):g}，你的是 {float(grad):g}。）")
    return None


# --- q11: what training keeps, what inference holds -------------------------------------------

_Q11_TEXT = {"A": "训练保存的字节随深度线性增长，推理的峰值不随深度变",
             "B": "两者都随深度线性增长", "C": "两者都不随深度变"}


@exercises.prediction(choices=tuple(_Q11_TEXT))
def q11(prediction, memory):
    if (not isinstance(memory, dict) or len(memory) < 3
            or not all(isinstance(v, tuple) and len(v) == 2 for v in memory.values())):
        raise Incorrect("check 需要上面实验格子里的 memory：一个字典，至少 3 个深度，值是 "
                        f"(训练保存的字节, 推理的峰值字节)，你给出的是 {memory!r:.80}。")
    depths = sorted(memory)
    (saved_lo, peak_lo), (saved_hi, peak_hi) = memory[depths[0]], memory[depths[-1]]
    ratio = depths[-1] / depths[0]
    saved_grows = saved_hi > 0.5 * ratio * saved_lo
    peak_grows = peak_hi > 0.5 * ratio * peak_lo
    answer = {(True, False): "A", (True, True): "B", (False, False): "C"}.get(
        (saved_grows, peak_grows))
    if answer is None:
        raise Incorrect("测到的是推理的峰值随深度增长而训练保存的不增长：这不对，"
                        "从上面量内存的格子开始按顺序重新运行。")
    shown = (f"深度 {depths[0]} → {depths[-1]}：训练保存的从 {saved_lo:,} 字节变成 {saved_hi:,}，"
             f"推理的峰值从 {peak_lo:,} 变成 {peak_hi:,}，这是 {answer}（{_Q11_TEXT[answer]}）")
    if prediction == answer:
        return shown + "。"
    raise Incorrect(shown + "。反向传播要用到每一层前向时的输入（∂J/∂W = dZᵀ X 要 X，sigmoid 的导数"
                    "要 H），所以训练时每层的激活值都得留到反向传播；推理时一层算完，它的输入就可以丢掉。")
