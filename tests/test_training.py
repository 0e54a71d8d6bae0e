"""Unit tests for d2l_helpers.training: numbers, errors and the differences from the book."""
import math
import warnings

import pytest
import torch
from torch import nn

import d2l_helpers as d2l
from d2l_helpers.training import TrainingDivergedWarning


def make_net(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 4))


class Recorder:
    """An animator that only records what train_ch3 hands it."""

    def __init__(self):
        self.points = []

    def add(self, x, y):
        self.points.append((x, tuple(y)))


# --- Timer and Accumulator ----------------------------------------------------------

def test_timer_statistics():
    timer = d2l.Timer()
    assert timer.stop() >= 0
    timer.times = [1.0, 2.0, 3.0]
    assert timer.sum() == 6.0
    assert timer.avg() == 2.0
    assert timer.cumsum() == [1.0, 3.0, 6.0]


def test_accumulator_sums_and_resets():
    metric = d2l.Accumulator(3)
    metric.add(1, 2.5, torch.tensor(3))
    metric.add(1, 0.5, 4)
    assert metric.data == [2.0, 3.0, 7.0]
    assert metric[1] == 3.0
    metric.reset()
    assert metric.data == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("values", [(1, 2), (1, 2, 3, 4)])
def test_accumulator_rejects_wrong_number_of_values(values):
    metric = d2l.Accumulator(3)
    with pytest.raises(ValueError, match=rf"Accumulator\(3\).add\(\) got {len(values)} values"):
        metric.add(*values)
    assert metric.data == [0.0, 0.0, 0.0]  # nothing half-added


def test_accumulator_rejects_non_numbers():
    metric = d2l.Accumulator(2)
    with pytest.raises(TypeError, match="value 1 is not a single number"):
        metric.add(1, torch.ones(3))


@pytest.mark.parametrize("n", [0, -1, 2.0, True, "3"])
def test_accumulator_size_must_be_positive_int(n):
    with pytest.raises(ValueError, match="positive int"):
        d2l.Accumulator(n)


# --- accuracy -----------------------------------------------------------------------

def test_accuracy_counts_correct_predictions():
    y_hat = torch.tensor([[0.1, 0.9, 0.0], [0.8, 0.1, 0.1], [0.2, 0.2, 0.6], [0.5, 0.4, 0.1]])
    y = torch.tensor([1, 0, 1, 0])
    assert d2l.accuracy(y_hat, y) == 3.0
    assert d2l.accuracy(torch.tensor([1, 0, 2, 0]), y) == 3.0  # labels work too


@pytest.mark.parametrize("y_hat, y", [
    (torch.zeros(4, 3), torch.zeros(5, dtype=torch.long)),
    (torch.zeros(4, 1), torch.zeros(4, dtype=torch.long)),  # the book counts a 4x4 table here
    (torch.zeros(4, dtype=torch.long), torch.zeros(4, 1, dtype=torch.long)),
])
def test_accuracy_rejects_mismatched_shapes(y_hat, y):
    with pytest.raises(ValueError) as info:
        d2l.accuracy(y_hat, y)
    assert str(tuple(y_hat.shape)) in str(info.value)
    assert str(tuple(y.shape)) in str(info.value)


# --- evaluation ---------------------------------------------------------------------

def test_evaluate_accuracy_value_and_restores_train_mode(blobs):
    _, test = blobs
    net = make_net()
    net.train()
    expected = sum(d2l.accuracy(net(X), y) for X, y in test) / sum(len(y) for _, y in test)
    assert d2l.evaluate_accuracy(net, test) == pytest.approx(expected)
    assert net.training  # the book leaves it in eval mode
    net.eval()
    d2l.evaluate_accuracy(net, test)
    assert not net.training


def test_evaluate_accuracy_uses_eval_mode_during_the_pass():
    seen = []

    class Probe(nn.Module):
        def forward(self, X):
            seen.append(self.training)
            return X

    net = Probe().train()
    d2l.evaluate_accuracy(net, [(torch.eye(3), torch.arange(3))])
    assert seen == [False] and net.training


def test_evaluate_loss_is_the_per_example_mean_for_any_reduction(blobs):
    _, test = blobs
    net = make_net()
    with torch.no_grad():
        per_example = torch.cat([nn.CrossEntropyLoss(reduction="none")(net(X), y)
                                 for X, y in test])
    for reduction in ("none", "mean", "sum"):
        value = d2l.evaluate_loss(net, test, nn.CrossEntropyLoss(reduction=reduction))
        assert value == pytest.approx(float(per_example.mean()), rel=1e-6), reduction


# --- one epoch ----------------------------------------------------------------------

@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_epoch_loss_is_right_for_reduced_losses(blobs, reduction):
    train, _ = blobs
    reference, other = make_net(), make_net()
    expected = d2l.train_epoch_ch3(reference, train, nn.CrossEntropyLoss(reduction="none"),
                                   torch.optim.SGD(reference.parameters(), lr=0.1))
    if reduction == "sum":  # a sum loss takes a step batch_size times larger: scale lr
        updater = torch.optim.SGD(other.parameters(), lr=0.1 / 32)
    else:
        updater = torch.optim.SGD(other.parameters(), lr=0.1)
    got = d2l.train_epoch_ch3(other, train, nn.CrossEntropyLoss(reduction=reduction), updater)
    assert got == pytest.approx(expected, rel=1e-5)


def test_epoch_restores_mode_and_trains_in_train_mode(blobs):
    train, _ = blobs
    seen = []
    net = make_net()
    net.register_forward_pre_hook(lambda module, args: seen.append(module.training))
    net.eval()
    d2l.train_epoch_ch3(net, train, nn.CrossEntropyLoss(reduction="none"),
                        torch.optim.SGD(net.parameters(), lr=0.1))
    assert set(seen) == {True} and not net.training


def scratch_model(seed=0):
    torch.manual_seed(seed)
    W = torch.randn(2, 4) * 0.01
    W.requires_grad_(True)
    b = torch.zeros(4, requires_grad=True)
    return (lambda X: X @ W + b), [W, b]


def test_mean_loss_with_hand_written_updater_warns_about_double_scaling(blobs):
    train, _ = blobs
    net, params = scratch_model()
    with pytest.warns(UserWarning, match="divided by the batch size twice") as record:
        d2l.train_epoch_ch3(net, train, nn.CrossEntropyLoss(),
                            lambda batch_size: d2l.sgd(params, 0.1, batch_size))
    assert len(record) == 1  # once per epoch, not once per batch
    assert record[0].filename == __file__  # points at the learner's own line
    net, params = scratch_model()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        d2l.train_epoch_ch3(net, train, nn.CrossEntropyLoss(reduction="none"),
                            lambda batch_size: d2l.sgd(params, 0.1, batch_size))


# --- train_ch3 ----------------------------------------------------------------------

def test_train_ch3_returns_final_metrics_and_history(blobs):
    train, test = blobs
    net = make_net()
    recorder = Recorder()
    result = d2l.train_ch3(net, train, test, nn.CrossEntropyLoss(reduction="none"), 3,
                           torch.optim.SGD(net.parameters(), lr=0.1), animator=recorder)
    train_loss, train_acc, test_acc, history = result
    assert [h["epoch"] for h in history] == [1, 2, 3]
    assert (train_loss, train_acc, test_acc) == (
        history[-1]["train_loss"], history[-1]["train_acc"], history[-1]["test_acc"])
    assert all(h["examples"] == 8 * 32 for h in history)
    assert history[-1]["train_loss"] < history[0]["train_loss"]
    assert test_acc == d2l.evaluate_accuracy(net, test)
    assert result.examples_per_sec > 0 and result.diverged_epoch is None
    assert recorder.points == [(h["epoch"], (h["train_loss"], h["train_acc"], h["test_acc"]))
                               for h in history]
    assert "TrainResult(train_loss=" in repr(result)


def test_train_ch3_never_asserts_on_poor_results(blobs):
    train, test = blobs
    net = make_net()
    result = d2l.train_ch3(net, train, test, nn.CrossEntropyLoss(reduction="none"), 1,
                           torch.optim.SGD(net.parameters(), lr=0.0), animator=None)
    assert result.train_loss > 0.5  # the book would stop here with an AssertionError


def test_train_ch3_stops_when_the_loss_diverges(blobs):
    train, test = blobs
    net, params = scratch_model()
    calls = []

    def updater(batch_size):
        calls.append(batch_size)
        d2l.sgd(params, 0.1, batch_size)
        if len(calls) == 10:  # in epoch 2 of 4: the weights blow up
            with torch.no_grad():
                params[0].fill_(float("inf"))

    with pytest.warns(TrainingDivergedWarning, match="in epoch 2 of 4; training stopped") as w:
        result = d2l.train_ch3(net, train, test, nn.CrossEntropyLoss(reduction="none"), 4,
                               updater, animator=None)
    assert "smaller learning rate" in str(w[0].message) and "* 0.01" in str(w[0].message)
    assert len(result.history) == 2 and result.diverged_epoch == 2
    assert not math.isfinite(result.train_loss)


def test_divergence_message_names_the_learning_rate(blobs):
    train, test = blobs
    net = make_net()
    with torch.no_grad():
        net[0].weight.fill_(float("nan"))
    with pytest.warns(TrainingDivergedWarning, match=r"epoch 1 of 2.*\(lr=0.5\)"):
        d2l.train_ch3(net, train, test, nn.CrossEntropyLoss(reduction="none"), 2,
                      torch.optim.SGD(net.parameters(), lr=0.5), animator=None)


@pytest.mark.parametrize("num_epochs", [0, -2, 1.5, True])
def test_train_ch3_rejects_bad_epoch_counts(blobs, num_epochs):
    train, test = blobs
    net = make_net()
    with pytest.raises(ValueError, match="num_epochs"):
        d2l.train_ch3(net, train, test, nn.CrossEntropyLoss(), num_epochs,
                      torch.optim.SGD(net.parameters(), lr=0.1), animator=None)


# --- devices ------------------------------------------------------------------------

@pytest.mark.parametrize("device", ["cpu", "auto", torch.device("cpu")])
def test_device_argument_gives_identical_metrics_on_cpu(blobs, device):
    train, test = blobs
    results = []
    for dev in (None, device):
        net = make_net()
        torch.manual_seed(1)
        results.append(d2l.train_ch3(net, train, test, nn.CrossEntropyLoss(reduction="none"),
                                     2, torch.optim.SGD(net.parameters(), lr=0.1), device=dev,
                                     animator=None)[:3])
    assert results[0] == results[1]


def test_bad_device_is_a_clear_error(blobs):
    train, test = blobs
    with pytest.raises(ValueError, match="device='gpu0' is not a device"):
        d2l.evaluate_accuracy(make_net(), test, device="gpu0")


def test_try_gpu_falls_back_to_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)
    assert d2l.try_gpu() == torch.device("cpu")
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert d2l.try_gpu(1) == torch.device("cuda:1")
    assert d2l.try_gpu(2) == torch.device("cpu")


# --- sgd ----------------------------------------------------------------------------

def test_sgd_step_and_zeroed_gradient():
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    (w * torch.tensor([3.0, 4.0])).sum().backward()
    d2l.sgd([w], lr=0.5, batch_size=2)
    assert torch.equal(w.detach(), torch.tensor([1.0 - 0.5 * 3 / 2, 2.0 - 0.5 * 4 / 2]))
    assert torch.equal(w.grad, torch.zeros(2))


def test_sgd_without_gradient_is_a_clear_error():
    with pytest.raises(ValueError, match=r"shape \(3,\) has no gradient"):
        d2l.sgd([torch.zeros(3, requires_grad=True)], lr=0.1, batch_size=1)
