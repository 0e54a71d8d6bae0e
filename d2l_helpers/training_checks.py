"""Checks of what a learner hands the trainer: each mistake gets an error naming it and the fix.

Grouped so that ``training.py`` stays a readable loop. Cheap: the checks before training
inspect types and signatures; those on the first batch of a pass read the largest label
and ``d2l.accuracy``'s count once; the only one per batch is ``sgd``'s pair of
comparisons (``_check_step``). ``TypeError`` for a value of the wrong kind,
``ValueError`` for one of the right kind that cannot work.
"""
import inspect
import math
import numbers
import types

import torch

from d2l_helpers.devices import _explain_device_error
from d2l_helpers.metrics import accuracy

_UPDATER_FIX = ("pass an optimizer such as torch.optim.SGD(params, lr=0.1) (params: "
                "net.parameters() or your [W1, b1, ...]), or a function of the batch size "
                "such as lambda batch_size: d2l.sgd(params, lr, batch_size)")


def _shown(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _check_updater(updater):
    """``TypeError`` unless ``updater`` is an optimizer or callable as ``updater(batch_size)``."""
    if isinstance(updater, torch.optim.Optimizer):
        return
    if updater is None:
        problem = "updater is None"
    elif isinstance(updater, type):
        problem = (f"updater is the class {updater.__module__}.{updater.__qualname__}, not an "
                   f"optimizer: create one, e.g. {updater.__name__}(net.parameters(), lr=0.1)")
    elif isinstance(updater, numbers.Number) or torch.is_tensor(updater) and updater.numel() == 1:
        problem = f"updater={_shown(updater)} is a number (a learning rate?), not an updater"
    elif torch.is_tensor(updater) or isinstance(updater, (list, tuple, types.GeneratorType)):
        count = f" of {len(updater)} tensors" if isinstance(updater, (list, tuple)) else ""
        problem = (f"updater is a {type(updater).__name__}{count} (the parameters?), not an "
                   "updater")
    elif not callable(updater):
        problem = f"updater is {type(updater).__name__} {_shown(updater)}, not an updater"
    else:
        try:
            signature = inspect.signature(updater)
            signature.bind(0)
            return
        except ValueError:  # no signature to read (a builtin): trust it
            return
        except TypeError:
            name = getattr(updater, "__name__", type(updater).__name__)
            problem = (f"updater {name}{signature} cannot be called as updater(batch_size), "
                       "which is how the trainer calls a hand-written updater")
            if name == "sgd":
                problem += "; d2l.sgd itself needs (params, lr, batch_size)"
    raise TypeError(f"{problem}; {_UPDATER_FIX}")


def _check_training_args(net, loss, updater, animator=None):
    """Before any batch: ``TypeError`` for what cannot be a net, loss, updater or animator."""
    for name, value, what in (("net", net, "the model: an nn.Module or a function net(X)"),
                              ("loss", loss, "a loss such as nn.CrossEntropyLoss(reduction="
                                             "'none')")):
        if not callable(value):
            raise TypeError(f"{name} is {type(value).__name__} {_shown(value)}, not callable; "
                            f"pass {what}")
    _check_updater(updater)
    if animator is None or isinstance(animator, str) and animator == "auto":
        return
    if isinstance(animator, str) or not callable(getattr(animator, "add", None)):
        raise TypeError(f"animator={_shown(animator)} has no add(x, y) method; pass 'auto' "
                        "(the live plot), None (no plot) or an object with add(x, y), such "
                        "as d2l.Animator(...)")


def _check_epochs(num_epochs):
    if isinstance(num_epochs, bool) or not isinstance(num_epochs, int) or num_epochs < 1:
        raise ValueError(f"num_epochs must be a positive int, got {num_epochs!r}")


def _classes(y_hat, y):
    """How many classes ``y_hat`` scores, when it scores integer labels ``y``; else None."""
    if (y_hat.dim() == 2 and y_hat.shape[1] > 1 and y.dim() == 1
            and not y.is_floating_point() and y.dtype != torch.bool):
        return y_hat.shape[1]
    return None


def _too_few_outputs(classes, high, name):
    return (f"the net gives {classes} outputs per example, but the labels in {name} go up "
            f"to {high}: a classifier needs one output per class, so its last layer needs "
            f"{high + 1} outputs (e.g. nn.Linear(num_hiddens, {high + 1}), or W2 of shape "
            f"(num_hiddens, {high + 1}))")


def _check_outputs(y_hat, y, name, counted):
    """On the first batch of a pass: ``net(X)`` is a tensor that fits the labels ``y``.

    ``counted``: the pass counts correct predictions, so ``d2l.accuracy``'s rules on
    shapes and dtypes apply. One host read (the largest label).
    """
    if not torch.is_tensor(y_hat):
        raise TypeError(f"net(X) returned {type(y_hat).__name__} {_shown(y_hat)}, not a "
                        "tensor; the net must return the scores as a tensor")
    if counted:
        accuracy(y_hat.detach(), y)  # raises on what d2l.accuracy cannot count
    classes = _classes(y_hat, y)
    if classes is not None and y.numel():
        high = int(y.max())
        if high >= classes:
            raise ValueError(_too_few_outputs(classes, high, name))
    return classes


def _check_loss(l, training):
    """On the first batch: the loss is a tensor, and in training one autograd can follow."""
    if not torch.is_tensor(l):
        raise TypeError(f"loss(y_hat, y) returned {type(l).__name__} {_shown(l)}, not a "
                        "tensor; return the loss as a tensor (no float() or .item(), which "
                        "cut it off from autograd), e.g. nn.CrossEntropyLoss(reduction='none')")
    if training and not l.requires_grad:
        raise TypeError("the loss does not require grad, so backward() cannot reach the "
                        "parameters: create them with requires_grad=True (W1.requires_grad_() "
                        "or nn.Parameter), and keep the loss a tensor computed from net(X) "
                        "(no torch.tensor(...), .detach() or .item() inside the loss)")


def _explained(err, net, updater, batch, classes, name):
    """A clearer error for ``err`` raised inside a pass, or None to re-raise it as is."""
    if (isinstance(err, IndexError) and "out of bounds" in str(err) and classes
            and batch is not None):
        return ValueError(_too_few_outputs(classes, int(batch[1].max()), name))
    return _explain_device_error(err, net, updater, batch)


def _check_step(lr, batch_size):
    """``sgd``'s numbers, before any weight changes: a step that cannot go downhill fails."""
    try:
        bad_size = isinstance(batch_size, bool) or not batch_size > 0
        bad_lr = isinstance(lr, bool) or not 0 <= lr < math.inf  # NaN fails both sides
    except TypeError:
        raise TypeError(f"sgd(params, lr={_shown(lr)}, batch_size={_shown(batch_size)}): lr "
                        "and batch_size must be numbers, e.g. sgd(params, 0.1, 256)") from None
    if bad_size:
        raise ValueError(f"sgd(): batch_size={_shown(batch_size)}; pass the number of examples "
                         "in the batch, a positive number such as 256 (0 would divide by zero "
                         "and set the weights to inf, a negative one would move uphill)")
    if bad_lr:
        raise ValueError(f"sgd(): lr={_shown(lr)}; use a finite learning rate of at least 0 "
                         "such as 0.1 (NaN or inf would fill the weights with NaN, a negative "
                         "one would move uphill)")
