"""Training and evaluation: the book's chapter 3 loop (sections 3.6 and 4.4), returning data.

Nothing here draws, and this module does not import plotting. ``train_ch3`` hands
every epoch to an ``animator`` (any object with ``add(x, y)``) and returns the per-epoch
history, so exercises can compare runs. Its default, ``animator='auto'``, builds the
class registered with ``_set_default_animator``: ``import d2l_helpers`` registers
:class:`d2l_helpers.plotting.Animator` there, so the book's live plot appears without
an import arrow from training to plotting.
"""
import math
import time
import warnings
from typing import NamedTuple

import torch

from d2l_helpers.devices import _batches, _mode, _resolve_device, _to_device, try_gpu
from d2l_helpers.metrics import Accumulator, accuracy

__all__ = ["TrainingDivergedWarning", "TrainResult", "evaluate_accuracy", "evaluate_loss",
           "sgd", "train_ch3", "train_epoch_ch3", "try_gpu"]

# What ``train_ch3(animator='auto')`` draws with. This module never imports plotting
# (plotting imports the device helpers; training must not import it back): the package's
# __init__.py registers ``plotting.Animator`` here. Unset, 'auto' draws nothing.
_default_animator_class = None


def _set_default_animator(animator_class):
    """Make ``train_ch3(animator='auto')`` build ``animator_class(xlabel=..., legend=...)``.

    ``animator_class`` takes the book's ``Animator`` keyword arguments; ``None`` turns
    the default plot off. Returns the previous class, so a caller can restore it.
    """
    global _default_animator_class
    previous, _default_animator_class = _default_animator_class, animator_class
    return previous


def _default_animator(num_epochs):
    """The book's live plot of train loss, train acc and test acc, or None if unset."""
    if _default_animator_class is None:
        return None
    return _default_animator_class(xlabel="epoch", xlim=[1, num_epochs], ylim=[0.3, 0.9],
                                   legend=["train loss", "train acc", "test acc"])


class TrainingDivergedWarning(RuntimeWarning):
    """The training loss became NaN or infinite; ``train_ch3`` stopped early."""


def _loss_sum(l, count, loss):
    """Sum of the per-example losses in a batch, whatever the loss's ``reduction``.

    The book's ``float(l.sum())`` is right only for ``reduction='none'``; for the
    default ``'mean'`` it reports the loss divided by the batch size.
    """
    if l.dim() > 0:
        return float(l.sum())
    return float(l) if getattr(loss, "reduction", "mean") == "sum" else float(l) * count


def evaluate_accuracy(net, data_iter, device=None):
    """Return the accuracy of ``net`` on ``data_iter`` (book section 3.6).

    The model goes to eval mode for the pass and back to its previous mode after
    (the book leaves it in eval mode).
    """
    device = _resolve_device(device)
    _to_device(net, device)
    metric = Accumulator(2)  # correct predictions, predictions
    with _mode(net, training=False), torch.no_grad():
        for X, y in _batches(data_iter, device):
            metric.add(accuracy(net(X), y), y.numel())
    return metric[0] / metric[1]


def evaluate_loss(net, data_iter, loss, device=None):
    """Return the average per-example loss of ``net`` on ``data_iter`` (book section 4.4).

    Correct for any ``reduction`` of ``loss``; runs in eval mode without gradients.
    Labels are reshaped to the output's shape only when that fits (regression, as in
    the book); the book's reshape fails for class scores.
    """
    device = _resolve_device(device)
    _to_device(net, device)
    metric = Accumulator(2)  # sum of losses, examples
    with _mode(net, training=False), torch.no_grad():
        for X, y in _batches(data_iter, device):
            out = net(X)
            if y.numel() == out.numel():
                y = y.reshape(out.shape)
            metric.add(_loss_sum(loss(out, y), y.numel(), loss), y.numel())
    return metric[0] / metric[1]


def _double_scaling_message(batch_size):
    return (f"the loss returns the mean over the batch and the hand-written updater is "
            f"called with the batch size ({batch_size}), so the gradient is divided by the "
            "batch size twice (a much smaller step than lr). Use "
            "nn.CrossEntropyLoss(reduction='none') with a hand-written updater, or "
            "torch.optim.SGD with either loss.")


def _train_epoch(net, train_iter, loss, updater, device):
    """One epoch of the book's loop; return the Accumulator (loss sum, correct, examples)."""
    metric = Accumulator(3)
    warned = False
    with _mode(net, training=True):
        for X, y in _batches(train_iter, device):
            y_hat = net(X)
            l = loss(y_hat, y)
            if isinstance(updater, torch.optim.Optimizer):
                updater.zero_grad()
                l.mean().backward()
                updater.step()
            else:
                if l.dim() == 0 and getattr(loss, "reduction", "mean") == "mean" and not warned:
                    warnings.warn(_double_scaling_message(X.shape[0]), UserWarning, stacklevel=3)
                    warned = True
                l.sum().backward()
                updater(X.shape[0])
            metric.add(_loss_sum(l.detach(), y.numel(), loss), accuracy(y_hat, y), y.numel())
    return metric


def train_epoch_ch3(net, train_iter, loss, updater, device=None):
    """Train one epoch; return ``(train_loss, train_acc)`` (book section 3.6).

    Differences from the book: the loss average is right for ``reduction='none'``,
    ``'mean'`` and ``'sum'``; a mean loss with a hand-written updater warns that the
    gradient is scaled twice; ``device`` moves the model and every batch; the model's
    train/eval mode is restored afterwards.
    """
    device = _resolve_device(device)
    _to_device(net, device)
    metric = _train_epoch(net, train_iter, loss, updater, device)
    return metric[0] / metric[2], metric[1] / metric[2]


class TrainResult(NamedTuple):
    """What ``train_ch3`` returns: final metrics and one dict per epoch."""

    train_loss: float
    train_acc: float
    test_acc: float
    history: list

    @property
    def examples_per_sec(self):
        """Training examples processed per second of training (evaluation excluded)."""
        seconds = sum(h["train_seconds"] for h in self.history)
        return sum(h["examples"] for h in self.history) / seconds if seconds else float("nan")

    @property
    def diverged_epoch(self):
        """The epoch whose training loss was NaN/inf, or None if training stayed finite."""
        last = self.history[-1] if self.history else None
        return last["epoch"] if last and not math.isfinite(last["train_loss"]) else None

    def __repr__(self):
        return (f"TrainResult(train_loss={self.train_loss:.4f}, train_acc={self.train_acc:.4f}, "
                f"test_acc={self.test_acc:.4f}, epochs={len(self.history)}, "
                f"examples_per_sec={self.examples_per_sec:.0f})")


def _divergence_message(epoch, num_epochs, train_loss, updater):
    lr = updater.param_groups[0]["lr"] if isinstance(updater, torch.optim.Optimizer) else None
    lr_text = f" (lr={lr})" if lr is not None else ""
    return (f"train loss became {train_loss} in epoch {epoch} of {num_epochs}; training "
            f"stopped. Try a smaller learning rate{lr_text}, or initialise the weights "
            "smaller (e.g. torch.randn(...) * 0.01).")


def train_ch3(net, train_iter, test_iter, loss, num_epochs, updater, device=None,
              animator="auto"):
    """Train ``net`` for ``num_epochs``; return a :class:`TrainResult` (book section 3.6).

    Differences from the book: never asserts on the outcome; returns
    ``(train_loss, train_acc, test_acc, history)`` with per-epoch data and examples/sec;
    stops with a :class:`TrainingDivergedWarning` naming the epoch when the loss
    becomes NaN/inf; ``device=`` (None keeps everything where it is, as in the book;
    'auto' picks ``try_gpu()``). ``animator='auto'`` draws the book's live plot,
    ``None`` draws nothing, any object with ``add(x, y)`` receives each epoch.
    """
    if isinstance(num_epochs, bool) or not isinstance(num_epochs, int) or num_epochs < 1:
        raise ValueError(f"num_epochs must be a positive int, got {num_epochs!r}")
    device = _resolve_device(device)
    _to_device(net, device)
    if isinstance(animator, str) and animator == "auto":
        animator = _default_animator(num_epochs)
    history = []
    for epoch in range(1, num_epochs + 1):
        started = time.perf_counter()
        metric = _train_epoch(net, train_iter, loss, updater, device)
        train_seconds = time.perf_counter() - started
        train_loss, train_acc = metric[0] / metric[2], metric[1] / metric[2]
        test_acc = evaluate_accuracy(net, test_iter, device)
        history.append({"epoch": epoch, "train_loss": train_loss, "train_acc": train_acc,
                        "test_acc": test_acc, "train_seconds": train_seconds,
                        "examples": int(metric[2])})
        if animator is not None:
            animator.add(epoch, (train_loss, train_acc, test_acc))
        if not math.isfinite(train_loss):
            warnings.warn(_divergence_message(epoch, num_epochs, train_loss, updater),
                          TrainingDivergedWarning, stacklevel=2)
            break
    return TrainResult(train_loss, train_acc, test_acc, history)


def sgd(params, lr, batch_size):
    """Minibatch SGD on a list of tensors: ``p -= lr * p.grad / batch_size`` (book 3.2)."""
    with torch.no_grad():
        for param in params:
            if param.grad is None:
                raise ValueError(f"sgd(): a parameter of shape {tuple(param.shape)} has no "
                                 "gradient; create it with requires_grad=True and call "
                                 "backward() on the loss first")
            param -= lr * param.grad / batch_size
            param.grad.zero_()
