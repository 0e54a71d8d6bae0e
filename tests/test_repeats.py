"""d2l.repeat / d2l.compare / d2l.plot_runs: numbers over seeds and verdicts in words."""
import math
import random

import matplotlib
import pytest
import torch
from torch import nn

import d2l_helpers as d2l


def synthetic(values_per_seed):
    """fn(seed) -> two epochs whose 'acc' is given per seed (epoch 1 is half of it)."""
    def fn(seed):
        acc = values_per_seed[seed]
        return [{"epoch": 1, "acc": acc / 2, "loss": 1.0}, {"epoch": 2, "acc": acc, "loss": 0.5}]
    return fn


def test_repeat_seeds_each_call_and_restores_the_generators():
    torch.manual_seed(123)
    random.seed(7)
    expected_torch, expected_random = torch.rand(3), random.random()
    torch.manual_seed(123)
    random.seed(7)
    runs = d2l.repeat(lambda seed: {"draw": float(torch.rand(1)), "py": random.random()}, seeds=3)
    # the caller's streams continue as if repeat had not been called
    assert torch.equal(torch.rand(3), expected_torch) and random.random() == expected_random
    for seed, history in zip([0, 1, 2], runs.histories, strict=True):
        torch.manual_seed(seed)
        random.seed(seed)
        assert history[-1] == {"draw": float(torch.rand(1)), "py": random.random()}


def test_repeat_accepts_a_list_of_seeds():
    seen = []
    runs = d2l.repeat(lambda seed: seen.append(seed) or 0.5, seeds=[4, 9])
    assert seen == [4, 9] and runs.seeds == [4, 9] and runs.values("value") == [0.5, 0.5]


def test_mean_and_spread_per_epoch_and_at_the_end():
    runs = d2l.repeat(synthetic({0: 0.80, 1: 0.82, 2: 0.84}), seeds=3)
    assert runs.mean("acc") == pytest.approx([0.41, 0.82])
    assert runs.spread("acc") == pytest.approx([0.01, 0.02])  # sample standard deviation
    final = runs.final("acc")
    assert (final.mean, final.spread, final.n) == (pytest.approx(0.82), pytest.approx(0.02), 3)
    assert final.se == pytest.approx(0.02 / math.sqrt(3))
    assert str(final) == "0.820 ± 0.020"
    assert runs.metrics() == ["acc", "loss"]
    assert "3 seeds [0, 1, 2]: acc 0.820 ± 0.020, loss 0.500 ± 0.000" in repr(runs)


def test_runs_of_different_lengths_average_what_each_epoch_has():
    def fn(seed):
        return [{"acc": 0.5}, {"acc": 0.7}] if seed == 0 else [{"acc": 0.3}]
    runs = d2l.repeat(fn, seeds=2)
    assert runs.mean("acc") == pytest.approx([0.4, 0.7])
    assert [e.n for e in runs.per_epoch("acc")] == [2, 1]
    assert runs.values("acc") == pytest.approx([0.7, 0.3])  # each run's last epoch


def test_repeat_takes_train_ch3_results(blobs):
    train, test = blobs

    def fn(seed):
        net = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 4))
        return d2l.train_ch3(net, train, test, nn.CrossEntropyLoss(reduction="none"), 2,
                             torch.optim.SGD(net.parameters(), lr=0.1), animator=None)

    runs = d2l.repeat(fn, seeds=2)
    assert {"train_loss", "train_acc", "test_acc"} <= set(runs.metrics())
    assert len(runs.mean("test_acc")) == 2
    assert runs.values("train_loss")[0] != runs.values("train_loss")[1]  # seeds differ


def test_compare_says_higher_lower_or_within_noise():
    a = d2l.repeat(synthetic({0: 0.84, 1: 0.85, 2: 0.86}), seeds=3)
    b = d2l.repeat(synthetic({0: 0.80, 1: 0.81, 2: 0.82}), seeds=3)
    c = d2l.repeat(synthetic({0: 0.79, 1: 0.86, 2: 0.83}), seeds=3)
    result = d2l.compare(a, b, "acc", names=("width 1024", "width 256"), label="验证精度")
    assert result.outcome == "higher" and not result.within_noise
    assert result.difference == pytest.approx(0.04)
    assert result.se == pytest.approx(math.sqrt(2 * 0.01 ** 2 / 3))
    assert str(result) == "width 1024 的验证精度比 width 256 高 4.0 ± 0.8 个百分点（超过 2 倍标准误差）"
    assert d2l.compare(b, a, "acc").outcome == "lower"
    noise = d2l.compare(c, b, "acc", names=("C", "B"))
    assert noise.within_noise
    assert str(noise).startswith("C 与 B 的acc之差 1.7 ± 2.1 个百分点，在噪声以内")


def test_compare_losses_in_their_own_units():
    a = d2l.repeat(lambda s: {"loss": 0.5 + 0.01 * s}, seeds=3)
    b = d2l.repeat(lambda s: {"loss": 0.7 + 0.01 * s}, seeds=3)
    assert "低 0.200 ± 0.008（" in str(d2l.compare(a, b, "loss"))


@pytest.mark.parametrize("seeds, error, words", [
    (0, ValueError, "at least 1"), (True, TypeError, "a count"), ([1, 1], ValueError, "no seed twice"),
    ([], ValueError, "at least one"), ("abc", TypeError, "list of ints"),
])
def test_bad_seeds_are_refused(seeds, error, words):
    with pytest.raises(error, match=words):
        d2l.repeat(lambda s: 0.0, seeds=seeds)


def test_bad_functions_and_results_are_refused():
    with pytest.raises(TypeError, match="function of the seed"):
        d2l.repeat(0.5, seeds=2)
    with pytest.raises(TypeError, match=r"fn\(seed=0\) returned str"):
        d2l.repeat(lambda s: "0.5", seeds=2)
    runs = d2l.repeat(lambda s: 0.5, seeds=1)
    with pytest.raises(ValueError, match="A has 1 seed; noise needs at least 2 seeds"):
        d2l.compare(runs, runs, "value")
    with pytest.raises(TypeError, match="B is list, not Runs"):
        d2l.compare(d2l.repeat(lambda s: 0.5, seeds=2), [0.5], "value")
    with pytest.raises(KeyError, match="recorded: \\['value'\\]"):
        runs.final("acc")


def test_plot_runs_draws_a_mean_and_a_band_per_setting():
    matplotlib.pyplot.close("all")
    a = d2l.repeat(synthetic({0: 0.8, 1: 0.82, 2: 0.84}), seeds=3)
    axes = d2l.plot_runs({"a": a, "b": a}, "acc")
    assert len(axes.lines) == 2 and len(axes.collections) == 2
    assert list(axes.lines[0].get_ydata()) == pytest.approx([0.41, 0.82])
    assert [t.get_text() for t in axes.get_legend().get_texts()] == ["a", "b"]
    d2l.plot_runs({"c": a}, "acc", axes=axes)  # a second call on the same axes keeps the grid
    assert all(line.get_visible() for line in axes.get_xgridlines())
    assert axes.get_autoscalex_on()
    matplotlib.pyplot.close("all")


def test_plot_sweep_puts_the_values_tried_on_the_x_axis():
    matplotlib.pyplot.close("all")
    runs = [d2l.repeat(synthetic({0: v, 1: v + 0.02}), seeds=2) for v in (0.7, 0.8, 0.75)]
    axes = d2l.plot_sweep([16, 256, 1024], runs, ["acc", "loss"], "width")
    assert len(axes.lines) == 2 and list(axes.lines[0].get_ydata()) == pytest.approx([0.71, 0.81, 0.76])
    assert [t.get_text() for t in axes.get_xticklabels()] == ["16", "256", "1024"]
    with pytest.raises(ValueError, match="3 values but 2 Runs"):
        d2l.plot_sweep([1, 2, 3], runs[:2], "acc", "x")
    matplotlib.pyplot.close("all")
