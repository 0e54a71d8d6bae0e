"""Training and evaluation: the book's chapter 3 loop (sections 3.6 and 4.4), returning data.

Nothing here draws, and this module does not import plotting. ``train_ch3`` hands
every epoch to an ``animator`` (any object with ``add(x, y)``) and returns the per-epoch
history, so exercises can compare runs. Its default, ``animator='auto'``, builds the
class registered with ``_set_default_animator``: ``import d2l_helpers`` registers
:class:`d2l_helpers.plotting.Animator` there, so the book's live plot appears without
an import arrow from training to plotting.

Each function here checks its arguments (:mod:`d2l_helpers.training_checks`), puts
the model on its device (:func:`d2l_helpers.devices._place`) and runs passes over the
batches (:func:`d2l_helpers.passes.run_pass`, the one loop: modes, batches, first-batch
checks, sums read once per pass). The book's ``Accumulator`` and ``accuracy`` stay in
:mod:`d2l_helpers.metrics` for the lessons.
"""
import math
import time
import warnings
from typing import NamedTuple

import torch

from d2l_helpers.devices import _place, _resolve_device, try_gpu
from d2l_helpers.passes import _check_data_iter, first_batch, run_pass
from d2l_helpers.training_checks import (
    _check_epochs,
    _check_net,
    _check_params,
    _check_step,
    _check_training_args,
)

__all__ = ["TrainingDivergedWarning", "TrainResult", "evaluate_accuracy", "evaluate_loss",
           "sgd", "train_ch3", "train_epoch_ch3", "try_gpu"]

# What ``train_ch3(animator='auto')`` draws with. This module never imports plotting
# (plotting imports training; training must not import it back): the package's
# __init__.py registers ``plotting.Animator`` here. Unset, 'auto' draws nothing.
_default_animator_class = None

# A training loss this many times its reference (ln of the number of classes: the loss
# of a uniform guess; or the first epoch's loss, whichever is larger) has exploded.
# Healthy training stays below its start; even weights that are far too large
# (torch.randn without * 0.01) start near 10 on Fashion-MNIST, not 230.
_EXPLODING = 100


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
    """The training loss became NaN/inf or exploded; ``train_ch3`` stopped early."""


def evaluate_accuracy(net, data_iter, device=None):
    """Return the accuracy of ``net`` on ``data_iter`` (book section 3.6).

    Differences from the book: the model goes to eval mode for the pass and back to its
    previous mode after (the book leaves it in eval mode); ``device`` as in
    ``train_ch3``; counts add up on the device and are read once; an empty iterator,
    batches that are not ``(X, y)`` pairs and a net with fewer outputs than classes
    raise an error saying so (the book divides by zero or counts silently).
    """
    _check_net(net)
    _check_data_iter(data_iter, "data_iter")
    device = _place(net, _resolve_device(device))
    return run_pass(net, data_iter, device, "data_iter").accuracy()


def evaluate_loss(net, data_iter, loss, device=None):
    """Return the average per-example loss of ``net`` on ``data_iter`` (book section 4.4).

    Correct for any ``reduction`` of ``loss``; runs in eval mode without gradients.
    Labels are reshaped to the output's shape only when that fits (regression, as in
    the book); the book's reshape fails for class scores. ``device`` as in ``train_ch3``;
    the loss sum adds up on the device and is read once; bad input raises as in
    ``evaluate_accuracy``.
    """
    _check_net(net)
    _check_net(loss, "loss", "a loss such as nn.MSELoss(reduction='none')")
    _check_data_iter(data_iter, "data_iter")
    device = _place(net, _resolve_device(device))
    return run_pass(net, data_iter, device, "data_iter", loss=loss, counted=False).mean_loss()


def _first_predictions(net, test_iter, device=None, classes=10):
    """``(X, y, predicted)`` for the first batch of ``test_iter`` (what ``predict_ch3`` shows).

    ``device`` as in ``train_ch3`` (None: the batch goes where the model is); eval mode
    without gradients, the mode restored. The net must score ``classes`` classes.
    """
    _check_net(net)
    _check_data_iter(test_iter, "test_iter")
    device = _place(net, _resolve_device(device))
    X, y, y_hat = first_batch(net, test_iter, device)
    if X.device.type == "meta":
        raise ValueError("predict_ch3(): the batch is on the meta device, which holds shapes "
                         "but no values, so there is no image or label to show; use a real "
                         "device (e.g. device='cpu')")
    outputs = y_hat.shape[1] if y_hat.dim() == 2 else 1
    if outputs != classes:
        raise ValueError(f"predict_ch3(): the net gives {outputs} outputs per example, but "
                         f"Fashion-MNIST has {classes} classes, one output each; its last layer "
                         f"needs {classes} outputs (e.g. nn.Linear(num_hiddens, {classes}))")
    return X, y, y_hat.argmax(dim=1)


def train_epoch_ch3(net, train_iter, loss, updater, device=None):
    """Train one epoch; return ``(train_loss, train_acc)`` (book section 3.6).

    Differences from the book: the loss average is right for ``reduction='none'``,
    ``'mean'`` and ``'sum'``; a mean loss with a hand-written updater warns that the
    gradient is scaled twice; ``device`` as in ``train_ch3``; the model's train/eval
    mode is restored afterwards; no host sync per batch; bad arguments (an updater that
    is None, a number, a list, a class or ``d2l.sgd`` itself; a tensor as the iterator;
    an empty iterator; batches that are not pairs; a loss returning a Python float; a
    net with fewer outputs than classes) raise an error naming the value and the fix,
    before the first update.
    """
    _check_training_args(net, loss, updater)
    _check_data_iter(train_iter, "train_iter")
    device = _place(net, _resolve_device(device), updater)
    totals = run_pass(net, train_iter, device, "train_iter", loss=loss, updater=updater)
    return totals.mean_loss(), totals.accuracy()


class _TrainFields(NamedTuple):
    train_loss: float
    train_acc: float
    test_acc: float
    history: list


class TrainResult(_TrainFields):
    """What ``train_ch3`` returns: ``(train_loss, train_acc, test_acc, history)``.

    A named tuple of the final metrics and one dict per epoch (``epoch``,
    ``train_loss``, ``train_acc``, ``test_acc``, ``train_seconds``, ``examples``).
    """

    def __new__(cls, train_loss, train_acc, test_acc, history, diverged_epoch=None):
        result = super().__new__(cls, train_loss, train_acc, test_acc, history)
        result._diverged_epoch = diverged_epoch
        return result

    @property
    def examples_per_sec(self):
        """Training examples processed per second of training (evaluation excluded)."""
        seconds = sum(h["train_seconds"] for h in self.history)
        return sum(h["examples"] for h in self.history) / seconds if seconds else float("nan")

    @property
    def diverged_epoch(self):
        """The epoch in which the training loss became NaN/inf or exploded, else None."""
        stopped = getattr(self, "_diverged_epoch", None)
        if stopped is not None:
            return stopped
        last = self.history[-1] if self.history else None
        return last["epoch"] if last and not math.isfinite(last["train_loss"]) else None

    def __repr__(self):
        return (f"TrainResult(train_loss={self.train_loss:.4f}, train_acc={self.train_acc:.4f}, "
                f"test_acc={self.test_acc:.4f}, epochs={len(self.history)}, "
                f"examples_per_sec={self.examples_per_sec:.0f})")


def _divergence(train_loss, history, classes):
    """How the training loss went wrong (words for the warning), or None if it did not.

    NaN/inf always; a finite loss when it is more than ``_EXPLODING`` times its
    reference: ln(classes) (a uniform guess) or the first epoch's loss, the larger.
    """
    if not math.isfinite(train_loss):
        return f"became {train_loss}"
    references = []
    if classes:
        references.append((math.log(classes), f"ln {classes} = {math.log(classes):.2f}, the "
                                              f"loss of a uniform guess over {classes} classes"))
    first = history[0]["train_loss"]
    if len(history) > 1 and first > 0:
        references.append((first, f"{first:.4g}, the loss of epoch 1"))
    if not references:
        return None
    reference, words = max(references)
    if train_loss > _EXPLODING * reference:
        return f"exploded to {train_loss:.4g} (more than {_EXPLODING} times {words})"
    return None


def _divergence_message(what, epoch, num_epochs, updater):
    lr = updater.param_groups[0]["lr"] if isinstance(updater, torch.optim.Optimizer) else None
    lr_text = f" than lr={lr}" if lr is not None else ""
    return (f"train loss {what} in epoch {epoch} of {num_epochs}; training "
            f"stopped. Try a smaller learning rate{lr_text}, or check the initial weights: "
            "unscaled ones (torch.randn without a factor) blow the loss up; use PyTorch's "
            "default nn.Linear initialisation or He initialisation (std sqrt(2 / fan_in)). "
            "A fixed small scale such as * 0.01 avoids the blow-up but stalls deeper nets.")


def train_ch3(net, train_iter, test_iter, loss, num_epochs, updater, device=None,
              animator="auto"):
    """Train ``net`` for ``num_epochs``; return a :class:`TrainResult` (book section 3.6).

    Differences from the book:

    - never asserts on the outcome; returns ``(train_loss, train_acc, test_acc,
      history)`` with per-epoch data and examples/sec;
    - stops with a :class:`TrainingDivergedWarning` naming the epoch when the training
      loss becomes NaN/inf or explodes (more than 100 times ln(classes) or the first
      epoch's loss, the larger); ``result.diverged_epoch`` is that epoch;
    - ``device=``: None keeps everything where it is, as in the book (batches follow a
      model that already sits on a GPU); 'auto' picks ``try_gpu()``; a device that does
      not exist here is a ``ValueError`` listing the ones that do. An ``nn.Module``
      moves with ``.to``; a function net's tensors move in place when a
      ``torch.optim`` optimizer holds them; a hand-written updater's tensors must be
      created on the device (a clear error says so before the first batch). The
      loader of ``load_data_fashion_mnist`` is copied to the device once, not per batch;
    - no host sync per batch: losses and correct counts add up on the device and are
      read once per epoch (the numbers are the book's, exactly);
    - ``animator='auto'`` draws the book's live plot, ``None`` draws nothing, any object
      with ``add(x, y)`` receives each epoch (checked before training);
    - bad input raises before the first batch where it can: see ``train_epoch_ch3``, and
      a one-shot iterator (a generator, ``itertools.islice``) with ``num_epochs > 1``.
    """
    _check_epochs(num_epochs)
    _check_training_args(net, loss, updater, animator)
    _check_data_iter(train_iter, "train_iter", num_epochs)
    _check_data_iter(test_iter, "test_iter", num_epochs)
    device = _place(net, _resolve_device(device), updater)
    if isinstance(animator, str):
        animator = _default_animator(num_epochs)
    history, diverged = [], None
    for epoch in range(1, num_epochs + 1):
        started = time.perf_counter()
        totals = run_pass(net, train_iter, device, "train_iter", loss=loss, updater=updater,
                          epoch=epoch)
        train_loss, train_acc = totals.mean_loss(), totals.accuracy()
        train_seconds = time.perf_counter() - started
        test_acc = run_pass(net, test_iter, device, "test_iter", epoch=epoch).accuracy()
        history.append({"epoch": epoch, "train_loss": train_loss, "train_acc": train_acc,
                        "test_acc": test_acc, "train_seconds": train_seconds,
                        "examples": totals.examples})
        if animator is not None:
            animator.add(epoch, (train_loss, train_acc, test_acc))
        what = _divergence(train_loss, history, totals.classes)
        if what:
            warnings.warn(_divergence_message(what, epoch, num_epochs, updater),
                          TrainingDivergedWarning, stacklevel=2)
            diverged = epoch
            break
    return TrainResult(train_loss, train_acc, test_acc, history, diverged)


def sgd(params, lr, batch_size):
    """Minibatch SGD on a list of tensors: ``p -= lr * p.grad / batch_size`` (book 3.2).

    Differences from the book: a parameter without a gradient, a batch size that is not
    positive and an ``lr`` that is NaN, infinite or negative raise ``ValueError`` before
    any weight changes (the book writes inf or NaN into the weights, or moves uphill).
    """
    _check_step(lr, batch_size)
    params = _check_params(params)
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()
