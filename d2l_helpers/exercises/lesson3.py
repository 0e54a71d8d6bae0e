"""Lesson 3 exercises (book section 4.2): ``from d2l_helpers.exercises import lesson3 as ex``.

Questions 1-4 are the chapter's core, written once by the learner: ``relu``, the
parameters, the scratch ``net`` and one training epoch. Each check runs the learner's
function on a few fixed batches beside the reference below (same seed, same batches)
and names the typical mistake. The lesson goes on with ``ex.qK.use(mine, reference)``.
Questions 5-10 are the book's six exercises of section 4.2.
"""
import math

import torch
from torch import nn

from d2l_helpers.exercises.core import ExerciseSet, Incorrect, need_close, need_runs, need_tensor
from d2l_helpers.metrics import Accumulator, accuracy
from d2l_helpers.repeats import Comparison, compare
from d2l_helpers.training import sgd

exercises = ExerciseSet("第 3 课")
progress = exercises.progress


# --- the reference implementations (book section 4.2) ---------------------------------

def reference_relu(X):
    """ReLU, elementwise: ``max(X, 0)`` (book 4.2.2)."""
    return torch.max(X, torch.zeros_like(X))


def reference_init_params(num_inputs=784, num_hiddens=256, num_outputs=10):
    """Return ``[W1, b1, W2, b2]``: weights N(0, 1) * 0.01, zero biases (book 4.2.1)."""
    W1 = nn.Parameter(torch.randn(num_inputs, num_hiddens) * 0.01)
    b1 = nn.Parameter(torch.zeros(num_hiddens))
    W2 = nn.Parameter(torch.randn(num_hiddens, num_outputs) * 0.01)
    b2 = nn.Parameter(torch.zeros(num_outputs))
    return [W1, b1, W2, b2]


def reference_net(params, relu=reference_relu):
    """Return the scratch model ``net(X)`` for ``params = [W1, b1, W2, b2]`` (book 4.2.3)."""
    W1, b1, W2, b2 = params

    def net(X):
        X = X.reshape((-1, W1.shape[0]))
        H = relu(X @ W1 + b1)
        return H @ W2 + b2

    return net


def reference_train_epoch(net, train_iter, loss, updater):
    """One epoch of the book's ``train_epoch_ch3`` (3.6); return ``(train_loss, train_acc)``.

    ``loss`` has ``reduction='none'``; ``updater`` is a ``torch.optim`` optimizer or a
    function ``updater(batch_size)`` such as ``lambda n: d2l.sgd(params, lr, n)``.
    """
    metric = Accumulator(3)  # sum of losses, correct predictions, examples
    for X, y in train_iter:
        y_hat = net(X)
        l = loss(y_hat, y)
        if isinstance(updater, torch.optim.Optimizer):
            updater.zero_grad()
            l.mean().backward()
            updater.step()
        else:
            l.sum().backward()
            updater(X.shape[0])
        metric.add(l.sum().item(), accuracy(y_hat, y), y.numel())
    return metric[0] / metric[2], metric[1] / metric[2]


# --- exercise 1: relu ------------------------------------------------------------------

def _relu_inputs():
    g = torch.Generator().manual_seed(0)
    return [torch.randn(4, 6, generator=g) * 3, torch.randn(2, 3, 5, generator=g),
            torch.tensor([[-2.0, 0.0, 3.0]]), torch.tensor([-1.5, 0.0, 0.5, 2.0])]


def _check_relu(relu):
    for X in _relu_inputs():
        before = X.clone()
        out = relu(X)
        if isinstance(out, tuple):
            raise Incorrect("relu(X) 返回了一对 (values, indices)：torch.max(X, 0) 或 "
                            "torch.max(X, dim=...) 把第二个参数当成了维度，是沿那个维度取最大值。"
                            "ReLU 要把每个元素和 0 比：第二个参数得是张量，比如 "
                            "torch.zeros_like(X)。")
        need_tensor(out, "relu(X)")
        if not torch.equal(X, before):
            raise Incorrect("relu 改动了输入 X 本身（原地修改，如 X[X < 0] = 0）：调用它的人的数据"
                            "被改掉了，反向传播也会出错。返回一个新张量。")
        if out.dtype == torch.bool:
            raise Incorrect("relu(X) 返回的是布尔掩码（哪些元素大于 0），不是 ReLU 的值："
                            "正数应当原样保留。")
        if tuple(out.shape) != tuple(X.shape):
            raise Incorrect(f"输入形状是 {tuple(X.shape)}，relu(X) 的形状却是 {tuple(out.shape)}："
                            "你沿某个维度（或对整个张量）取了最大值。ReLU 是逐元素的，"
                            "输出和输入形状相同。")
        out = out.detach().to(X.dtype)
        if torch.equal(out, (X > 0).to(X.dtype)) and not torch.equal(out, X.clamp(min=0)):
            raise Incorrect("relu(X) 只给出 0 和 1：那是掩码 X > 0（或 ReLU 的导数），"
                            "不是 ReLU 的值。正数应当原样保留。")
        if torch.allclose(out, X.clamp(max=0)):
            raise Incorrect("relu(X) 保留了负数、把正数变成了 0：方向反了，是 max 不是 min。")
        need_close(out, X.clamp(min=0), f"relu(X)（X 的形状 {tuple(X.shape)}）")
    X = torch.tensor([-1.5, 2.0, 0.5, -0.1], requires_grad=True)
    out = relu(X)
    if not out.requires_grad:
        raise Incorrect("relu(X) 的结果断开了计算图（requires_grad=False）：不要用 .detach()、"
                        ".numpy() 或 torch.tensor(...) 新建张量，用 torch 的运算，反向传播才能穿过它。")
    out.sum().backward()
    need_close(X.grad, torch.tensor([0.0, 1.0, 1.0, 0.0]), "relu 的梯度")
    return ("torch.max(X, torch.zeros_like(X))、torch.clamp(X, min=0) 和 X * (X > 0) "
            "都是逐元素的 ReLU。")


q1 = exercises.add(
    "q1", "练习 1（手写 relu）", _check_relu,
    hints=["ReLU(x) = max(x, 0)，对每个元素单独做：输出和输入形状相同。",
           "torch.max 有两种用法：torch.max(X, dim) 沿一个维度取最大值（返回值和下标），"
           "torch.max(X, Y) 逐元素比较两个张量。这里要的是第二种。",
           "造一个和 X 同形状的全零张量：torch.zeros_like(X)。"],
    starter='''def relu(X):
    return ____

ex.q1.check(relu)''',
    solution_code='''def relu(X):
    a = torch.zeros_like(X)
    return torch.max(X, a)

ex.q1.check(relu)''',
    explanation="torch.max(X, a) 在两个同形状的张量之间逐元素取较大的，a 全是 0，正数原样保留、"
                "负数变成 0。torch.clamp(X, min=0) 做的是同一件事。常见的错：torch.max(X, 0) 里的 0 "
                "是维度，它沿第 0 维取最大值并返回 (values, indices)；返回 X > 0 得到的是掩码，"
                "不是 ReLU 的值。",
)


# --- exercise 2: the parameters --------------------------------------------------------

_NAMES = ("W1", "b1", "W2", "b2")


def _check_weight(name, W, fan_in, fan_out, call):
    if W.shape[0] == 786 and fan_in == 784:
        raise Incorrect(f"{name} 有 786 行：每张图 28×28 = 784 个像素，输入是 784 个，"
                        "用参数 num_inputs。")
    if tuple(W.shape) == (fan_out, fan_in) and fan_in != fan_out:
        raise Incorrect(f"{name} 的形状是 {tuple(W.shape)}，行列反了：X @ {name} 要求 {name} 的"
                        f"行数等于输入的个数，应当是 ({fan_in}, {fan_out})。")
    if tuple(W.shape) != (fan_in, fan_out):
        raise Incorrect(f"{call} 的 {name} 形状是 "
                        f"{tuple(W.shape)}，应当是 ({fan_in}, {fan_out})：用函数的参数"
                        "（num_inputs、num_hiddens、num_outputs），不要写死数字。")
    values = W.detach().float()
    if torch.count_nonzero(values) == 0:
        raise Incorrect(f"{name} 全是 0：所有隐藏单元算出同样的值、得到同样的梯度，"
                        "永远一样（对称性）。权重要随机初始化。")
    if bool((values >= 0).all()):
        raise Incorrect(f"{name} 没有负数：torch.rand 是 [0, 1) 上的均匀分布。"
                        "要用标准正态分布 torch.randn。")
    std = float(values.std())
    if std > 0.3:
        raise Incorrect(f"{name} 的标准差是 {std:.2f}：没有乘 0.01（笔记 000 的写法）。标准正态的"
                        "权重让 logits 的标准差远大于 1，一开始的损失就很大（第 13 节的实验）。")
    if not 0.008 < std < 0.012 or abs(float(values.mean())) > 0.003:
        raise Incorrect(f"{name} 的均值是 {float(values.mean()):.4f}、标准差是 {std:.4f}：应当是"
                        "均值 0、标准差 0.01（标准正态乘 0.01）。")


def _check_init_params(init_params):
    params_by_seed = {}
    for num_inputs, num_hiddens, num_outputs in ((784, 256, 10), (784, 64, 10)):
        call = f"init_params({num_inputs}, {num_hiddens}, {num_outputs})"
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            params = init_params(num_inputs, num_hiddens, num_outputs)
        if not isinstance(params, (list, tuple)) or len(params) != 4:
            raise Incorrect(f"init_params 应当返回 [W1, b1, W2, b2] 四个张量的列表，你返回的是 "
                            f"{type(params).__name__}：{params!r:.60}。")
        for name, p in zip(_NAMES, params):
            need_tensor(p, name)
            if p.dtype != torch.float32:
                raise Incorrect(f"{name} 的 dtype 是 {p.dtype}：图像是 float32，"
                                "两者做矩阵乘法会报错。用 torch.randn/torch.zeros 的默认类型。")
        W1, b1, W2, b2 = params
        _check_weight("W1", W1, num_inputs, num_hiddens, call)
        _check_weight("W2", W2, num_hiddens, num_outputs, call)
        for name, b, size in (("b1", b1, num_hiddens), ("b2", b2, num_outputs)):
            if tuple(b.shape) != (size,):
                raise Incorrect(f"{name} 的形状是 {tuple(b.shape)}，应当是 ({size},)：每个单元一个"
                                "偏置，靠广播加到每一行上。")
            if torch.count_nonzero(b.detach()) != 0:
                raise Incorrect(f"{name} 不是全 0：书里偏置初始化为 0（torch.zeros）。")
        for name, p in zip(_NAMES, params):
            if not p.requires_grad:
                raise Incorrect(f"{name} 不需要梯度（requires_grad=False）：反向传播不会算它的 .grad，"
                                "优化器也就无从更新。用 nn.Parameter(...) 把它包起来。")
            if not p.is_leaf:
                raise Incorrect(f"{name} 不是叶子张量（is_leaf=False）：torch.randn(..., "
                                "requires_grad=True) * 0.01 的结果是一次乘法的输出，优化器会拒绝它"
                                "（第 3 节那个故意报错的格子）。把乘完的结果用 nn.Parameter(...) 包起来。")
        params_by_seed[num_hiddens] = W1.detach().clone()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(1)
        other = init_params(784, 256, 10)[0].detach()
    if torch.equal(other, params_by_seed[256]):
        raise Incorrect("换了随机种子，init_params 给出的权重还是一模一样：函数里不要自己设种子"
                        "（torch.manual_seed），种子由调用它的人决定。")
    return "形状 784×256、256、256×10、10；权重标准差 0.01；都是可训练的叶子参数。"


q2 = exercises.add(
    "q2", "练习 2（初始化参数）", _check_init_params,
    hints=["四个参数：W1 (num_inputs, num_hiddens)、b1 (num_hiddens,)、W2 (num_hiddens, num_outputs)、"
           "b2 (num_outputs,)。",
           "权重：标准正态随机数 torch.randn(...) 乘 0.01；偏置：torch.zeros(...)。",
           "乘 0.01 之后的张量不是叶子，要用 nn.Parameter(...) 包起来（第 3 节），"
           "它会自动 requires_grad=True。"],
    starter='''def init_params(num_inputs, num_hiddens, num_outputs):
    W1 = ____
    b1 = ____
    W2 = ____
    b2 = ____
    return [W1, b1, W2, b2]

ex.q2.check(init_params)''',
    solution_code='''def init_params(num_inputs, num_hiddens, num_outputs):
    W1 = nn.Parameter(torch.randn(num_inputs, num_hiddens) * 0.01)
    b1 = nn.Parameter(torch.zeros(num_hiddens))
    W2 = nn.Parameter(torch.randn(num_hiddens, num_outputs) * 0.01)
    b2 = nn.Parameter(torch.zeros(num_outputs))
    return [W1, b1, W2, b2]

ex.q2.check(init_params)''',
    explanation="X @ W1 要求 W1 的行数等于输入个数（784），列数是隐藏单元数；W2 把 256 个隐藏单元"
                "映射到 10 个类别。权重乘 0.01 让一开始的 logits 接近 0（第 13 节看不乘的后果），"
                "偏置取 0。乘过 0.01 的张量是计算结果（有 grad_fn），nn.Parameter 把它重新变成"
                "可训练的叶子参数，并自动 requires_grad=True。",
)


# --- exercise 3: the model -------------------------------------------------------------

def _net_inputs():
    g = torch.Generator().manual_seed(0)
    return [torch.rand(8, 1, 28, 28, generator=g), torch.rand(3, 1, 28, 28, generator=g)]


def _test_values(params):
    """Parameter values of a useful size (biases non-zero), fixed by a seed."""
    g = torch.Generator().manual_seed(1)
    (n_in, n_hid), n_out = params[0].shape, params[2].shape[1]
    return [torch.randn(n_in, n_hid, generator=g) * math.sqrt(2 / n_in),
            torch.randn(n_hid, generator=g) * 0.5,
            torch.randn(n_hid, n_out, generator=g) * math.sqrt(2 / n_hid),
            torch.randn(n_out, generator=g) * 0.5]


def _diagnose_net_error(err):
    text = str(err)
    if isinstance(err, NameError):
        return (f"{text}：Python 区分大小写，参数叫 W1、b1、W2、b2（练习 2 之后的格子把它们"
                "从 params 里取了出来）。")
    if "1D tensors expected" in text:
        return ("torch.dot 只接受两个一维向量（点积），这里是矩阵乘矩阵（笔记 003 的写法）。"
                "矩阵乘法用 @ 或 torch.matmul。")
    if "786" in text:
        return "每张图有 28×28 = 784 个像素，reshape 成 (-1, 784)（用 num_inputs），不是 786。"
    if "cannot be multiplied" in text or "size mismatch" in text or "must match" in text:
        return (f"矩阵形状对不上（{text}）：先把每张图拉平成一行，X.reshape((-1, num_inputs))；"
                "再按 X @ W1、H @ W2 的顺序相乘。")
    return None


def _check_net(net, params):
    if not isinstance(params, (list, tuple)) or len(params) != 4 or not all(
            torch.is_tensor(p) for p in params):
        raise Incorrect("check 的第二个参数应当是 params = [W1, b1, W2, b2]（练习 2 之后的格子"
                        "定义了它）。")
    W1, b1, W2, b2 = params
    if W1.dim() != 2 or W2.dim() != 2 or W1.shape[1] != W2.shape[0]:
        raise Incorrect("params 的形状不对：先让练习 2 通过。")
    inputs = _net_inputs()
    saved = [p.detach().clone() for p in params]
    try:
        try:
            before = net(inputs[0])
        except Exception as err:  # noqa: BLE001 - the learner's code; say what went wrong
            diagnosis = _diagnose_net_error(err)
            if diagnosis is None:
                raise
            raise Incorrect(diagnosis) from None
        with torch.no_grad():
            for p, v in zip(params, _test_values(params)):
                p.copy_(v)
        reference = reference_net(params)
        for X in inputs:
            with torch.no_grad():
                expected = reference(X)
                out = net(X)
                need_tensor(out, f"net(X)（X 的形状 {tuple(X.shape)}）")
                out = out.detach().float()
                if X is inputs[0] and torch.equal(out, before.detach().float()):
                    raise Incorrect("改变 params 的数值后 net 的输出没有变：net 里用的 W1、b1、W2、b2 "
                                    "应当就是传给 check 的 params。")
                if tuple(out.shape) != tuple(expected.shape):
                    raise Incorrect(f"X 的形状是 {tuple(X.shape)}，net(X) 的形状却是 "
                                    f"{tuple(out.shape)}，应当是 {tuple(expected.shape)}"
                                    "（每张图一行，每个类别一列）。先把每张图拉平成长度 num_inputs"
                                    "的向量，-1 让 PyTorch 算出批量大小。")
                flat = X.reshape((-1, W1.shape[0]))
                variants = {
                    "少了激活函数：两层线性变换叠起来还是线性的（第 1 课）。隐藏层是 "
                    "H = relu(X @ W1 + b1)。": (flat @ W1 + b1) @ W2 + b2,
                    "少了隐藏层的偏置 b1。": reference_relu(flat @ W1) @ W2 + b2,
                    "少了输出层的偏置 b2。": reference_relu(flat @ W1 + b1) @ W2,
                    "输出层也过了 relu：输出层不要激活，logits 可以是负数。":
                        reference_relu(expected),
                    "net 返回的是概率（做了 softmax）：nn.CrossEntropyLoss 自己会做 softmax，"
                    "net 应当返回未规范化的 logits。": torch.softmax(expected, dim=1),
                }
                for diagnosis, wrong in variants.items():
                    if torch.allclose(out, wrong, atol=1e-5, rtol=1e-4):
                        raise Incorrect(diagnosis)
                need_close(out, expected, f"net(X)（X 的形状 {tuple(X.shape)}）")
    finally:
        with torch.no_grad():
            for p, s in zip(params, saved):
                p.copy_(s)
    return "先拉平成 (批量, 784)，H = relu(X @ W1 + b1)，输出 H @ W2 + b2（logits）。"


q3 = exercises.add(
    "q3", "练习 3（模型 net）", _check_net,
    hints=["三步：把每张图拉平成长度 num_inputs 的向量；隐藏层 H = relu(线性变换)；"
           "输出层是另一个线性变换，不加激活。",
           "X.reshape((-1, num_inputs))：-1 让 PyTorch 自己算出批量大小。"
           "矩阵乘法用 @（torch.dot 只接受一维向量）。",
           "H = relu(X @ W1 + b1)，返回 H @ W2 + b2。"],
    starter='''def net(X):
    X = ____  # 每张图拉平成长度 num_inputs 的向量
    H = ____  # 隐藏层
    return ____  # 输出层：未规范化的 logits

ex.q3.check(net, params)''',
    solution_code='''def net(X):
    X = X.reshape((-1, num_inputs))
    H = relu(X @ W1 + b1)
    return H @ W2 + b2

ex.q3.check(net, params)''',
    explanation="reshape((-1, 784)) 把 (批量, 1, 28, 28) 变成 (批量, 784)；X @ W1 + b1 的形状是"
                " (批量, 256)，b1 靠广播加到每一行；relu 之后再乘 W2、加 b2，得到 (批量, 10) 的 "
                "logits。softmax 留给 nn.CrossEntropyLoss 去做（第 2 课：分开算会溢出）。"
                "torch.dot 只做两个一维向量的点积，矩阵乘法要用 @ 或 torch.matmul。",
    context=lambda: _net_context(),
)


def _net_context():
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        params = reference_init_params(784, 256, 10)
    W1, b1, W2, b2 = params
    return {"relu": reference_relu, "num_inputs": 784, "params": params,
            "W1": W1, "b1": b1, "W2": W2, "b2": b2}


# --- exercise 4: one training epoch ----------------------------------------------------

_EPOCH_LR = 0.5


def _epoch_data():
    """Three batches of 20 features and 4 classes; the last batch is smaller."""
    g = torch.Generator().manual_seed(0)
    centres = torch.randn(4, 20, generator=g) * 1.5
    batches = []
    for size in (16, 16, 10):
        y = torch.randint(0, 4, (size,), generator=g)
        batches.append((centres[y] + torch.randn(size, 20, generator=g), y))
    return batches


def _epoch_model():
    g = torch.Generator().manual_seed(1)
    params = [nn.Parameter(torch.randn(20, 8, generator=g) * 0.3), nn.Parameter(torch.zeros(8)),
              nn.Parameter(torch.randn(8, 4, generator=g) * 0.3), nn.Parameter(torch.zeros(4))]
    return params, reference_net(params)


def _make_updater(kind, params):
    if kind == "optimizer":
        return torch.optim.SGD(params, lr=_EPOCH_LR)
    return lambda batch_size: sgd(params, _EPOCH_LR, batch_size)


def _run_epoch(train_epoch, kind, batches):
    params, net = _epoch_model()
    result = train_epoch(net, batches, nn.CrossEntropyLoss(reduction="none"),
                         _make_updater(kind, params))
    return params, result


def _no_zero_grad_epoch(net, train_iter, loss, updater):
    """The reference with ``zero_grad`` forgotten: gradients pile up batch after batch."""
    for X, y in train_iter:
        loss(net(X), y).mean().backward()
        updater.step()


def _step_ratio(params, reference, start):
    """How many times the reference's step the learner's step is (least squares)."""
    mine = torch.cat([(p.detach() - s).flatten() for p, s in zip(params, start)])
    ref = torch.cat([(p.detach() - s).flatten() for p, s in zip(reference, start)])
    return float(mine @ ref / (ref @ ref))


def _same(params_a, params_b):
    return all(torch.allclose(a.detach(), b.detach(), atol=1e-6, rtol=1e-5)
               for a, b in zip(params_a, params_b))


_BRANCH = {"optimizer": "优化器（torch.optim.SGD）这一支", "function": "手写更新器这一支"}


def _diagnose_update(train_epoch, kind, batches, params):
    """The parameters after the epoch differ from the reference's: say why."""
    start = [p.detach().clone() for p in _epoch_model()[0]]
    branch = _BRANCH[kind]
    if _same(params, start):
        raise Incorrect(f"{branch}：一个 epoch 之后参数一点没变。看看有没有调用更新（step / updater），"
                        "以及梯度是不是在 backward 之后、更新之前被清零了。")
    one = batches[:1]
    mine_one, _ = _run_epoch(train_epoch, kind, one)
    ref_one, _ = _run_epoch(reference_train_epoch, kind, one)
    if not _same(mine_one, ref_one):
        ratio = _step_ratio(mine_one, ref_one, start)
        size = one[0][0].shape[0]
        if abs(ratio * size - 1) < 0.05:
            if kind == "function":
                raise Incorrect(f"{branch}：第一个批量的参数更新只有应有的 1/{size}（批量大小 {size}）："
                                "梯度被除了两次批量大小。updater(batch_size) 会把梯度再除以批量大小"
                                "（d2l.sgd 里的 / batch_size），所以这一支要对这一批损失的和求梯度；对平均"
                                "（l.mean()，或默认 reduction='mean' 的损失）求梯度就除了两次。笔记 000 用"
                                "默认的 nn.CrossEntropyLoss() 配手写的 sgd，就是这个错。")
            raise Incorrect(f"{branch}：第一个批量的参数更新只有应有的 1/{size}：梯度被多除了一次"
                            "批量大小。优化器对 l.mean() 求出的梯度直接更新，不再除以批量大小。")
        if abs(ratio / size - 1) < 0.05:
            if kind == "function":
                raise Incorrect(f"{branch}：第一个批量的参数更新是应有的 {size} 倍：梯度没有除以批量大小。"
                                "对 l.sum() 求梯度时，updater 要收到这一批的样本数 X.shape[0]，"
                                "由它除以批量大小。")
            raise Incorrect(f"{branch}：第一个批量的参数更新是应有的 {size} 倍：对 l.sum() 求梯度再交给"
                            "优化器，梯度没有除以批量大小。优化器这一支对 l.mean() 反向传播。")
        if abs(ratio + 1) < 0.05:
            raise Incorrect(f"{branch}：参数往梯度的同方向走了（损失会变大）。")
        raise Incorrect(f"{branch}：第一个批量之后参数就和参考实现不同（步长是参考的 {ratio:.2f} 倍）："
                        "前向、损失、反向传播、更新，按这个顺序各做一次。")
    if kind == "optimizer":
        two = batches[:2]
        mine_two, _ = _run_epoch(train_epoch, kind, two)
        piled, net = _epoch_model()
        _no_zero_grad_epoch(net, two, nn.CrossEntropyLoss(reduction="none"),
                            _make_updater(kind, piled))
        if _same(mine_two, piled):
            raise Incorrect(f"{branch}：第一个批量之后参数正确，第二个批量之后就不对了：第二步用的是"
                            "两个批量的梯度之和。PyTorch 的 backward 把梯度累加到 .grad 上，"
                            "每个批量反向传播之前要先清零（updater.zero_grad()）。")
        raise Incorrect(f"{branch}：第一个批量之后参数正确，之后就不对了：每个批量都要完整地"
                        "清零梯度、反向传播、更新一次。")
    raise Incorrect(f"{branch}：第一个批量之后参数正确，之后就不对了：每个批量都要完整地反向传播、"
                    "更新一次。")


def _diagnose_metrics(result, expected, batches):
    if result is None:
        raise Incorrect("train_epoch 没有返回值：应当返回 (平均训练损失, 训练精度)。")
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise Incorrect(f"train_epoch 应当返回两个数 (平均训练损失, 训练精度)，你返回的是 {result!r:.80}。")
    try:
        train_loss, train_acc = (float(v) for v in result)
    except (TypeError, ValueError, RuntimeError):
        raise Incorrect(f"train_epoch 返回的 {result!r:.80} 不是两个数。") from None
    loss_ref, acc_ref = expected
    if not math.isclose(train_acc, acc_ref, rel_tol=1e-6, abs_tol=1e-9):
        if train_acc > 1:
            raise Incorrect(f"训练精度是 {train_acc:.3g}，大于 1：预测正确的个数要除以样本总数。")
        raise Incorrect(f"训练精度是 {train_acc:.4f}，应当是 {acc_ref:.4f}：每个批量累加 "
                        "d2l.accuracy(y_hat, y)（这一批预测正确的个数）和样本数 y.numel()，"
                        "最后一除。")
    if not math.isclose(train_loss, loss_ref, rel_tol=1e-5, abs_tol=1e-8):
        sizes = [X.shape[0] for X, _ in batches]
        if train_loss < loss_ref / 4:
            raise Incorrect(f"平均损失是 {train_loss:.4g}，应当是 {loss_ref:.4g}（小了约 "
                            f"{loss_ref / train_loss:.0f} 倍）：累加的应当是这一批损失的和 "
                            "l.sum().item()，不是平均；最后再除以样本总数。")
        raise Incorrect(f"平均损失是 {train_loss:.5g}，应当是 {loss_ref:.5g}：批量大小是 {sizes}，"
                        "最后一批更小。累加每一批损失的和与样本数，最后一除，"
                        "每个样本才算一样的分量。")


def _check_train_epoch(train_epoch):
    batches = _epoch_data()
    for kind in ("optimizer", "function"):
        try:
            params, result = _run_epoch(train_epoch, kind, batches)
        except (AttributeError, TypeError) as err:
            if kind == "function" and ("zero_grad" in str(err) or "step" in str(err)):
                raise Incorrect("手写更新器是一个函数，没有 zero_grad() 和 step()：这一支只需反向传播，"
                                "再调用 updater(批量大小)；d2l.sgd 自己会清零梯度。") from None
            if kind == "optimizer" and "not callable" in str(err):
                raise Incorrect("优化器不能像函数那样调用（updater(批量大小)）：用 isinstance(updater, "
                                "torch.optim.Optimizer) 分开两种情况，优化器用 zero_grad()、"
                                "backward()、step()。") from None
            raise
        reference, expected = _run_epoch(reference_train_epoch, kind, batches)
        if not _same(params, reference):
            _diagnose_update(train_epoch, kind, batches, params)
        _diagnose_metrics(result, expected, batches)
    return "优化器：zero_grad、l.mean().backward()、step；手写更新器：l.sum().backward()、updater(n)。"


q4 = exercises.add(
    "q4", "练习 4（训练一轮）", _check_train_epoch,
    hints=["每个批量：前向得到 y_hat，算每个样本的损失 l，反向传播，更新参数；再把这一批的损失之和、"
           "预测正确的个数、样本数记进 metric。",
           "PyTorch 的 backward 会把梯度累加到 .grad 上：用优化器时，每个批量先 updater.zero_grad()，"
           "再 backward，再 updater.step()。",
           "两种更新器得到的都应当是“平均损失的梯度”乘学习率：优化器对 l.mean() 求梯度；"
           "手写的 updater(n) 自己除以 n，所以对 l.sum() 求梯度，再 updater(X.shape[0])。",
           "记录：metric.add(l.sum().item(), d2l.accuracy(y_hat, y), y.numel())（书里写 float(l.sum())，"
           "新版 PyTorch 会对带梯度的张量转成数给出警告；.item() 不会）。"],
    starter='''def train_epoch(net, train_iter, loss, updater):
    """训练一轮（书中的 train_epoch_ch3），返回 (平均训练损失, 训练精度)。

    loss 的 reduction='none'：loss(y_hat, y) 给出这一批里每个样本的损失。
    updater 是 PyTorch 的优化器（torch.optim.SGD），或者手写的函数 updater(batch_size)，
    例如 lambda n: d2l.sgd(params, lr, n)：它把梯度除以 n、更新参数，再把梯度清零。
    """
    metric = d2l.Accumulator(3)  # 损失之和、预测正确的个数、样本数
    for X, y in train_iter:
        y_hat = ____
        l = ____
        if isinstance(updater, torch.optim.Optimizer):
            ____  # 用 PyTorch 的优化器更新参数（三步）
        else:
            ____  # 用手写的 updater 更新参数（两步）
        metric.add(____, ____, ____)
    return metric[0] / metric[2], metric[1] / metric[2]

ex.q4.check(train_epoch)''',
    solution_code='''def train_epoch(net, train_iter, loss, updater):
    """训练一轮（书中的 train_epoch_ch3），返回 (平均训练损失, 训练精度)。

    loss 的 reduction='none'：loss(y_hat, y) 给出这一批里每个样本的损失。
    updater 是 PyTorch 的优化器（torch.optim.SGD），或者手写的函数 updater(batch_size)，
    例如 lambda n: d2l.sgd(params, lr, n)：它把梯度除以 n、更新参数，再把梯度清零。
    """
    metric = d2l.Accumulator(3)  # 损失之和、预测正确的个数、样本数
    for X, y in train_iter:
        y_hat = net(X)
        l = loss(y_hat, y)
        if isinstance(updater, torch.optim.Optimizer):
            updater.zero_grad()
            l.mean().backward()
            updater.step()
        else:
            l.sum().backward()
            updater(X.shape[0])
        metric.add(l.sum().item(), d2l.accuracy(y_hat, y), y.numel())
    return metric[0] / metric[2], metric[1] / metric[2]

ex.q4.check(train_epoch)''',
    explanation="两种更新器都走“平均损失的梯度 × 学习率”这一步：torch.optim.SGD 直接用梯度，"
                "所以对 l.mean() 反向传播；手写的 d2l.sgd(params, lr, n) 会除以 n，所以对 l.sum() "
                "反向传播。PyTorch 把梯度累加到 .grad 上，优化器这一支每个批量都要先 zero_grad()"
                "（d2l.sgd 更新完自己清零）。统计时累加损失之和、正确个数和样本数，最后一除，"
                "最后一个较小的批量也按样本数计入。",
)


# --- exercise 5 (book 1): num_hiddens --------------------------------------------------

_WIDTH_PATTERNS = {"A": "一直上升：最宽的最好（或与最好的在噪声以内）",
                   "B": "先升后降：中间某个宽度明显比两端都好",
                   "C": "基本不变：最好和最差之差在噪声以内",
                   "D": "一直下降：最窄的最好"}


def width_pattern(runs_by_width, metric="valid_acc"):
    """Classify how ``metric`` changes with the width: 'A' rises ... 'D' falls (see q5)."""
    widths = sorted(runs_by_width)
    means = {w: runs_by_width[w].final(metric).mean for w in widths}
    best, worst = max(widths, key=means.get), min(widths, key=means.get)
    narrow, wide = runs_by_width[widths[0]], runs_by_width[widths[-1]]

    def outcome(a, b):
        return compare(a, b, metric).outcome

    if outcome(runs_by_width[best], runs_by_width[worst]) == "noise":
        return "C"
    if outcome(wide, runs_by_width[best]) != "lower" and outcome(wide, narrow) == "higher":
        return "A"
    if outcome(narrow, runs_by_width[best]) != "lower" and outcome(narrow, wide) == "higher":
        return "D"
    return "B"


def _check_width(prediction, runs_by_width):
    need_runs(runs_by_width, "各宽度的重复实验 width_runs", at_least=2)
    measured = width_pattern(runs_by_width)
    if prediction != measured:
        raise Incorrect(f"你预测的是 {prediction}（{_WIDTH_PATTERNS[prediction]}），实验测得的是 "
                        f"{measured}（{_WIDTH_PATTERNS[measured]}）。想一想：同样 5 轮、同样的学习率，"
                        "更宽的网络每一步能改动的东西更多吗？看上面的训练精度。")
    return f"实验测得 {measured}（{_WIDTH_PATTERNS[measured]}）。"


q5 = exercises.add(
    "q5", "练习 5（书中练习 1：隐藏单元数）", _check_width,
    hints=["宽度决定模型的容量：太窄时连训练集都拟合不好（欠拟合）。",
           "预算固定（同样的轮数和学习率）时，还要问：哪个宽度在这么少的几步里学得最快？"
           "书里的初始化（乘 0.01）下，输出层的信号和隐藏单元的个数有关。",
           "过拟合要等训练精度明显高过验证精度才会出现；5 轮、12,000 张图时两者差多少？"],
    starter='''prediction = ____  # 'A' / 'B' / 'C' / 'D'
ex.q5.predict(prediction)''',
    solution_code='''prediction = 'A'  # 'A' / 'B' / 'C' / 'D'
ex.q5.predict(prediction)''',
    explanation="这个预算（5 轮、学习率 0.1、乘 0.01 的初始化）下，宽度不只决定容量，还决定起步的快慢："
                "隐藏单元越多，输出层收到的信号越大、梯度越大，几轮之内走得越远，所以训练精度和验证精度"
                "都随宽度上升（上面打印的判断）。过拟合要等训练精度明显高过验证精度才出现。"
                "“最好的宽度”因此取决于预算：训练得更久时起步的优势变小，过拟合和每轮的时间"
                "（宽度翻倍，计算量约翻倍）才成为问题。",
    predict=True, choices=tuple(_WIDTH_PATTERNS),
)


# --- exercise 6 (book 2): more hidden layers -------------------------------------------

_LOSS_CHOICE = {"lower": "A", "noise": "B", "higher": "C"}
_CHOICE_TEXT = {"A": "更低", "B": "差不多（在噪声以内）", "C": "更高"}


def _check_depth(prediction, comparison):
    if not isinstance(comparison, Comparison) or comparison.metric != "train_loss":
        raise Incorrect("check 需要训练损失的比较：d2l.compare(..., \"train_loss\", ...) 的结果"
                        "（上面实验格子里的 depth_verdict）。")
    measured = _LOSS_CHOICE[comparison.outcome]
    if prediction != measured:
        raise Incorrect(f"你预测 3 个隐藏层的训练损失{_CHOICE_TEXT[prediction]}，实验测得："
                        f"{comparison}。想一想：He 初始化下信号能穿过每一层，"
                        "更深的网络每一步能组合出更多的中间特征。")
    return f"实验测得：{comparison}。"


q6 = exercises.add(
    "q6", "练习 6（书中练习 2：更多隐藏层）", _check_depth,
    hints=["先想初始化：每层都乘 0.01 时，信号每过一层缩小很多；He 初始化按输入个数缩放，"
           "让信号的大小一层层保持住。",
           "比较的是同样 5 轮之后的训练损失，也就是谁把训练数据拟合得更快；"
           "噪声由几个种子的差异来衡量。"],
    starter='''prediction = ____  # 'A' 更低 / 'B' 差不多 / 'C' 更高
ex.q6.predict(prediction)''',
    solution_code='''prediction = 'A'  # 'A' 更低 / 'B' 差不多 / 'C' 更高
ex.q6.predict(prediction)''',
    explanation="He 初始化让信号的大小一层层保持住，更深的网络每一步能组合出更多的中间特征，"
                "5 轮之内把训练数据拟合得更快：上面打印的判断里，2 层和 3 层的训练损失都低于 1 层。"
                "这说的是“这个预算下更深的网络学得更快”，不是“每加一层验证精度高几个百分点”："
                "验证精度的差距要和种子噪声比（上面打印的比值）。初始化不当时（乘 1 或乘 0.01），"
                "更深的网络反而发散或停滞。",
    predict=True, choices=tuple(_CHOICE_TEXT),
)


# --- exercise 7 (book 3): learning rate ------------------------------------------------

LEARNING_RATES = (0.01, 0.1, 0.3, 1.0)


def _check_lr(prediction, runs_by_lr):
    need_runs(runs_by_lr, "各学习率的重复实验 lr_runs", at_least=2)
    if prediction not in runs_by_lr:
        raise Incorrect(f"你预测的 {prediction} 不在实验的学习率 {sorted(runs_by_lr)} 里。")
    means = {lr: r.final("valid_acc").mean for lr, r in runs_by_lr.items()}
    best = max(means, key=means.get)
    if prediction == best:
        return f"学习率 {best} 的验证精度最高。"
    verdict = compare(runs_by_lr[prediction], runs_by_lr[best], "valid_acc",
                      names=(f"lr {prediction}", f"lr {best}"), label="验证精度")
    if verdict.outcome == "noise":
        return f"均值最高的是 {best}，{verdict}：你的预测也算对。"
    raise Incorrect(f"实验测得 {verdict}。太小的学习率在 5 轮里走不了多远；"
                    "太大的学习率每一步都跨过头，结果在种子之间抖得厉害。")


q7 = exercises.add(
    "q7", "练习 7（书中练习 3：学习率）", _check_lr,
    hints=["轮数固定时，学习率太小就走不到谷底（欠拟合），太大就来回跳甚至发散。",
           "书里默认的 0.1 是一个安全的选择，不一定是 5 轮之内最快的。"],
    starter='''prediction = ____  # 0.01 / 0.1 / 0.3 / 1.0
ex.q7.predict(prediction)''',
    solution_code='''prediction = 0.3  # 0.01 / 0.1 / 0.3 / 1.0
ex.q7.predict(prediction)''',
    explanation="轮数固定时，学习率太小就走不到谷底（0.01 在 5 轮里几乎没离开起点），"
                "太大就每一步都跨过头、结果在种子之间抖动，再大训练就会彻底失败（损失变成 nan，"
                "或像第 5 课里 lr 3 那样，大部分 ReLU 单元对任何输入都输出 0，精度掉回瞎猜）。"
                "最好的学习率通常在“刚好还稳定”的最大值附近；5 轮的预算下，书里的 0.1 偏保守（上面打印的判断：0.3 高于 0.1）。"
                "轮数一变，最好的学习率也会变。",
    predict=True, choices=LEARNING_RATES,
)


# --- exercise 8 (book 4): joint optimisation, chosen on validation ---------------------

def reference_choose(trials):
    """The trial with the highest validation accuracy (never the test accuracy)."""
    return max(trials, key=lambda t: t["valid_acc"])


def _trial(name, train_acc, valid_acc, test_acc=None):
    trial = {"config": {"name": name}, "train_acc": train_acc, "valid_acc": valid_acc}
    if test_acc is not None:
        trial["test_acc"] = test_acc
    return trial


def _check_choose(choose):
    with_test = [_trial("a", 0.80, 0.78, 0.77), _trial("b", 0.91, 0.79, 0.78),
                 _trial("c", 0.84, 0.83, 0.79), _trial("d", 0.83, 0.81, 0.82),
                 _trial("e", 0.75, 0.74, 0.73)]
    without_test = [_trial("f", 0.70, 0.69), _trial("g", 0.82, 0.80), _trial("h", 0.88, 0.76)]
    for trials, right in ((with_test, "c"), (without_test, "g")):
        try:
            chosen = choose([dict(t) for t in trials])
        except KeyError as err:
            if "test" in str(err):
                raise Incorrect("你用了试验的测试精度 'test_acc'，可搜索时根本不该有它：" +
                                _TEST_MISTAKE) from None
            raise
        names = {t["config"]["name"]: t for t in trials}
        if isinstance(chosen, dict) and "name" in chosen and "valid_acc" not in chosen:
            raise Incorrect("choose 应当返回整个试验（trials 里的一个字典），不只是它的 config。")
        if not isinstance(chosen, dict) or chosen.get("config", {}).get("name") not in names:
            raise Incorrect(f"choose 应当返回 trials 里的一个试验（字典），你返回的是 {chosen!r:.60}。")
        name = chosen["config"]["name"]
        if name == right:
            continue
        by = {key: max(trials, key=lambda t: t.get(key, -1))["config"]["name"]
              for key in ("train_acc", "test_acc")}
        if name == by["test_acc"]:
            raise Incorrect("你选的是测试精度最高的那组。" + _TEST_MISTAKE)
        if name == by["train_acc"]:
            raise Incorrect("你选的是训练精度最高的那组：训练精度高可能只是把训练集记得更牢"
                            "（这组的训练精度远高于验证精度）。挑选看的是没参与训练的数据。")
        if name == min(trials, key=lambda t: t["valid_acc"])["config"]["name"]:
            raise Incorrect("你选的是验证精度最低的那组：要最高的（max，不是 min）。")
        raise Incorrect(f"你选的是 {name}，应当选验证精度最高的那组。")
    return "按验证精度挑选；测试集只留给最后选中的那一组，用一次。"


_TEST_MISTAKE = ("笔记 001 的答案是“找到一个平衡点，使得测试精度最高”，这正是要避免的：用测试集挑选，"
                 "挑中的往往是碰巧在这批测试图上表现好的那组，它的测试精度就不再是对新数据的无偏估计"
                 "（偏高）。挑选用验证集（从训练集里分出来的一部分），测试集只在最后对选中的那组用一次。")

q8 = exercises.add(
    "q8", "练习 8（书中练习 4：联合优化后怎么挑）", _check_choose,
    hints=["每个试验有训练精度和验证精度。哪一个能说明它在没见过的数据上表现如何？",
           "max(trials, key=lambda t: t[...])：方括号里填用来比较的那一项。"],
    starter='''def choose(trials):
    """trials 里每个试验是一个字典：{'config': ..., 'train_acc': ..., 'valid_acc': ...}。
    返回要采用的那个试验。"""
    return ____

ex.q8.check(choose)''',
    solution_code='''def choose(trials):
    """trials 里每个试验是一个字典：{'config': ..., 'train_acc': ..., 'valid_acc': ...}。
    返回要采用的那个试验。"""
    return max(trials, key=lambda t: t["valid_acc"])

ex.q8.check(choose)''',
    explanation="按验证精度挑：验证集没参与训练，又不是测试集。训练精度高可能只是记住了训练集；"
                "测试精度一旦用来挑选，就被“用掉了”：试的组合越多，越可能挑中碰巧在测试集上好的那组，"
                "报告出来的测试精度偏高（笔记 001 的“使得测试精度最高”就是这个错）。"
                "选定之后，测试集只用一次，报告那一个数。",
)


# --- exercise 9 (book 5): why several hyperparameters are harder ----------------------

def _check_grid_runs(grid_runs):
    if isinstance(grid_runs, bool) or not isinstance(grid_runs, (int, float)):
        raise Incorrect(f"grid_runs 应当是一个数，你写的是 {grid_runs!r:.40}。")
    if grid_runs == 1875:
        return "5⁴ = 625 个组合，每个 3 个种子：1875 次完整训练。"
    if grid_runs == 625:
        raise Incorrect("625 是组合的个数；每个组合还要跑 3 个种子，才分得清差别和噪声。")
    if grid_runs in (60, 20):
        raise Incorrect("组合的个数不是相乘 5 × 4：每个超参数的每个取值都要和其他超参数的每个取值"
                        "搭配一次，是 5 × 5 × 5 × 5。")
    if grid_runs in (4 ** 5 * 3, 4 ** 5):
        raise Incorrect("底数和指数反了：4 个超参数、每个 5 个值，是 5 的 4 次方。")
    if grid_runs == 5 ** 4 + 3 or grid_runs == 5 * 4 * 3 + 3:
        raise Incorrect("种子数要乘，不是加：每个组合都跑 3 次。")
    raise Incorrect(f"{grid_runs} 不对：先算组合的个数，再乘上每个组合跑的次数。")


q9 = exercises.add(
    "q9", "练习 9（书中练习 5：为什么多个超参数更难）", _check_grid_runs,
    hints=["一个超参数取 5 个值：5 次训练。两个超参数各取 5 个值：要试多少种搭配？",
           "k 个超参数、每个 v 个值，网格有 v 的 k 次方个组合；每个组合跑 s 个种子。"],
    starter='''grid_runs = ____  # 4 个超参数 × 每个 5 个值的网格，每个组合 3 个种子：一共训练几次？
ex.q9.check(grid_runs)''',
    solution_code='''grid_runs = 5 ** 4 * 3  # 4 个超参数 × 每个 5 个值的网格，每个组合 3 个种子：一共训练几次？
ex.q9.check(grid_runs)''',
    explanation="网格的组合数是 5 × 5 × 5 × 5 = 625，指数随超参数的个数增长（组合爆炸）；"
                "每个组合的结果又带着种子噪声，要跑几次才分得清，于是 1875 次。再加上超参数之间"
                "相互影响（最好的学习率取决于轮数和深度），不能一个一个分别调；"
                "试得越多，也越容易挑中碰巧在验证集上好的组合。",
)


# --- exercise 10 (book 6): a successive-halving step -----------------------------------

def reference_keep_better_half(candidates):
    """The better half by validation accuracy (odd counts round up), best first."""
    ranked = sorted(candidates, key=lambda c: c["valid_acc"], reverse=True)
    return ranked[:(len(candidates) + 1) // 2]


def _candidate(name, valid_acc, train_acc, test_acc):
    return {"config": {"name": name}, "valid_acc": valid_acc, "train_acc": train_acc,
            "test_acc": test_acc}


def _halving_cases():
    eight = [_candidate(n, v, t, s) for n, v, t, s in (
        ("a", 0.71, 0.74, 0.78), ("b", 0.80, 0.81, 0.75), ("c", 0.64, 0.90, 0.66),
        ("d", 0.77, 0.77, 0.79), ("e", 0.69, 0.70, 0.81), ("f", 0.75, 0.78, 0.70),
        ("g", 0.58, 0.60, 0.60), ("h", 0.73, 0.88, 0.74))]
    five = eight[:5]
    return [(eight, ["b", "d", "f", "h"]), (five, ["b", "d", "a"]), (eight[:2], ["b"]),
            (eight[:1], ["a"])]


def _check_halving(keep_better_half):
    for candidates, right in _halving_cases():
        given = [dict(c) for c in candidates]
        kept = keep_better_half(given)
        if not isinstance(kept, (list, tuple)) or not all(isinstance(c, dict) for c in kept):
            raise Incorrect(f"keep_better_half 应当返回候选（字典）的列表，你返回的是 {kept!r:.60}。")
        if not all("valid_acc" in c for c in kept):
            raise Incorrect("返回候选本身（candidates 里的字典），不只是它的 config：下一轮还要用它的"
                            "模型和验证精度。")
        names = [c.get("config", {}).get("name") for c in kept]
        n = len(candidates)
        if len(kept) != len(right):
            raise Incorrect(f"{n} 个候选时留下了 {len(kept)} 个，应当留 {len(right)} 个（一半，"
                            "奇数时多留一个：8 → 4 → 2 → 1，5 → 3）。")
        if set(names) == set(right):
            if names != right:
                raise Incorrect("留下的候选对了，但要按验证精度从高到低排（下一轮的最后一个"
                                "就是胜出者 kept[0]）。")
            continue
        by = {key: [c["config"]["name"] for c in sorted(candidates, key=lambda c: c[key],
                                                        reverse=True)][:len(right)]
              for key in ("test_acc", "train_acc")}
        worst = [c["config"]["name"] for c in sorted(candidates, key=lambda c: c["valid_acc"])]
        if set(names) == set(by["test_acc"]):
            raise Incorrect("你按测试精度淘汰：搜索过程中每一轮都看了测试集，最后报告的测试精度就"
                            "不再无偏。淘汰看验证精度。")
        if set(names) == set(by["train_acc"]):
            raise Incorrect("你按训练精度淘汰：训练精度高可能只是记住了训练集。淘汰看验证精度。")
        if set(names) == set(worst[:len(right)]):
            raise Incorrect("你留下的是验证精度较低的一半：排序方向反了（sorted(..., reverse=True)）。")
        raise Incorrect(f"{n} 个候选时你留下了 {names}，应当留下验证精度最高的 {right}。")
    return "按验证精度从高到低排序，留下前一半（向上取整）。"


q10 = exercises.add(
    "q10", "练习 10（书中练习 6：逐轮减半）", _check_halving,
    hints=["先按 'valid_acc' 从高到低排序：sorted(candidates, key=..., reverse=True)。",
           "留下前 (len(candidates) + 1) // 2 个：8 个留 4 个，5 个留 3 个。"],
    starter='''def keep_better_half(candidates):
    """candidates 里每个是一个字典，有 'config' 和 'valid_acc'（刚训练完这一轮后的验证精度）。
    返回验证精度较高的一半（奇数时多留一个），按验证精度从高到低排。"""
    return ____

ex.q10.check(keep_better_half)''',
    solution_code='''def keep_better_half(candidates):
    """candidates 里每个是一个字典，有 'config' 和 'valid_acc'（刚训练完这一轮后的验证精度）。
    返回验证精度较高的一半（奇数时多留一个），按验证精度从高到低排。"""
    ranked = sorted(candidates, key=lambda c: c["valid_acc"], reverse=True)
    return ranked[:(len(candidates) + 1) // 2]

ex.q10.check(keep_better_half)''',
    explanation="逐轮减半（successive halving）：所有候选先各训练一轮，按验证精度留下较好的一半，"
                "再各训练一轮，如此反复，直到剩一个。差的配置早早被淘汰，预算集中在有希望的配置上"
                "（Hyperband、Optuna 的剪枝器都建立在这个想法上）。淘汰看验证精度：每一轮都看测试集，"
                "等于拿测试集做了选择。代价是：前几轮学得慢、后劲足的配置可能被错杀。",
)
