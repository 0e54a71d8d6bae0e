"""Lesson 4's exercises: every typical mistake gets its diagnosis; predictions are judged
against constructed measurements (tests/test_exercises.py runs the starters and solutions)."""
import math
import random

import pytest
import torch
from exercise_asserts import rejected as incorrect
from torch import nn

from d2l_helpers.exercises import CORRECT, NOT_ATTEMPTED, ____
from d2l_helpers.exercises import lesson4 as ex
from d2l_helpers.repeats import Runs


def runs(*values):
    """Runs whose final validation accuracy ('valid_acc') is ``values`` (one per seed)."""
    return Runs(range(len(values)), [[{"epoch": 1, "valid_acc": v}] for v in values])


@pytest.fixture(autouse=True)
def fresh_exercises():
    for exercise in ex.exercises.exercises.values():
        exercise.prediction = None
    yield


# --- q1b: make_mlp ---------------------------------------------------------------------------

def mlp_builder(first=nn.Flatten, fan=784, update_fan_in=True, last_activation=False,
                activations=True, use_activation=True, output=10, reverse=False, call=True):
    """A make_mlp with one typical mistake switched on."""

    def make_mlp(hiddens, activation=nn.ReLU):
        layers, fan_in = ([first()] if first else []), fan
        for width in hiddens:
            linear = nn.Linear(width, fan_in) if reverse else nn.Linear(fan_in, width)
            act = activation if use_activation else nn.ReLU
            layers += [linear] + ([act() if call else act] if activations else [])
            if update_fan_in:
                fan_in = width
        layers.append(nn.Linear(fan_in, output))
        if last_activation:
            layers.append(activation())
        return nn.Sequential(*layers)

    return make_mlp


def test_make_mlp_reference_and_solution_shape_are_correct():
    assert ex.q1b.evaluate(ex.make_mlp).status == CORRECT
    assert ex.q1b.evaluate(mlp_builder()).status == CORRECT


@pytest.mark.parametrize("mistake, words", [
    (dict(first=None), ["缺少 nn.Flatten()", "(批量, 1, 28, 28)"]),
    (dict(update_fan_in=False), ["上一层输出 256 个数", "更新 fan_in"]),
    (dict(last_activation=True), ["输出层之后不要再加激活", "logits"]),
    (dict(activations=False), ["中间没有激活函数", "线性层"]),
    (dict(use_activation=False), ["activation=Tanh", "不要写死 nn.ReLU()"]),
    (dict(fan=786), ["28 × 28 = 784"]),
    (dict(output=256), ["10 个输出"]),
    (dict(reverse=True), ["参数顺序反了", "nn.Linear(输入个数, 输出个数)"]),
    (dict(call=False), ["activation()（带括号）"]),
])
def test_make_mlp_mistakes_get_their_diagnosis(mistake, words):
    incorrect(ex.q1b.evaluate(mlp_builder(**mistake)), *words)


def test_make_mlp_that_ignores_hiddens_or_returns_nothing():
    def always_256(hiddens, activation=nn.ReLU):
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), activation(), nn.Linear(256, 10))

    incorrect(ex.q1b.evaluate(always_256), "应当有 3 个 nn.Linear", "hiddens")

    def forgets_return(hiddens, activation=nn.ReLU):
        nn.Sequential(nn.Flatten(), nn.Linear(784, 10))

    incorrect(ex.q1b.evaluate(forgets_return), "没有返回网络")

    def flatten_last(hiddens, activation=nn.ReLU):
        return nn.Sequential(nn.Linear(784, 10), nn.Flatten())

    incorrect(ex.q1b.evaluate(flatten_last), "nn.Flatten() 要放在最前面")


def test_make_mlp_untouched_starter_is_not_attempted():
    def make_mlp(hiddens, activation=nn.ReLU):
        layers, fan_in = [____], 784  # noqa: F841 - the starter as shipped
        for _width in hiddens:
            layers += [____, activation()]
            fan_in = ____  # noqa: F841
        return nn.Sequential(*layers, ____)

    assert ex.q1b.evaluate(make_mlp).status == NOT_ATTEMPTED


def test_make_mlp_with_named_layers_is_correct():
    from collections import OrderedDict

    def named(hiddens, activation=nn.ReLU):
        layers, fan_in = [("flatten", nn.Flatten())], 784
        for i, width in enumerate(hiddens):
            layers += [(f"hidden{i}", nn.Linear(fan_in, width)), (f"act{i}", activation())]
            fan_in = width
        return nn.Sequential(OrderedDict(layers + [("output", nn.Linear(fan_in, 10))]))

    def added(hiddens, activation=nn.ReLU):
        net, fan_in = nn.Sequential(), 784
        net.add_module("flat", nn.Flatten())
        for i, width in enumerate(hiddens):
            net.add_module(f"linear_{i}", nn.Linear(fan_in, width))
            net.add_module(f"act_{i}", activation())
            fan_in = width
        net.add_module("out", nn.Linear(fan_in, 10))
        return net

    assert ex.q1b.evaluate(named).status == CORRECT
    assert ex.q1b.evaluate(added).status == CORRECT


def test_make_mlp_structure_slips_each_get_their_diagnosis():
    incorrect(ex.q1b.evaluate(lambda hiddens, activation=nn.ReLU: nn.ModuleList(
        ex.make_mlp(hiddens, activation))), "nn.Sequential", "ModuleList")

    def one_too_wide(hiddens, activation=nn.ReLU):  # the first hidden layer has a unit too many
        net = ex.make_mlp(hiddens, activation)
        if hiddens:
            net[1] = nn.Linear(784, hiddens[0] + 1)
        return net

    incorrect(ex.q1b.evaluate(one_too_wide), "Linear(784, 257)", "hiddens[0] = 256")

    def activation_twice(hiddens, activation=nn.ReLU):
        layers = list(ex.make_mlp(hiddens, activation))
        return nn.Sequential(*layers[:3], activation(), *layers[3:])

    incorrect(ex.q1b.evaluate(activation_twice), "make_mlp((256,)) 有 5 层，应当是 4 层")
    incorrect(ex.q1b.evaluate(lambda hiddens, activation=nn.ReLU: nn.Sequential(
        nn.Flatten(), nn.Linear)), ex.say("q1b.linear_class"))


def test_make_mlp_with_the_flatten_class_is_blamed_on_flatten():
    outcome = ex.q1b.evaluate(mlp_builder(first=lambda: nn.Flatten))
    incorrect(outcome, "nn.Flatten()（带括号）")
    assert "activation()" not in outcome.message


# --- q3b: init_he ------------------------------------------------------------------------------

def only_linear(body):
    def init(m):
        if type(m) == nn.Linear:  # noqa: E721 - the book's style
            body(m)
    return init


def test_init_he_reference_and_equivalents_are_correct():
    assert ex.q3b.evaluate(ex.init_he).status == CORRECT
    kaiming = only_linear(lambda m: nn.init.kaiming_normal_(m.weight, nonlinearity="relu"))
    assert ex.q3b.evaluate(kaiming).status == CORRECT

    def by_data(m):
        if isinstance(m, nn.Linear):
            m.weight.data = torch.randn(m.out_features, m.in_features) * math.sqrt(
                2 / m.in_features)

    assert ex.q3b.evaluate(by_data).status == CORRECT


def test_init_he_leaves_the_random_state_as_it_found_it():
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    ex.q3b.evaluate(ex.init_he)
    assert torch.equal(torch.rand(3), expected)


def he_std(m):
    return math.sqrt(2 / m.in_features)


@pytest.mark.parametrize("init, words", [
    # forgetting type(m) == nn.Linear: Flatten and ReLU have no weight
    (lambda m: nn.init.normal_(m.weight, std=he_std(m)), ["type(m) == nn.Linear", "没有 weight"]),
    # the weight created as (in, out), as in lesson 3's W1
    (only_linear(lambda m: setattr(m.weight, "data", torch.randn(m.in_features, m.out_features)
                                   * he_std(m))), ["(输出个数, 输入个数)", "转置"]),
    # the bias initialised too
    (only_linear(lambda m: (nn.init.normal_(m.weight, std=he_std(m)),
                            nn.init.normal_(m.bias, std=0.01))), ["偏置也被改了"]),
    (only_linear(lambda m: (nn.init.normal_(m.weight, std=he_std(m)), nn.init.zeros_(m.bias))),
     ["偏置被设成了 0"]),
    # fan_out instead of fan_in: weight.shape[0] is the number of outputs
    (only_linear(lambda m: nn.init.normal_(m.weight, std=math.sqrt(2 / m.weight.shape[0]))),
     ["输出个数", "m.in_features"]),
    (only_linear(lambda m: nn.init.kaiming_normal_(m.weight, mode="fan_out")), ["输出个数"]),
    (only_linear(lambda m: nn.init.normal_(m.weight, std=2 / m.in_features)), ["忘了开平方"]),
    (only_linear(lambda m: nn.init.normal_(m.weight, std=math.sqrt(1 / m.in_features))),
     ["少了因子 2"]),
    (only_linear(lambda m: nn.init.xavier_normal_(m.weight)), ["Xavier"]),
    (only_linear(lambda m: nn.init.normal_(m.weight, std=0.01)), ["标准差 0.01"]),
    (only_linear(lambda m: nn.init.normal_(m.weight)), ["没有缩放"]),
    (only_linear(lambda m: nn.init.zeros_(m.weight)), ["对称"]),
    (only_linear(lambda m: nn.init.normal_(m.weight, mean=0.5, std=he_std(m))), ["均值"]),
    (only_linear(lambda m: nn.init.kaiming_uniform_(m.weight)), ["均匀分布"]),
    (only_linear(lambda m: nn.init.normal_(m.weight, std=0.3)), ["应当是 sqrt(2 / 784)"]),
])
def test_init_he_mistakes_get_their_diagnosis(init, words):
    incorrect(ex.q3b.evaluate(init), *words)


def test_init_he_with_pytorchs_default_or_frozen_weights_is_named():
    incorrect(ex.q3b.evaluate(only_linear(lambda m: nn.init.kaiming_uniform_(
        m.weight, a=math.sqrt(5)))), ex.say("q3b.default"))

    def frozen(m):
        nn.init.normal_(m.weight, std=he_std(m))
        m.weight.requires_grad_(False)

    incorrect(ex.q3b.evaluate(only_linear(frozen)), ex.say("q3b.not_parameter"))


def test_init_he_condition_that_never_holds_and_plain_tensor_assignment():
    def compares_with_the_class(m):
        if m == nn.Linear:
            nn.init.normal_(m.weight, std=he_std(m))

    incorrect(ex.q3b.evaluate(compares_with_the_class), "权重没有变", "type(m) == nn.Linear")

    def assigns_a_tensor(m):
        if type(m) == nn.Linear:  # noqa: E721 - the book's style
            m.weight = torch.randn(m.out_features, m.in_features) * he_std(m)

    incorrect(ex.q3b.evaluate(assigns_a_tensor), "nn.Parameter", "m.weight.data")


# --- q1: hidden layers and learning rate, predicted then measured ------------------------------

def noisy(mean, spread=0.01, n=5):
    """Runs near ``mean``, each setting with its own noise (fixed by ``mean``)."""
    generator = random.Random(round(mean * 1e4))
    return runs(*(mean + spread * generator.gauss(0, 1) for _ in range(n)))


def depth_lr_measurement():
    return {(1, 0.1): noisy(0.66), (1, 0.3): noisy(0.72), (2, 0.1): noisy(0.16),
            (2, 0.3): noisy(0.715), (3, 0.1): noisy(0.10), (3, 0.3): noisy(0.101)}


def judged(exercise, prediction, *measured):
    exercise.predict(prediction)
    return exercise.evaluate(*measured)


def test_q1_the_best_setting_is_correct(capsys):
    outcome = judged(ex.q1, (1, 0.3), depth_lr_measurement())
    assert outcome.status == CORRECT and "正是 1 个隐藏层、lr 0.3" in outcome.message
    assert "2 个隐藏层、lr 0.3 与它的差别不显著" in outcome.message


def test_q1_a_setting_within_noise_of_the_best_also_counts(capsys):
    outcome = judged(ex.q1, (2, 0.3), depth_lr_measurement())
    assert outcome.status == CORRECT and "差别不显著" in outcome.message


def test_q1_too_many_layers_and_too_small_a_rate_are_explained(capsys):
    incorrect(judged(ex.q1, (3, 0.3), depth_lr_measurement()),
              "最高的是 1 个隐藏层、lr 0.3", "低", "缩小一截")
    incorrect(judged(ex.q1, (1, 0.1), depth_lr_measurement()), "学习率小")


def test_q1_a_shallow_fast_prediction_beaten_by_a_deeper_slower_setting_is_told_to_look_at_both(
        capsys):
    measured = {**depth_lr_measurement(), (2, 0.1): noisy(0.80)}
    incorrect(judged(ex.q1, (1, 0.3), measured), "最高的是 2 个隐藏层、lr 0.1",
              ex.say("q1.together"))


def test_q1_needs_a_prediction_and_a_listed_choice(capsys):
    assert ex.q1.evaluate(depth_lr_measurement()).status == NOT_ATTEMPTED
    ex.q1.predict([1, 0.3])  # a list is not one of the tuples
    assert "之一" in capsys.readouterr().out and ex.q1.prediction is None


# --- q2: activation functions -------------------------------------------------------------------

def activation_measurement():
    return {"ReLU": runs(0.72, 0.73, 0.71, 0.74, 0.725), "Tanh": runs(0.725, 0.72, 0.71, 0.73, 0.72),
            "Sigmoid": runs(0.57, 0.59, 0.56, 0.58, 0.57)}


def test_q2_both_activations_within_noise_are_correct(capsys):
    outcome = judged(ex.q2, "ReLU", activation_measurement())
    assert outcome.status == CORRECT and "最高的正是 ReLU；Tanh 与它的差别不显著" in outcome.message
    outcome = judged(ex.q2, "Tanh", activation_measurement())
    assert outcome.status == CORRECT and "差别不显著" in outcome.message


def test_q2_sigmoid_is_diagnosed(capsys):
    incorrect(judged(ex.q2, "Sigmoid", activation_measurement()), "最高的是 ReLU", "0.25")


def test_q2_a_clear_winner_makes_the_other_wrong(capsys):
    measured = {"ReLU": runs(0.60, 0.61, 0.60, 0.61, 0.605),
                "Tanh": runs(0.72, 0.73, 0.72, 0.73, 0.725), "Sigmoid": runs(0.5, 0.51, 0.5, 0.51, 0.5)}
    incorrect(judged(ex.q2, "ReLU", measured), "最高的是 Tanh")
    assert judged(ex.q2, "Tanh", measured).status == CORRECT


# --- q3: weight initialisation -----------------------------------------------------------------

def init_measurement():
    one = {"normal 0.01": runs(0.65, 0.66, 0.64, 0.66, 0.65),
           "normal 1.0": runs(0.74, 0.745, 0.735, 0.75, 0.74),
           "Xavier": runs(0.73, 0.75, 0.72, 0.74, 0.735), "He": runs(0.74, 0.75, 0.73, 0.745, 0.74)}
    three = {"normal 0.01": runs(0.095, 0.095, 0.095, 0.095, 0.095),
             "normal 1.0": runs(0.1, 0.0, 0.0, 0.0, 0.1), "He": runs(0.74, 0.76, 0.72, 0.75, 0.74)}
    return one, three


def test_q3_he_is_good_at_one_and_three_layers(capsys):
    outcome = judged(ex.q3, "He", *init_measurement())
    assert outcome.status == CORRECT and "3 个隐藏层" in outcome.message


def test_q3_xavier_counts_but_was_not_measured_deep(capsys):
    outcome = judged(ex.q3, "Xavier", *init_measurement())
    assert outcome.status == CORRECT and "没有测它" in outcome.message


def test_q3_unscaled_weights_fail_with_depth(capsys):
    incorrect(judged(ex.q3, "normal 1.0", *init_measurement()), "3 个隐藏层时", "更深的网络")


def test_q3_the_books_scale_and_zeros_are_diagnosed(capsys):
    incorrect(judged(ex.q3, "normal 0.01", *init_measurement()), "验证精度（1 个隐藏层）", "低")
    incorrect(judged(ex.q3, "zeros", *init_measurement()), "全零", "对称")


def test_predictions_refuse_measurements_that_are_not_runs(capsys):
    ex.q2.predict("ReLU")
    # A diagnosis in the learner's words, not "运行你的代码时出错" with an English TypeError.
    outcome = ex.q2.evaluate([0.7, 0.6])
    incorrect(outcome, "d2l.repeat 的结果")
    assert "运行你的代码时出错" not in outcome.message
