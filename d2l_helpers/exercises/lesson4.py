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
progress, say, need = exercises.progress, exercises.say, exercises.need


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
    return say("q1.setting", depth=depth, lr=lr)


def _depth_lr_why(prediction, best):
    (depth, lr), (best_depth, best_lr) = prediction, best
    if depth > best_depth:
        return say("q1.deeper")
    return say("q1.small_lr") if lr < best_lr else say("q1.together")


# --- make_mlp: an nn.Sequential for given hidden widths -------------------------------------

def _build(make, hiddens, activation):
    net = make(hiddens) if activation is None else make(hiddens, activation)
    need(net is not None, "q1b.no_return")
    need(isinstance(net, nn.Sequential), "q1b.not_sequential", kind=type(net).__name__)
    return net


def _copy_by_order(source, target):
    """Give ``target`` the parameters of ``source``, layer by layer in order (names may differ:
    an OrderedDict or add_module names them, nn.Sequential(*layers) numbers them)."""
    with torch.no_grad():
        for mine, theirs in zip(target.parameters(), source.parameters(), strict=True):
            mine.copy_(theirs)


def _linear_mistake(i, linear, linears, fan_in, fan_out):
    """The key of what is wrong with the i-th nn.Linear, whose size is not (fan_in, fan_out)."""
    if (linear.in_features, linear.out_features) == (fan_out, fan_in):
        return "swapped"
    if i == 0 and linear.in_features != 784:
        return "pixels"
    if i > 0 and linear.in_features != linears[i - 1].out_features:
        return "fan_in"
    return "outputs" if i == len(linears) - 1 else "width"


def _check_structure(net, hiddens, activation):
    layers = list(net)
    linears = [layer for layer in layers if isinstance(layer, nn.Linear)]
    shown = f"make_mlp({hiddens!r})"
    need(any(isinstance(layer, nn.Flatten) for layer in layers), "q1b.no_flatten")
    need(isinstance(layers[0], nn.Flatten), "q1b.flatten_first")
    need(len(linears) == len(hiddens) + 1, "q1b.linear_count",
         shown=shown, expected=len(hiddens) + 1, count=len(linears))
    sizes = [784, *hiddens, 10]
    for i, linear in enumerate(linears):
        fan_in, fan_out = sizes[i], sizes[i + 1]
        if (linear.in_features, linear.out_features) != (fan_in, fan_out):
            where = say("q1b.linear_at", shown=shown, n=i + 1, inputs=linear.in_features,
                        outputs=linear.out_features)
            raise Incorrect(say(f"q1b.{_linear_mistake(i, linear, linears, fan_in, fan_out)}",
                                where=where, previous=linears[i - 1].out_features, n=i + 1,
                                i=i, width=fan_out))
    need(isinstance(layers[-1], nn.Linear), "q1b.last_activation",
         shown=shown, kind=type(layers[-1]).__name__)
    between = [layers[layers.index(linear) + 1] for linear in linears[:-1]]
    wrong = next((layer for layer in between if not isinstance(layer, activation)), None)
    if wrong is not None:
        need(not isinstance(wrong, nn.Linear), "q1b.no_activation", shown=shown)
        raise Incorrect(say("q1b.fixed_relu", activation=activation.__name__,
                            kind=type(wrong).__name__))
    expected = 2 + 2 * len(hiddens)
    need(len(layers) == expected, "q1b.layer_count",
         shown=shown, count=len(layers), expected=expected)


# --- init_he: an initialiser for net.apply ---------------------------------------------------

def _std_mistakes(fan_in, fan_out):
    """(the log of a standard deviation a learner uses by mistake, why): matched on the log
    scale."""
    stds = {"book_std": 0.01, "unscaled": 1.0, "fan_out": math.sqrt(2 / fan_out),
            "variance": 2 / fan_in, "no_two": math.sqrt(1 / fan_in),
            "xavier": math.sqrt(2 / (fan_in + fan_out)), "default": 1 / math.sqrt(3 * fan_in)}
    return [(math.log(std), say(f"q3b.{key}")) for key, std in stds.items()]


# --- the exercises, in lesson order --------------------------------------------------------

@exercises.prediction(choices=((1, 0.1), (1, 0.3), (2, 0.1), (2, 0.3), (3, 0.1), (3, 0.3)))
def q1(prediction, measured):
    return judge_best(prediction, measured, "valid_acc", describe=_layers_lr, why=_depth_lr_why)


@exercises.code(diagnose=((r"Flatten is not a Module subclass", say("q1b.flatten_class")),
                          (r"Linear is not a Module subclass", say("q1b.linear_class")),
                          (r"is not a Module subclass", say("q1b.activation_class"))))
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
    return say("q1b.correct")


@exercises.prediction(choices=("ReLU", "Tanh", "Sigmoid"))
def q2(prediction, measured):
    return judge_best(prediction, measured, "valid_acc", why=lambda prediction, best: (
        say("q2.sigmoid") if prediction == "Sigmoid" else ""))


@exercises.prediction(choices=("zeros", "normal 0.01", "normal 1.0", "Xavier", "He"))
def q3(prediction, one_layer, three_layers):
    need(prediction != "zeros" or "zeros" in one_layer, "q3.zeros")
    judge_best(prediction, one_layer, "valid_acc", label=say("q3.one_layer"))
    need_runs(three_layers, "三个隐藏层的实验结果 three_layers", at_least=2)
    if prediction not in three_layers:
        return say("q3.untested", prediction=prediction)
    try:
        judge_best(prediction, three_layers, "valid_acc", label=say("q3.three_layers"))
    except Incorrect as wrong:
        raise Incorrect(say("q3.shallow_only", prediction=prediction, wrong=wrong)) from None
    return say("q3.correct", prediction=prediction)


@exercises.code(diagnose=((r"has no attribute 'weight'|has no attribute 'in_features'",
                           say("q3b.not_linear")),
                          (r"cannot assign .* as parameter 'weight'", say("q3b.replaced"))))
def q3b(init):
    with seeded(0):
        net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 64),
                            nn.Tanh(), nn.Linear(64, 10))
        linears = [net[1], net[3], net[5]]
        before = [(m.weight.detach().clone(), m.bias.detach().clone()) for m in linears]
        net.apply(init)
    need(not all(torch.equal(m.weight.detach(), w) for m, (w, _) in zip(linears, before)),
         "q3b.unchanged")
    for m, (_, b) in zip(linears, before):
        weight = m.weight
        shape = (m.out_features, m.in_features)
        need(tuple(weight.shape) == shape, "q3b.shape", inputs=m.in_features,
             outputs=m.out_features, shape=tuple(weight.shape), expected=shape)
        need(isinstance(weight, nn.Parameter) and weight.requires_grad, "q3b.not_parameter")
        need(torch.equal(m.bias.detach(), b),
             "q3b.bias_changed" if m.bias.detach().any() else "q3b.bias_zero")
    for m in linears:
        w = m.weight.detach()
        fan_in, fan_out = m.in_features, m.out_features
        std, mean, expected = float(w.std()), float(w.mean()), math.sqrt(2 / fan_in)
        where = say("q3b.weights_of", inputs=fan_in, outputs=fan_out)
        need(std != 0, "q3b.constant", where=where)
        need(not abs(mean) > 4 * std / math.sqrt(w.numel()) + 1e-3 * std, "q3b.mean",
             where=where, mean=mean)
        if abs(math.log(std / expected)) > 0.1:
            reject_known(math.log(std), _std_mistakes(fan_in, fan_out), atol=0.05, rtol=0)
            raise Incorrect(say("q3b.std", where=where, std=std, inputs=fan_in, expected=expected))
    first = linears[0].weight.detach()
    beyond_two = float((first.abs() > 2 * first.std()).float().mean())
    if beyond_two < 0.01:  # normal: about 4.6 %; uniform with the same std: none
        raise Incorrect(say("q3b.uniform"))
    return say("q3b.correct")
