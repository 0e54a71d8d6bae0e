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


def test_repeat_restores_every_cuda_generator_it_reseeds(monkeypatch):
    """torch.manual_seed reseeds the GPUs too: they must be forked and restored as well."""
    forked = []
    real_fork = torch.random.fork_rng

    def spy(devices=None, **kwargs):
        forked.append(list(devices))
        return real_fork(devices=[], **kwargs)  # this machine has no GPU to fork

    monkeypatch.setattr(torch.random, "fork_rng", spy)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    d2l.repeat(lambda seed: 0.0, seeds=2)
    assert forked == [[0, 1], [0, 1]]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_repeat_leaves_the_gpu_stream_as_it_found_it():
    torch.cuda.manual_seed_all(3)
    expected = torch.rand(3, device="cuda")
    torch.cuda.manual_seed_all(3)
    d2l.repeat(lambda seed: float(torch.rand(1, device="cuda")), seeds=2)
    assert torch.equal(torch.rand(3, device="cuda"), expected)


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


def runs_of(values, metric="acc", seeds=None):
    """A Runs whose final ``metric`` is ``values``, one per seed."""
    return d2l.Runs(seeds or range(len(values)), [[{metric: v}] for v in values])


def test_compare_says_higher_lower_or_not_significant_by_a_paired_t_test():
    from scipy import stats

    a = runs_of([0.84, 0.85, 0.86, 0.85, 0.84])
    b = runs_of([0.80, 0.81, 0.82, 0.80, 0.81])
    c = runs_of([0.79, 0.86, 0.83, 0.80, 0.84])
    result = d2l.compare(a, b, "acc", names=("width 1024", "width 256"), label="验证精度")
    assert result.outcome == "higher" and result.significant and not result.within_noise
    assert result.paired  # the same seeds on both sides
    differences = [x - y for x, y in zip(a.values("acc"), b.values("acc"))]
    expected = stats.ttest_rel(a.values("acc"), b.values("acc"))
    assert result.p_value == pytest.approx(expected.pvalue)
    assert result.difference == pytest.approx(0.04)
    assert result.se == pytest.approx(stats.sem(differences))
    interval = expected.confidence_interval(0.95)
    assert (result.low, result.high) == (pytest.approx(interval.low), pytest.approx(interval.high))
    assert result.low > 0
    text = str(result)
    assert text.startswith("width 1024 的验证精度比 width 256 高 4.0 ± ")
    assert "95% 置信区间 [" in text and "配对 t 检验 p " in text and "5% 水平上显著" in text
    assert d2l.compare(b, a, "acc").outcome == "lower"
    noise = d2l.compare(c, b, "acc", names=("C", "B"))
    assert noise.within_noise and noise.low < 0 < noise.high
    assert str(noise).startswith("C 与 B 的acc之差 ") and "差别不显著" in str(noise)
    # a non-significant difference keeps its sign (a minus b, like its interval)
    size = f"{abs(noise.difference) * 100:.1f}"
    assert f"之差 {size} " in str(noise) and f"之差 -{size}" in str(d2l.compare(b, c, "acc"))


def test_compare_without_shared_seeds_uses_welchs_test():
    from scipy import stats

    a = runs_of([0.84, 0.85, 0.86, 0.85, 0.84], seeds=[0, 1, 2, 3, 4])
    b = runs_of([0.80, 0.81, 0.82, 0.80, 0.81, 0.79], seeds=[5, 6, 7, 8, 9, 10])
    result = d2l.compare(a, b, "acc")
    assert not result.paired and "Welch t 检验" in str(result)
    expected = stats.ttest_ind(a.values("acc"), b.values("acc"), equal_var=False)
    assert result.p_value == pytest.approx(expected.pvalue)
    with pytest.raises(ValueError, match="same seeds on both sides"):
        d2l.compare(a, b, "acc", paired=True)


def test_compare_pairs_by_seed_whatever_the_order():
    a = runs_of([0.80, 0.90, 0.70, 0.85, 0.75], seeds=[0, 1, 2, 3, 4])
    b = runs_of([0.89, 0.79, 0.84, 0.69, 0.74], seeds=[1, 0, 3, 2, 4])  # each 0.01 below a's
    result = d2l.compare(a, b, "acc")
    assert result.paired and result.outcome == "higher"
    assert result.difference == pytest.approx(0.01)
    assert d2l.compare(a, b, "acc", paired=False).outcome == "noise"  # unpaired it is lost


def test_false_alarms_stay_at_the_stated_level_and_real_differences_are_found():
    """Identical settings (one normal distribution): 'higher'/'lower' at most 5 % of the time.

    The old rule (2 standard errors, unpaired, normal approximation) said so 12.1 % of the
    time with 3 seeds a side, 9.1 % with 5; a t-test keeps its level at any n.
    """
    generator = random.Random(0)
    trials, n = 3000, 5
    for paired in (True, False):
        alarms = 0
        for _ in range(trials):
            a = runs_of([generator.gauss(0.8, 0.02) for _ in range(n)])
            b = runs_of([generator.gauss(0.8, 0.02) for _ in range(n)])
            alarms += d2l.compare(a, b, "acc", paired=paired).significant
        # the binomial's 3-sigma band around 5 % over 3000 trials
        assert alarms / trials <= 0.05 + 3 * math.sqrt(0.05 * 0.95 / trials), (paired, alarms)
        assert alarms / trials >= 0.05 - 3 * math.sqrt(0.05 * 0.95 / trials), (paired, alarms)
    found = 0
    for _ in range(500):  # a real difference of three spreads is found nearly always
        a = runs_of([generator.gauss(0.86, 0.02) for _ in range(n)])
        b = runs_of([generator.gauss(0.80, 0.02) for _ in range(n)])
        found += d2l.compare(a, b, "acc").outcome == "higher"
    assert found / 500 > 0.95


def test_the_old_two_standard_error_rule_would_fail_the_false_alarm_test():
    """The test above can fail: the rule compare used before raises too many alarms."""
    generator = random.Random(1)
    alarms = 0
    for _ in range(3000):
        a = [generator.gauss(0.8, 0.02) for _ in range(3)]
        b = [generator.gauss(0.8, 0.02) for _ in range(3)]
        ea, eb = runs_of(a).final("acc"), runs_of(b).final("acc")
        alarms += abs(ea.mean - eb.mean) > 2 * math.sqrt(ea.se ** 2 + eb.se ** 2)
    assert alarms / 3000 > 0.10


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_a_diverged_seed_is_named_not_called_noise(bad):
    a = runs_of([0.5, 0.52, bad, 0.51, 0.5], metric="train_loss")
    b = runs_of([0.6, 0.61, 0.62, 0.6, 0.63], metric="train_loss")
    result = d2l.compare(a, b, "train_loss", names=("lr 1.0", "lr 0.1"), label="训练损失")
    assert result.outcome == "diverged" and not result.within_noise and not result.significant
    assert result.diverged == (("lr 1.0", 2, bad),)
    assert "lr 1.0 的种子 2" in str(result) and "发散" in str(result)
    assert "不显著" not in str(result)


def test_compare_losses_in_their_own_units():
    a = d2l.repeat(lambda s: {"loss": 0.5 + 0.01 * s}, seeds=5)
    b = d2l.repeat(lambda s: {"loss": 0.7 + 0.01 * s + 0.001 * (s % 2)}, seeds=5)
    assert "低 0.200 ± 0.000（" in str(d2l.compare(a, b, "loss"))


def test_no_spread_at_all_is_an_exact_difference():
    same = runs_of([1.0] * 5)
    assert d2l.compare(same, same, "acc").outcome == "noise"
    assert d2l.compare(same, runs_of([0.9] * 5), "acc").outcome == "higher"


@pytest.mark.parametrize("seeds, error, words", [
    (0, ValueError, "at least 1"), (True, TypeError, "a count"),
    ([1, 1], ValueError, "no seed twice"),
    ([], ValueError, "at least one"), ("abc", TypeError, "is text"), ("3", TypeError, "is text"),
    ("12", TypeError, "seeds 1 and 2"), (2.5, TypeError, "whole number"),
    ([0, 1.5], TypeError, "whole number"),
])
def test_bad_seeds_are_refused(seeds, error, words):
    with pytest.raises(error, match=words):
        d2l.repeat(lambda s: 0.0, seeds=seeds)


def test_bad_functions_and_results_are_refused():
    with pytest.raises(TypeError, match="function of the seed"):
        d2l.repeat(0.5, seeds=2)
    with pytest.raises(TypeError, match=r"fn\(seed=0\) returned str"):
        d2l.repeat(lambda s: "0.5", seeds=2)
    runs = d2l.repeat(lambda s: 0.5, seeds=3)
    with pytest.raises(ValueError, match=r"A has 3 seed\(s\); a verdict needs at least 5"):
        d2l.compare(runs, runs, "value")
    with pytest.raises(TypeError, match="B is list, not Runs"):
        d2l.compare(d2l.repeat(lambda s: 0.5, seeds=5), [0.5], "value")
    with pytest.raises(ValueError, match="significance level"):
        five = d2l.repeat(lambda s: 0.5, seeds=5)
        d2l.compare(five, five, "value", level=5)
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
    assert len(axes.lines) == 2
    assert list(axes.lines[0].get_ydata()) == pytest.approx([0.71, 0.81, 0.76])
    assert [t.get_text() for t in axes.get_xticklabels()] == ["16", "256", "1024"]
    with pytest.raises(ValueError, match="3 values but 2 Runs"):
        d2l.plot_sweep([1, 2, 3], runs[:2], "acc", "x")
    matplotlib.pyplot.close("all")


def test_pick_and_until_make_runs_of_one_chosen_epoch():
    runs = d2l.Runs([0, 1], [[{"epoch": 1, "loss": 0.9}, {"epoch": 2, "loss": 0.5},
                              {"epoch": 3, "loss": 0.7}],
                             [{"epoch": 1, "loss": 0.8}, {"epoch": 2, "loss": 0.6},
                              {"epoch": 3, "loss": 0.4}]])
    lowest = runs.pick(lambda history: min(history, key=lambda row: row["loss"]))
    assert lowest.values("epoch") == [2, 3] and lowest.seeds == [0, 1]
    assert runs.until(1).values("loss") == [0.9, 0.8]
    assert runs.diverged("loss") == []
    with pytest.raises(ValueError, match="epochs 1 to 3"):
        runs.until(4)
    with pytest.raises(TypeError, match="function of one seed's history"):
        runs.pick(2)


def test_renamed_says_what_a_metric_really_is():
    runs = d2l.Runs([0], [[{"epoch": 1, "test_acc": 0.7}, {"epoch": 2, "test_acc": 0.8}]])
    valid = runs.renamed(test_acc="valid_acc")
    assert valid.values("valid_acc") == [0.8] and valid.metrics() == ["valid_acc"]
    assert runs.metrics() == ["test_acc"]  # the original is left as it was
    with pytest.raises(KeyError, match="'loss'"):
        runs.renamed(loss="valid_loss")
