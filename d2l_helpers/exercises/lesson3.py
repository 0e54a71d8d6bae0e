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

from d2l_helpers.exercises.core import (
    ExerciseSet,
    Incorrect,
    judge_best,
    need_close,
    need_runs,
    need_tensor,
    reject_known,
)
from d2l_helpers.repeats import Comparison, compare
from d2l_helpers.rng import seeded
from d2l_helpers.training import sgd

exercises = ExerciseSet("第 3 课", __name__)
progress = exercises.progress


# --- the references: each solution cell is its exercise's reference (book section 4.2) ---
# reference_relu, reference_init_params, reference_train_epoch, reference_choose and
# reference_keep_better_half are the functions the solutions define (set below each exercise).

def reference_net(params, relu=None):
    """Return the scratch model ``net(X)`` for ``params = [W1, b1, W2, b2]`` (book 4.2.3)."""
    W1, b1, W2, b2 = params
    relu = relu or reference_relu

    def net(X):
        X = X.reshape((-1, W1.shape[0]))
        H = relu(X @ W1 + b1)
        return H @ W2 + b2

    return net


# --- exercise 1: relu ------------------------------------------------------------------

@exercises.code()
def q1(relu):
    g = torch.Generator().manual_seed(0)
    for X in (torch.randn(4, 6, generator=g) * 3, torch.randn(2, 3, 5, generator=g),
              torch.tensor([[-2.0, 0.0, 3.0]]), torch.tensor([-1.5, 0.0, 0.5, 2.0])):
        before = X.clone()
        out = relu(X)
        if isinstance(out, tuple):
            raise Incorrect("relu(X) 返回了一对 (values, indices)：torch.max(X, 0) 或 "
                            "torch.max(X, dim=...) 把第二个参数当成了维度，是沿那个维度取最大值。"
                            "ReLU 要把每个元素和 0 比：第二个参数得是张量，比如 torch.zeros_like(X)。")
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
        reject_known(out, [((X > 0).to(X.dtype), "relu(X) 只给出 0 和 1：那是掩码 X > 0（或 ReLU "
                                                 "的导数），不是 ReLU 的值。正数应当原样保留。"),
                           (X.clamp(max=0), "relu(X) 保留了负数、把正数变成了 0：方向反了，"
                                            "是 max 不是 min。")], atol=0)
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


reference_relu = q1.reference("relu")


# --- exercise 2: the parameters --------------------------------------------------------

def _check_weight(name, W, fan_in, fan_out, call):
    if W.shape[0] == 786 and fan_in == 784:
        raise Incorrect(f"{name} 有 786 行：每张图 28×28 = 784 个像素，输入是 784 个，"
                        "用参数 num_inputs。")
    if tuple(W.shape) == (fan_out, fan_in) and fan_in != fan_out:
        raise Incorrect(f"{name} 的形状是 {tuple(W.shape)}，行列反了：X @ {name} 要求 {name} 的"
                        f"行数等于输入的个数，应当是 ({fan_in}, {fan_out})。")
    if tuple(W.shape) != (fan_in, fan_out):
        raise Incorrect(f"{call} 的 {name} 形状是 {tuple(W.shape)}，应当是 ({fan_in}, {fan_out})："
                        "用函数的参数（num_inputs、num_hiddens、num_outputs），不要写死数字。")
    values = W.detach().float()
    if torch.count_nonzero(values) == 0:
        raise Incorrect(f"{name} 全是 0：所有隐藏单元算出同样的值、得到同样的梯度，"
                        "永远一样（对称性）。权重要随机初始化。")
    if bool((values >= 0).all()):
        raise Incorrect(f"{name} 没有负数：torch.rand 是 [0, 1) 上的均匀分布。要用标准正态分布 "
                        "torch.randn。")
    std = float(values.std())
    if std > 0.3:
        raise Incorrect(f"{name} 的标准差是 {std:.2f}：没有乘 0.01。标准正态的"
                        "权重让 logits 的标准差远大于 1，一开始的损失就很大（第 13 节的实验）。")
    if not 0.008 < std < 0.012 or abs(float(values.mean())) > 0.003:
        raise Incorrect(f"{name} 的均值是 {float(values.mean()):.4f}、标准差是 {std:.4f}：应当是"
                        "均值 0、标准差 0.01（标准正态乘 0.01）。")


def _check_bias(name, b, size):
    """The bias has one value per unit, all zero; (1, size) broadcasts too (returns a note)."""
    if tuple(b.shape) not in ((size,), (1, size)):
        raise Incorrect(f"{name} 的形状是 {tuple(b.shape)}，应当是 ({size},)：每个单元一个"
                        "偏置，靠广播加到每一行上。")
    if torch.count_nonzero(b.detach()) != 0:
        raise Incorrect(f"{name} 不是全 0：书里偏置初始化为 0（torch.zeros）。")
    if tuple(b.shape) == (1, size):
        return (f"{name} 的形状是 (1, {size})：它也能广播到每一行，这样写没错；书里用 ({size},)，"
                "nn.Linear 的 bias 也是一维的。")
    return None


@exercises.code()
def q2(init_params):
    notes, first = [], {}
    for num_inputs, num_hiddens, num_outputs in ((784, 256, 10), (784, 64, 10)):
        call = f"init_params({num_inputs}, {num_hiddens}, {num_outputs})"
        with seeded(0):
            params = init_params(num_inputs, num_hiddens, num_outputs)
        if not isinstance(params, (list, tuple)) or len(params) != 4:
            raise Incorrect(f"init_params 应当返回 [W1, b1, W2, b2] 四个张量的列表，你返回的是 "
                            f"{type(params).__name__}：{params!r:.60}。")
        for name, p in zip(("W1", "b1", "W2", "b2"), params):
            need_tensor(p, name)
            if p.dtype != torch.float32:
                raise Incorrect(f"{name} 的 dtype 是 {p.dtype}：图像是 float32，"
                                "两者做矩阵乘法会报错。用 torch.randn/torch.zeros 的默认类型。")
        W1, b1, W2, b2 = params
        _check_weight("W1", W1, num_inputs, num_hiddens, call)
        _check_weight("W2", W2, num_hiddens, num_outputs, call)
        notes += [_check_bias("b1", b1, num_hiddens), _check_bias("b2", b2, num_outputs)]
        for name, p in zip(("W1", "b1", "W2", "b2"), params):
            if not p.requires_grad:
                raise Incorrect(f"{name} 不需要梯度（requires_grad=False）：反向传播不会算它的 .grad，"
                                "优化器也就无从更新。用 nn.Parameter(...) 把它包起来。")
            if not p.is_leaf:
                raise Incorrect(f"{name} 不是叶子张量（is_leaf=False）：torch.randn(..., "
                                "requires_grad=True) * 0.01 的结果是一次乘法的输出，优化器会拒绝它"
                                "（第 3 节那个故意报错的格子）。把乘完的结果用 nn.Parameter(...) 包起来。")
        first.setdefault("W1", W1.detach().clone())
    with seeded(1):
        other = init_params(784, 256, 10)[0].detach()
    if torch.equal(other, first["W1"]):
        raise Incorrect("换了随机种子，init_params 给出的权重还是一模一样：函数里不要自己设种子"
                        "（torch.manual_seed），种子由调用它的人决定。")
    note = next((n for n in notes if n), "")
    return "形状 784×256、256、256×10、10；权重标准差 0.01；都是可训练的叶子参数。" + note


reference_init_params = q2.reference("init_params")


# --- exercise 3: the model -------------------------------------------------------------

def _test_values(params):
    """Parameter values of a useful size (biases non-zero), fixed by a seed."""
    g = torch.Generator().manual_seed(1)
    (n_in, n_hid), n_out = params[0].shape, params[2].shape[1]
    return [torch.randn(n_in, n_hid, generator=g) * math.sqrt(2 / n_in),
            torch.randn(*params[1].shape, generator=g) * 0.5,
            torch.randn(n_hid, n_out, generator=g) * math.sqrt(2 / n_hid),
            torch.randn(*params[3].shape, generator=g) * 0.5]


_NET_ERRORS = ((r"786", "每张图有 28×28 = 784 个像素，reshape 成 (-1, 784)（用 num_inputs），不是 786。"),
               (r"is not defined", "Python 区分大小写：参数叫 W1、b1、W2、b2（练习 2 之后的格子把它们"
                                   "从 params 里取了出来）。"))


def _net_mistakes(flat, W1, b1, W2, b2, expected):
    relu = reference_relu
    return [((flat @ W1 + b1) @ W2 + b2, "少了激活函数：两层线性变换叠起来还是线性的（第 1 课）。"
                                         "隐藏层是 H = relu(X @ W1 + b1)。"),
            (relu(flat @ W1) @ W2 + b2, "少了隐藏层的偏置 b1。"),
            (relu(flat @ W1 + b1) @ W2, "少了输出层的偏置 b2。"),
            (relu(expected), "输出层也过了 relu：输出层不要激活，logits 可以是负数。"),
            (torch.softmax(expected, dim=1), "net 返回的是概率（做了 softmax）：nn.CrossEntropyLoss "
                                             "自己会做 softmax，net 应当返回未规范化的 logits。")]


@exercises.code(context=lambda: _net_context(), diagnose=_NET_ERRORS)
def q3(net, params):
    if not isinstance(params, (list, tuple)) or len(params) != 4 or not all(
            torch.is_tensor(p) for p in params):
        raise Incorrect("check 的第二个参数应当是 params = [W1, b1, W2, b2]（练习 2 之后的格子"
                        "定义了它）。")
    W1, b1, W2, b2 = params
    if W1.dim() != 2 or W2.dim() != 2 or W1.shape[1] != W2.shape[0]:
        raise Incorrect("params 的形状不对：先让练习 2 通过。")
    g = torch.Generator().manual_seed(0)
    inputs = [torch.rand(8, 1, 28, 28, generator=g), torch.rand(3, 1, 28, 28, generator=g)]
    saved = [p.detach().clone() for p in params]
    try:
        with torch.no_grad():
            before = net(inputs[0])
            for p, v in zip(params, _test_values(params)):
                p.copy_(v)
            for X in inputs:
                expected = reference_net(params)(X)
                out = need_tensor(net(X), f"net(X)（X 的形状 {tuple(X.shape)}）").detach().float()
                if X is inputs[0] and torch.equal(out, before.detach().float()):
                    raise Incorrect("改变 params 的数值后 net 的输出没有变：net 里用的 W1、b1、W2、b2 "
                                    "应当就是传给 check 的 params。")
                if tuple(out.shape) != tuple(expected.shape):
                    raise Incorrect(f"X 的形状是 {tuple(X.shape)}，net(X) 的形状却是 "
                                    f"{tuple(out.shape)}，应当是 {tuple(expected.shape)}"
                                    "（每张图一行，每个类别一列）。先把每张图拉平成长度 num_inputs"
                                    "的向量，-1 让 PyTorch 算出批量大小。")
                flat = X.reshape((-1, W1.shape[0]))
                reject_known(out, _net_mistakes(flat, W1, b1, W2, b2, expected))
                need_close(out, expected, f"net(X)（X 的形状 {tuple(X.shape)}）")
    finally:
        with torch.no_grad():
            for p, s in zip(params, saved):
                p.copy_(s)
    return "先拉平成 (批量, 784)，H = relu(X @ W1 + b1)，输出 H @ W2 + b2（logits）。"


def _net_context():
    with seeded(0):
        params = reference_init_params(784, 256, 10)
    W1, b1, W2, b2 = params
    return {"relu": reference_relu, "num_inputs": 784, "params": params,
            "W1": W1, "b1": b1, "W2": W2, "b2": b2}


# --- exercise 4: one training epoch ----------------------------------------------------

_EPOCH_LR = 0.5
_FIRST_BATCH = 20  # not 16: 1/16 of a step (divided twice) is also 16/256 (updater(256))


def _epoch_data():
    """Three batches of 20 features and 4 classes; the last batch is smaller."""
    g = torch.Generator().manual_seed(0)
    centres = torch.randn(4, 20, generator=g) * 1.5
    batches = []
    for size in (_FIRST_BATCH, 16, 10):
        y = torch.randint(0, 4, (size,), generator=g)
        batches.append((centres[y] + torch.randn(size, 20, generator=g), y))
    return batches


def _run_epoch(train_epoch, kind, batches):
    g = torch.Generator().manual_seed(1)
    params = [nn.Parameter(torch.randn(20, 8, generator=g) * 0.3), nn.Parameter(torch.zeros(8)),
              nn.Parameter(torch.randn(8, 4, generator=g) * 0.3), nn.Parameter(torch.zeros(4))]
    start = [p.detach().clone() for p in params]
    updater = (torch.optim.SGD(params, lr=_EPOCH_LR) if kind == "optimizer"
               else lambda batch_size: sgd(params, _EPOCH_LR, batch_size))
    result = train_epoch(reference_net(params), batches, nn.CrossEntropyLoss(reduction="none"),
                         updater)
    return params, start, result


def _step_ratio(params, reference, start):
    """How many times the reference's step the learner's step is (least squares)."""
    mine = torch.cat([(p.detach() - s).flatten() for p, s in zip(params, start)])
    ref = torch.cat([(p.detach() - s).flatten() for p, s in zip(reference, start)])
    return float(mine @ ref / (ref @ ref))


def _same(params_a, params_b):
    return all(torch.allclose(a.detach(), b.detach(), atol=1e-6, rtol=1e-5)
               for a, b in zip(params_a, params_b))


def _without_zero_grad(net, train_iter, loss, updater):
    """The reference with ``zero_grad`` forgotten: gradients pile up batch after batch."""
    for X, y in train_iter:
        loss(net(X), y).mean().backward()
        updater.step()


_BRANCH = {"optimizer": "优化器（torch.optim.SGD）这一支", "function": "手写更新器这一支"}


def _diagnose_first_step(ratio, kind, size, global_batch):
    """Why the learner's first step is ``ratio`` times the reference's, in words (or None)."""
    branch = _BRANCH[kind]
    if kind == "function" and global_batch and abs(ratio * global_batch / size - 1) < 0.05:
        return (f"{branch}：第一个批量的参数更新是应有的 {size}/{global_batch}：updater 收到的是全局的 "
                f"batch_size（{global_batch}），不是这一批的样本数（{size}）。最后一个批量往往更小，"
                "检查用的批量也和上课的不一样大：写 updater(X.shape[0])。")
    if abs(ratio * size - 1) < 0.05:
        if kind == "function":
            return (f"{branch}：第一个批量的参数更新只有应有的 1/{size}（批量大小 {size}）："
                    "梯度被除了两次批量大小。updater(batch_size) 会把梯度再除以批量大小（d2l.sgd "
                    "里的 / batch_size），所以这一支要对这一批损失的和求梯度；对平均（l.mean()，或默认 "
                    "reduction='mean' 的损失）求梯度就除了两次（第 6 课第 9 条）。")
        return (f"{branch}：第一个批量的参数更新只有应有的 1/{size}：梯度被多除了一次批量大小。"
                "优化器对 l.mean() 求出的梯度直接更新，不再除以批量大小。")
    if abs(ratio / size - 1) < 0.05:
        if kind == "function":
            return (f"{branch}：第一个批量的参数更新是应有的 {size} 倍：梯度没有除以批量大小。"
                    "对 l.sum() 求梯度时，updater 要收到这一批的样本数 X.shape[0]，由它除以批量大小。")
        return (f"{branch}：第一个批量的参数更新是应有的 {size} 倍：对 l.sum() 求梯度再交给"
                "优化器，梯度没有除以批量大小。优化器这一支对 l.mean() 反向传播。")
    if abs(ratio + 1) < 0.05:
        return f"{branch}：参数往梯度的同方向走了（损失会变大）。"
    return None


def _diagnose_update(train_epoch, kind, batches, params, start):
    """The parameters after the epoch differ from the reference's: say why."""
    branch = _BRANCH[kind]
    if _same(params, start):
        raise Incorrect(f"{branch}：一个 epoch 之后参数一点没变。看看有没有调用更新（step / updater），"
                        "以及梯度是不是在 backward 之后、更新之前被清零了。")
    mine_one, _, _ = _run_epoch(train_epoch, kind, batches[:1])
    ref_one, _, _ = _run_epoch(reference_train_epoch, kind, batches[:1])
    if not _same(mine_one, ref_one):
        ratio = _step_ratio(mine_one, ref_one, start)
        global_batch = getattr(train_epoch, "__globals__", {}).get("batch_size")
        global_batch = global_batch if isinstance(global_batch, int) else None
        raise Incorrect(_diagnose_first_step(ratio, kind, _FIRST_BATCH, global_batch) or (
            f"{branch}：第一个批量之后参数就和参考实现不同（步长是参考的 {ratio:.2f} 倍）："
            "前向、损失、反向传播、更新，按这个顺序各做一次。"))
    if kind == "optimizer":
        mine_two, _, _ = _run_epoch(train_epoch, kind, batches[:2])
        piled, _, _ = _run_epoch(_without_zero_grad, kind, batches[:2])
        if _same(mine_two, piled):
            raise Incorrect(f"{branch}：第一个批量之后参数正确，第二个批量之后就不对了：第二步用的是"
                            "两个批量的梯度之和。PyTorch 的 backward 把梯度累加到 .grad 上，"
                            "每个批量反向传播之前要先清零（updater.zero_grad()）。")
    raise Incorrect(f"{branch}：第一个批量之后参数正确，之后就不对了：每个批量都要完整地"
                    f"{'清零梯度、' if kind == 'optimizer' else ''}反向传播、更新一次。")


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
        if train_loss < loss_ref / 4:
            raise Incorrect(f"平均损失是 {train_loss:.4g}，应当是 {loss_ref:.4g}（小了约 "
                            f"{loss_ref / train_loss:.0f} 倍）：累加的应当是这一批损失的和 "
                            "l.sum().item()，不是平均；最后再除以样本总数。")
        raise Incorrect(f"平均损失是 {train_loss:.5g}，应当是 {loss_ref:.5g}：批量大小是 "
                        f"{[X.shape[0] for X, _ in batches]}，最后一批更小。累加每一批损失的和与"
                        "样本数，最后一除，每个样本才算一样的分量。")


_EPOCH_ERRORS = (
    (r"zero_grad|has no attribute 'step'", "手写更新器是一个函数，没有 zero_grad() 和 step()："
                                          "这一支只需反向传播，再调用 updater(批量大小)；d2l.sgd "
                                          "自己会清零梯度。"),
    (r"'SGD' object is not callable", "优化器不能像函数那样调用（updater(批量大小)）：用 "
                                      "isinstance(updater, torch.optim.Optimizer) 分开两种情况，"
                                      "优化器用 zero_grad()、backward()、step()。"))


@exercises.code(diagnose=_EPOCH_ERRORS)
def q4(train_epoch):
    batches = _epoch_data()
    for kind in ("optimizer", "function"):
        params, start, result = _run_epoch(train_epoch, kind, batches)
        reference, _, expected = _run_epoch(reference_train_epoch, kind, batches)
        if not _same(params, reference):
            _diagnose_update(train_epoch, kind, batches, params, start)
        _diagnose_metrics(result, expected, batches)
    return "优化器：zero_grad、l.mean().backward()、step；手写更新器：l.sum().backward()、updater(n)。"


reference_train_epoch = q4.reference("train_epoch")


# --- exercise 5 (book 1): num_hiddens --------------------------------------------------

_WIDTH_PATTERNS = {"A": "宽的更好：最宽的（或与最好的差别不显著）明显好过最窄的",
                   "B": "中间最好：中间某个宽度明显比两端都好",
                   "C": "基本不变：最好和最差之差不显著",
                   "D": "窄的更好：最窄的（或与最好的差别不显著）明显好过最宽的"}


def width_pattern(runs_by_width, metric="valid_acc"):
    """Classify how ``metric`` changes with the width: 'A' wide is better ... 'D' (see q5)."""
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


@exercises.prediction(choices=tuple(_WIDTH_PATTERNS))
def q5(prediction, runs_by_width):
    need_runs(runs_by_width, "各宽度的重复实验 width_runs", at_least=2)
    measured = width_pattern(runs_by_width)
    if prediction != measured:
        raise Incorrect(f"你预测的是 {prediction}（{_WIDTH_PATTERNS[prediction]}），实验测得的是 "
                        f"{measured}（{_WIDTH_PATTERNS[measured]}）。想一想：同样 5 轮、同样的学习率，"
                        "更宽的网络每一步能改动的东西更多吗？看上面的训练精度。")
    return f"实验测得 {measured}（{_WIDTH_PATTERNS[measured]}）。"


# --- exercise 6 (book 2): more hidden layers -------------------------------------------

_LOSS_CHOICE = {"lower": "A", "noise": "B", "higher": "C"}
_CHOICE_TEXT = {"A": "更低", "B": "差不多（差别不显著）", "C": "更高"}


@exercises.prediction(choices=tuple(_CHOICE_TEXT))
def q6(prediction, comparison):
    if not isinstance(comparison, Comparison) or comparison.metric != "train_loss":
        raise Incorrect("check 需要训练损失的比较：d2l.compare(..., \"train_loss\", ...) 的结果"
                        "（上面实验格子里的 depth_verdict）。")
    if comparison.outcome == "diverged":
        raise Incorrect(f"比较里有种子发散了：{comparison}。")
    measured = _LOSS_CHOICE[comparison.outcome]
    if prediction != measured:
        raise Incorrect(f"你预测 3 个隐藏层的训练损失{_CHOICE_TEXT[prediction]}，实验测得："
                        f"{comparison}。想一想：He 初始化下信号能穿过每一层，"
                        "更深的网络每一步能组合出更多的中间特征。")
    return f"实验测得：{comparison}。"


# --- exercise 7 (book 3): learning rate ------------------------------------------------

LEARNING_RATES = (0.01, 0.1, 0.3, 1.0)


@exercises.prediction(choices=LEARNING_RATES)
def q7(prediction, runs_by_lr):
    return judge_best(prediction, runs_by_lr, "valid_acc", describe=lambda lr: f"lr {lr}",
                      why=lambda p, best: "太小的学习率在 5 轮里走不了多远；太大的学习率每一步"
                                          "都跨过头，结果在种子之间抖得厉害。")


# --- exercise 8 (book 4): joint optimisation, chosen on validation ---------------------

def _trial(name, train_acc, valid_acc, test_acc=None):
    trial = {"config": {"name": name}, "train_acc": train_acc, "valid_acc": valid_acc}
    return trial if test_acc is None else {**trial, "test_acc": test_acc}


_TEST_MISTAKE = ("一种常见的说法是“找到一个平衡点，使得测试精度最高”，这正是要避免的：用测试集挑选，"
                 "挑中的往往是碰巧在这批测试图上表现好的那组，它的测试精度就不再是对新数据的无偏估计"
                 "（偏高）。挑选用验证集（从训练集里分出来的一部分），测试集只在最后对选中的那组用一次。")


@exercises.code(diagnose=((r"'test_acc'", "你用了试验的测试精度 'test_acc'，可搜索时根本不该"
                                         "有它：" + _TEST_MISTAKE),))
def q8(choose):
    with_test = [_trial("a", 0.80, 0.78, 0.77), _trial("b", 0.91, 0.79, 0.78),
                 _trial("c", 0.84, 0.83, 0.79), _trial("d", 0.83, 0.81, 0.82),
                 _trial("e", 0.75, 0.74, 0.73)]
    without_test = [_trial("f", 0.70, 0.69), _trial("g", 0.82, 0.80), _trial("h", 0.88, 0.76)]
    for trials, right in ((with_test, "c"), (without_test, "g")):
        chosen = choose([dict(t) for t in trials])
        names = {t["config"]["name"] for t in trials}
        if isinstance(chosen, dict) and "name" in chosen and "valid_acc" not in chosen:
            raise Incorrect("choose 应当返回整个试验（trials 里的一个字典），不只是它的 config。")
        if not isinstance(chosen, dict) or chosen.get("config", {}).get("name") not in names:
            raise Incorrect(f"choose 应当返回 trials 里的一个试验（字典），你返回的是 {chosen!r:.60}。")
        name = chosen["config"]["name"]
        if name == right:
            continue
        by = {key: max(trials, key=lambda t: t.get(key, -1))["config"]["name"]
              for key in ("train_acc", "test_acc")}
        reject_known(name, [
            (by["test_acc"], "你选的是测试精度最高的那组。" + _TEST_MISTAKE),
            (by["train_acc"], "你选的是训练精度最高的那组：训练精度高可能只是把训练集记得更牢"
                              "（这组的训练精度远高于验证精度）。挑选看的是没参与训练的数据。"),
            (min(trials, key=lambda t: t["valid_acc"])["config"]["name"],
             "你选的是验证精度最低的那组：要最高的（max，不是 min）。")])
        raise Incorrect(f"你选的是 {name}，应当选验证精度最高的那组。")
    return "按验证精度挑选；测试集只留给最后选中的那一组，用一次。"


reference_choose = q8.reference("choose")


# --- exercise 9 (book 5): why several hyperparameters are harder ----------------------

@exercises.code(functions=0)
def q9(grid_runs):
    if isinstance(grid_runs, bool) or not isinstance(grid_runs, (int, float)):
        raise Incorrect(f"grid_runs 应当是一个数，你写的是 {grid_runs!r:.40}。")
    reject_known(grid_runs, [
        (625, "625 是组合的个数；每个组合还要跑 5 个种子，才分得清差别和噪声。"),
        (100, "组合的个数不是相乘 5 × 4：每个超参数的每个取值都要和其他超参数的每个取值搭配一次，"
              "是 5 × 5 × 5 × 5。"),
        (20, "组合的个数不是相乘 5 × 4：每个超参数的每个取值都要和其他超参数的每个取值搭配一次，"
             "是 5 × 5 × 5 × 5。"),
        (4 ** 5 * 5, "底数和指数反了：4 个超参数、每个 5 个值，是 5 的 4 次方。"),
        (4 ** 5, "底数和指数反了：4 个超参数、每个 5 个值，是 5 的 4 次方。"),
        (5 ** 4 + 5, "种子数要乘，不是加：每个组合都跑 5 次。")], atol=0, rtol=0)
    if grid_runs != 3125:
        raise Incorrect(f"{grid_runs} 不对：先算组合的个数，再乘上每个组合跑的次数。")
    return "5⁴ = 625 个组合，每个 5 个种子：3125 次完整训练。"


# --- exercise 10 (book 6): a successive-halving step -----------------------------------

def _halving_cases():
    eight = [{"config": {"name": n}, "valid_acc": v, "train_acc": t, "test_acc": s}
             for n, v, t, s in (("a", 0.71, 0.74, 0.78), ("b", 0.80, 0.81, 0.75),
                                ("c", 0.64, 0.90, 0.66), ("d", 0.77, 0.77, 0.79),
                                ("e", 0.69, 0.70, 0.81), ("f", 0.75, 0.78, 0.70),
                                ("g", 0.58, 0.60, 0.60), ("h", 0.73, 0.88, 0.74))]
    return [(eight, ["b", "d", "f", "h"]), (eight[:5], ["b", "d", "a"]), (eight[:2], ["b"]),
            (eight[:1], ["a"])]


def _top(candidates, key, count, reverse=True):
    return {c["config"]["name"] for c in sorted(candidates, key=lambda c: c[key],
                                                reverse=reverse)[:count]}


@exercises.code()
def q10(keep_better_half):
    for candidates, right in _halving_cases():
        kept = keep_better_half([dict(c) for c in candidates])
        if not isinstance(kept, (list, tuple)) or not all(isinstance(c, dict) for c in kept):
            raise Incorrect(f"keep_better_half 应当返回候选（字典）的列表，你返回的是 {kept!r:.60}。")
        if not all("valid_acc" in c for c in kept):
            raise Incorrect("返回候选本身（candidates 里的字典），不只是它的 config：下一轮还要用它的"
                            "模型和验证精度。")
        names = [c.get("config", {}).get("name") for c in kept]
        if len(kept) != len(right):
            raise Incorrect(f"{len(candidates)} 个候选时留下了 {len(kept)} 个，应当留 {len(right)} 个"
                            "（一半，奇数时多留一个：8 → 4 → 2 → 1，5 → 3）。")
        if set(names) == set(right):
            if names != right:
                raise Incorrect("留下的候选对了，但要按验证精度从高到低排（下一轮的最后一个"
                                "就是胜出者 kept[0]）。")
            continue
        n = len(right)
        reject_known(set(names), [
            (_top(candidates, "test_acc", n), "你按测试精度淘汰：搜索过程中每一轮都看了测试集，最后"
                                              "报告的测试精度就不再无偏。淘汰看验证精度。"),
            (_top(candidates, "train_acc", n), "你按训练精度淘汰：训练精度高可能只是记住了训练集。"
                                               "淘汰看验证精度。"),
            (_top(candidates, "valid_acc", n, reverse=False),
             "你留下的是验证精度较低的一半：排序方向反了（sorted(..., reverse=True)）。")])
        raise Incorrect(f"{len(candidates)} 个候选时你留下了 {names}，应当留下验证精度最高的 {right}。")
    return "按验证精度从高到低排序，留下前一半（向上取整）。"


reference_keep_better_half = q10.reference("keep_better_half")
