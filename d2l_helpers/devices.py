"""Devices: where a model and its batches live.

``try_gpu`` is the book's (section 5.6); the rest are this package's private helpers.
Nothing here imports another module of the package, so training, passes and data can
all use it without an import circle.

How ``device=`` works everywhere in the package (``_resolve_device`` then ``_place``):

- ``None`` moves nothing, as in the book. Batches go where the model is: to the device
  of an ``nn.Module``'s parameters, or of the tensors a ``torch.optim`` optimizer holds
  (the book's ``evaluate_accuracy_gpu``, section 6.6, does the same), else they stay
  where the loader puts them.
- ``'auto'`` is ``try_gpu()``: the first GPU if there is one, else the CPU.
- A device (``'cpu'``, ``'cuda'``, ``'cuda:1'``, ``1``, ``torch.device``) must exist
  here; if not, a ``ValueError`` lists the devices that do.

Then the model goes there: an ``nn.Module`` with ``.to(device)``; the tensors an
optimizer holds (a function net's ``W1, b1, ...``) are moved *in place*, gradients and
optimizer state included, so the learner's own variables follow. A hand-written
updater (``lambda batch_size: d2l.sgd(params, lr, batch_size)``) cannot be seen into:
the tensors that it and the net name are checked instead, and a clear error says
which one is where. A device mismatch that shows up inside the first batch anyway
(PyTorch's "Expected all tensors to be on the same device") is re-raised by
``_explain_device_error`` with the names, the devices and the fix.
"""
import contextlib
import functools
import operator
import re

import torch

_DEVICE_MISMATCH = re.compile(r"same device|expected device|different device")


def try_gpu(i=0):
    """Return ``cuda:i`` if it exists, else the CPU (book section 5.6).

    Unlike the book, ``i`` must be a GPU number (an int of at least 0): ``try_gpu(-1)``
    and ``try_gpu('0')`` raise an error that says so instead of PyTorch's.
    """
    if isinstance(i, bool):
        raise TypeError(f"try_gpu(i={i!r}): i is the GPU's number, an int such as 0")
    try:
        i = operator.index(i)
    except TypeError:
        raise TypeError(f"try_gpu(i={i!r}): i is the GPU's number, an int such as 0 "
                        "(try_gpu() picks the first GPU)") from None
    if i < 0:
        raise ValueError(f"try_gpu(i={i}): GPUs are numbered from 0; use try_gpu() for the "
                         "first one")
    if torch.cuda.device_count() >= i + 1:
        return torch.device(f"cuda:{i}")
    return torch.device("cpu")


def _devices_here():
    """The devices this machine can compute on, e.g. ``['cpu', 'cuda:0']``."""
    found = ["cpu"] + [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    if torch.backends.mps.is_available():
        found.append("mps")
    return found


def _exists(device):
    """Whether ``device`` is one this process can compute on ('meta' counts: no data)."""
    if device.type in ("cpu", "meta"):
        return True
    if device.type == "cuda":
        count = torch.cuda.device_count()
        return count > 0 and (device.index is None or device.index < count)
    backend = getattr(torch.backends, device.type, None) or getattr(torch, device.type, None)
    return bool(getattr(backend, "is_available", lambda: False)())


def _resolve_device(device):
    """None (leave everything where it is), 'auto' (``try_gpu()``), or a device that exists.

    A CUDA device without an index becomes the current one (``cuda`` -> ``cuda:0``),
    so that it compares equal to a tensor's ``.device``.
    """
    if device is None:
        return None
    if isinstance(device, str) and device == "auto":
        return try_gpu()
    if isinstance(device, bool):
        resolved = None
    else:
        try:
            resolved = torch.device(device)
        except (RuntimeError, TypeError, ValueError):
            resolved = None
    here = ", ".join(_devices_here())
    if resolved is None:
        raise ValueError(f"device={device!r} is not a device: use None (leave the model where "
                         f"it is), 'auto' (a GPU if there is one), or one of this machine's "
                         f"devices: {here}")
    if not _exists(resolved):
        raise ValueError(f"device={device!r}: this machine has no {resolved} (devices here: "
                         f"{here}). Use device='auto', which takes the first GPU if there is "
                         "one and the CPU otherwise, or device='cpu'")
    if resolved.type == "cuda" and resolved.index is None:
        resolved = torch.device("cuda", torch.cuda.current_device())
    return resolved


def _move_in_place(tensor, device):
    """Move ``tensor`` to ``device`` keeping the same Python object (and its grad)."""
    grad, tensor.grad = tensor.grad, None
    with torch.no_grad():
        moved = tensor.detach().to(device)
    if torch._has_compatible_shallow_copy_type(tensor, moved):
        tensor.data = moved  # what nn.Module.to does (cpu <-> cuda)
    else:  # e.g. to 'meta', where .data cannot be swapped: swap the whole tensor
        if isinstance(tensor, torch.nn.Parameter):
            moved = torch.nn.Parameter(moved, requires_grad=tensor.requires_grad)
        else:
            moved.requires_grad_(tensor.requires_grad)
        try:
            torch.utils.swap_tensors(tensor, moved)
        except RuntimeError as err:
            tensor.grad = grad
            raise ValueError(f"cannot move a parameter of shape {tuple(tensor.shape)} to "
                             f"{device} in place ({err}). Create the parameters on the "
                             f"device instead, e.g. torch.randn(..., device='{device}')") from None
    if grad is not None:
        tensor.grad = grad.to(device)


def _move_optimizer(optimizer, device):
    """Move the tensors ``optimizer`` updates to ``device`` in place, with their state.

    A scalar ``'step'`` count stays on the CPU unless the group is ``capturable`` or
    ``fused``, as ``Optimizer.load_state_dict`` does.
    """
    for group in optimizer.param_groups:
        step_on_host = not (group.get("capturable") or group.get("fused"))
        for param in group["params"]:
            if param.device != device:
                _move_in_place(param, device)
            state = optimizer.state.get(param)
            for key, value in (state or {}).items():
                if torch.is_tensor(value) and value.device != device and not (
                        key == "step" and value.dim() == 0 and step_on_host):
                    state[key] = value.to(device)


def _model_device(net, updater):
    """Where the model's parameters are, if they can be seen and are not on the CPU."""
    params = []
    if isinstance(net, torch.nn.Module):
        params = [next(net.parameters(), None)]
    if isinstance(updater, torch.optim.Optimizer) and updater.param_groups:
        params.append(next(iter(updater.param_groups[0]["params"]), None))
    for param in params:
        if param is not None and param.device.type != "cpu":
            return param.device
    return None


def _place(net, device, updater=None):
    """Put the model on ``device`` (already resolved); return the device for the batches.

    See the module docstring. Raises ``ValueError`` before the first batch when a tensor
    that a function net or a hand-written updater uses is elsewhere.
    """
    if device is None:
        return _model_device(net, updater)
    if isinstance(updater, torch.optim.Optimizer):
        _move_optimizer(updater, device)
    if isinstance(net, torch.nn.Module):
        net.to(device)
    if not isinstance(updater, torch.optim.Optimizer):
        sources = [("net", net)] if not isinstance(net, torch.nn.Module) else []
        if updater is not None:
            sources.append(("updater", updater))
        elsewhere = [(name, t) for name, t in _tensors_used_by(sources)
                     if t.requires_grad and not _same_device(t.device, device)]
        if elsewhere:
            raise ValueError(_elsewhere_message(elsewhere, f"device={str(device)!r}", device))
    return device


def _same_device(a, b):
    return a.type == b.type and (a.index is None or b.index is None or a.index == b.index)


def _tensors_used_by(sources):
    """``(name, tensor)`` for the tensors a function names: its globals and closure.

    Only for messages and checks: looks one level deep, into lists and tuples of tensors
    (``params``) and into ``functools.partial`` arguments. Finds nothing in what it
    cannot read (a builtin, an object), which then goes unchecked.
    """
    found, seen = [], set()

    def add(name, value):
        if torch.is_tensor(value):
            if id(value) not in seen:
                seen.add(id(value))
                found.append((name, value))
        elif isinstance(value, (list, tuple)) and len(value) <= 64:
            for i, item in enumerate(value):
                if torch.is_tensor(item):
                    add(f"{name}[{i}]", item)

    for _, fn in sources:
        if isinstance(fn, functools.partial):
            for i, value in enumerate(fn.args):
                add(f"argument {i}", value)
            fn = fn.func
        code = getattr(fn, "__code__", None)
        if code is None:
            continue
        scope = getattr(fn, "__globals__", {})
        for name in code.co_names:
            if name in scope:
                add(name, scope[name])
        for name, cell in zip(code.co_freevars, getattr(fn, "__closure__", None) or ()):
            with contextlib.suppress(ValueError):  # an empty cell
                add(name, cell.cell_contents)
    return found


def _elsewhere_message(elsewhere, where, device):
    listed = ", ".join(f"{name} {tuple(t.shape)} is on {t.device}" for name, t in elsewhere[:6])
    more = f" (and {len(elsewhere) - 6} more)" if len(elsewhere) > 6 else ""
    return (f"{where}, but {listed}{more}. The trainer moves an nn.Module, or the tensors of "
            f"a torch.optim optimizer, to the device; it cannot move the tensors a "
            f"hand-written updater uses. Create them on the device, e.g. "
            f"W1 = torch.randn(784, 256, device=d2l.try_gpu()) * 0.01 (then "
            f"W1.requires_grad_()), or pass torch.optim.SGD(params, lr=...) as the updater, "
            f"which train_ch3(..., device='{device}') moves for you, or leave device=None")


def _explain_device_error(err, net, updater, batch):
    """A ``ValueError`` that says which tensor is on which device, for PyTorch's
    "Expected all tensors to be on the same device" (``err``); ``None`` if ``err``
    is about something else. ``batch`` is the ``(X, y)`` being processed, if known."""
    if not isinstance(err, RuntimeError) or not _DEVICE_MISMATCH.search(str(err)):
        return None
    X = batch[0] if batch is not None and torch.is_tensor(batch[0]) else None
    where = f"the batch X is on {X.device}" if X is not None else "the batches are elsewhere"
    if isinstance(net, torch.nn.Module):
        tensors = [(f"net's {name}", t) for name, t in net.named_parameters()]
    else:
        tensors = _tensors_used_by([("net", net), ("updater", updater)])
    elsewhere = [(n, t) for n, t in tensors if X is None or not _same_device(t.device, X.device)]
    if not elsewhere:
        return ValueError(f"{where}, but some tensor the net uses is not ({err}). Create every "
                          "tensor the net uses on one device, or pass device='auto'")
    target = elsewhere[0][1].device
    return ValueError(f"{where}, but " + ", ".join(
        f"{n} {tuple(t.shape)} is on {t.device}" for n, t in elsewhere[:6])
        + f". Pass device='{target}' so that the batches go there too (or device='auto'), "
        f"or create the parameters on {X.device if X is not None else 'the batches device'}")
