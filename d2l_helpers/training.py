"""Training and evaluation: the book's chapter 3 loop (sections 3.6 and 4.4), returning data.

Nothing here draws, and this module does not import plotting. ``train_ch3`` hands
every epoch to an ``animator`` (any object with ``add(x, y)``) and returns the per-epoch
history, so exercises can compare runs. Its default, ``animator='auto'``, builds the
class registered with ``_set_default_animator``: ``import d2l_helpers`` registers
:class:`d2l_helpers.plotting.Animator` there, so the book's live plot appears without
an import arrow from training to plotting.

No host sync per batch: the loss sum (float64) and the count of correct predictions
(int64) add up where the batches are, and the host reads them once per pass
(:class:`_Totals`); on the first batch of a pass a few cheap checks read the labels'
range once. The numbers are exactly the book's ``Accumulator`` of ``float(l.sum())``
and ``accuracy``: each batch's float32 sum is added in double precision, in the same
order. The book's ``Accumulator`` and ``accuracy`` stay in :mod:`d2l_helpers.metrics`
for the lessons.

Mistakes are caught before the first batch where possible, each with an error that
names the value and the fix: the checks live in :mod:`d2l_helpers.training_checks`
and ``devices._check_data_iter``.
"""
import math
import time
import warnings
from typing import NamedTuple

import torch

from d2l_helpers.devices import (
    _batches,
    _check_data_iter,
    _mode,
    _no_batches_message,
    _place,
    _resolve_device,
    try_gpu,
)
from d2l_helpers.training_checks import (
    _check_epochs,
    _check_loss,
    _check_outputs,
    _check_step,
    _check_training_args,
    _explained,
)

__all__ = ["TrainingDivergedWarning", "TrainResult", "evaluate_accuracy", "evaluate_loss",
           "sgd", "train_ch3", "train_epoch_ch3", "try_gpu"]

# What ``train_ch3(animator='auto')`` draws with. This module never imports plotting
# (plotting imports the device helpers; training must not import it back): the package's
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


# --- the passes -------------------------------------------------------------------

class _Totals:
    """One pass's sums, kept where the batches are; the host reads them in ``read``.

    ``loss`` is float64: each batch's float32 loss sum is added in double precision,
    which is exactly what the book's ``Accumulator`` of ``float(l.sum())`` does.
    """

    __slots__ = ("loss", "correct", "examples", "reduction", "classes")

    def __init__(self, y_hat, reduction, classes):
        self.loss = torch.zeros((), dtype=torch.float64, device=y_hat.device)
        self.correct = torch.zeros((), dtype=torch.int64, device=y_hat.device)
        self.examples = 0
        self.reduction, self.classes = reduction, classes

    def add_loss(self, l, count):
        """Add the per-example losses of a batch of ``count``, whatever the ``reduction``.

        The book's ``float(l.sum())`` is right only for ``reduction='none'``; for the
        default ``'mean'`` it reports the loss divided by the batch size.
        """
        if l.dim() > 0:
            self.loss += l.sum()
        elif self.reduction == "sum":
            self.loss += l
        else:
            self.loss += l.double() * count

    def add_correct(self, y_hat, y):
        """Add the correct predictions, counted as ``d2l.accuracy`` counts them."""
        if y_hat.dim() > 1 and y_hat.shape[1] > 1:
            scores, predicted = y_hat.max(dim=1)
            right = predicted.type(y.dtype) == y
            if y_hat.is_floating_point():
                right &= scores == scores  # a row with a NaN score predicts nothing
        else:
            right = y_hat.type(y.dtype) == y
        self.correct += right.sum()

    def mean_loss(self):
        return self.loss.item() / self.examples

    def accuracy(self):
        return self.correct.item() / self.examples


def _double_scaling_message(batch_size):
    return (f"the loss returns the mean over the batch and the hand-written updater is "
            f"called with the batch size ({batch_size}), so the gradient is divided by the "
            "batch size twice (a much smaller step than lr). Use "
            "nn.CrossEntropyLoss(reduction='none') with a hand-written updater, or "
            "torch.optim.SGD with either loss.")


def _train_epoch(net, train_iter, loss, updater, device, epoch=None):
    """One epoch of the book's loop; return its :class:`_Totals` (not yet read)."""
    is_optimizer = isinstance(updater, torch.optim.Optimizer)
    totals = batch = None
    warned = False
    with _mode(net, training=True):
        try:
            for batch in _batches(train_iter, device, "train_iter"):
                X, y = batch
                y_hat = net(X)
                first = totals is None
                if first:
                    classes = _check_outputs(y_hat, y, "train_iter", counted=True)
                    totals = _Totals(y_hat, getattr(loss, "reduction", "mean"), classes)
                l = loss(y_hat, y)
                if first:
                    _check_loss(l, training=True)
                if is_optimizer:
                    updater.zero_grad()
                    l.mean().backward()
                    updater.step()
                else:
                    if not warned and l.dim() == 0 and totals.reduction == "mean":
                        warnings.warn(_double_scaling_message(X.shape[0]), UserWarning,
                                      stacklevel=3)
                        warned = True
                    l.sum().backward()
                    updater(X.shape[0])
                count = y.numel()
                totals.add_loss(l.detach(), count)
                totals.add_correct(y_hat.detach(), y)
                totals.examples += count
        except (RuntimeError, IndexError) as err:
            better = _explained(err, net, updater, batch, totals and totals.classes, "train_iter")
            if better is None:
                raise
            raise better from err
    if totals is None or not totals.examples:
        raise ValueError(_no_batches_message(train_iter, "train_iter", epoch))
    return totals


def _accuracy_pass(net, data_iter, device, name):
    """The accuracy of ``net`` on ``data_iter`` (device already placed)."""
    totals = batch = None
    with _mode(net, training=False), torch.no_grad():
        try:
            for batch in _batches(data_iter, device, name):
                X, y = batch
                y_hat = net(X)
                if totals is None:
                    totals = _Totals(y_hat, None, _check_outputs(y_hat, y, name, counted=True))
                totals.add_correct(y_hat, y)
                totals.examples += y.numel()
        except (RuntimeError, IndexError) as err:
            better = _explained(err, net, None, batch, totals and totals.classes, name)
            if better is None:
                raise
            raise better from err
    if totals is None or not totals.examples:
        raise ValueError(_no_batches_message(data_iter, name))
    return totals.accuracy()


def evaluate_accuracy(net, data_iter, device=None):
    """Return the accuracy of ``net`` on ``data_iter`` (book section 3.6).

    Differences from the book: the model goes to eval mode for the pass and back to its
    previous mode after (the book leaves it in eval mode); ``device`` as in
    ``train_ch3``; counts add up on the device and are read once; an empty iterator,
    batches that are not ``(X, y)`` pairs and a net with fewer outputs than classes
    raise an error saying so (the book divides by zero or counts silently).
    """
    _check_data_iter(data_iter, "data_iter")
    device = _place(net, _resolve_device(device))
    return _accuracy_pass(net, data_iter, device, "data_iter")


def evaluate_loss(net, data_iter, loss, device=None):
    """Return the average per-example loss of ``net`` on ``data_iter`` (book section 4.4).

    Correct for any ``reduction`` of ``loss``; runs in eval mode without gradients.
    Labels are reshaped to the output's shape only when that fits (regression, as in
    the book); the book's reshape fails for class scores. ``device`` as in ``train_ch3``;
    the loss sum adds up on the device and is read once; bad input raises as in
    ``evaluate_accuracy``.
    """
    _check_data_iter(data_iter, "data_iter")
    device = _place(net, _resolve_device(device))
    totals = batch = None
    with _mode(net, training=False), torch.no_grad():
        try:
            for batch in _batches(data_iter, device):
                X, y = batch
                out = net(X)
                first = totals is None
                if first:
                    totals = _Totals(out, getattr(loss, "reduction", "mean"),
                                     _check_outputs(out, y, "data_iter", counted=False))
                if y.numel() == out.numel():
                    y = y.reshape(out.shape)
                l = loss(out, y)
                if first:
                    _check_loss(l, training=False)
                totals.add_loss(l, y.numel())
                totals.examples += y.numel()
        except (RuntimeError, IndexError) as err:
            better = _explained(err, net, None, batch, totals and totals.classes, "data_iter")
            if better is None:
                raise
            raise better from err
    if totals is None or not totals.examples:
        raise ValueError(_no_batches_message(data_iter, "data_iter"))
    return totals.mean_loss()


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
    totals = _train_epoch(net, train_iter, loss, updater, device)
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
            f"stopped. Try a smaller learning rate{lr_text}, or initialise the weights "
            "smaller (e.g. torch.randn(...) * 0.01).")


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
        totals = _train_epoch(net, train_iter, loss, updater, device, epoch)
        train_loss, train_acc = totals.mean_loss(), totals.accuracy()
        train_seconds = time.perf_counter() - started
        test_acc = _accuracy_pass(net, test_iter, device, "test_iter")
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
    params = params if isinstance(params, (list, tuple)) else list(params)
    for param in params:
        if param.grad is None:
            raise ValueError(f"sgd(): a parameter of shape {tuple(param.shape)} has no "
                             "gradient; create it with requires_grad=True and call "
                             "backward() on the loss first")
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()
