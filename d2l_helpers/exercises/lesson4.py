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

from d2l_helpers.exercises.core import ExerciseSet, Incorrect, need_close, need_runs
from d2l_helpers.repeats import compare

exercises = ExerciseSet("第 4 课")
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
    if type(m) == nn.Linear:
        nn.init.normal_(m.weight, std=math.sqrt(2 / m.in_features))


# --- judging a prediction against runs over seeds -----------------------------------------

def _best(measured):
    """The setting with the highest mean validation accuracy."""
    return max(measured, key=lambda name: measured[name].final("test_acc").mean)


def _against_best(prediction, measured, describe):
    """(best, comparison of prediction with best or None if it is the best)."""
    best = _best(measured)
    if prediction == best:
        return best, None
    return best, compare(measured[prediction], measured[best], "test_acc",
                         names=(describe(prediction), describe(best)), label="验证精度")


def _tied(measured, best, describe):
    """The words for the settings whose difference from ``best`` is within noise, or ''."""
    tied = [describe(name) for name in measured if name != best and compare(
        measured[name], measured[best], "test_acc").outcome == "noise"]
    return f"；{'、'.join(tied)} 与它之差在噪声以内，预测它们也算对" if tied else ""


def _layers_lr(setting):
    depth, lr = setting
    return f"{depth} 个隐藏层、lr {lr:g}"


def _check_depth_lr(prediction, measured):
    need_runs(measured, "实验结果 measured")
    if prediction not in measured:
        raise Incorrect(f"实验里没有测 {prediction!r} 这个设置；测过的是："
                        f"{', '.join(repr(k) for k in measured)}。")
    best, verdict = _against_best(prediction, measured, _layers_lr)
    if verdict is None:
        return f"验证精度最高的正是 {_layers_lr(best)}{_tied(measured, best, _layers_lr)}。"
    if verdict.outcome == "noise":
        return f"验证精度最高的是 {_layers_lr(best)}；{verdict}，所以你的预测也算对。"
    depth, lr = prediction
    best_depth, best_lr = best
    if depth > best_depth:
        why = ("层数更多反而更差：书的初始化（标准差 0.01）下，信号每过一层就缩小一截，"
               "几轮之内深网络几乎学不动（练习 3 会换一种初始化再看）。")
    elif lr < best_lr:
        why = "轮数固定时，学习率小，几轮之内走不了多远。"
    else:
        why = "看上面的图和比较：层数和学习率要一起看。"
    raise Incorrect(f"实验里验证精度最高的是 {_layers_lr(best)}；{verdict}。{why}")


def _check_activation(prediction, measured):
    need_runs(measured, "实验结果 measured")
    if prediction not in measured:
        raise Incorrect(f"实验里没有测 {prediction!r}；测过的是：{', '.join(measured)}。")
    best, verdict = _against_best(prediction, measured, str)
    if verdict is None:
        return f"验证精度的均值最高的是 {best}{_tied(measured, best, str)}。"
    if verdict.outcome == "noise":
        return f"{verdict}：在这个实验里分不出高低，你的预测也算对。"
    why = ""
    if prediction == "Sigmoid":
        why = ("sigmoid 的导数最大只有 0.25（第 1 课），输出又不以 0 为中心，"
               "梯度小，同样的轮数里走得慢。")
    raise Incorrect(f"实验里验证精度最高的是 {best}；{verdict}。{why}")


_INIT_NAMES = ("zeros", "normal 0.01", "normal 1.0", "Xavier", "He")


def _check_init(prediction, one_layer, three_layers):
    need_runs(one_layer, "一个隐藏层的实验结果 one_layer")
    need_runs(three_layers, "三个隐藏层的实验结果 three_layers")
    if prediction == "zeros" and "zeros" not in one_layer:
        raise Incorrect("全零初始化什么也学不到：上面的格子里训练一轮后，隐藏层的权重仍然全是 0，"
                        "网络对每张图给出同样的输出。所有隐藏单元一模一样（对称），梯度也一样。")
    if prediction not in one_layer:
        raise Incorrect(f"实验里没有测 {prediction!r}；测过的是：{', '.join(one_layer)}。")
    best, verdict = _against_best(prediction, one_layer, str)
    if verdict is not None and verdict.outcome != "noise":
        raise Incorrect(f"1 个隐藏层时验证精度最高的是 {best}；{verdict}。")
    if prediction in three_layers:
        best3, verdict3 = _against_best(prediction, three_layers, str)
        if verdict3 is not None and verdict3.outcome != "noise":
            raise Incorrect(f"1 个隐藏层时 {prediction} 属于最好的一组，但 3 个隐藏层时"
                            f"{verdict3}。一个好的初始化要在更深的网络里也能用。")
        return (f"1 个隐藏层和 3 个隐藏层时，{prediction} 都属于验证精度最好的一组"
                "（见上面打印的比较）。")
    return (f"1 个隐藏层时 {prediction} 属于最好的一组；3 个隐藏层时没有测它，"
            "看看上面 3 层的结果里按层的大小缩放的 He 表现如何。")


# --- make_mlp: an nn.Sequential for given hidden widths -------------------------------------

def _build(make, hiddens, activation):
    try:
        net = make(hiddens) if activation is None else make(hiddens, activation)
    except TypeError as err:
        if "is not a Module subclass" in str(err):
            raise Incorrect("nn.Sequential 里要放层的实例：激活层写 activation()（带括号），"
                            "不是类 activation 本身。") from None
        raise
    if net is None:
        raise Incorrect("make_mlp 没有返回网络：最后要 return nn.Sequential(...)。")
    if not isinstance(net, nn.Sequential):
        raise Incorrect(f"make_mlp 应当返回一个 nn.Sequential，你返回的是 {type(net).__name__}。")
    return net


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


def _check_make_mlp(make):
    cases = [((256,), None), ((256, 128), None), ((64, 32, 16), nn.Tanh), ((), None)]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        X = torch.rand(3, 1, 28, 28)
        for hiddens, activation in cases:
            net = _build(make, hiddens, activation)
            _check_structure(net, hiddens, activation or nn.ReLU)
            reference = make_mlp(hiddens, activation or nn.ReLU)
            reference.load_state_dict(net.state_dict())
            with torch.no_grad():
                need_close(net(X), reference(X), f"make_mlp({hiddens!r}) 的输出")
    return ("Flatten，每个隐藏宽度一个 Linear 加一个激活，最后是没有激活的 Linear(…, 10)；"
            "hiddens=() 时就是 softmax 回归。")


# --- init_he: an initialiser for net.apply ---------------------------------------------------

def _apply(init, net):
    try:
        net.apply(init)
    except AttributeError as err:
        if "has no attribute" in str(err):
            raise Incorrect("net.apply 会对每个子模块调用你的函数，也包括 nn.Flatten、激活层和 "
                            "nn.Sequential 本身，它们没有 weight：先判断 type(m) == nn.Linear。"
                            ) from None
        raise
    except TypeError as err:
        if "Parameter" in str(err):
            raise Incorrect("m.weight 是 nn.Parameter，不能直接换成普通张量：用 "
                            "nn.init.normal_(m.weight, std=...) 原地修改，或赋值给 m.weight.data。"
                            ) from None
        raise


def _std_mistake(std, fan_in, fan_out):
    """Name the scale a learner used by mistake, if ``std`` matches one."""
    candidates = [
        (0.01, "这是书的标准差 0.01，不是 He 初始化：He 的标准差随每层的输入个数变化。"),
        (1.0, "权重没有缩放（标准差 1）：要乘 sqrt(2 / 输入个数)。"),
        (math.sqrt(2 / fan_out), "标准差用了输出个数（m.out_features，也就是 m.weight.shape[0]："
                                 "nn.Linear 的权重形状是 (输出, 输入)）；He 用输入个数 "
                                 "m.in_features。"),
        (2 / fan_in, "忘了开平方：标准差是 sqrt(2 / 输入个数)，2 / 输入个数是方差。"),
        (math.sqrt(1 / fan_in), "少了因子 2：ReLU 把大约一半的输出置零，He 用 2 / 输入个数 "
                                "补回这一半的方差。"),
        (math.sqrt(2 / (fan_in + fan_out)), "这是 Xavier 初始化（输入个数加输出个数）；He 只用"
                                            "输入个数。"),
        (1 / math.sqrt(3 * fan_in), "权重和 PyTorch 的默认初始化一样：你的函数没有改它。"),
    ]
    for value, message in candidates:
        if abs(math.log(std / value)) < 0.05:
            return message
    return None


def _check_init_he(init):
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 64),
                            nn.Tanh(), nn.Linear(64, 10))
        linears = [net[1], net[3], net[5]]
        before = [(m.weight.detach().clone(), m.bias.detach().clone()) for m in linears]
        _apply(init, net)
    if all(torch.equal(m.weight.detach(), w) for m, (w, _) in zip(linears, before)):
        raise Incorrect("权重没有变：你的条件没有对任何一层成立，或者函数没有原地修改 m.weight。"
                        "type(m) == nn.Linear 比较的是模块的类型（m == nn.Linear 永远不成立）。")
    for m, (w, b) in zip(linears, before):
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
            mistake = _std_mistake(std, fan_in, fan_out)
            raise Incorrect(mistake or f"{where}标准差是 {std:.4f}，应当是 sqrt(2 / {fan_in}) = "
                                       f"{expected:.4f}。")
    first = linears[0].weight.detach()
    beyond_two = float((first.abs() > 2 * first.std()).float().mean())
    if beyond_two < 0.01:  # normal: about 4.6 %; uniform with the same std: none
        raise Incorrect("权重的标准差对了，但它是均匀分布（比如 kaiming_uniform_）；"
                        "题目要的是正态分布：nn.init.normal_ 或 nn.init.kaiming_normal_。")
    return "每层权重 ~ N(0, 2 / 输入个数)，偏置保持不变，其他模块原样跳过。"


# --- the exercises, in lesson order --------------------------------------------------------------

q1 = exercises.add(
    "q1", "练习 1（预测：隐藏层数与学习率）", _check_depth_lr, predict=True,
    choices=((1, 0.1), (1, 0.3), (2, 0.1), (2, 0.3), (3, 0.1), (3, 0.3)),
    hints=["想一想书的初始化（权重标准差 0.01）下，信号每过一层会变大还是变小（第 3 课练习 6）。",
           "只训练几轮时，学习率大一点走得更远；但层数多时，小的初始化让信号和梯度一起缩小。",
           "写成一个元组：(隐藏层数, 学习率)，例如 (2, 0.1)。"],
    starter='''prediction = ____  # (隐藏层数, 学习率)：(1, 0.1) (1, 0.3) (2, 0.1) (2, 0.3) (3, 0.1) (3, 0.3)
ex.q1.predict(prediction)''',
    solution_code='''prediction = (1, 0.3)  # (隐藏层数, 学习率)：(1, 0.1) (1, 0.3) (2, 0.1) (2, 0.3) (3, 0.1) (3, 0.3)
ex.q1.predict(prediction)''',
    explanation="答案以实验打印的比较为准。推理：书的初始化把权重的标准差定为 0.01，"
                "信号每过一层都乘上一个远小于 1 的因子，梯度也一样，所以几轮之内层数越多越学不动；"
                "学习率大一些能在固定的轮数里走得更远。于是在这个预算下，少的层数配较大的学习率最可能"
                "最好。层数和学习率要一起调，换一种初始化（练习 3），结论也会变。",
)

q1b = exercises.add(
    "q1b", "练习 1·动手（按宽度搭网络）", _check_make_mlp,
    hints=["结构是：nn.Flatten()，然后对 hiddens 里的每个宽度加一个 nn.Linear 和一个激活，"
           "最后一个 nn.Linear 输出 10 个类别。",
           "nn.Linear(输入个数, 输出个数)：第一层的输入是 784；之后每层的输入是上一层的宽度，"
           "所以循环里要更新 fan_in。",
           "循环体：layers += [nn.Linear(fan_in, width), activation()]，然后 fan_in = width；"
           "输出层之后不加激活。"],
    starter='''def make_mlp(hiddens, activation=nn.ReLU):
    """nn.Sequential：展平，每个隐藏宽度一个 nn.Linear 加一个激活，最后输出 10 个类别。"""
    layers, fan_in = [____], 784
    for width in hiddens:
        layers += [____, activation()]
        fan_in = ____
    return nn.Sequential(*layers, ____)

ex.q1b.check(make_mlp)''',
    solution_code='''def make_mlp(hiddens, activation=nn.ReLU):
    """nn.Sequential：展平，每个隐藏宽度一个 nn.Linear 加一个激活，最后输出 10 个类别。"""
    layers, fan_in = [nn.Flatten()], 784
    for width in hiddens:
        layers += [nn.Linear(fan_in, width), activation()]
        fan_in = width
    return nn.Sequential(*layers, nn.Linear(fan_in, 10))

ex.q1b.check(make_mlp)''',
    explanation="nn.Flatten() 把 (批量, 1, 28, 28) 展成 (批量, 784)；每个隐藏层是 "
                "nn.Linear(上一层的宽度, 这一层的宽度) 加一个激活，fan_in 随之更新；"
                "输出层 nn.Linear(fan_in, 10) 之后不加激活，因为 CrossEntropyLoss 接收的是 logits。"
                "常见错误：忘了 Flatten、fan_in 不更新（第二层还写 784）、在输出层后面也加了 ReLU、"
                "把 activation（类）而不是 activation()（层）放进 nn.Sequential。",
)

q2 = exercises.add(
    "q2", "练习 2（预测：激活函数）", _check_activation, predict=True,
    choices=("ReLU", "Tanh", "Sigmoid"),
    hints=["回忆第 1 课三个函数的导数：各自最大是多少？输入在 0 附近时呢？",
           "sigmoid 的导数最大只有 0.25，输出又不以 0 为中心；tanh 在 0 附近斜率为 1；"
           "ReLU 在正半轴斜率恒为 1。",
           "写 'ReLU'、'Tanh' 或 'Sigmoid' 之一。和最好的差在噪声以内的也算对。"],
    starter='''prediction = ____  # 'ReLU' / 'Tanh' / 'Sigmoid'
ex.q2.predict(prediction)''',
    solution_code='''prediction = 'ReLU'  # 'ReLU' / 'Tanh' / 'Sigmoid'
ex.q2.predict(prediction)''',
    explanation="答案以实验打印的比较为准。推理：sigmoid 的导数最大只有 0.25，输出又不以 0 为中心，"
                "同样的轮数里学得最慢；tanh 和 ReLU 在 0 附近的斜率都是 1（ReLU 只在正半轴），"
                "在一个隐藏层、几轮的预算下不一定分得出高低。ReLU 成为默认选择，是因为它计算便宜、"
                "正半轴不饱和，在更深的网络里配合 He 初始化训练得好。",
)

q3 = exercises.add(
    "q3", "练习 3（预测：权重初始化）", _check_init, predict=True, choices=_INIT_NAMES,
    hints=["全零意味着所有隐藏单元一模一样；标准差 1 时，784 个输入加权求和的数值有多大？",
           "Xavier 和 He 都按每层的输入（Xavier 还加上输出）个数缩放，让每层输出的方差保持稳定；"
           "好的初始化在更深的网络里也要能用。",
           "写 'zeros'、'normal 0.01'、'normal 1.0'、'Xavier' 或 'He' 之一。"],
    starter='''prediction = ____  # 'zeros' / 'normal 0.01' / 'normal 1.0' / 'Xavier' / 'He'
ex.q3.predict(prediction)''',
    solution_code='''prediction = 'He'  # 'zeros' / 'normal 0.01' / 'normal 1.0' / 'Xavier' / 'He'
ex.q3.predict(prediction)''',
    explanation="答案以实验打印的比较为准。推理：全零让所有隐藏单元对称，权重的梯度也是零，什么都学不到；"
                "固定的 0.01 让信号每过一层缩小一截，层数一多就学不动；标准差 1 让 logits 大得多"
                "（第 3 课第 13 节打印的标准差），一层时还能慢慢纠正，层数一多就发散；Xavier 和 He 按每层的大小缩放，"
                "让信号的大小逐层保持，He 专为 ReLU（一半输出为零）多乘了一个 2。"
                "所以要在一层和三层时都好，选 He（Xavier 在一层时和 He 分不出高低，三层时本课没有测）。",
)

q3b = exercises.add(
    "q3b", "练习 3·动手（He 初始化）", _check_init_he,
    hints=["net.apply(f) 对网络里的每个子模块调用 f(m)：先用 if type(m) == nn.Linear: 挑出线性层。",
           "m.in_features 是这一层的输入个数；标准差是 math.sqrt(2 / m.in_features)。"
           "注意 m.weight 的形状是 (输出, 输入)。",
           "nn.init.normal_(m.weight, std=...) 原地把权重换成正态随机数；偏置不要动。"],
    starter='''def init_he(m):
    """给 net.apply 用：只改 nn.Linear 的权重，换成均值 0、标准差 sqrt(2 / 输入个数) 的
    正态随机数（He 初始化）；偏置保持不变。"""
    if ____:
        ____

ex.q3b.check(init_he)''',
    solution_code='''def init_he(m):
    """给 net.apply 用：只改 nn.Linear 的权重，换成均值 0、标准差 sqrt(2 / 输入个数) 的
    正态随机数（He 初始化）；偏置保持不变。"""
    if type(m) == nn.Linear:
        nn.init.normal_(m.weight, std=math.sqrt(2 / m.in_features))

ex.q3b.check(init_he)''',
    explanation="type(m) == nn.Linear 挑出线性层（Flatten、ReLU 和 Sequential 本身没有 weight）；"
                "m.in_features 是输入个数，权重的形状是 (输出, 输入)，所以用 m.weight.shape[0] "
                "就错成了输出个数。nn.init.normal_ 原地修改，m.weight 仍是同一个 nn.Parameter。"
                "和 nn.init.kaiming_normal_(m.weight, nonlinearity='relu') 效果相同。"
                "偏置不动，实验里各组才只差在权重上。",
)
