"""Checks of what a learner hands the trainer, before any batch: each mistake gets an
error naming it and the fix.

Grouped so that ``training.py`` stays a readable loop. Cheap: they inspect types and
signatures; the only one per batch is ``sgd``'s pair of comparisons (``_check_step``).
The checks on the first batch of a pass are part of the pass (:mod:`d2l_helpers.passes`).
``TypeError`` for a value of the wrong kind, ``ValueError`` for one of the right kind
that cannot work.
"""
import inspect
import math
import numbers
import types

import torch

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


def _check_net(value, name="net", what="the model: an nn.Module or a function net(X)"):
    """``TypeError`` unless ``value`` can be called like a net (or a loss)."""
    if not callable(value) or isinstance(value, type):
        kind = "the class" if isinstance(value, type) else type(value).__name__
        raise TypeError(f"{name} is {kind} {_shown(value)}, not "
                        f"{'an instance' if isinstance(value, type) else 'callable'}; pass {what}")


def _check_training_args(net, loss, updater, animator=None):
    """Before any batch: ``TypeError`` for what cannot be a net, loss, updater or animator."""
    _check_net(net)
    _check_net(loss, "loss", "a loss such as nn.CrossEntropyLoss(reduction='none')")
    _check_updater(updater)
    if animator is None or isinstance(animator, str) and animator == "auto":
        return
    if isinstance(animator, str) or not callable(getattr(animator, "add", None)):
        raise TypeError(f"animator={_shown(animator)} has no add(x, y) method; pass 'auto' "
                        "(the live plot), None (no plot) or an object with add(x, y), such "
                        "as d2l.Animator(...)")


def _check_epochs(num_epochs):
    """``TypeError`` unless ``num_epochs`` is a whole number; ``ValueError`` below 1."""
    if isinstance(num_epochs, bool) or not isinstance(num_epochs, numbers.Integral):
        raise TypeError(f"num_epochs must be a positive int such as 10, got "
                        f"{type(num_epochs).__name__} {num_epochs!r}")
    if num_epochs < 1:
        raise ValueError(f"num_epochs must be a positive int such as 10, got {num_epochs!r}")


def _check_params(params):
    """``sgd``'s parameters: a list of leaf tensors that each have a gradient."""
    if torch.is_tensor(params):
        raise TypeError(f"sgd(): params is one tensor of shape {tuple(params.shape)}; pass a "
                        "list of the parameters, e.g. sgd([W, b], lr, batch_size) (a lone "
                        "tensor would be updated row by row)")
    if isinstance(params, (str, bytes)) or not hasattr(params, "__iter__"):
        raise TypeError(f"sgd(): params is {type(params).__name__} {_shown(params)}; pass a "
                        "list of the parameters, e.g. sgd([W, b], lr, batch_size)")
    params = params if isinstance(params, (list, tuple)) else list(params)
    for i, param in enumerate(params):
        if not torch.is_tensor(param):
            raise TypeError(f"sgd(): params[{i}] is {type(param).__name__} {_shown(param)}, not "
                            "a tensor; pass the parameter tensors, e.g. [W1, b1, W2, b2]")
        if param.requires_grad and not param.is_leaf:  # (reading .grad here would warn)
            raise ValueError(f"sgd(): params[{i}] of shape {tuple(param.shape)} is not a leaf "
                             "tensor: it is the result of a computation (such as W * 1 or "
                             "torch.randn(..., requires_grad=True) * 0.01), so backward() does "
                             "not keep its .grad. Create the parameter as a leaf: "
                             "nn.Parameter(torch.randn(...) * 0.01), or (...).requires_grad_() "
                             "after the multiplication")
        if param.grad is None:
            raise ValueError(f"sgd(): params[{i}] of shape {tuple(param.shape)} has no gradient; "
                             "create it with requires_grad=True and call backward() on the loss "
                             "first")
    return params


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
