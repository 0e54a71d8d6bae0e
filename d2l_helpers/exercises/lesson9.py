"""Lesson 9 exercises (book section 4.6): ``from d2l_helpers.exercises import lesson9 as ex``.

Three pieces of code the lesson then uses: the book's ``dropout_layer`` (q1), the
``forward`` of the book's scratch ``Net`` (q2, dropout only while training) and
``hidden_variances`` (q3, the variance of what each hidden layer passes on, for the book's
exercise 3). Each check runs the learner's code on easy and hard inputs: large tensors, so
that the fraction dropped tells p from 1 - p with a fixed generator; p in {0, 0.2, 0.5, 0.8,
1}; the mean over many draws against X (E[dropout(X)] = X), with a tolerance from the
number of draws; both train and eval mode. Three predict-first questions are judged against
the lesson's runs over seeds: swapping the two dropout rates (q4), dropout together with
weight decay (q5) and dropout at test time (q6).
"""
import math
import numbers

import torch
from torch import nn

from d2l_helpers.exercises.core import (
    ExerciseSet,
    Incorrect,
    judge_best,
    need_close,
    need_runs,
    need_tensor,
)
from d2l_helpers.repeats import compare
from d2l_helpers.rng import seeded

exercises = ExerciseSet("第 9 课", __name__)
progress = exercises.progress

BOOK_RATES = (0.2, 0.5)  # the book's dropout1, dropout2


# --- q1: dropout_layer ----------------------------------------------------------------------

_DROPOUT_ERRORS = (
    (r"must match the size of tensor|size of tensor a .* must match",
     "掩码的形状和 X 对不上：掩码要和 X 一样大，每个元素一个，torch.rand(X.shape)。"),
    (r"a leaf Variable that requires grad is being used in an in-place operation",
     "你原地修改了 X（X *= mask、X[mask] = 0、X.mul_ 之类）：要返回一个新的张量，X 本身不动。"),
    (r"unsupported operand type.*'bool'|not supported for bool",
     "布尔掩码不能这样运算：先 .float()，例如 (torch.rand(X.shape) > dropout).float()。"),
)


def _signed_values(shape, g):
    """Values with |x| in [0.5, 1.5] and random signs: never 0, so a 0 in the output was dropped."""
    magnitude = torch.rand(shape, generator=g) + 0.5
    sign = torch.where(torch.rand(shape, generator=g) < 0.5, -1.0, 1.0)
    return magnitude * sign


def _dropped(X, dropout, f):
    """Call the learner's ``f(X, dropout)``; return its output, detached, after the checks that
    every call must pass (a tensor of X's shape, not a mask, X left as it was)."""
    original = X.detach().clone()
    out = f(X, dropout)
    what = f"dropout_layer(X, {dropout})"
    if out is None:
        raise Incorrect(f"{what} 没有返回结果：最后一行要 return mask * X / (1.0 - dropout)。")
    if isinstance(out, tuple):
        raise Incorrect(f"{what} 返回了 {len(out)} 个值（比如 return 结果, mask）：只返回丢弃之后的"
                        "那一个张量，掩码留在函数里。")
    if isinstance(out, (int, float)) and dropout in (0, 1):
        raise Incorrect(f"{what} 返回了一个数 {out!r}，不是张量：下一层要的是和 X 一样形状的张量，"
                        "dropout=1 时返回 torch.zeros_like(X)，dropout=0 时返回 X。")
    need_tensor(out, what)
    if not torch.equal(X.detach(), original):
        raise Incorrect(f"{what} 改了传进来的 X（原地修改：X *= mask、X[mask] = 0、X.mul_ 之类）。"
                        "X 还可能被别处用到（比如反向传播要用它），要返回一个新的张量，X 本身不动。")
    if out.dtype == torch.bool:
        raise Incorrect(f"{what} 返回的是布尔掩码，不是丢弃之后的 X：把掩码（.float()）乘到 X 上，"
                        "再除以 1 - dropout。")
    if tuple(out.shape) != tuple(X.shape):
        raise Incorrect(f"X 的形状是 {tuple(X.shape)}，{what} 的形状却是 {tuple(out.shape)}："
                        "掩码要和 X 一样大，每个元素一个，torch.rand(X.shape)。")
    if not out.is_floating_point():
        raise Incorrect(f"{what} 的结果是整数张量（{out.dtype}）：除以 1 - dropout 要得到小数，"
                        "掩码用 .float()，别用 // 或 .long()。")
    if out.dtype != X.dtype:
        raise Incorrect(f"X 是 {X.dtype}，{what} 却是 {out.dtype}：掩码的类型把结果变了（NumPy 的 "
                        "np.random 和 .double() 给出 float64）。下一层的权重是 float32，会报错 "
                        "“mat1 and mat2 must have the same dtype”。用 torch.rand(X.shape) 做掩码，"
                        "再 .float()（或 .to(X.dtype)），结果就和 X 同一种类型。")
    return out.detach()


def _normal_cdf(x):
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def _check_fraction(zeros, dropout):
    """The fraction of zeros tells p from 1 - p: 6 standard errors on a million elements."""
    n = zeros.numel()
    frac = float(zeros.float().mean())
    tol = 6 * math.sqrt(dropout * (1 - dropout) / n)
    if abs(frac - dropout) <= tol:
        return
    shown = f"dropout={dropout} 时你丢弃了 {100 * frac:.1f}% 的元素，应当约 {100 * dropout:g}%"
    if abs(frac - (1 - dropout)) <= tol:
        raise Incorrect(f"{shown}：这正好是 1 - p。你以概率 p 保留、以概率 1 - p 丢弃，反了。"
                        "dropout 是丢弃的概率：掩码是 torch.rand(X.shape) > dropout（大于 dropout "
                        "的才保留，保留的概率是 1 - dropout）。")
    if abs(frac - _normal_cdf(dropout)) <= tol:
        raise Incorrect(f"{shown}：torch.randn 是标准正态分布，它小于 p 的概率不是 p。用 torch.rand"
                        "（[0, 1) 上的均匀分布）：均匀随机数小于 p 的概率正好是 p。")
    if abs(frac - 0.5) <= tol:
        raise Incorrect(f"{shown}：无论 dropout 是多少，你都丢弃了一半。用参数 dropout，别写死 0.5。")
    if frac == 0:
        raise Incorrect(f"dropout={dropout} 时你一个元素也没有丢弃：掩码要有 0，"
                        "torch.rand(X.shape) > dropout。")
    raise Incorrect(f"{shown}。掩码是 (torch.rand(X.shape) > dropout).float()：每个元素以概率 "
                    "dropout 变成 0。")


def _check_scale(out, X, kept, dropout):
    """Every kept element is x / (1 - p): the scale that keeps E[dropout(X)] = X."""
    ratio = out[kept] / X[kept]
    target = 1 / (1 - dropout)
    if torch.allclose(ratio, torch.full_like(ratio, target), rtol=1e-4, atol=0):
        return
    if float(ratio.std()) > 1e-3 * float(ratio.abs().mean()):
        raise Incorrect(f"dropout={dropout} 时，保留下来的元素没有都乘同一个数：掩码只能是 0 和 1。"
                        "torch.rand(X.shape) 本身不是掩码，要和 dropout 比较："
                        "(torch.rand(X.shape) > dropout).float()。")
    scale = float(ratio.mean())
    known = [(1.0, "保留的元素没有放大：要除以 1 - dropout。只乘掩码的话，输出的期望是 "
                   "(1 - p)·X，比原来小，评估时（不丢弃）下一层收到的数就和训练时不一样大。"),
             (1 / dropout, "除以了 dropout：要除以保留的概率 1 - dropout，期望才等于 X。"),
             (1 - dropout, "乘了 1 - dropout：要除以它，保留的元素要放大，不是缩小。"),
             (dropout, "乘了 dropout：要除以 1 - dropout（保留的概率）。")]
    for value, diagnosis in known:
        if math.isclose(scale, value, rel_tol=1e-3):
            raise Incorrect(f"dropout={dropout} 时保留的元素被乘了 {scale:.4g}：{diagnosis}")
    raise Incorrect(f"dropout={dropout} 时保留的元素被乘了 {scale:.4g}，应当乘 1 / (1 - {dropout}) "
                    f"= {target:.4g}：这样 E[dropout(X)] = X。")


def _check_large(f, X, dropout):
    """One large input: shape, a mask per element (not per column or row), p, the scale."""
    out = _dropped(X, dropout, f)
    if torch.isnan(out).any():
        raise Incorrect(f"dropout={dropout} 时结果里有 nan：看看是不是除以了 0。")
    zeros = (out == 0).reshape(X.shape[0], -1)
    if not zeros.any():
        shifted = float((out == -dropout).float().mean())  # mask * X / 1 - dropout: 0 - dropout
        if abs(shifted - dropout) < 0.05 or abs(shifted - (1 - dropout)) < 0.05:
            raise Incorrect(f"dropout={dropout} 时被丢弃的元素变成了 {-dropout:g}，不是 0：运算顺序。"
                            "mask * X / 1.0 - dropout 是先除以 1 再减去 dropout；分母要加括号："
                            "mask * X / (1.0 - dropout)。")
    if zeros.any() and not zeros.all():
        if (zeros == zeros[:1]).all():
            raise Incorrect(f"X 的形状是 {tuple(X.shape)}，你的输出每一行在同样的位置被丢弃：整个批量"
                            "共用了一个掩码（比如 torch.rand(X.shape[1:]) 或 torch.rand(1, X.shape[1])"
                            "，靠广播用到每一行）。每个样本的每个元素要各抽各的：torch.rand(X.shape)。")
        if (zeros == zeros[:, :1]).all():
            raise Incorrect(f"X 的形状是 {tuple(X.shape)}，你的输出要么整行是 0，要么整行都在：掩码的"
                            "形状是 (批量, 1)，丢弃的是整个样本。每个元素要各抽各的：torch.rand(X.shape)。")
    _check_fraction(zeros, dropout)
    kept = out != 0
    _check_scale(out, X, kept, dropout)


def _check_edges(f, g):
    X = _signed_values((300, 40), g)
    out = _dropped(X, 0, f)
    if torch.isnan(out).any():
        raise Incorrect("dropout=0 时结果里有 nan。dropout=0 时应当原样返回 X。")
    if not out.any():
        raise Incorrect("dropout=0 时你返回了全 0：dropout=0 是一个都不丢，原样返回 X"
                        "（dropout=1 才是全部丢弃；两个特殊情况写反了？）。")
    need_close(out, X, "dropout_layer(X, 0)（应当原样返回 X）", atol=0, rtol=1e-6)
    out = _dropped(X, 1, f)
    if torch.isnan(out).any():
        raise Incorrect("dropout=1 时得到了 nan：掩码全是 0，再除以 1 - 1 = 0，就是 0/0。"
                        "这种情况要单独处理：if dropout == 1: return torch.zeros_like(X)。")
    if torch.isinf(out).any():
        raise Incorrect("dropout=1 时得到了 inf：除以了 1 - 1 = 0。单独处理：if dropout == 1: "
                        "return torch.zeros_like(X)。")
    if torch.equal(out, X):
        raise Incorrect("dropout=1 时你原样返回了 X：dropout=1 是全部丢弃，返回全 0"
                        "（dropout=0 才是全部保留；两个特殊情况写反了？）。")
    need_close(out, torch.zeros_like(X), "dropout_layer(X, 1)（应当全是 0）")


_DRAWS = 400  # calls of dropout_layer on one X for the mean over draws


def _check_expectation(f, g):
    """E[dropout(X)] = X: the mean over _DRAWS calls, element by element and overall, within a
    tolerance from the number of draws (each draw: x / (1 - p) with probability 1 - p)."""
    X = _signed_values((64, 32), g)
    for dropout in (0.2, 0.5, 0.8):
        total = torch.zeros_like(X)
        for _ in range(_DRAWS):
            total += _dropped(X, dropout, f)
        mean = total / _DRAWS
        se = X.abs() * math.sqrt(dropout / ((1 - dropout) * _DRAWS))  # per element
        z = (mean - X) / se
        overall = float(z.sum()) / math.sqrt(z.numel())  # ~ N(0, 1) if unbiased
        if abs(overall) > 5 or float(z.abs().max()) > 6.5:
            ratio = float((mean / X).mean())
            raise Incorrect(f"把同一个 X 用 dropout={dropout} 丢弃 {_DRAWS} 次再平均，应当回到 X"
                            f"（期望不变，E[dropout(X)] = X）；你的平均约是 X 的 {ratio:.3f} 倍。")


def _check_gradient(f, g):
    X = _signed_values((100, 50), g).requires_grad_()
    out = f(X, 0.5)
    if not (torch.is_tensor(out) and out.requires_grad):
        raise Incorrect("结果和 X 的计算图断开了（.detach()、.data、torch.no_grad() 或 "
                        "torch.tensor(...)）：反向传播要穿过 dropout 到达前面的层。")
    out.sum().backward()
    kept = (out.detach() != 0).float()
    need_close(X.grad, kept / 0.5, "dropout_layer 对 X 的梯度（保留处 1/(1-p)，丢弃处 0）")


@exercises.code(diagnose=_DROPOUT_ERRORS)
def q1(dropout_layer):
    with seeded(0):
        g = torch.Generator().manual_seed(0)
        small = _signed_values((4, 10), g)
        _dropped(small, 0.5, dropout_layer)
        X = _signed_values((200, 50), g)  # before the rates: a mask kept from a call is named
        first = _dropped(X, 0.5, dropout_layer)
        if (first == 0).any() and torch.equal(first, _dropped(X, 0.5, dropout_layer)):
            raise Incorrect("两次调用 dropout_layer(X, 0.5) 丢弃了同样的元素：每次调用都要用新抽的随机数"
                            "（torch.rand(X.shape)）重新做掩码。函数里不要设随机种子（torch.manual_seed），"
                            "不要把掩码存起来重复用，掩码也不能由 X 本身的值决定。")
        large = _signed_values((2000, 500), g)
        for dropout in (0.2, 0.8, 0.5):
            _check_large(dropout_layer, large, dropout)
        _check_large(dropout_layer, _signed_values((400, 5, 100), g), 0.5)  # not only 2-D
        _check_edges(dropout_layer, g)
        _check_expectation(dropout_layer, g)
        _check_gradient(dropout_layer, g)
    return ("每个元素以概率 p 变成 0，留下的除以 1 - p，所以 E[dropout(X)] = X；"
            "p = 0 原样返回，p = 1 返回全 0（不除以 0）；每个元素、每次调用各抽各的。")


reference_dropout_layer = q1.reference("dropout_layer")


# --- q2: the book's scratch Net -------------------------------------------------------------

_NET_ERRORS = (
    (r"has no attribute 'is_training'",
     "nn.Module 记录模式的属性叫 self.training（net.train() 和 net.eval() 改的就是它）；书里的 "
     "__init__ 把 is_training 存进了 self.training。在 forward 里写 if self.training:。"),
    (r"name 'is_training' is not defined",
     "is_training 只是 __init__ 的参数，forward 里没有这个名字：用 self.training。"),
    (r"name 'dropout_layer' is not defined",
     "forward 里用到的 dropout_layer 还没有定义：先运行练习 1 和它下面的格子。"),
    (r"name 'dropout[12]' is not defined",
     "dropout1、dropout2 还没有定义：先运行上面定义它们的格子。"),
    (r"name 'net' is not defined",
     "forward 里的网络就是 self：条件写 self.training，不要用外面的变量 net。"),
    (r"local variable '(H1|H2)'|variable '(H1|H2)' referenced before assignment",
     "有一个变量只在 if self.training: 里面赋值了：评估模式下 if 里面不执行，它就没有定义。"
     "H2 = self.relu(self.lin2(H1)) 写在 if 外面，if 里面只放 dropout 那一行。"),
    (r"cannot be multiplied",
     "某个线性层收到的形状不对：lin1 接拉平的图 X.reshape((-1, self.num_inputs))，lin2 接 H1，"
     "lin3 接 H2（按这个顺序）。"),
)


class _DropoutSpy:
    """Stands in for ``dropout_layer`` during the check: records each call, drops with masks
    from its own generator, so that the reference can replay the same masks."""

    def __init__(self):
        self.calls, self.g = [], torch.Generator().manual_seed(7)

    def __call__(self, X, dropout):
        self.calls.append((tuple(X.shape), dropout))
        if dropout == 1:
            return torch.zeros_like(X)
        if dropout == 0:
            return X
        mask = (torch.rand(X.shape, generator=self.g) > dropout).float()
        return mask * X / (1.0 - dropout)


def _book_forward(net, X, rates, spy=None, used=(True, True)):
    """The book's forward on ``net``'s own layers; dropout (through ``spy``) if given;
    ``used``: whether each dropout's result goes on (False: drawn, then not used)."""
    relu = torch.relu
    H1 = relu(net.lin1(X.reshape((-1, net.lin1.in_features))))
    if spy is not None:
        dropped = spy(H1, rates[0])
        H1 = dropped if used[0] else H1
    H2 = relu(net.lin2(H1))
    if spy is not None:
        dropped = spy(H2, rates[1])
        H2 = dropped if used[1] else H2
    return net.lin3(H2)


def _net_output(out, mode):
    if out is None:
        raise Incorrect(f"{mode}的 net(X) 没有返回任何东西：return self.lin3(H2) 要写在 if 外面"
                        "（和 if 对齐），两种模式都要返回。")
    return need_tensor(out, f"{mode}的 net(X)").detach()


def _rates_message(calls, rates, widths):
    seen = [p for _, p in calls]
    shapes = [shape for shape, _ in calls]
    if len(calls) == 1:
        return ("训练模式下 dropout_layer 只调用了一次：两个隐藏层的输出各要一次，"
                "第一个之后用 dropout1，第二个之后用 dropout2。")
    if len(calls) > 2:
        return (f"训练模式下 dropout_layer 调用了 {len(calls)} 次（收到的形状依次是 {shapes}）："
                "只在两个隐藏层的输出上用；输入图像和输出层的 logits 都不要 dropout。")
    if seen == [rates[1], rates[0]] and rates[0] != rates[1]:
        return (f"两个概率用反了：第一个隐藏层之后应当是 dropout1 = {rates[0]}（靠近输入，丢得少），"
                f"第二个之后是 dropout2 = {rates[1]}。")
    if seen[0] == seen[1]:
        return (f"两个隐藏层之后用了同一个概率 {seen[0]}：第一个之后是 dropout1 = {rates[0]}，"
                f"第二个之后是 dropout2 = {rates[1]}。")
    if shapes[0][-1] != widths[0] or shapes[1][-1] != widths[1]:
        return (f"dropout_layer 收到的张量形状依次是 {shapes}：应当是两个隐藏层的输出，"
                f"(批量, {widths[0]}) 和 (批量, {widths[1]})。")
    return f"dropout_layer 收到的概率依次是 {seen}，应当是 [dropout1, dropout2] = {list(rates)}。"


def _check_net(Net, names):
    rates = (names.get("dropout1", BOOK_RATES[0]), names.get("dropout2", BOOK_RATES[1]))
    widths = (64, 48)
    net = Net(784, 10, *widths)
    layers = [getattr(net, name, None) for name in ("lin1", "lin2", "lin3")]
    if not all(isinstance(layer, nn.Linear) for layer in layers):
        raise Incorrect("Net 里要有书里的三个线性层 self.lin1、self.lin2、self.lin3："
                        "__init__ 保持书里的写法，"
                        "只改 forward。")
    if not net.training:
        raise Incorrect("Net(...) 新建时（is_training=True）应当处在训练模式：__init__ 里保留 "
                        "self.training = is_training。")
    X = torch.rand(16, 1, 28, 28)
    with torch.no_grad():
        plain = _book_forward(net, X, rates)
        spy = _DropoutSpy()
        names["dropout_layer"] = spy
        net.train()
        got_train = _net_output(net(X), "训练模式下")
        train_calls, spy.calls = spy.calls, []
        net.eval()
        got_eval = _net_output(net(X), "评估模式下")
        eval_calls = spy.calls
        expected = _book_forward(net, X, rates, _DropoutSpy())
        one_unused = [_book_forward(net, X, rates, _DropoutSpy(), used) for used in
                      ((False, True), (True, False))]
    if tuple(got_train.shape) != (16, 10):
        raise Incorrect(f"net(X) 的形状是 {tuple(got_train.shape)}，应当是 (16, 10)：每张图一行 logits。")
    if not train_calls:
        if eval_calls:
            raise Incorrect("条件写反了：评估模式下调用了 dropout_layer，训练模式下却没有。"
                            "写成 if self.training:（net.train() 时为 True）。")
        if not torch.allclose(got_train, plain, atol=1e-5):
            raise Incorrect("训练模式下你的 forward 没有调用 dropout_layer，输出也和书里的网络不同："
                            "这道题要用练习 1 的 dropout_layer(H1, dropout1) 和 "
                            "dropout_layer(H2, dropout2)。")
        raise Incorrect("训练模式下 forward 没有调用 dropout_layer：在两个隐藏层之后各加一次，"
                        "写在 if self.training: 里面。")
    if eval_calls:
        if train_calls == eval_calls and "train" in Net.forward.__code__.co_names:
            raise Incorrect("条件里用的是 self.train：那是切换模式的方法（net.train() 把网络设成训练模式），"
                            "当作条件永远为真，调用 self.train() 还会把网络切回训练模式。"
                            "记录模式的属性是 self.training：写 if self.training:。")
        if train_calls == eval_calls and "net" in Net.forward.__code__.co_names:
            raise Incorrect("net.eval() 之后仍在 dropout：条件里用了外面的变量 net，检查的是另一个网络。"
                            "forward 里的网络就是 self：写 if self.training:。")
        if train_calls == eval_calls:
            raise Incorrect("net.eval() 之后仍在 dropout：评估时不要丢弃。dropout 要写在 if self.training: "
                            "里面。self.training 由 net.train()/net.eval() 切换；自己另起的属性（比如 "
                            "self.is_training）或一个固定的 True 不会跟着 net.eval() 变。")
        raise Incorrect("评估模式下仍调用了 dropout_layer：两处都要写在 if self.training: 里面。")
    if [p for _, p in train_calls] != list(rates) or [s[-1] for s, _ in train_calls] != list(widths):
        raise Incorrect(_rates_message(train_calls, rates, widths))
    if torch.allclose(got_train, plain, atol=1e-6):
        raise Incorrect("你调用了 dropout_layer，但没有用它的结果：要赋值回去，"
                        "H1 = dropout_layer(H1, dropout1)（H2 同理）。")
    for unused, which in zip(one_unused, ("第一个（dropout1）", "第二个（dropout2）")):
        if torch.allclose(got_train, unused, atol=1e-5):
            raise Incorrect(f"{which} dropout_layer 的结果没有用上：下一步要接着用丢弃之后的 H1（H2），"
                            "H2 = self.relu(self.lin2(H1))，return self.lin3(H2)。")
    for wrong, diagnosis in ((torch.relu, "输出层的 logits 又过了一次 ReLU"),
                             (lambda O: torch.softmax(O, dim=1), "输出做了 softmax")):
        if (torch.allclose(got_train, wrong(expected), atol=1e-5)
                or torch.allclose(got_eval, wrong(plain), atol=1e-5)):
            raise Incorrect(f"{diagnosis}：forward 最后返回 self.lin3(H2) 本身（logits）。"
                            "nn.CrossEntropyLoss 自己会做 softmax；ReLU 只用在隐藏层。")
    need_close(got_train, expected, "训练模式下的 net(X)", atol=1e-5)
    need_close(got_eval, plain, "评估模式下的 net(X)（不丢弃，和没有 dropout 的网络一样）", atol=1e-5)
    if Net(784, 10, *widths, is_training=False).training:
        raise Incorrect("Net(..., is_training=False) 仍在训练模式：__init__ 要把参数存进 "
                        "self.training（self.training = is_training）。")


@exercises.code(context=lambda: {"dropout_layer": reference_dropout_layer,
                                 "dropout1": BOOK_RATES[0], "dropout2": BOOK_RATES[1]},
                diagnose=_NET_ERRORS)
def q2(Net):
    if not (isinstance(Net, type) and issubclass(Net, nn.Module)):
        raise Incorrect("把类 Net 本身交给 check：ex.q2.check(Net)（不是 Net(...) 造出的网络）。")
    names = Net.forward.__globals__  # the notebook's names: dropout_layer, dropout1, dropout2
    missing = object()
    saved = names.get("dropout_layer", missing)
    try:
        with seeded(0):
            _check_net(Net, names)
    finally:
        if saved is missing:
            names.pop("dropout_layer", None)
        else:
            names["dropout_layer"] = saved
    return ("训练模式（net.train()）下两个隐藏层之后各丢弃一次（先 dropout1 后 dropout2），"
            "评估模式（net.eval()）下一个都不丢：条件是 self.training。")


def book_net(read):
    """The book's ``Net`` class (4.6.1) whose ``forward`` asks ``read()`` for
    ``(dropout_layer, dropout1, dropout2)`` at every call: the lesson's fallback reads the
    notebook's current names, e.g. ``ex.book_net(lambda: (dropout_layer, dropout1, dropout2))``."""

    class Net(nn.Module):
        def __init__(self, num_inputs, num_outputs, num_hiddens1, num_hiddens2, is_training=True):
            super().__init__()
            self.num_inputs = num_inputs
            self.training = is_training
            self.lin1 = nn.Linear(num_inputs, num_hiddens1)
            self.lin2 = nn.Linear(num_hiddens1, num_hiddens2)
            self.lin3 = nn.Linear(num_hiddens2, num_outputs)
            self.relu = nn.ReLU()

        def forward(self, X):
            dropout_layer, dropout1, dropout2 = read()
            H1 = self.relu(self.lin1(X.reshape((-1, self.num_inputs))))
            if self.training:
                H1 = dropout_layer(H1, dropout1)
            H2 = self.relu(self.lin2(H1))
            if self.training:
                H2 = dropout_layer(H2, dropout2)
            return self.lin3(H2)

    return Net


# --- q3: the variance of each hidden layer's activations ------------------------------------

def _net_with(rates, widths):
    layers, fan_in = [nn.Flatten()], 784
    for p, width in zip(rates, widths):
        layers += [nn.Linear(fan_in, width), nn.ReLU(), nn.Dropout(p)]
        fan_in = width
    return nn.Sequential(*layers, nn.Linear(fan_in, 10))


def _as_numbers(got, what):
    if torch.is_tensor(got) and got.dim() == 1:
        raise Incorrect(f"{what} 返回了一个张量；要一个列表，每个 nn.Dropout 层一个数。")
    if not isinstance(got, (list, tuple)):
        raise Incorrect(f"{what} 应当返回一个列表（每个 nn.Dropout 层一个方差），你返回的是 "
                        f"{type(got).__name__}。")
    values = []
    for value in got:
        if torch.is_tensor(value):
            if value.numel() != 1:
                raise Incorrect(f"{what} 的每一项应当是一个数（所有元素的方差），你给出的是形状为 "
                                f"{tuple(value.shape)} 的张量：X.var() 不带 dim，对整个张量求。")
            value = float(value.detach())
        if callable(value):
            raise Incorrect(f"{what} 的一项是函数 {getattr(value, '__name__', value)!s:.30}，不是数："
                            "少了括号，写 X.var()（调用它）。")
        if not isinstance(value, numbers.Real) or isinstance(value, bool):
            raise Incorrect(f"{what} 的每一项应当是一个数，你给出的是 {type(value).__name__}。")
        values.append(float(value))
    return values


def _layer_outputs(net, X):
    """The output of every layer of ``net`` on ``X``, in the net's current mode."""
    outputs = []
    with torch.no_grad():
        for layer in net:
            X = layer(X)
            outputs.append(X)
    return outputs


def _variance_mistakes(net, X):
    """Named wrong readings of the same forward pass (one draw of the dropout masks)."""
    outputs = _layer_outputs(net, X)
    kinds = [type(layer) for layer in net]
    after = [outputs[i] for i, k in enumerate(kinds) if k is nn.Dropout]
    before = [outputs[i - 1] for i, k in enumerate(kinds) if k is nn.Dropout]
    linear = [outputs[i] for i, k in enumerate(kinds) if k is nn.Linear][:-1]
    return {"right": [float(H.var()) for H in after],
            "before": [float(H.var()) for H in before],
            "std": [float(H.std()) for H in after],
            "per_unit": [float(H.var(dim=0).mean()) for H in after],
            "per_example": [float(H.var(dim=1).mean()) for H in after],
            "second_moment": [float((H ** 2).mean()) for H in after],
            "linear": [float(H.var()) for H in linear],
            "mean": [float(H.mean()) for H in after]}


def _close_list(a, b, rtol):
    return len(a) == len(b) and all(math.isclose(x, y, rel_tol=rtol, abs_tol=1e-8)
                                    for x, y in zip(a, b))


def _check_variances(f, net, X, training):
    mode = "训练模式" if training else "评估模式"
    net.train(training)
    hooks = sum(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in net.modules())
    with seeded(1):
        got = f(net, X)
    if sum(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in net.modules()) != hooks:
        raise Incorrect("调用你的函数之后，网络上多了前向钩子（register_forward_hook）：用完要 .remove()，"
                        "否则每量一次就多挂一批，训练也跟着变慢。")
    if net.training != training:
        raise Incorrect(f"调用你的函数之后，网络从{mode}变成了{'评估' if training else '训练'}模式："
                        "函数不要调用 net.eval() 或 net.train()，就在网络当前的模式下量。")
    got = _as_numbers(got, "hidden_variances(net, X)")
    with seeded(1):
        wrong = _variance_mistakes(net, X)
    net.train(False)
    plain = _variance_mistakes(net, X)
    net.train(training)
    count = len(wrong["right"])
    if len(got) != count:
        raise Incorrect(f"这个网络有 {count} 个 nn.Dropout 层（每个隐藏层一个），你返回了 {len(got)} "
                        "个数：只在 nn.Dropout 层之后记一次方差，别写死层的下标。")
    rtol = 0.05 if training else 1e-3  # train mode: another draw of the masks moves it a little
    if _close_list(got, wrong["right"], rtol):
        return
    if training and _close_list(got, plain["right"], 1e-3):
        raise Incorrect("训练模式下你量出的方差和评估模式下一样：你量的是 dropout 之前的激活（ReLU 的"
                        "输出），或者在函数里切换了模式。要量 nn.Dropout 层的输出，也就是下一层在"
                        "训练时真正收到的东西。")
    known = [("before", "这是 ReLU 的输出（dropout 之前）的方差：要量 nn.Dropout 层的输出。"),
             ("std", "这是标准差：方差是 X.var()（标准差的平方）。"),
             ("per_unit", "这是每个单元各自的方差（X.var(dim=0)）再求平均；题目要所有元素放在一起的"
                          "方差，X.var() 不带 dim。"),
             ("per_example", "这是每个样本各自的方差（X.var(dim=1)）再求平均；题目要所有元素放在一起"
                             "的方差，X.var() 不带 dim。"),
             ("second_moment", "这是平方的均值（二阶矩 E[X²]），不是方差：方差要先减去均值，"
                               "E[(X - E[X])²]，也就是 X.var()。"),
             ("linear", "这是线性层输出（ReLU 之前）的方差：要量 nn.Dropout 层的输出。"),
             ("mean", "这是均值：方差是 X.var()。")]
    for key, diagnosis in known:
        if _close_list(got, wrong[key], rtol) and not _close_list(wrong[key], wrong["right"], rtol):
            raise Incorrect(f"{mode}下：{diagnosis}")
    expected = ", ".join(f"{v:.4g}" for v in wrong["right"])
    raise Incorrect(f"{mode}下你量出的方差是 {[round(v, 4) for v in got]}，应当约是 [{expected}]："
                    "逐层计算 X = layer(X)，遇到 nn.Dropout 就记下 float(X.var())。")


_VARIANCE_ERRORS = (
    (r"cannot be multiplied",
     "某一层收到的形状不对：逐层计算要用 for layer in net:（或 net.children()），每一层接上一层的"
     "输出，X = layer(X)。net.modules() 第一个给出的是整个 nn.Sequential 本身，X 先被整个网络算了"
     "一遍，再往下就对不上了。"),
)


@exercises.code(diagnose=_VARIANCE_ERRORS)
def q3(hidden_variances):
    with seeded(0):
        X = torch.rand(256, 1, 28, 28)
        nets = [_net_with(BOOK_RATES, (64, 32)), _net_with((0.5, 0.2, 0.3), (48, 40, 24))]
    for net in nets:
        for training in (False, True):
            _check_variances(hidden_variances, net, X, training)
    return ("逐层计算，在每个 nn.Dropout 之后记下方差：训练模式下量到的是被丢弃、放大之后的激活，"
            "评估模式下就是 ReLU 的输出。")


reference_hidden_variances = q3.reference("hidden_variances")


# --- predictions judged against runs over seeds ---------------------------------------------

def _rates_name(rates):
    return f"({rates[0]:g}, {rates[1]:g})"


@exercises.prediction(choices=((0.2, 0.5), (0.5, 0.2)))
def q4(prediction, measured):
    need_runs(measured, "两种顺序的实验结果 swap_runs", at_least=2)
    missing = [rates for rates in ((0.2, 0.5), (0.5, 0.2)) if rates not in measured]
    if missing:
        raise Incorrect(f"swap_runs 里缺少 {missing}（它的键是两种顺序 (0.2, 0.5) 和 (0.5, 0.2)）："
                        "用上面实验格子里的 swap_runs。")
    return judge_best(prediction, measured, "valid_acc", describe=_rates_name,
                      why=lambda prediction, best: (
                          "靠近输入的一层丢得多，后面的层每一步收到的信息少一半，"
                          "拟合得更慢；书里的建议是靠近输入的层用较小的丢弃概率。"))


_WD_WORDS = {"A": "累加：两个一起比单用较好的那个更好",
             "B": "收益递减：两个一起和单用较好的那个差不多",
             "C": "更糟：两个一起比单用较好的那个更差"}


def _additivity(measured, metric="valid_loss"):
    """The best single regulariser (lower mean ``metric``), the comparison of both with it, and
    the choices that count: the verdict's, plus the neighbour when the evidence is borderline
    (significant but p > 0.01; or not significant but p < 0.2)."""
    need_runs(measured, "四种设置的实验结果 wd_runs", at_least=4)
    missing = [key for key in ("dropout", "weight decay", "both") if key not in measured]
    if missing:
        raise Incorrect(f"wd_runs 里缺少 {missing}：用上面实验格子里的 wd_runs。")
    single = min(("dropout", "weight decay"), key=lambda k: measured[k].final(metric).mean)
    verdict = compare(measured["both"], measured[single], metric,
                      names=("两个一起", f"只用 {single}"), label="验证损失")
    if verdict.outcome == "diverged":
        raise Incorrect(f"{verdict}。")
    counted = {"lower": {"A"}, "higher": {"C"}, "noise": {"B"}}[verdict.outcome]
    if verdict.outcome != "noise" and verdict.p_value > 0.01:
        counted.add("B")
    if verdict.outcome == "noise" and verdict.p_value < 0.2:
        counted.add("A" if verdict.difference < 0 else "C")
    return single, verdict, counted


@exercises.prediction(choices=tuple(_WD_WORDS))
def q5(prediction, measured):
    single, verdict, counted = _additivity(measured)
    if prediction in counted:
        also = "" if len(counted) == 1 else (f"（证据在边界上：{'、'.join(sorted(counted))} 都算对）")
        return (f"单用时验证损失较低的是 {single}；{verdict}。"
                f"你的预测 {prediction}（{_WD_WORDS[prediction]}）{also}。")
    right = "、".join(f"{c}（{_WD_WORDS[c]}）" for c in sorted(counted))
    raise Incorrect(f"单用时验证损失较低的是 {single}；{verdict}。按这个结果，算对的是 {right}。"
                    "两种正则化都在限制同一件事（网络记住训练集的能力），一个已经压住了过拟合，"
                    "另一个能再做的就不多了。")


_TEST_WORDS = {"A": "更高", "B": "差不多（差别不显著）", "C": "更低"}


@exercises.prediction(choices=tuple(_TEST_WORDS))
def q6(prediction, measured):
    need_runs(measured, "两种模式的验证精度 mode_runs", at_least=2)
    missing = [key for key in ("train mode", "eval mode") if key not in measured]
    if missing:
        raise Incorrect(f"mode_runs 里缺少 {missing}：用上面实验格子里的 mode_runs。")
    verdict = compare(measured["train mode"], measured["eval mode"], "valid_acc",
                      names=("训练模式（dropout 开着）", "评估模式"), label="验证精度")
    if verdict.outcome == "diverged":
        raise Incorrect(f"{verdict}。")
    answer = {"higher": "A", "noise": "B", "lower": "C"}[verdict.outcome]
    if prediction == answer:
        return f"{verdict}。"
    raise Incorrect(f"{verdict}，也就是 {answer}（{_TEST_WORDS[answer]}）。dropout 开着时，每次预测都"
                    "随机去掉一部分隐藏单元，是一个带噪声的、更弱的子网络在答题；评估模式用的是整个"
                    "网络（1/(1-p) 的放大让它的激活和训练时的期望一样大）。")

