"""Devices and modes: where a model and its batches live, shared by training and plotting.

``try_gpu`` is the book's (section 5.6); the rest are this package's private helpers.
Nothing here imports another module of the package, so training, plotting and data
can all use it without an import circle.
"""
import contextlib

import torch


def try_gpu(i=0):
    """Return ``cuda:i`` if it exists, else the CPU (book section 5.6)."""
    if torch.cuda.device_count() >= i + 1:
        return torch.device(f"cuda:{i}")
    return torch.device("cpu")


def _resolve_device(device):
    """None (leave everything where it is), 'auto' (``try_gpu()``), or a device name."""
    if device is None or isinstance(device, torch.device):
        return device
    if device == "auto":
        return try_gpu()
    try:
        return torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"device={device!r} is not a device: use None, 'auto', 'cpu', "
                         "'cuda' or 'cuda:0'") from None


def _to_device(net, device):
    if device is not None and isinstance(net, torch.nn.Module):
        net.to(device)


@contextlib.contextmanager
def _mode(net, training):
    """Switch an ``nn.Module`` to train/eval mode and back afterwards; functions pass."""
    if not isinstance(net, torch.nn.Module):
        yield
        return
    was_training = net.training
    net.train(training)
    try:
        yield
    finally:
        net.train(was_training)


def _batches(data_iter, device):
    for X, y in data_iter:
        yield (X, y) if device is None else (X.to(device), y.to(device))
