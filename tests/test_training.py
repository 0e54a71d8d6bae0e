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


@pytest.mark.parametrize("n, error", [(0, ValueError), (-1, ValueError), (2.0, TypeError),
                                      (True, TypeError), ("3", TypeError)])
def test_accumulator_size_must_be_a_positive_whole_number(n, error):
    with pytest.raises(error, match="Accumulator"):
        d2l.Accumulator(n)


@pytest.mark.parametrize("index, error, words", [
    (3, IndexError, "holds 3 running sums, at 0 to 2"), (-4, IndexError, "holds 3"),
    ("0", TypeError, "whole number"), (1.0, TypeError, "whole number")])
def test_accumulator_index_out_of_range_or_of_the_wrong_kind_says_so(index, error, words):
    metric = d2l.Accumulator(3)
    with pytest.raises(error, match=words):
        metric[index]
    assert metric[-1] == 0.0 and metric[0:2] == [0.0, 0.0]


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
    with pytest.warns(TrainingDivergedWarning,
                      match=r"epoch 1 of 2.*smaller learning rate than lr=0.5,"):
        d2l.train_ch3(net, train, test, nn.CrossEntropyLoss(reduction="none"), 2,
                      torch.optim.SGD(net.parameters(), lr=0.5), animator=None)


@pytest.mark.parametrize("num_epochs, error", [(0, ValueError), (-2, ValueError), (1.5, TypeError),
                                               (True, TypeError), ("3", TypeError)])
def test_train_ch3_rejects_bad_epoch_counts(blobs, num_epochs, error):
    train, test = blobs
    net = make_net()
    with pytest.raises(error, match="num_epochs"):
        d2l.train_ch3(net, train, test, nn.CrossEntropyLoss(), num_epochs,
                      torch.optim.SGD(net.parameters(), lr=0.1), animator=None)


# --- devices ------------------------------------------------------------------------

@pytest.mark.parametrize("device", ["cpu", torch.device("cpu"), "auto"])
def test_device_argument_gives_identical_metrics_on_cpu(blobs, device):
    # 'auto' is the CPU only where there is no GPU (on a GPU the digits may differ)
    if device == "auto" and d2l.try_gpu().type != "cpu":
        pytest.skip("device='auto' is a GPU here: its float digits differ from the CPU's")
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


# --- bad input: each a clear error before training, or the right result (issue 15) ----

LOSS = nn.CrossEntropyLoss(reduction="none")


@pytest.mark.parametrize("call", [
    lambda net, data: d2l.evaluate_accuracy(net, data),
    lambda net, data: d2l.evaluate_loss(net, data, LOSS),
    lambda net, data: d2l.train_epoch_ch3(net, data, LOSS,
                                          torch.optim.SGD(net.parameters(), lr=0.1)),
    lambda net, data: d2l.train_ch3(net, data, data, LOSS, 2,
                                    torch.optim.SGD(net.parameters(), lr=0.1), animator=None),
])
def test_empty_iterator_says_so(call):
    with pytest.raises(ValueError, match=r"yielded no batches.*empty \(list\).*at least one"):
        call(make_net(), [])


def test_one_shot_iterator_is_refused_before_epoch_1_when_read_twice(blobs):
    import itertools
    train, test = blobs
    net = make_net()
    before = [p.detach().clone() for p in net.parameters()]
    with pytest.raises(ValueError) as info:
        d2l.train_ch3(net, itertools.islice(iter(train), 3), test, LOSS, 2,
                      torch.optim.SGD(net.parameters(), lr=0.1), animator=None)
    message = str(info.value)
    assert "train_iter is a one-shot iterator (islice)" in message
    assert "nothing in epoch 2" in message and "re-iterable loader" in message
    assert all(torch.equal(p, q) for p, q in zip(net.parameters(), before, strict=True))
    result = d2l.train_ch3(net, itertools.islice(iter(train), 3), test, LOSS, 1,
                           torch.optim.SGD(net.parameters(), lr=0.1), animator=None)
    assert result.history[0]["examples"] == 3 * 32  # one epoch needs one pass: fine


def test_used_up_iterator_says_it_is_used_up(blobs):
    train, _ = blobs
    net = make_net()
    one_shot = iter(train)
    d2l.train_epoch_ch3(net, one_shot, LOSS, torch.optim.SGD(net.parameters(), lr=0.1))
    with pytest.raises(ValueError, match=r"yielded no batches: it is a one-shot iterator "
                                         r"\(list_iterator\) that was already used up"
                                         r".*re-iterable"):
        d2l.train_epoch_ch3(net, one_shot, LOSS, torch.optim.SGD(net.parameters(), lr=0.1))


def test_exploding_finite_loss_stops_training(blobs):
    train, test = blobs
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(2, 4))  # softmax regression: the loss grows, stays finite
    with pytest.warns(TrainingDivergedWarning, match=r"train loss exploded to .* \(more than 100 "
                                                     r"times ln 4 = 1.39, the loss of a uniform "
                                                     r"guess over 4 classes\) in epoch 1 of 5.*"
                                                     r"lr=1000000.0"):
        result = d2l.train_ch3(net, train, test, nn.CrossEntropyLoss(), 5,
                               torch.optim.SGD(net.parameters(), lr=1e6), animator=None)
    assert math.isfinite(result.train_loss) and result.train_loss > 100 * math.log(4)
    assert result.diverged_epoch == 1 and len(result.history) == 1


def test_healthy_and_badly_initialised_training_never_count_as_diverged(blobs):
    train, test = blobs
    for scale in (1.0, 20.0):  # 20x: far too large weights, a loss far above ln 4 at first
        net = make_net()
        with torch.no_grad():
            for p in net.parameters():
                p *= scale
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            result = d2l.train_ch3(net, train, test, LOSS, 4,
                                   torch.optim.SGD(net.parameters(), lr=0.05), animator=None)
        assert result.diverged_epoch is None and len(result.history) == 4


@pytest.mark.parametrize("losses, classes, diverged", [
    ([2.0], 10, False), ([230.0], 10, False), ([231.0], 10, True),      # 100 x ln 10 = 230.3
    ([10.0, 900.0], 10, False), ([10.0, 1001.0], 10, True),            # 100 x the first epoch
    ([0.5, 40.0], None, False), ([0.5, 51.0], None, True),              # no classes: epoch 1
    ([5.0], None, False), ([float("nan")], None, True), ([1.0, float("inf")], 10, True),
])
def test_divergence_rule_on_both_sides_of_its_threshold(losses, classes, diverged):
    from d2l_helpers.training import _divergence
    history = [{"train_loss": v} for v in losses]
    assert bool(_divergence(losses[-1], history, classes)) is diverged


def test_train_result_keeps_its_four_fields_and_the_diverged_epoch():
    import copy
    import pickle

    from d2l_helpers.training import TrainResult
    result = TrainResult(500.0, 0.1, 0.1, [{"epoch": 1, "train_loss": 500.0, "train_seconds": 1,
                                           "examples": 8}], diverged_epoch=1)
    a, b, c, history = result
    assert (a, len(result), result._fields) == (500.0, 4, (
        "train_loss", "train_acc", "test_acc", "history"))
    assert copy.copy(result).diverged_epoch == 1
    assert pickle.loads(pickle.dumps(result)).diverged_epoch == 1


@pytest.mark.parametrize("updater, words", [
    (None, "updater is None"),
    (0.1, "updater=0.1 is a number (a learning rate?)"),
    ("params", "updater is a list of 2 tensors (the parameters?)"),
    (torch.optim.SGD, "updater is the class torch.optim.sgd.SGD, not an optimizer: create one, "
                      "e.g. SGD(net.parameters(), lr=0.1)"),
    (d2l.sgd, "d2l.sgd itself needs (params, lr, batch_size)"),
])
def test_what_is_not_an_updater_is_a_type_error_before_training(blobs, updater, words):
    train, test = blobs
    net, params = scratch_model()
    updater = params if updater == "params" else updater
    before = [p.detach().clone() for p in params]
    for call in (lambda: d2l.train_epoch_ch3(net, train, nn.CrossEntropyLoss(), updater),
                 lambda: d2l.train_ch3(net, train, test, nn.CrossEntropyLoss(), 2, updater,
                                       animator=None)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with pytest.raises(TypeError) as info:
                call()
        assert caught == []  # no double-scaling warning first
        assert words in str(info.value)
        assert "torch.optim.SGD(params, lr=0.1)" in str(info.value)
        assert "lambda batch_size: d2l.sgd(params, lr, batch_size)" in str(info.value)
    assert all(torch.equal(p, q) for p, q in zip(params, before, strict=True))


def test_a_net_with_fewer_outputs_than_classes_says_how_many_it_needs(blobs):
    train, test = blobs
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(2, 3))  # the blobs have 4 classes: labels 0..3
    with pytest.raises(ValueError, match=r"the net gives 3 outputs per example, but the labels "
                                         r"in train_iter go up to 3.*needs 4 outputs"):
        d2l.train_ch3(net, train, test, LOSS, 1, torch.optim.SGD(net.parameters(), lr=0.1),
                      animator=None)
    with pytest.raises(ValueError, match="labels in data_iter go up to 3"):
        d2l.evaluate_accuracy(net, test)
    with pytest.raises(ValueError, match="labels in data_iter go up to 3"):
        d2l.evaluate_loss(net, test, LOSS)


def test_a_label_out_of_range_in_a_later_batch_is_explained_too(blobs):
    train, _ = blobs
    later = [(X, y.clamp(max=2)) for X, y in train[:1]] + train[1:]  # batch 1 has labels 0..2
    net = nn.Sequential(nn.Linear(2, 3))
    with pytest.raises(ValueError, match="the net gives 3 outputs per example, but the labels "
                                         "in train_iter go up to 3") as info:
        d2l.train_epoch_ch3(net, later, LOSS, torch.optim.SGD(net.parameters(), lr=0.1))
    assert "out of bounds" in str(info.value.__cause__)


def test_a_tensor_as_the_iterator_is_a_type_error(blobs):
    _, test = blobs
    X = torch.cat([X for X, _ in test])
    with pytest.raises(TypeError, match=r"train_iter is a tensor of shape \(100, 2\), not an "
                                        r"iterator of \(X, y\) batches.*load_array"):
        d2l.train_ch3(make_net(), X, test, LOSS, 1,
                      torch.optim.SGD(make_net().parameters(), lr=0.1), animator=None)
    with pytest.raises(TypeError, match=r"data_iter is a tensor of shape \(100, 2\)"):
        d2l.evaluate_accuracy(make_net(), X)


@pytest.mark.parametrize("bad, shown", [
    (lambda X, y: (X, y, y), r"a tuple of 3 items \(Tensor, Tensor, Tensor\)"),
    (lambda X, y: X, r"a tensor of shape \(32, 2\)"),
    (lambda X, y: (X.tolist(), y.tolist()), r"a tuple of 2 items \(list, list\)"),
    (lambda X, y: {"X": X, "y": y}, r"a dict with keys \['X', 'y'\]"),
])
def test_batches_that_are_not_pairs_of_tensors(blobs, bad, shown):
    train, _ = blobs
    data = [bad(X, y) for X, y in train]
    net = make_net()
    with pytest.raises(TypeError, match=r"train_iter yields " + f"({shown})" +
                                        r".*each batch must be a pair \(X, y\) of tensors"):
        d2l.train_epoch_ch3(net, data, LOSS, torch.optim.SGD(net.parameters(), lr=0.1))


def test_a_loss_returning_a_python_float_is_a_type_error(blobs):
    train, _ = blobs
    net = make_net()

    def float_loss(y_hat, y):
        return nn.functional.cross_entropy(y_hat, y).item()

    with pytest.raises(TypeError, match=r"loss\(y_hat, y\) returned float .*not a tensor.*no "
                                        r"float\(\) or \.item\(\)"):
        d2l.train_epoch_ch3(net, train, float_loss, torch.optim.SGD(net.parameters(), lr=0.1))


def test_parameters_without_requires_grad_say_so(blobs):
    train, _ = blobs
    W = torch.zeros(2, 4)  # forgot requires_grad=True
    with pytest.raises(TypeError, match="does not require grad.*requires_grad=True"):
        d2l.train_epoch_ch3(lambda X: X @ W, train, LOSS, lambda n: d2l.sgd([W], 0.1, n))


@pytest.mark.parametrize("animator", [object(), "none", 3])
def test_an_animator_without_add_is_refused_before_training(blobs, animator):
    train, test = blobs
    net = make_net()
    calls = []
    net.register_forward_pre_hook(lambda *args: calls.append(1))
    with pytest.raises(TypeError, match=r"animator=.* has no add\(x, y\) method; pass 'auto'"):
        d2l.train_ch3(net, train, test, LOSS, 2, torch.optim.SGD(net.parameters(), lr=0.1),
                      animator=animator)
    assert calls == []  # not one batch (the book fails after a whole epoch)


@pytest.mark.parametrize("net, loss, words", [
    ([torch.zeros(2)], LOSS, "net is list"),
    (None, LOSS, "net is NoneType"),
    ("net", None, "loss is NoneType"),
])
def test_what_cannot_be_called_as_net_or_loss(blobs, net, loss, words):
    train, _ = blobs
    net = make_net() if net == "net" else net
    with pytest.raises(TypeError, match=words + ".*not callable"):
        d2l.train_epoch_ch3(net, train, loss, lambda n: None)


def test_default_animator_is_the_books_live_plot(blobs, capsys):
    train, test = blobs
    net = make_net()
    d2l.train_ch3(net, train, test, LOSS, 2, torch.optim.SGD(net.parameters(), lr=0.1))
    lines = capsys.readouterr().out.splitlines()  # outside Jupyter: one line per epoch
    assert [line.split()[:4] for line in lines] == [["epoch", "1", "train", "loss"],
                                                    ["epoch", "2", "train", "loss"]]


@pytest.mark.parametrize("lr, batch_size, error, words", [
    (0.1, 0, ValueError, "batch_size=0;.*positive number"),
    (0.1, -32, ValueError, "batch_size=-32;.*uphill"),
    (float("nan"), 32, ValueError, "lr=nan;.*finite learning rate"),
    (float("inf"), 32, ValueError, "lr=inf;"),
    (-0.1, 32, ValueError, "lr=-0.1;.*uphill"),
    ("0.1", 32, TypeError, "must be numbers"),
    (True, 32, ValueError, "lr=True"),
])
def test_sgd_refuses_a_step_that_cannot_go_downhill(lr, batch_size, error, words):
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    (w * torch.tensor([3.0, 4.0])).sum().backward()
    with pytest.raises(error, match=words):
        d2l.sgd([w], lr, batch_size)
    assert torch.equal(w.detach(), torch.tensor([1.0, 2.0]))  # weights untouched
    assert torch.equal(w.grad, torch.tensor([3.0, 4.0]))


def test_sgd_checks_every_gradient_before_changing_any_weight():
    w = torch.tensor([1.0], requires_grad=True)
    (2 * w).sum().backward()
    no_grad = torch.zeros(3, requires_grad=True)
    with pytest.raises(ValueError, match="has no gradient"):
        d2l.sgd([w, no_grad], 0.1, 1)
    assert torch.equal(w.detach(), torch.tensor([1.0]))
    d2l.sgd((p for p in [w]), 0.5, 2)  # a generator of parameters works, as in the book
    assert torch.equal(w.detach(), torch.tensor([0.5]))


# --- mistakes that used to reach the learner as PyTorch's raw text -----------------------

def test_a_one_output_net_is_told_it_needs_one_output_per_class(blobs):
    train, _ = blobs
    net = nn.Linear(2, 1)
    with pytest.raises(ValueError, match="1 output per example.*needs 4 outputs"):
        d2l.train_epoch_ch3(net, train, nn.CrossEntropyLoss(reduction="none"),
                            torch.optim.SGD(net.parameters(), lr=0.1))


def test_sgd_wants_a_list_of_leaf_tensors():
    W = torch.zeros(2, 3, requires_grad=True)
    (W.sum() * 2).backward()
    with pytest.raises(TypeError, match="one tensor of shape \\(2, 3\\); pass a list"):
        d2l.sgd(W, 0.1, 4)
    scaled = W * 1
    with pytest.raises(ValueError, match="not a leaf tensor") as info:
        d2l.sgd([scaled], 0.1, 4)
    assert "requires_grad=True" not in str(info.value).split("not a leaf")[0]
    with pytest.raises(TypeError, match="params\\[0\\] is float"):
        d2l.sgd([0.5], 0.1, 4)


def test_evaluate_accuracy_of_none_says_what_a_net_is(blobs):
    _, test = blobs
    with pytest.raises(TypeError, match="net is NoneType None, not callable"):
        d2l.evaluate_accuracy(None, test)
    with pytest.raises(TypeError, match="data_iter is NoneType"):
        d2l.evaluate_accuracy(nn.Linear(2, 4), None)


def test_predict_ch3_with_another_number_of_outputs_names_the_ten_classes():
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 20))
    data = [(torch.zeros(3, 1, 28, 28), torch.tensor([0, 1, 2]))]
    with pytest.raises(ValueError, match="20 outputs per example, but Fashion-MNIST has 10"):
        d2l.predict_ch3(net, data, n=3)


def test_mse_loss_with_class_labels_says_to_use_cross_entropy(blobs):
    train, _ = blobs
    net = nn.Linear(2, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not even PyTorch's broadcasting warning comes first
        with pytest.raises(ValueError, match="nn.MSELoss.*class labels.*nn.CrossEntropyLoss"):
            d2l.train_epoch_ch3(net, train, nn.MSELoss(reduction="none"),
                                torch.optim.SGD(net.parameters(), lr=0.1))
