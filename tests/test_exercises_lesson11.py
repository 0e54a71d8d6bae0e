"""Lesson 11's exercises: xavier_uniform_'s mistakes get their diagnosis, the predictions are
judged against constructed measurements, and the measurement helpers (deep_mlp,
layer_statistics, depth_profile) do what they say (tests/test_exercises.py runs the starters
and solutions)."""
import itertools
import math

import pytest
import torch
from exercise_asserts import predicted
from exercise_asserts import rejected as incorrect
from torch import nn

from d2l_helpers.exercises import CORRECT, NOT_ATTEMPTED, ____
from d2l_helpers.exercises import lesson11 as ex
from d2l_helpers.repeats import Runs


@pytest.fixture(autouse=True)
def fresh_exercises():
    for exercise in ex.exercises.exercises.values():
        exercise.prediction = None
    yield


# --- q2: xavier_uniform_ -------------------------------------------------------------------

def xavier_bound(weight):
    fan_out, fan_in = weight.shape
    return math.sqrt(6 / (fan_in + fan_out))


def uniform_with(bound):
    """An xavier_uniform_ that fills U(-b, b) in place, b = bound(fan_in, fan_out)."""
    def xavier_uniform_(weight):
        fan_out, fan_in = weight.shape
        b = bound(fan_in, fan_out)
        with torch.no_grad():
            weight.uniform_(-b, b)
        return weight
    return xavier_uniform_


def data_uniform(weight):
    a = xavier_bound(weight)
    weight.data.uniform_(-a, a)  # .data: outside autograd, no no_grad needed
    return weight


def copied_rand(weight):
    a = xavier_bound(weight)
    with torch.no_grad():
        weight.copy_((2 * torch.rand(weight.shape) - 1) * a)
    return weight


def init_uniform(weight):
    a = xavier_bound(weight)
    return nn.init.uniform_(weight, -a, a)


def fans_read_reversed(weight):
    fan_in, fan_out = weight.shape  # reversed, but Xavier's bound is symmetric in the two
    a = math.sqrt(6 / (fan_in + fan_out))
    with torch.no_grad():
        weight.uniform_(-a, a)
    return weight


def returns_nothing(weight):
    with torch.no_grad():
        weight.uniform_(-xavier_bound(weight), xavier_bound(weight))


def returns_the_data_view(weight):
    a = xavier_bound(weight)
    return weight.data.uniform_(-a, a)  # the same storage as weight


@pytest.mark.parametrize("fn", [
    ex.reference_xavier_uniform_, nn.init.xavier_uniform_, data_uniform, copied_rand, init_uniform,
    fans_read_reversed, returns_the_data_view,
], ids=["reference", "nn.init", "data.uniform_", "rand-copied", "nn.init.uniform_", "fans-reversed",
        "returns weight.data"])
def test_xavier_uniform_written_any_right_way_is_correct(fn):
    outcome = ex.q2.evaluate(fn)
    assert outcome.status == CORRECT, outcome.message


@pytest.mark.parametrize("index", range(len(ex._WRONG_BOUNDS)))
def test_each_wrong_bound_gets_its_own_diagnosis(index):
    wrong, diagnosis = ex._WRONG_BOUNDS[index]
    incorrect(ex.q2.evaluate(uniform_with(wrong)), diagnosis)


def test_no_two_bounds_agree_within_2_percent_on_every_shape():
    """What the module's comment promises: over the check's shapes, every wrong bound and the
    right one differ by more than 2 % somewhere, so each learner's bound has one name."""
    bounds = [ex._XAVIER_BOUND] + [wrong for wrong, _ in ex._WRONG_BOUNDS]
    fans = [(fan_in, fan_out) for fan_out, fan_in in ex._XAVIER_SHAPES]
    for first, second in itertools.combinations(range(len(bounds)), 2):
        ratios = [bounds[first](*f) / bounds[second](*f) for f in fans]
        assert any(abs(r - 1) > 0.02 for r in ratios), (first, second, ratios)


def test_the_square_shape_alone_would_not_tell_lecun_from_xavier():
    """Why the shapes differ: on a square weight sqrt(3 / fan_in) is Xavier's bound exactly."""
    assert math.isclose(ex._WRONG_BOUNDS[2][0](512, 512), ex._XAVIER_BOUND(512, 512))


def in_place(body):
    """An xavier_uniform_ that runs ``body(weight, a)`` under no_grad and returns weight."""
    def xavier_uniform_(weight):
        a = xavier_bound(weight)
        with torch.no_grad():
            body(weight, a)
        return weight
    return xavier_uniform_


def not_in_place(weight):
    a = xavier_bound(weight)
    return (2 * torch.rand(weight.shape) - 1) * a


def rebinds_the_name(weight):
    a = xavier_bound(weight)
    weight = (2 * torch.rand(weight.shape) - 1) * a
    return weight


def without_no_grad(weight):
    a = xavier_bound(weight)
    weight.uniform_(-a, a)  # a Parameter that requires grad: autograd refuses
    return weight


def seeded_inside(weight):
    torch.manual_seed(0)
    return ex.reference_xavier_uniform_(weight)


def data_replaced(weight):
    a = xavier_bound(weight)
    weight.data = (2 * torch.rand(weight.shape) - 1) * a  # float32, whatever weight was
    return weight


def transposed_data(weight):
    fan_out, fan_in = weight.shape
    a = xavier_bound(weight)
    weight.data = (2 * torch.rand(fan_in, fan_out, dtype=weight.dtype) - 1) * a
    return weight


def transposed_copy(weight):
    fan_out, fan_in = weight.shape
    a = xavier_bound(weight)
    with torch.no_grad():
        weight.copy_((2 * torch.rand(fan_in, fan_out) - 1) * a)
    return weight


def size_arithmetic(weight):
    a = math.sqrt(6 / weight.shape)
    with torch.no_grad():
        weight.uniform_(-a, a)
    return weight


def size_subscripted(weight):
    a = math.sqrt(6 / (weight.size[0] + weight.size[1]))
    with torch.no_grad():
        weight.uniform_(-a, a)
    return weight


def first_row_only(weight):
    a = xavier_bound(weight)
    with torch.no_grad():
        weight[0].uniform_(-a, a)
    return weight


def untouched(weight):
    return weight


_CACHE = {}


def cached(weight):
    """Draws once per shape and hands the same sample out again: every layer the same matrix."""
    if weight.shape not in _CACHE:
        _CACHE[weight.shape] = ex.reference_xavier_uniform_(weight.detach().clone())
    with torch.no_grad():
        weight.copy_(_CACHE[weight.shape])
    return weight


@pytest.mark.parametrize("fn, words", [
    # the distribution: normal (Xavier's own normal version, or another), U(0, a), one value
    (in_place(lambda w, a: w.normal_(0, a / math.sqrt(3))), ["xavier_normal_", "均匀分布"]),
    (nn.init.xavier_normal_, ["xavier_normal_"]),
    (in_place(lambda w, a: w.normal_(0, a)), ["正态分布", "峰度"]),
    (in_place(lambda w, a: w.copy_(torch.rand(w.shape) * a)), ["U(0, a)", "以 0 为中心"]),
    (in_place(lambda w, a: w.uniform_(0, a)), ["U(0, a)"]),
    (in_place(lambda w, a: w.fill_(a)), ["同一个数", "对称"]),
    (in_place(lambda w, a: w.uniform_(-a, a).add_(a / 2)), ["不以 0 为中心"]),
    # in place or not; autograd; the seed; the dtype; the shape
    (not_in_place, ["返回了一个新的张量", "不是原地修改"]),
    (rebinds_the_name, ["不是原地修改", "weight = ..."]),
    (without_no_grad, ["运行你的代码时出错", "torch.no_grad()", "nn.Parameter"]),
    (seeded_inside, ["两次调用", "随机种子"]),
    (cached, ["两次调用"]),
    (data_replaced, ["torch.float64", "torch.float32", "原地填充"]),
    (transposed_data, ["形状反了", "(fan_out, fan_in)"]),
    (transposed_copy, ["形状对不上", "(fan_out, fan_in)"]),
    (size_arithmetic, ["一对数", "fan_out, fan_in = weight.shape"]),
    (size_subscripted, ["weight.size(1)"]),
    (first_row_only, ["没有填"]),
    (untouched, ["没有改动 weight"]),
], ids=["xavier-normal-by-hand", "nn.init.xavier_normal_", "normal", "rand-times-a", "uniform-0-a",
        "constant", "shifted", "not-in-place", "rebinds-name", "no-no_grad", "seed-inside", "cached",
        "dtype-changed", "transposed-data", "transposed-copy", "size-arithmetic", "size-subscript",
        "one-row", "untouched"])
def test_xavier_uniform_mistakes_get_their_diagnosis(fn, words):
    incorrect(ex.q2.evaluate(fn), *words)


def test_xavier_check_leaves_the_random_state_and_is_deterministic():
    torch.manual_seed(3)
    expected = torch.rand(3)
    torch.manual_seed(3)
    first = ex.q2.evaluate(seeded_inside)  # even a learner's manual_seed does not leak out
    assert torch.equal(torch.rand(3), expected)
    assert ex.q2.evaluate(seeded_inside) == first


def test_xavier_untouched_starter_is_not_attempted():
    def xavier_uniform_(weight):
        fan_out, fan_in = ____
        a = ____  # noqa: F841 - the starter
        with torch.no_grad():
            ____  # noqa: B018 - the starter
        return weight

    assert ex.q2.evaluate(xavier_uniform_).status == NOT_ATTEMPTED


def test_xavier_check_wants_the_function():
    incorrect(ex.q2.evaluate(torch.zeros(3, 5)), "把函数本身交给 check")


# --- the measurement helpers -------------------------------------------------------------------

def test_deep_mlp_builds_depth_blocks_with_zero_biases_and_the_fill():
    net = ex.deep_mlp("tanh", depth=3, width=8)
    assert [type(m) for m in net] == [nn.Linear, nn.Tanh] * 3
    assert all(m.weight.dtype == torch.float64 and not m.bias.any() for m in net[::2])
    filled = ex.deep_mlp("relu", lambda w: w.fill_(0.5), depth=2, width=4, dtype=torch.float32)
    assert [type(m) for m in filled] == [nn.Linear, nn.ReLU] * 2
    assert all(torch.equal(m.weight, torch.full((4, 4), 0.5)) for m in filled[::2])
    assert not any(p.grad is not None for p in filled.parameters())


def test_deep_mlp_is_reproducible_and_leaves_the_random_state():
    torch.manual_seed(3)
    expected = torch.rand(3)
    torch.manual_seed(3)
    a = ex.deep_mlp("relu", depth=2, width=4, seed=5)
    assert torch.equal(torch.rand(3), expected)
    b = ex.deep_mlp("relu", depth=2, width=4, seed=5)
    c = ex.deep_mlp("relu", depth=2, width=4, seed=6)
    assert torch.equal(a[0].weight, b[0].weight) and not torch.equal(a[0].weight, c[0].weight)


@pytest.mark.parametrize("kwargs, error, words", [
    ({"activation": 5}, TypeError, "activation"),
    ({"activation": "sigmoid"}, ValueError, "activation"),
    ({"activation": "relu", "fill": "xavier"}, TypeError, "fill"),
    ({"activation": "relu", "depth": 2.5}, TypeError, "depth"),
    ({"activation": "relu", "depth": 0}, ValueError, "depth"),
    ({"activation": "relu", "width": -1}, ValueError, "width"),
    ({"activation": "relu", "seed": "0"}, TypeError, "seed"),
    ({"activation": "relu", "dtype": "float64"}, TypeError, "dtype"),
    ({"activation": "relu", "dtype": torch.int64}, ValueError, "dtype"),
])
def test_deep_mlp_errors(kwargs, error, words):
    with pytest.raises(error, match=words):
        ex.deep_mlp(**kwargs)


def scaled_identity_net(scale, depth, width=6):
    """``depth`` blocks Linear(weight = scale * I, bias 0) + Identity, float64."""
    layers = []
    for _ in range(depth):
        linear = nn.Linear(width, width).double()
        with torch.no_grad():
            linear.weight.copy_(scale * torch.eye(width, dtype=torch.float64))
            linear.bias.zero_()
        layers += [linear, nn.Identity()]
    return nn.Sequential(*layers)


def test_layer_statistics_of_a_scaled_identity_net_are_known():
    X = torch.randn((200, 6), generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    net = scaled_identity_net(2.0, depth=3)
    stats = ex.layer_statistics(net, X, seed=4)
    variance = float(X.var())
    assert stats["forward"] == pytest.approx([4 * variance, 16 * variance, 64 * variance], rel=1e-12)
    # the backward pass starts from g at the output and is multiplied by W^T = 2 I per layer back
    g = torch.randn((200, 6), generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    assert stats["backward"] == pytest.approx([16 * float(g.var()), 4 * float(g.var()), float(g.var())],
                                              rel=1e-12)
    # the last layer's weight gradient is g^T h (h: the second layer's output, 4 X)
    expected_last = float((g.T @ (4 * X)).norm() / (2 * torch.eye(6, dtype=torch.float64)).norm())
    assert stats["grad_ratio"][-1] == pytest.approx(expected_last, rel=1e-12)
    assert len(stats["grad_ratio"]) == 3
    assert all(p.grad is None for p in net.parameters())  # nothing accumulated


def test_layer_statistics_leaves_the_random_state():
    net = ex.deep_mlp("tanh", depth=2, width=4)
    X = torch.ones((3, 4), dtype=torch.float64)
    torch.manual_seed(3)
    expected = torch.rand(3)
    torch.manual_seed(3)
    first = ex.layer_statistics(net, X, seed=1)
    assert torch.equal(torch.rand(3), expected)
    assert ex.layer_statistics(net, X, seed=1) == first
    assert ex.layer_statistics(net, X, seed=2)["backward"] != first["backward"]


@pytest.mark.parametrize("args, error, words", [
    ((nn.Linear(4, 4).double(), torch.ones(3, 4, dtype=torch.float64)), TypeError, "nn.Sequential"),
    ((None, [[1.0] * 4]), TypeError, "nn.Sequential"),
    ((ex.deep_mlp("relu", depth=1, width=4), [[1.0] * 4]), TypeError, "tensor"),
    ((ex.deep_mlp("relu", depth=1, width=4), torch.ones(3, 5, dtype=torch.float64)), ValueError, "shape"),
    ((ex.deep_mlp("relu", depth=1, width=4), torch.ones(4, dtype=torch.float64)), ValueError, "shape"),
    ((ex.deep_mlp("relu", depth=1, width=4), torch.ones(3, 4)), ValueError, "float32"),
    ((nn.Sequential(nn.ReLU()), torch.ones(3, 4)), ValueError, "no nn.Linear"),
    ((nn.Sequential(nn.Linear(4, 4)), torch.ones(3, 4)), ValueError, "no activation"),
])
def test_layer_statistics_errors(args, error, words):
    with pytest.raises(error, match=words):
        ex.layer_statistics(*args)
    with pytest.raises(TypeError, match="seed"):
        ex.layer_statistics(ex.deep_mlp("relu", depth=1, width=4), torch.ones(3, 4, dtype=torch.float64),
                            seed=1.5)


def test_depth_profile_is_the_mean_of_log10_over_seeds():
    fill = ex.reference_xavier_uniform_
    profile = ex.depth_profile("tanh", fill, seeds=(0, 1), depth=4, width=16, batch=32)
    logs = []
    for seed in (0, 1):
        net = ex.deep_mlp("tanh", fill, depth=4, width=16, seed=seed)
        X = torch.randn((32, 16), generator=torch.Generator().manual_seed(10_000 + seed),
                        dtype=torch.float64)
        logs.append({k: [math.log10(v) for v in values]
                     for k, values in ex.layer_statistics(net, X, seed=seed).items()})
    for key in ("forward", "backward", "grad_ratio"):
        assert profile[key] == pytest.approx([(a + b) / 2 for a, b in zip(logs[0][key], logs[1][key])],
                                             rel=1e-12)
        assert len(profile[key]) == 4


def test_depth_profile_sees_a_vanishing_signal_and_leaves_the_random_state():
    torch.manual_seed(3)
    expected = torch.rand(3)
    torch.manual_seed(3)
    small = ex.depth_profile("relu", lambda w: nn.init.normal_(w, std=0.01), seeds=(0,), depth=6,
                             width=32, batch=64)
    he = ex.depth_profile("relu", lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu"), seeds=(0,),
                          depth=6, width=32, batch=64)
    assert torch.equal(torch.rand(3), expected)
    # N(0, 0.01^2) with fan_in 32: each ReLU layer multiplies the variance by 32e-4 / 2
    steps = [b - a for a, b in zip(small["forward"], small["forward"][1:])]
    assert all(math.log10(32e-4 / 2) - 0.5 < s < math.log10(32e-4 / 2) + 0.5 for s in steps), steps
    assert abs(he["forward"][-1] - he["forward"][0]) < 1


@pytest.mark.parametrize("kwargs, error, words", [
    ({"activation": "relu", "seeds": 3}, TypeError, "seeds"),
    ({"activation": "relu", "seeds": "012"}, TypeError, "seeds"),
    ({"activation": "relu", "seeds": []}, ValueError, "at least one seed"),
    ({"activation": "relu", "seeds": [1, 1]}, ValueError, "no seed twice"),
    ({"activation": "relu", "seeds": [0.5]}, TypeError, "seeds"),
    ({"activation": "softplus"}, ValueError, "activation"),
    ({"activation": "relu", "batch": 0}, ValueError, "batch"),
    ({"activation": "relu", "dtype": torch.int32}, ValueError, "dtype"),
])
def test_depth_profile_errors(kwargs, error, words):
    with pytest.raises(error, match=words):
        ex.depth_profile(**kwargs, depth=2, width=4)


# --- q1: dropout and symmetry ------------------------------------------------------------------

def test_q1_dropout_breaks_the_symmetry(capsys):
    measured = {"no dropout": 0.0, "dropout": 0.08}
    assert predicted(ex.q1, "yes", measured).status == CORRECT
    incorrect(predicted(ex.q1, "no", measured), "能：暂退法让对称的隐藏单元变得不同", "掩码")
    unbroken = {"no dropout": torch.tensor(0.0), "dropout": 1e-15}  # tensors are numbers too
    assert predicted(ex.q1, "no", unbroken).status == CORRECT
    incorrect(predicted(ex.q1, "yes", unbroken), "不能：隐藏单元仍然一模一样")


@pytest.mark.parametrize("measured, words", [
    ({"no dropout": 0.01, "dropout": 0.08}, ["一开始就不对称", "重新运行"]),
    ([0.0, 0.08], ["unit_gaps", "'no dropout'"]),
    ({"no dropout": 0.0}, ["unit_gaps"]),
    ({"no dropout": 0.0, "dropout": "0.08"}, ["有限的数"]),
    ({"no dropout": float("nan"), "dropout": 0.08}, ["有限的数"]),
    ({"no dropout": True, "dropout": 0.08}, ["有限的数"]),
])
def test_q1_wrong_measurements_are_named(measured, words):
    incorrect(predicted(ex.q1, "yes", measured), *words)


# --- q3 and q6: profiles ---------------------------------------------------------------------------

def fake_profile(forward_change, backward_change=0.0, grad_gap=0.0, layers=50):
    """A depth_profile-like dict: log10 values moving linearly by the given total changes."""
    ramp = [i / (layers - 1) for i in range(layers)]
    return {"forward": [-0.5 + forward_change * r for r in ramp],
            "backward": [backward_change * (1 - r) for r in ramp],
            "grad_ratio": [-2 + grad_gap * (1 - r) for r in ramp]}


def fake_profiles(changes=None, tanh_he_gap=1.2):
    """Every (activation, init) of the lesson; ``changes`` overrides the forward changes."""
    forward = {("tanh", "default"): -23.0, ("tanh", "normal 0.01"): -90.0, ("tanh", "Xavier"): -1.7,
               ("tanh", "He"): -0.2, ("relu", "default"): -39.0, ("relu", "normal 0.01"): -108.0,
               ("relu", "Xavier"): -15.0, ("relu", "He"): -0.5}
    forward.update(changes or {})
    return {key: fake_profile(change, grad_gap=tanh_he_gap if key == ("tanh", "He") else 0.2)
            for key, change in forward.items()}


def test_q3_the_init_that_keeps_the_variance(capsys):
    profiles = fake_profiles()
    outcome = predicted(ex.q3, ("He", "He"), profiles)
    assert outcome.status == CORRECT and "最接近 0 的是 He" in outcome.message
    incorrect(predicted(ex.q3, ("Xavier", "He"), profiles), "tanh", "压扁", "He")
    incorrect(predicted(ex.q3, ("He", "Xavier"), profiles), "ReLU", "每层减半")
    # the verdict follows the measurement, not the textbook
    swapped = fake_profiles({("tanh", "Xavier"): -0.1, ("tanh", "He"): -2.0})
    assert predicted(ex.q3, ("Xavier", "He"), swapped).status == CORRECT
    incorrect(predicted(ex.q3, ("He", "He"), swapped), "最接近的是 Xavier")


def test_q3_needs_every_profile(capsys):
    profiles = fake_profiles()
    del profiles[("relu", "Xavier")]
    incorrect(predicted(ex.q3, ("He", "He"), profiles), "profiles", "('relu', 'He')")
    incorrect(predicted(ex.q3, ("He", "He"), [1, 2]), "profiles")
    broken = fake_profiles()
    broken[("tanh", "He")] = {"forward": [0.0]}
    incorrect(predicted(ex.q3, ("He", "He"), broken), "不是 ex.depth_profile 的结果")


def test_q3_prediction_must_be_a_pair_of_the_inits(capsys):
    ex.q3.predict("He")
    assert "之一" in capsys.readouterr().out and ex.q3.prediction is None
    ex.q3.predict(("He", "LeCun"))
    assert ex.q3.prediction is None
    ex.q3.predict(("He", "He"))
    assert ex.q3.prediction == ("He", "He")


@pytest.mark.parametrize("gap, answer", [(1.2, "first"), (-1.5, "last"), (0.4, "same"), (-0.9, "same")])
def test_q6_the_layer_with_the_largest_relative_gradient(capsys, gap, answer):
    profiles = fake_profiles(tanh_he_gap=gap)
    assert ex.relative_gradient_gap(profiles[("tanh", "He")]) == pytest.approx(gap)
    assert predicted(ex.q6, answer, profiles).status == CORRECT
    for other in {"first", "last", "same"} - {answer}:
        incorrect(predicted(ex.q6, other, profiles), "LARS", ex.say(f"q6.{answer}"))


def test_q6_needs_the_tanh_he_profile(capsys):
    incorrect(predicted(ex.q6, "first", {("relu", "He"): fake_profile(0.0)}), "profiles")
    incorrect(predicted(ex.q6, "first", "profiles"), "profiles")


# --- q4: linear and softmax regression from zeros -------------------------------------------

def runs(*values, seeds=None, metric="train_loss"):
    return Runs(seeds if seeds is not None else range(len(values)), [[{metric: v}] for v in values])


def zero_measurement(linear_zeros=None, softmax_zeros=None):
    linear = [4.6e-5, 5.2e-5, 4.9e-5, 5.3e-5, 4.8e-5]
    softmax = [0.07, 0.67, 0.59, 0.60, 0.21]
    return {"linear, zeros": runs(*(linear_zeros or [v * (1 + 1e-5) for v in linear])),
            "linear, random": runs(*linear),
            "softmax, zeros": runs(*(softmax_zeros or [v * (1 - 3e-4) for v in softmax])),
            "softmax, random": runs(*softmax)}


def test_q4_regression_from_zeros(capsys):
    fine = zero_measurement()
    assert predicted(ex.q4, "A", fine).status == CORRECT
    incorrect(predicted(ex.q4, "B", fine), "能：从全零出发", "凸")
    stuck = zero_measurement(softmax_zeros=[1.0986] * 5)  # ln 3: never moved
    assert predicted(ex.q4, "B", stuck).status == CORRECT
    incorrect(predicted(ex.q4, "A", stuck), "不能", "相差超过 1%")


def test_q4_matches_the_seeds_not_the_positions():
    zeros = runs(2.0, 1.0, seeds=[1, 0])
    random = runs(1.0, 2.0, seeds=[0, 1])
    assert ex.same_training(zeros, random)
    assert not ex.same_training(runs(1.0, 2.0, seeds=[1, 0]), random)
    with pytest.raises(ValueError, match="same seeds"):
        ex.same_training(runs(1.0, 2.0, seeds=[0, 2]), random)


def test_q4_wrong_measurements_are_named(capsys):
    incorrect(predicted(ex.q4, "A", [1, 2, 3, 4]), "d2l.repeat 的结果")
    missing = zero_measurement()
    missing["mlp, zeros"] = missing.pop("softmax, zeros")
    incorrect(predicted(ex.q4, "A", missing), "缺少", "softmax, zeros")
    few = zero_measurement()
    few["linear, zeros"] = runs(1.0, 1.0, 1.0, 1.0)
    incorrect(predicted(ex.q4, "A", few), "至少 5 个种子")
    other_metric = zero_measurement()
    other_metric["linear, random"] = runs(*[1.0] * 5, metric="valid_loss")
    incorrect(predicted(ex.q4, "A", other_metric), "'train_loss'")
    other_seeds = zero_measurement()
    other_seeds["linear, random"] = runs(*[4.6e-5] * 5, seeds=range(5, 10))
    incorrect(predicted(ex.q4, "A", other_seeds), "不同的种子")


# --- q5: eigenvalues of a product ---------------------------------------------------------------

def test_q5_eigenvalues_of_a_product(capsys):
    exceeded = {"pairs": 1000, "radius exceeds": 404, "norm bound broken": 0}
    assert predicted(ex.q5, "not always", exceeded).status == CORRECT
    incorrect(predicted(ex.q5, "always", exceeded), "404 对", "不一定", "奇异值")
    never = {"pairs": 1000, "radius exceeds": 0, "norm bound broken": 0}
    assert predicted(ex.q5, "always", never).status == CORRECT
    incorrect(predicted(ex.q5, "not always", never), "总是成立")


@pytest.mark.parametrize("counts, words", [
    ({"pairs": 1000, "radius exceeds": 404, "norm bound broken": 3}, ["不可能", "重新运行"]),
    ({"pairs": 1000, "radius exceeds": 404}, ["counts"]),
    ([1000, 404, 0], ["counts"]),
    ({"pairs": 1000, "radius exceeds": 40.4, "norm bound broken": 0}, ["非负整数"]),
    ({"pairs": 1000, "radius exceeds": True, "norm bound broken": 0}, ["非负整数"]),
    ({"pairs": 1000, "radius exceeds": -1, "norm bound broken": 0}, ["非负整数"]),
])
def test_q5_wrong_counts_are_named(capsys, counts, words):
    incorrect(predicted(ex.q5, "not always", counts), *words)


# --- every prediction ---------------------------------------------------------------------------

@pytest.mark.parametrize("name, wrong", [("q1", "maybe"), ("q4", "C"), ("q5", "never"), ("q6", 1)])
def test_predictions_need_a_listed_choice(capsys, name, wrong):
    exercise = ex.exercises.exercises[name]
    exercise.predict(wrong)
    assert "之一" in capsys.readouterr().out and exercise.prediction is None
    assert exercise.evaluate({}).status == NOT_ATTEMPTED


@pytest.mark.parametrize("name", ["q1", "q3", "q4", "q5", "q6"])
def test_untouched_prediction_starters_are_not_attempted(capsys, name):
    exercise = ex.exercises.exercises[name]
    exercise.predict(____)
    assert exercise.prediction is None and "尚未作答" in capsys.readouterr().out
    assert exercise.evaluate({"no dropout": 0.0, "dropout": 0.1}).status == NOT_ATTEMPTED


def returns_the_bound(weight):
    a = xavier_bound(weight)
    with torch.no_grad():
        weight.uniform_(-a, a)
    return a


@pytest.mark.parametrize("fn", [returns_nothing, returns_the_bound], ids=["nothing", "the bound"])
def test_xavier_uniform_that_does_not_return_the_weight_is_told_so(fn):
    incorrect(ex.q2.evaluate(fn), "return weight")


def swapped_fan_in_only(weight):
    fan_in, fan_out = weight.shape  # reversed: this "fan_in" is fan_out
    a = math.sqrt(6 / fan_in)
    with torch.no_grad():
        weight.uniform_(-a, a)
    return weight


def integer_division(weight):
    fan_out, fan_in = weight.shape
    a = math.sqrt(6 // (fan_in + fan_out))
    with torch.no_grad():
        weight.uniform_(-a, a)
    return weight


def triangular(weight):
    a = xavier_bound(weight)
    with torch.no_grad():
        weight.copy_((torch.rand(weight.shape) + torch.rand(weight.shape) - 1) * a)
    return weight


def size_without_call(weight):
    fan_out, fan_in = weight.size
    return weight


def torch_sqrt_of_a_float(weight):
    fan_out, fan_in = weight.shape
    a = torch.sqrt(6 / (fan_in + fan_out))
    with torch.no_grad():
        weight.uniform_(-a, a)
    return weight


@pytest.mark.parametrize("fn, words", [
    (swapped_fan_in_only, ["sqrt(6 / fan_out)", "weight.shape[0] 是 fan_out"]),
    (integer_division, ["整数除法"]),
    (triangular, ["三角分布"]),
    (size_without_call, ["weight.size()"]),
    (torch_sqrt_of_a_float, ["math.sqrt"]),
], ids=["fans swapped, fan_in only", "6 //", "rand + rand", "weight.size", "torch.sqrt(float)"])
def test_xavier_uniform_attack_mistakes_get_their_diagnosis(fn, words):
    incorrect(ex.q2.evaluate(fn), *words)


def minus_in_math_sqrt(weight):
    fan_out, fan_in = weight.shape
    a = math.sqrt(6 / (fan_in - fan_out))  # minus: negative once fan_out > fan_in
    with torch.no_grad():
        weight.uniform_(-a, a)
    return weight


def minus_in_torch_sqrt(weight):
    fan_out, fan_in = weight.shape
    a = torch.sqrt(torch.tensor(6.0) / (fan_in - fan_out))  # the same in torch: nan, no error
    with torch.no_grad():
        weight.copy_((2 * torch.rand(weight.shape) - 1) * a)
    return weight


def flattened(weight):
    a = xavier_bound(weight)
    weight.data = (2 * torch.rand(weight.numel()) - 1) * a  # one long row, not weight's shape
    return weight


def random_signs(weight):
    a = xavier_bound(weight)
    with torch.no_grad():
        weight.copy_((2 * torch.randint(0, 2, weight.shape) - 1) * a)  # only -a and +a
    return weight


@pytest.mark.parametrize("fn, words", [
    (minus_in_math_sqrt, [ex.say("q2.error_domain")]),
    (minus_in_torch_sqrt, ["(3000, 80)", "nan 或 inf", "检查上界的算式"]),
    (flattened, ["形状变成了 (15,)", "要原地填充"]),
    (random_signs, ["方差却是", "不是 [-a, a] 上的均匀分布"]),
    (uniform_with(lambda i, o: math.sqrt(2 / i)),  # He's standard deviation
     ["(400, 600)", "上界应当是 a = sqrt(6 / (fan_in + fan_out))", "(输出, 输入)"]),
], ids=["fan_in - fan_out in math.sqrt", "fan_in - fan_out in torch.sqrt", "flattened", "random signs",
        "He's std as the bound"])
def test_xavier_uniform_mistakes_named_by_what_the_weight_shows(fn, words):
    incorrect(ex.q2.evaluate(fn), *words)
