"""Lesson 4 exercises (book section 4.3): ``from d2l_helpers.exercises import lesson4 as ex``.

Three predict-first questions, one per exercise of the book's section 4.3 (hidden
layers and learning rate, activation functions, weight initialisation), judged
against the lesson's experiment over seeds on a validation split; and two small
pieces of code the experiments then use: ``make_mlp`` (an ``nn.Sequential`` for
given hidden widths) and ``init_he`` (an initialiser for ``net.apply``).
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
    reject_known,
)
from d2l_helpers.rng import seeded

exercises = ExerciseSet("第 4 课", __name__)
progress = exercises.progress


# --- references the lesson falls back on until the learner's code passes ---------------

def make_mlp(hiddens, activation=nn.ReLU):
    """Reference: Flatten, then Linear + activation per hidden width, then Linear(..., 10)."""
    layers, fan_in = [nn.Flatten()], 784
    for width in hiddens:
        layers += [nn.Linear(fan_in, width), activation()]
        fan_in = width
    return nn.Sequential(*layers, nn.Linear(fan_in, 10))


def init_he(m):
    """Reference: He initialisation of an ``nn.Linear``'s weights; biases untouched."""
    if type(m) == nn.Linear:  # noqa: E721 - the book's test, as the learner writes it
        nn.init.normal_(m.weight, std=math.sqrt(2 / m.in_features))


# --- predictions judged against runs over seeds ------------------------------------------

def _layers_lr(setting):
    depth, lr = setting
    return f"{depth} 个隐藏层、lr {lr:g}"


def _depth_lr_why(prediction, best):
    (depth, lr), (best_depth, best_lr) = prediction, best
    if depth > best_depth:
        return ("层数更多反而更差：书的初始化（标准差 0.01）下，信号每过一层就缩小一截，"
                "几轮之内深网络几乎学不动（练习 3 会换一种初始化再看）。")
    if lr < best_lr:
        return "轮数固定时，学习率小，几轮之内走不了多远。"
    return "看上面的图和比较：层数和学习率要一起看。"


def _activation_why(prediction, best):
    if prediction == "Sigmoid":
        return ("sigmoid 的导数最大只有 0.25（第 1 课），输出又不以 0 为中心，"
                "梯度小，同样的轮数里走得慢。")
    return ""


_INIT_NAMES = ("zeros", "normal 0.01", "normal 1.0", "Xavier", "He")


def _check_init(prediction, one_layer, three_layers):
    if prediction == "zeros" and "zeros" not in one_layer:
        raise Incorrect("全零初始化什么也学不到：上面的格子里训练一轮后，隐藏层的权重仍然全是 0，"
                        "网络对每张图给出同样的输出。所有隐藏单元一模一样（对称），梯度也一样。")
    judge_best(prediction, one_layer, "valid_acc", label="验证精度（1 个隐藏层）")
    need_runs(three_layers, "三个隐藏层的实验结果 three_layers", at_least=2)
    if prediction not in three_layers:
        return (f"1 个隐藏层时 {prediction} 属于最好的一组；3 个隐藏层时没有测它，"
                "看看上面 3 层的结果里按层的大小缩放的 He 表现如何。")
    try:
        judge_best(prediction, three_layers, "valid_acc", label="验证精度（3 个隐藏层）")
    except Incorrect as wrong:
        raise Incorrect(f"1 个隐藏层时 {prediction} 属于最好的一组，但 3 个隐藏层时不是：{wrong}"
                        "一个好的初始化要在更深的网络里也能用。") from None
    return (f"1 个隐藏层和 3 个隐藏层时，{prediction} 都属于验证精度最好的一组"
            "（见上面打印的比较）。")


# --- make_mlp: an nn.Sequential for given hidden widths -------------------------------------

def _build(make, hiddens, activation):
    net = make(hiddens) if activation is None else make(hiddens, activation)
    if net is None:
        raise Incorrect("make_mlp 没有返回网络：最后要 return nn.Sequential(...)。")
    if not isinstance(net, nn.Sequential):
        raise Incorrect(f"make_mlp 应当返回一个 nn.Sequential，你返回的是 {type(net).__name__}。")
    return net


def _copy_by_order(source, target):
    """Give ``target`` the parameters of ``source``, layer by layer in order (names may differ:
    an OrderedDict or add_module names them, nn.Sequential(*layers) numbers them)."""
    with torch.no_grad():
        for mine, theirs in zip(target.parameters(), source.parameters(), strict=True):
            mine.copy_(theirs)


def _check_structure(net, hiddens, activation):
    layers = list(net)
    linears = [layer for layer in layers if isinstance(layer, nn.Linear)]
    shown = f"make_mlp({hiddens!r})"
    if not any(isinstance(layer, nn.Flatten) for layer in layers):
        raise Incorrect("缺少 nn.Flatten()：每个批量的图像形状是 (批量, 1, 28, 28)，nn.Linear "
                        "需要 (批量, 784)，第 3 课里这是 X.reshape((-1, 784)) 做的事。")
    if not isinstance(layers[0], nn.Flatten):
        raise Incorrect("nn.Flatten() 要放在最前面：先把图像展平，再进第一个 nn.Linear。")
    if len(linears) != len(hiddens) + 1:
        raise Incorrect(f"{shown} 应当有 {len(hiddens) + 1} 个 nn.Linear（每个隐藏宽度一个，"
                        f"再加输出层），你的网络有 {len(linears)} 个：对 hiddens 里的每个宽度"
                        "循环一次。")
    sizes = [784, *hiddens, 10]
    for i, linear in enumerate(linears):
        fan_in, fan_out = sizes[i], sizes[i + 1]
        if (linear.in_features, linear.out_features) == (fan_in, fan_out):
            continue
        where = f"{shown} 的第 {i + 1} 个 nn.Linear 是 Linear({linear.in_features}, " \
                f"{linear.out_features})"
        if (linear.in_features, linear.out_features) == (fan_out, fan_in):
            raise Incorrect(f"{where}：参数顺序反了，nn.Linear(输入个数, 输出个数)。")
        if i == 0 and linear.in_features != 784:
            raise Incorrect(f"{where}：输入是 28 × 28 = 784 个像素。")
        if i > 0 and linear.in_features != linears[i - 1].out_features:
            raise Incorrect(f"{where}，但上一层输出 {linears[i - 1].out_features} 个数："
                            "每一层的输入个数等于上一层的输出个数，循环里别忘了更新 fan_in。")
        if i == len(linears) - 1:
            raise Incorrect(f"{where}：输出层应当有 10 个输出，每个类别一个。")
        raise Incorrect(f"{where}：第 {i + 1} 个隐藏层的宽度应当是 hiddens[{i}] = {fan_out}。")
    if not isinstance(layers[-1], nn.Linear):
        raise Incorrect(f"{shown} 的最后一层是 {type(layers[-1]).__name__}：输出层之后不要再加激活。"
                        "网络输出的是给 CrossEntropyLoss 的 logits（它自己做 softmax），"
                        "ReLU 会把负的 logits 都截成 0。")
    between = [layers[layers.index(linear) + 1] for linear in linears[:-1]]
    if not all(isinstance(layer, activation) for layer in between):
        wrong = next(layer for layer in between if not isinstance(layer, activation))
        if isinstance(wrong, nn.Linear):
            raise Incorrect(f"{shown} 里两个 nn.Linear 紧挨着，中间没有激活函数：没有非线性，"
                            "多个线性层合起来仍是一个线性层（第 1 课）。")
        raise Incorrect(f"用 make_mlp(hiddens, activation={activation.__name__}) 时，隐藏层后面"
                        f"是 {type(wrong).__name__}：用参数 activation 创建激活层（activation()），"
                        "不要写死 nn.ReLU()。")
    expected = 2 + 2 * len(hiddens)
    if len(layers) != expected:
        raise Incorrect(f"{shown} 有 {len(layers)} 层，应当是 {expected} 层：Flatten，每个隐藏"
                        "宽度一个 Linear 加一个激活，最后一个 Linear。")


_MAKE_MLP_ERRORS = (
    (r"Flatten is not a Module subclass", "nn.Sequential 里要放层的实例：写 nn.Flatten()（带括号），"
                                          "不是类 nn.Flatten 本身。"),
    (r"Linear is not a Module subclass", "nn.Sequential 里要放层的实例：写 nn.Linear(输入个数, "
                                         "输出个数)，不是类 nn.Linear 本身。"),
    (r"is not a Module subclass", "nn.Sequential 里要放层的实例：激活层写 activation()（带括号），"
                                  "不是类 activation 本身。"))


# --- init_he: an initialiser for net.apply ---------------------------------------------------

_INIT_HE_ERRORS = (
    (r"has no attribute 'weight'|has no attribute 'in_features'",
     "net.apply 会对每个子模块调用你的函数，也包括 nn.Flatten、激活层和 nn.Sequential 本身，"
     "它们没有 weight：先判断 type(m) == nn.Linear。"),
    (r"cannot assign .* as parameter 'weight'", "m.weight 是 nn.Parameter，不能直接换成普通张量："
     "用 nn.init.normal_(m.weight, std=...) 原地修改，或赋值给 m.weight.data。"))


def _std_mistakes(fan_in, fan_out):
    """(a standard deviation a learner uses by mistake, why): matched on the log scale."""
    return [
        (0.01, "这是书的标准差 0.01，不是 He 初始化：He 的标准差随每层的输入个数变化。"),
        (1.0, "权重没有缩放（标准差 1）：要乘 sqrt(2 / 输入个数)。"),
        (math.sqrt(2 / fan_out), "标准差用了输出个数（m.out_features，也就是 m.weight.shape[0]："
                                 "nn.Linear 的权重形状是 (输出, 输入)）；He 用输入个数 m.in_features。"),
        (2 / fan_in, "忘了开平方：标准差是 sqrt(2 / 输入个数)，2 / 输入个数是方差。"),
        (math.sqrt(1 / fan_in), "少了因子 2：ReLU 把大约一半的输出置零，He 用 2 / 输入个数 "
                                "补回这一半的方差。"),
        (math.sqrt(2 / (fan_in + fan_out)), "这是 Xavier 初始化（输入个数加输出个数）；He 只用"
                                            "输入个数。"),
        (1 / math.sqrt(3 * fan_in), "权重和 PyTorch 的默认初始化一样：你的函数没有改它。")]


# --- the exercises, in lesson order --------------------------------------------------------

@exercises.prediction(choices=((1, 0.1), (1, 0.3), (2, 0.1), (2, 0.3), (3, 0.1), (3, 0.3)))
def q1(prediction, measured):
    return judge_best(prediction, measured, "valid_acc", describe=_layers_lr, why=_depth_lr_why)


@exercises.code(diagnose=_MAKE_MLP_ERRORS)
def q1b(make):
    cases = [((256,), None), ((256, 128), None), ((64, 32, 16), nn.Tanh), ((), None)]
    with seeded(0):
        X = torch.rand(3, 1, 28, 28)
        for hiddens, activation in cases:
            net = _build(make, hiddens, activation)
            _check_structure(net, hiddens, activation or nn.ReLU)
            reference = make_mlp(hiddens, activation or nn.ReLU)
            _copy_by_order(net, reference)
            with torch.no_grad():
                need_close(net(X), reference(X), f"make_mlp({hiddens!r}) 的输出")
    return ("Flatten，每个隐藏宽度一个 Linear 加一个激活，最后是没有激活的 Linear(…, 10)；"
            "hiddens=() 时就是 softmax 回归。")


@exercises.prediction(choices=("ReLU", "Tanh", "Sigmoid"))
def q2(prediction, measured):
    return judge_best(prediction, measured, "valid_acc", why=_activation_why)


@exercises.prediction(choices=_INIT_NAMES)
def q3(prediction, one_layer, three_layers):
    return _check_init(prediction, one_layer, three_layers)


@exercises.code(diagnose=_INIT_HE_ERRORS)
def q3b(init):
    with seeded(0):
        net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 64),
                            nn.Tanh(), nn.Linear(64, 10))
        linears = [net[1], net[3], net[5]]
        before = [(m.weight.detach().clone(), m.bias.detach().clone()) for m in linears]
        net.apply(init)
    if all(torch.equal(m.weight.detach(), w) for m, (w, _) in zip(linears, before)):
        raise Incorrect("权重没有变：你的条件没有对任何一层成立，或者函数没有原地修改 m.weight。"
                        "type(m) == nn.Linear 比较的是模块的类型（m == nn.Linear 永远不成立）。")
    for m, (_, b) in zip(linears, before):
        weight = m.weight
        shape = (m.out_features, m.in_features)
        if tuple(weight.shape) != shape:
            raise Incorrect(f"Linear({m.in_features}, {m.out_features}) 的权重形状变成了 "
                            f"{tuple(weight.shape)}，应当是 {shape}：nn.Linear 把权重存成 "
                            "(输出个数, 输入个数)，正好是第 3 课 W1 (784, 256) 的转置。")
        if not (isinstance(weight, nn.Parameter) and weight.requires_grad):
            raise Incorrect("权重不再是可训练的 nn.Parameter：原地修改 m.weight（nn.init.normal_）"
                            "或给 m.weight.data 赋值。")
        if not torch.equal(m.bias.detach(), b):
            if not m.bias.detach().any():
                raise Incorrect("偏置被设成了 0：这道题只改权重，偏置保持不变（和书的 init_weights "
                                "一样），这样实验里各组只差在权重上。")
            raise Incorrect("偏置也被改了：这道题只改权重（和书的 init_weights 一样），"
                            "这样实验里各组只差在权重上。")
    for m in linears:
        w = m.weight.detach()
        fan_in, fan_out = m.in_features, m.out_features
        std, mean, expected = float(w.std()), float(w.mean()), math.sqrt(2 / fan_in)
        where = f"Linear({fan_in}, {fan_out}) 的权重"
        if std == 0:
            raise Incorrect(f"{where}都一样（常数）：所有隐藏单元彼此对称，梯度也一样，永远学成一样的"
                            "东西。要用随机数。")
        if abs(mean) > 4 * std / math.sqrt(w.numel()) + 1e-3 * std:
            raise Incorrect(f"{where}均值是 {mean:.3g}，应当是 0。")
        if abs(math.log(std / expected)) > 0.1:
            reject_known(math.log(std), [(math.log(value), why) for value, why in
                                         _std_mistakes(fan_in, fan_out)], atol=0.05, rtol=0)
            raise Incorrect(f"{where}标准差是 {std:.4f}，应当是 sqrt(2 / {fan_in}) = {expected:.4f}。")
    first = linears[0].weight.detach()
    beyond_two = float((first.abs() > 2 * first.std()).float().mean())
    if beyond_two < 0.01:  # normal: about 4.6 %; uniform with the same std: none
        raise Incorrect("权重的标准差对了，但它是均匀分布（比如 kaiming_uniform_）；"
                        "题目要的是正态分布：nn.init.normal_ 或 nn.init.kaiming_normal_。")
    return "每层权重 ~ N(0, 2 / 输入个数)，偏置保持不变，其他模块原样跳过。"
