"""Lesson 11 exercises (book section 4.8): ``from d2l_helpers.exercises import lesson11 as ex``.

One piece of code the lesson then uses: ``xavier_uniform_(weight)`` (q2), Xavier's uniform
initialisation written in place, as ``nn.init.xavier_uniform_`` does. Its check fills
weights of several shapes (fan-in unlike fan-out, large and small, float32 and float64,
``nn.Parameter`` and plain tensors) under a fixed seed and reads the sample: its largest
|w| against the bound, its variance against a²/3, its kurtosis (1.8 for a uniform, 3 for a
normal), fingerprinted over all shapes so that a wrong formula that agrees on one shape is
named. Every threshold is many standard errors wide: a right answer is never rejected by
chance (the probabilities are in the comments).

Five predict-first questions are judged against the lesson's own measurements: whether
dropout breaks the symmetry of equal hidden units (q1, the book's remark in 4.8.1.3), which
initialisation keeps the variance of a 50-layer network at layer 50 (q3), whether linear and
softmax regression may start from equal weights (q4, the book's exercise 2), whether the
spectral radius of a product is bounded by the product of spectral radii (q5, exercise 3),
and which layer gets the largest relative gradient (q6, exercise 4).

The measurement helpers (``deep_mlp``, ``depth_profile``) are public: the lesson calls them.
"""
import math
import numbers

import torch
from torch import nn

from d2l_helpers.checks import positive_int, whole_number
from d2l_helpers.exercises.core import (
    ExerciseSet,
    Incorrect,
    need_runs,
)
from d2l_helpers.rng import seeded

exercises = ExerciseSet("第 11 课", __name__)
progress = exercises.progress

INITS = ("default", "normal 0.01", "Xavier", "He")
ACTIVATIONS = ("tanh", "relu")
_ACTIVATION_MODULES = {"tanh": nn.Tanh, "relu": nn.ReLU}


# --- measurement: a deep MLP, layer by layer ------------------------------------------------

def _activation(activation, call):
    if not isinstance(activation, str):
        raise TypeError(f"{call}: activation must be the name 'tanh' or 'relu' (text), got "
                        f"{type(activation).__name__} {activation!r:.60}")
    if activation not in _ACTIVATION_MODULES:
        raise ValueError(f"{call}: activation must be one of {ACTIVATIONS}, got {activation!r}")
    return activation


def _float_dtype(dtype, call):
    if not isinstance(dtype, torch.dtype):
        raise TypeError(f"{call}: dtype must be a torch dtype such as torch.float64, got {dtype!r:.60}")
    if not dtype.is_floating_point:
        raise ValueError(f"{call}: dtype must be a floating-point dtype such as torch.float64, "
                         f"got {dtype}")
    return dtype


def deep_mlp(activation, fill=None, depth=50, width=128, seed=0, dtype=torch.float64):
    """``depth`` blocks ``nn.Linear(width, width)`` + activation (``'tanh'`` or ``'relu'``).

    ``fill(weight)`` refills each weight in place (``None``: keep PyTorch's default); every
    bias is set to 0, so that only the weights differ between initialisations. Built under
    ``seed``: the global random generators are left as they were. A wrong kind of argument
    is a ``TypeError``, a wrong value a ``ValueError``.
    """
    _activation(activation, "deep_mlp")
    if fill is not None and not callable(fill):
        raise TypeError(f"deep_mlp: fill must be a function of a weight tensor or None, "
                        f"got {fill!r:.60}")
    depth = positive_int(depth, "deep_mlp: depth", 50)
    width = positive_int(width, "deep_mlp: width", 128)
    seed = whole_number(seed, "deep_mlp: seed", 0)
    _float_dtype(dtype, "deep_mlp")
    layers = []
    with seeded(seed):
        for _ in range(depth):
            linear = nn.Linear(width, width).to(dtype)
            with torch.no_grad():
                if fill is not None:
                    fill(linear.weight)
                linear.bias.zero_()
            layers += [linear, _ACTIVATION_MODULES[activation]()]
    return nn.Sequential(*layers)


def layer_statistics(net, X, seed=0):
    """One forward and backward pass of ``net`` (an ``nn.Sequential`` of linear layers and
    activations) on ``X``. Returns a dict of lists, one entry per activation layer (forward,
    backward) or per linear layer (grad_ratio):

    - ``forward``: the variance of each activation layer's output;
    - ``backward``: the variance of the gradient of ``(output * g).sum()`` with respect to
      each activation layer's output, where ``g ~ N(0, 1)`` (drawn from its own generator
      seeded with ``seed``): the backward pass starts from variance 1 at the last layer;
    - ``grad_ratio``: ``||dL/dW|| / ||W||`` of each linear layer's weight.

    Nothing is accumulated into ``.grad``; the global random generators are not touched
    (a net with dropout in training mode would draw from them: measure it in ``eval()``).
    """
    if not isinstance(net, nn.Sequential):
        raise TypeError(f"layer_statistics: net must be an nn.Sequential, got {type(net).__name__}")
    if not torch.is_tensor(X):
        raise TypeError(f"layer_statistics: X must be a tensor, got {type(X).__name__}")
    seed = whole_number(seed, "layer_statistics: seed", 0)
    linears = [layer for layer in net if isinstance(layer, nn.Linear)]
    if not linears:
        raise ValueError("layer_statistics: net has no nn.Linear layer")
    first = linears[0]
    if X.dim() != 2 or X.shape[1] != first.in_features:
        raise ValueError(f"layer_statistics: X must have shape (batch, {first.in_features}) for "
                         f"the first nn.Linear, got {tuple(X.shape)}")
    if X.dtype != first.weight.dtype:
        raise ValueError(f"layer_statistics: X is {X.dtype} but the net's weights are "
                         f"{first.weight.dtype}: use X.to({first.weight.dtype})")
    outputs, weights, h = [], [], X
    for layer in net:
        h = layer(h)
        if isinstance(layer, nn.Linear):
            weights.append(layer.weight)
        else:
            outputs.append(h)
    if not outputs:
        raise ValueError("layer_statistics: net has no activation layer")
    g = torch.randn(h.shape, generator=torch.Generator().manual_seed(seed), dtype=h.dtype)
    grads = torch.autograd.grad((h * g).sum(), outputs + weights)
    out_grads, weight_grads = grads[:len(outputs)], grads[len(outputs):]
    return {"forward": [float(o.detach().var()) for o in outputs],
            "backward": [float(d.var()) for d in out_grads],
            "grad_ratio": [float(d.norm() / w.detach().norm()) for d, w in zip(weight_grads, weights)]}


def _log10(value):
    return math.log10(value) if value > 0 else float("-inf")


def depth_profile(activation, fill=None, seeds=(0, 1, 2), depth=50, width=128, batch=512,
                  dtype=torch.float64):
    """``layer_statistics`` of ``deep_mlp(activation, fill, ...)`` on ``X ~ N(0, 1)`` of
    shape (batch, width), averaged over ``seeds`` in log10 (a geometric mean: these numbers
    span a hundred orders of magnitude). Returns a dict of lists: ``forward``, ``backward``
    and ``grad_ratio``, each the mean of log10 over the seeds, per layer. The global random
    generators are left as they were."""
    _activation(activation, "depth_profile")
    if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__iter__"):
        raise TypeError(f"depth_profile: seeds must be a list of ints such as (0, 1, 2), "
                        f"got {seeds!r:.60}")
    seeds = [whole_number(s, "depth_profile: seeds[...]", 0) for s in seeds]
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"depth_profile: give at least one seed and no seed twice, got {seeds}")
    batch = positive_int(batch, "depth_profile: batch", 512)
    _float_dtype(dtype, "depth_profile")
    sums = None
    for seed in seeds:
        net = deep_mlp(activation, fill, depth=depth, width=width, seed=seed, dtype=dtype)
        X = torch.randn((batch, width), generator=torch.Generator().manual_seed(10_000 + seed),
                        dtype=dtype)
        stats = layer_statistics(net, X, seed=seed)
        logs = {key: [_log10(v) for v in values] for key, values in stats.items()}
        sums = logs if sums is None else {k: [a + b for a, b in zip(sums[k], logs[k])] for k in sums}
    return {key: [v / len(seeds) for v in values] for key, values in sums.items()}


# --- q1: does dropout break the symmetry? ----------------------------------------------------

_Q1_WORDS = {"yes": "能：暂退法让对称的隐藏单元变得不同", "no": "不能：隐藏单元仍然一模一样"}
SYMMETRIC = 1e-12  # float64 rounding: far below this; a broken symmetry: far above BROKEN
BROKEN = 1e-3


def _number(value, what):
    if torch.is_tensor(value) and value.numel() == 1:
        value = float(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise Incorrect(f"{what} 应当是一个有限的数，你给出的是 {value!r:.60}。")
    return float(value)


@exercises.prediction(choices=tuple(_Q1_WORDS))
def q1(prediction, unit_gaps):
    if not isinstance(unit_gaps, dict) or set(unit_gaps) != {"no dropout", "dropout"}:
        raise Incorrect("check 需要上面实验格子里的 unit_gaps：一个字典，键是 'no dropout' 和 "
                        f"'dropout'，你给出的是 {unit_gaps!r:.80}。")
    plain = _number(unit_gaps["no dropout"], "unit_gaps['no dropout']")
    dropped = _number(unit_gaps["dropout"], "unit_gaps['dropout']")
    if plain > SYMMETRIC:
        raise Incorrect(f"不带暂退法时，隐藏单元之间的权重差了 {plain:.2g}：这个网络一开始就不对称。"
                        "从上面搭对称网络的格子开始，按顺序重新运行。")
    answer = "yes" if dropped > BROKEN else "no"
    shown = (f"不带暂退法时，训练之后隐藏单元的权重之间最大差 {plain:.1g}（只有舍入误差）；"
             f"带暂退法时最大差 {dropped:.2g}")
    if prediction == answer:
        return f"{shown}。"
    raise Incorrect(f"{shown}：{_Q1_WORDS[answer]}。每个样本的每个隐藏单元都抽到自己的掩码：同一个样本里，"
                    "一个单元被丢弃（这一步从这个样本得不到梯度），另一个没有，它们的梯度从第一步起就不同，"
                    "权重也就分开了。")


# --- q2: xavier_uniform_ ------------------------------------------------------------------------

_XAVIER_ERRORS = (
    (r"a leaf Variable that requires grad is being used in an in-place operation",
     "weight 是 nn.Parameter（requires_grad=True），记录梯度时不能原地修改它：把原地填充写在 "
     "with torch.no_grad(): 里面（nn.init 的函数就是这样做的），例如 with torch.no_grad(): "
     "weight.uniform_(-a, a)。"),
    (r"The size of tensor a \((\d+)\) must match the size of tensor b",
     "你生成的张量和 weight 的形状对不上：nn.Linear 的权重形状是 (fan_out, fan_in)，也就是 "
     "weight.shape 本身（输出在前、输入在后），不是 (fan_in, fan_out)。直接用 weight.uniform_(-a, a) "
     "原地填充，形状就不会错。"),
    (r"unsupported operand type\(s\) for .*'torch\.Size'|'torch\.Size' and",
     "weight.shape 是一对数 (fan_out, fan_in)，不能直接拿来做算术：先拆开，"
     "fan_out, fan_in = weight.shape。"),
    (r"'builtin_function_or_method' object is not subscriptable|'method' object is not subscriptable",
     "weight.size 是一个方法：写 weight.size(1)（带圆括号），或者 weight.shape[1]。"),
    (r"cannot unpack non-iterable (builtin_function_or_method|method) object",
     "weight.size 是一个方法：写 fan_out, fan_in = weight.size()（带圆括号），或者 weight.shape。"),
    (r"must be Tensor, not (float|int)",
     "torch.sqrt 只收张量，fan_in、fan_out 是普通的数：用 math.sqrt(6 / (fan_in + fan_out))。"),
    (r"math domain error", "math.sqrt 收到了负数：检查分子分母。"),
)

# The shapes (fan_out, fan_in) of the check: fan-in unlike fan-out both ways, a large fan-in
# with a tiny fan-out, a square one; at least 240,000 elements each (see _check_sample).
_XAVIER_SHAPES = ((400, 600), (3000, 80), (3, 80000), (512, 512))

# Wrong bounds a learner writes, as functions of (fan_in, fan_out), with their diagnoses.
# Over the shapes above no two of them (nor any of them and the right bound) are within 2 %
# of each other on every shape (tests/test_exercises_lesson11.py checks that).
_SWAPPED = ("（如果你写的是 fan_in, fan_out = weight.shape 或 fan_in = weight.shape[0]：nn.Linear 的"
            "权重是 (输出, 输入)，weight.shape[0] 是 fan_out）")
_XAVIER_BOUND = lambda i, o: math.sqrt(6 / (i + o))  # noqa: E731
_WRONG_BOUNDS = (
    (lambda i, o: math.sqrt(6 / i),
     "上界用了 sqrt(6 / fan_in)：只用了输入个数。Xavier 是前向（要 fan_in·σ² = 1）和反向（要 "
     "fan_out·σ² = 1）的折中，分母是 fan_in + fan_out：a = sqrt(6 / (fan_in + fan_out))。"),
    (lambda i, o: math.sqrt(6 / o),
     "上界用了 sqrt(6 / fan_out)：只用了输出个数" + _SWAPPED + "。分母是两者之和："
     "a = sqrt(6 / (fan_in + fan_out))。"),
    (lambda i, o: math.sqrt(3 / i),
     "上界是 sqrt(3 / fan_in)：这是只管前向的 fan_in·σ² = 1（LeCun 初始化的均匀版）。fan_in 等于 "
     "fan_out 时它恰好等于 Xavier，所以方阵看不出来；Xavier 的分母是 fan_in + fan_out："
     "a = sqrt(6 / (fan_in + fan_out))。"),
    (lambda i, o: math.sqrt(3 / o),
     "上界是 sqrt(3 / fan_out)：这是只管反向的 fan_out·σ² = 1" + _SWAPPED + "。Xavier 取两者的折中："
     "a = sqrt(6 / (fan_in + fan_out))。"),
    (lambda i, o: math.sqrt(2 / (i + o)),
     "上界用了标准差 σ = sqrt(2 / (fan_in + fan_out)) 本身：U(-a, a) 的方差是 a²/3，不是 a²，所以"
     "这样得到的方差只有应有的三分之一。要 a²/3 = σ²，也就是 a = sqrt(3)·σ = sqrt(6 / (fan_in + fan_out))。"),
    (lambda i, o: math.sqrt(3 / (i + o)),
     "上界是 sqrt(3 / (fan_in + fan_out))：少了因子 2。条件是 (fan_in + fan_out)·σ²/2 = 1，即 "
     "σ² = 2 / (fan_in + fan_out)，再由 a²/3 = σ² 得 a = sqrt(6 / (fan_in + fan_out))。"),
    (lambda i, o: math.sqrt(12 / (i + o)),
     "上界是 sqrt(12 / (fan_in + fan_out))：多了因子 2（用 (fan_in + fan_out)/2 代替了 "
     "fan_in + fan_out？）。σ² = 2 / (fan_in + fan_out)，a = sqrt(3·σ²) = sqrt(6 / (fan_in + fan_out))。"),
    (lambda i, o: 6 / (i + o),
     "上界是 6 / (fan_in + fan_out)：少了开方。a² = 6 / (fan_in + fan_out)，所以 "
     "a = math.sqrt(6 / (fan_in + fan_out))。"),
    (lambda i, o: math.sqrt(1 / i),
     "上界是 1 / sqrt(fan_in)：这是 nn.Linear 自己的默认初始化（方差 1/(3·fan_in)），不是 Xavier。"
     "a = sqrt(6 / (fan_in + fan_out))。"),
    (lambda i, o: math.sqrt(6 / (i * o)),
     "上界是 sqrt(6 / (fan_in · fan_out))：分母是两者之和，不是乘积：a = sqrt(6 / (fan_in + fan_out))。"),
)
# max|w| of n uniform draws falls short of the bound a by more than 1 % with probability
# 0.99 ** n: e^-2400 for n = 240,000. Above a: only float rounding (a relative 1e-6 at most).
_BOUND_BELOW, _BOUND_ABOVE = 0.01, 1e-5


def _xavier_weight(shape, parameter, dtype):
    """A weight of ``shape`` (fan_out, fan_in) filled with 7 (so that untouched is visible)."""
    weight = torch.full(shape, 7.0, dtype=dtype)
    return nn.Parameter(weight) if parameter else weight


def _filled(f, shape, parameter=True, dtype=torch.float32):
    """Call the learner's ``f`` on a fresh weight; return the weight's values afterwards
    (float64, detached) after the checks every call must pass."""
    weight = _xavier_weight(shape, parameter, dtype)
    fan_out, fan_in = shape
    what = f"xavier_uniform_(weight)（weight 的形状是 {shape}，即 fan_in = {fan_in}，fan_out = {fan_out}）"
    returned = f(weight)
    if tuple(weight.shape) != tuple(shape):
        if tuple(weight.shape) == (fan_in, fan_out):
            raise Incorrect(f"{what}之后 weight 的形状变成了 {tuple(weight.shape)}：形状反了。"
                            "nn.Linear 的权重是 (fan_out, fan_in)（输出在前），这个形状就是 weight.shape；"
                            "原地填充 weight.uniform_(-a, a) 不改形状。")
        raise Incorrect(f"{what}之后 weight 的形状变成了 {tuple(weight.shape)}：要原地填充，"
                        "形状不变。")
    if weight.dtype != dtype:
        raise Incorrect(f"weight 原来是 {dtype}，{what}之后变成了 {weight.dtype}：你给 weight.data "
                        "换了一个新的张量（torch.rand、torch.empty 之类默认给出 float32）。"
                        "用 weight.uniform_(-a, a) 原地填充，类型就不会变（本课的深层网络用 float64）。")
    values = weight.detach().to(torch.float64)
    untouched = values == 7.0
    if bool(untouched.all()):
        if torch.is_tensor(returned) and returned is not weight:
            raise Incorrect(f"{what}返回了一个新的张量，传进来的 weight 却一点没变：不是原地修改。"
                            "函数里写 weight = ... 只是让名字 weight 指向新的张量，外面的那个不受影响；"
                            "net.apply 也不看返回值。用原地的 weight.uniform_(-a, a)（名字以 _ 结尾的"
                            "方法原地修改），或 nn.init.uniform_(weight, -a, a)。")
        raise Incorrect(f"{what}没有改动 weight：要把 weight 原地填成 U(-a, a) 的随机数，"
                        "weight.uniform_(-a, a)。")
    if bool(untouched.any()):
        raise Incorrect(f"{what}之后 weight 还有 {int(untouched.sum())} 个元素没有填：要填满整个 weight。")
    if not (torch.is_tensor(returned) and returned.data_ptr() == weight.data_ptr()
            and tuple(returned.shape) == tuple(shape)):
        raise Incorrect(f"{what}把 weight 原地填好了，但返回的是 {type(returned).__name__}"
                        f"{'' if returned is None else ' ' + repr(returned)[:40]}，不是 weight：最后一行要 "
                        "return weight（nn.init 的函数都返回传进来的张量，后面的格子用 fill(weight) 的"
                        "结果）。")
    if not bool(torch.isfinite(values).all()):
        raise Incorrect(f"{what}之后 weight 里有 nan 或 inf：检查上界的算式（是不是除以了 0？）。")
    return values


def _kurtosis(values):
    centred = values - values.mean()
    var = float((centred ** 2).mean())
    return float((centred ** 4).mean()) / var ** 2 if var > 0 else float("nan")


def _check_sample(values, shape):
    """One filled weight: not constant, centred at 0, uniform (not normal), variance a²/3 where
    a is its largest |w|. Returns that largest |w| (the learner's bound).

    Chances for a right answer (n >= 240,000 draws of U(-a, a)): the mean is off by more
    than 6 standard errors with probability 2e-9 per shape; the kurtosis (1.8 for a uniform,
    3 for a normal; its standard error is about 0.003 here) passes 2.2 never; the variance
    is off from m²/3 by more than 2 % (its relative standard error is sqrt(0.8 / n) < 0.0019:
    over 10 standard errors) with probability below 1e-22.
    """
    fan_out, fan_in = shape
    n = values.numel()
    what = f"weight 的形状是 {shape} 时"
    if float(values.abs().max()) == 0:
        raise Incorrect(f"{what}所有元素都是 0：你的上界 a 算出来是 0。6 // (fan_in + fan_out) 是整数除法"
                        "（结果是 0），要用 /：a = math.sqrt(6 / (fan_in + fan_out))。")
    if float(values.std()) == 0:
        raise Incorrect(f"{what}你把所有元素都填成了同一个数 {float(values.flatten()[0]):.4g}：这正是"
                        "第 3 节的对称初始化，所有隐藏单元一模一样。每个元素要各自从 U(-a, a) 里抽："
                        "weight.uniform_(-a, a)。")
    if float(values.min()) >= 0:
        raise Incorrect(f"{what}所有元素都不是负数：你抽的是 U(0, a)（比如 torch.rand(...) * a）。"
                        "要以 0 为中心：weight.uniform_(-a, a)，或 (2 * torch.rand(shape) - 1) * a。")
    m = float(values.abs().max())
    kurtosis = _kurtosis(values)
    xavier_std = math.sqrt(2 / (fan_in + fan_out))
    if 2.2 < kurtosis <= 2.7:  # neither uniform (1.8) nor normal (3): a sum of two uniforms is 2.4
        raise Incorrect(f"{what}你的权重不是均匀分布（峰度约 {kurtosis:.2f}，均匀分布是 1.8，正态分布是 3）："
                        "两个均匀随机数之和（比如 torch.rand + torch.rand）是三角分布。"
                        "用一个均匀随机数：weight.uniform_(-a, a)。")
    if kurtosis > 2.7:
        std = float(values.std())
        if math.isclose(std, xavier_std, rel_tol=0.02):
            raise Incorrect(f"{what}你的权重是正态分布，标准差 sqrt(2 / (fan_in + fan_out))：这是 "
                            "Xavier 的正态版（nn.init.xavier_normal_，最大的 |w| 是 "
                            f"{m:.3g}，远超均匀分布的上界 {_XAVIER_BOUND(fan_in, fan_out):.3g}）。"
                            "这道题要均匀分布 U(-a, a)：weight.uniform_(-a, a)，"
                            "a = sqrt(6 / (fan_in + fan_out))。")
        raise Incorrect(f"{what}你的权重是正态分布（torch.randn、normal_ 之类：峰度约 {kurtosis:.2f}，"
                        "均匀分布是 1.8，正态分布是 3）。这道题要均匀分布 U(-a, a)：weight.uniform_(-a, a)。")
    mean_se = (m / math.sqrt(3)) / math.sqrt(n)
    if abs(float(values.mean())) > 6 * mean_se:
        raise Incorrect(f"{what}权重的均值是 {float(values.mean()):.3g}，不以 0 为中心：区间要对称，"
                        "U(-a, a)。")
    if not math.isclose(float(values.var()), m ** 2 / 3, rel_tol=0.02):
        raise Incorrect(f"{what}权重最大的 |w| 是 {m:.4g}，方差却是 {float(values.var()):.4g}，不是 U(-a, a) "
                        f"的 a²/3 = {m ** 2 / 3:.4g}：不是 [-a, a] 上的均匀分布。用 weight.uniform_(-a, a)。")
    return m


def _close_bound(m, bound):
    return bound * (1 - _BOUND_BELOW) <= m <= bound * (1 + _BOUND_ABOVE)


@exercises.code(diagnose=_XAVIER_ERRORS)
def q2(xavier_uniform_):
    bounds = {}
    with seeded(0):
        small = _filled(xavier_uniform_, (3, 5))  # a first easy call: errors show up here
        if float(small.std()) == 0:
            _check_sample(small, (3, 5))
        for shape in _XAVIER_SHAPES:
            values = _filled(xavier_uniform_, shape)
            bounds[shape] = _check_sample(values, shape)
        again = _filled(xavier_uniform_, _XAVIER_SHAPES[0])
        if torch.equal(again, _filled(xavier_uniform_, _XAVIER_SHAPES[0])):
            raise Incorrect("两次调用 xavier_uniform_ 得到了一模一样的权重：函数里不要设随机种子"
                            "（torch.manual_seed），也不要把抽好的权重存起来重复用。否则网络的每一层都是"
                            "同一个矩阵。")
        plain = _filled(xavier_uniform_, (300, 700), parameter=False)
        double = _filled(xavier_uniform_, (700, 300), dtype=torch.float64)
        for shape, values in (((300, 700), plain), ((700, 300), double)):
            bounds[shape] = _check_sample(values, shape)
    fans = {shape: (shape[1], shape[0]) for shape in bounds}
    if all(_close_bound(m, _XAVIER_BOUND(*fans[shape])) for shape, m in bounds.items()):
        return ("每个元素独立地取自 U(-a, a)，a = sqrt(6 / (fan_in + fan_out))，所以方差是 "
                "a²/3 = 2 / (fan_in + fan_out)；fan_out, fan_in = weight.shape，原地填充。")
    for wrong, diagnosis in _WRONG_BOUNDS:
        if all(_close_bound(m, wrong(*fans[shape])) for shape, m in bounds.items()):
            raise Incorrect(diagnosis)
    shape = next(s for s, m in bounds.items() if not _close_bound(m, _XAVIER_BOUND(*fans[s])))
    fan_in, fan_out = fans[shape]
    raise Incorrect(f"weight 的形状是 {shape}（fan_in = {fan_in}，fan_out = {fan_out}）时，你的权重最大的 "
                    f"|w| 是 {bounds[shape]:.4g}，上界应当是 a = sqrt(6 / (fan_in + fan_out)) = "
                    f"{_XAVIER_BOUND(fan_in, fan_out):.4g}。fan_out, fan_in = weight.shape（nn.Linear 的"
                    "权重是 (输出, 输入)）。")


reference_xavier_uniform_ = q2.reference("xavier_uniform_")


# --- q3: which initialisation keeps the variance at layer 50 -----------------------------------

def _need_profiles(profiles, keys, what):
    if not isinstance(profiles, dict) or not all(k in profiles for k in keys):
        raise Incorrect(f"check 需要上面实验格子里的 {what}（一个字典，键是 (激活函数, 初始化)，"
                        f"例如 ('relu', 'He')），你给出的是 {type(profiles).__name__}：{profiles!r:.60}。")
    for key in keys:
        profile = profiles[key]
        if not isinstance(profile, dict) or not all(
                isinstance(profile.get(k), list) and profile[k] for k in ("forward", "backward",
                                                                         "grad_ratio")):
            raise Incorrect(f"{what}[{key!r}] 不是 ex.depth_profile 的结果：用上面实验格子里的 {what}。")
    return profiles


def log_ratio(profiles, activation, init, direction="forward"):
    """log10 of the variance at the far end of ``direction`` over that at its start: layer 50
    over layer 1 forward; layer 1 over layer 50 backward (the backward pass runs from 50 to 1)."""
    values = profiles[(activation, init)][direction]
    return values[-1] - values[0] if direction == "forward" else values[0] - values[-1]


def keeps_best(profiles, activation, direction="forward"):
    """The initialisation whose variance at the far end of ``direction`` stays closest (in
    log10) to that at its start, and each initialisation's ``log_ratio``."""
    ratios = {init: log_ratio(profiles, activation, init, direction) for init in INITS}
    return min(ratios, key=lambda init: abs(ratios[init])), ratios


_PAIRS = tuple((t, r) for t in INITS for r in INITS)


@exercises.prediction(choices=_PAIRS)
def q3(prediction, profiles):
    _need_profiles(profiles, [(a, i) for a in ACTIVATIONS for i in INITS], "profiles")
    lines, wrong = [], []
    for activation, predicted in zip(ACTIVATIONS, prediction):
        best, ratios = keeps_best(profiles, activation)
        shown = "，".join(f"{init} {ratios[init]:+.1f}" for init in INITS)
        lines.append(f"{activation}：第 50 层与第 1 层激活值的方差之比（log10）{shown}，最接近 0 的是 {best}")
        if predicted != best:
            wrong.append((activation, best))
    text = "；".join(lines)
    if not wrong:
        return f"{text}。"
    reasons = []
    for activation, best in wrong:
        if activation == "relu":
            reasons.append("ReLU 把约一半的输出置 0，每层的方差要乘 fan_in·σ²/2：只有 He 的 σ² = 2/fan_in "
                           "让它等于 1；Xavier（这里 fan_in = fan_out，σ² = 1/fan_in）让它每层减半")
        else:
            reasons.append("tanh 只在 0 附近斜率为 1，还把大的输入压扁：默认初始化（fan_in·σ² = 1/3）和 "
                           "N(0, 0.01²)（约 0.013）每层都缩小，50 层后几乎消失；Xavier（= 1）只在线性近似下"
                           "保持方差，每层再损失一点，累积下来明显变小；He（= 2）多给的那一倍大致抵消了压扁，"
                           "前向的方差只小了不到一个数量级（代价在反向图里：梯度往回变大）。"
                           f"实验里最接近的是 {best}")
    raise Incorrect(f"{text}。" + "；".join(reasons) + "。")


# --- q4: linear and softmax regression from equal weights --------------------------------------

_Q4_WORDS = {"A": "能：从全零出发，训练得和随机初始化一样好",
             "B": "不能：像全零的多层感知机一样卡住"}
_Q4_KEYS = ("linear, zeros", "linear, random", "softmax, zeros", "softmax, random")
SAME_LOSS = 0.01  # relative: zeros and random end within 1 % of each other


def same_training(zeros, random, metric="train_loss", tolerance=SAME_LOSS):
    """Whether, seed by seed, ``zeros`` ended within ``tolerance`` (relative) of ``random``
    (both run with the same seeds: the values are matched by seed, not by position)."""
    if sorted(zeros.seeds) != sorted(random.seeds):
        raise ValueError(f"same_training(): zeros ran seeds {zeros.seeds} and random {random.seeds}; "
                         "compare runs over the same seeds")
    by_seed = dict(zip(random.seeds, random.values(metric)))
    return all(abs(z - by_seed[seed]) <= tolerance * abs(by_seed[seed])
               for seed, z in zip(zeros.seeds, zeros.values(metric)))


@exercises.prediction(choices=tuple(_Q4_WORDS))
def q4(prediction, zero_runs):
    need_runs(zero_runs, "各设置的重复实验 zero_runs", at_least=4)
    missing = [key for key in _Q4_KEYS if key not in zero_runs]
    if missing:
        raise Incorrect(f"zero_runs 里缺少 {missing}：用上面实验格子里的 zero_runs。")
    for key in _Q4_KEYS:
        if "train_loss" not in zero_runs[key].metrics() or len(zero_runs[key]) < 5:
            raise Incorrect(f"zero_runs[{key!r}] 要有至少 5 个种子的 'train_loss'："
                            "用上面实验格子里的 zero_runs。")
    for model in ("linear", "softmax"):
        zeros, random = zero_runs[f"{model}, zeros"], zero_runs[f"{model}, random"]
        if sorted(zeros.seeds) != sorted(random.seeds):
            raise Incorrect(f"zero_runs 里 {model} 的全零和随机初始化用了不同的种子（{zeros.seeds} 和 "
                            f"{random.seeds}）：逐个种子比较，两边要用同样的种子。")
    fine = all(same_training(zero_runs[f"{m}, zeros"], zero_runs[f"{m}, random"])
               for m in ("linear", "softmax"))
    answer = "A" if fine else "B"
    shown = ("线性回归和 softmax 回归从全零出发，每个种子的训练损失都和随机初始化相差不到 1%"
             if fine else "至少一个模型从全零出发时，有种子的训练损失和随机初始化相差超过 1%")
    if prediction == answer:
        return f"{shown}。"
    raise Incorrect(f"{shown}：{_Q4_WORDS[answer]}。这两个模型没有隐藏层：每个权重连着一个不同的输入"
                    "（和一个不同的类别），梯度从第一步起就各不相同，没有可以互换的单元；损失又是凸的，"
                    "从哪里出发都走向同一个最小值。")


# --- q5: eigenvalues of a product ---------------------------------------------------------------

_Q5_WORDS = {"always": "总是成立：ρ(AB) ≤ ρ(A)·ρ(B)",
             "not always": "不一定：ρ(AB) 可以大于 ρ(A)·ρ(B)"}


@exercises.prediction(choices=tuple(_Q5_WORDS))
def q5(prediction, counts):
    keys = ("pairs", "radius exceeds", "norm bound broken")
    if not isinstance(counts, dict) or not all(k in counts for k in keys):
        raise Incorrect(f"check 需要上面实验格子里的 counts（键是 {list(keys)}），"
                        f"你给出的是 {counts!r:.80}。")
    pairs, exceeds, broken = (counts[k] for k in keys)
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (pairs, exceeds, broken)):
        raise Incorrect(f"counts 的值应当是非负整数（个数），你给出的是 {counts!r:.80}。")
    if broken:
        raise Incorrect(f"counts 说范数的界有 {broken} 次不成立，这不可能（‖AB‖₂ ≤ ‖A‖₂‖B‖₂ 总成立）："
                        "从上面的实验格子开始重新运行。")
    answer = "not always" if exceeds else "always"
    shown = f"{pairs} 对随机矩阵里，有 {exceeds} 对的 ρ(AB) > ρ(A)·ρ(B)；‖AB‖₂ ≤ ‖A‖₂‖B‖₂ 一次也没有不成立"
    if prediction == answer:
        return f"{shown}。"
    raise Incorrect(f"{shown}：{_Q5_WORDS[answer]}。特征值管的是一个矩阵自己反复作用（A 的幂）时的增长，"
                    "两个不同矩阵相乘时，A 放大的方向不一定是 B 的特征向量；奇异值（‖·‖₂）才是乘积的界。")


# --- q6: which layer gets the largest relative gradient ----------------------------------------

_Q6_WORDS = {"first": "靠近输入的第 1 层", "last": "靠近输出的第 50 层", "same": "差不多（相差不到 10 倍）"}


def relative_gradient_gap(profile):
    """log10 of ||dL/dW|| / ||W|| at the first linear layer minus that at the last one."""
    return profile["grad_ratio"][0] - profile["grad_ratio"][-1]


@exercises.prediction(choices=tuple(_Q6_WORDS))
def q6(prediction, profiles):
    _need_profiles(profiles, [("tanh", "He")], "profiles")
    gap = relative_gradient_gap(profiles[("tanh", "He")])
    answer = "first" if gap > 1 else "last" if gap < -1 else "same"
    shown = f"tanh + He：第 1 层的 ‖∇W‖/‖W‖ 是第 50 层的 10^{gap:.1f} 倍"
    if prediction == answer:
        return f"{shown}，最大的是{_Q6_WORDS[answer]}。"
    raise Incorrect(f"{shown}，所以答案是{_Q6_WORDS[answer]}。前向的方差在这里保持住了（每层的输入一样大），"
                    "反向的梯度却一层层往回变大（第 5 节的反向图），权重的梯度是“这一层的输入”乘“传回来的"
                    "梯度”，所以靠近输入的层梯度最大。同一个学习率对它们不合适：这正是按层缩放学习率（LARS）"
                    "要解决的问题。")
