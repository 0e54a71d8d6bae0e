"""The book's linear-regression helpers (sections 3.2 and 3.3), called again in 4.4 and 4.5.

``synthetic_data``, ``linreg``, ``squared_loss`` and ``load_array`` keep d2l 0.17.6's
signatures and results: the same random draws for the same ``torch.manual_seed``, the
same batches. Differences: mistakes the book meets with a raw PyTorch error (shapes that
do not fit, a lone tensor or a numpy array given to ``load_array``, a batch size that is
not a positive whole number) raise ``ValueError``/``TypeError`` naming the values.
"""
import torch
from torch.utils import data

from d2l_helpers.checks import positive_int


def _need_tensor(value, call, name, example):
    if not torch.is_tensor(value):
        raise TypeError(f"{call}: {name} is a {type(value).__name__}, not a tensor; pass a tensor, "
                        f"e.g. {example}")
    return value


def _check_bias(b, call):
    """``b`` is a number or a tensor of one value (the model's single output needs one bias)."""
    if isinstance(b, bool) or not (isinstance(b, (int, float)) or torch.is_tensor(b)):
        raise TypeError(f"{call}: b={b!r:.40} is a {type(b).__name__}; pass a number such as 4.2 "
                        "or a tensor of one value, e.g. torch.zeros(1)")
    if torch.is_tensor(b) and b.numel() != 1:
        raise ValueError(f"{call}: b has shape {tuple(b.shape)}; the model has one output, so one "
                         "bias: a number or a tensor of one value, e.g. torch.zeros(1)")


def synthetic_data(w, b, num_examples):
    """Return ``(X, y)``: ``X`` standard normal ``(num_examples, len(w))``, ``y = Xw + b``
    plus N(0, 0.01²) noise, shaped ``(num_examples, 1)`` (book section 3.2)."""
    num_examples = positive_int(num_examples, "num_examples", 1000)
    if not torch.is_tensor(w) or w.dim() not in (1, 2) or not w.is_floating_point():
        raise TypeError(f"synthetic_data(): w={w!r:.60} must be a float tensor of shape (d,) "
                        "or (d, 1), e.g. torch.tensor([2, -3.4])")
    if w.dim() == 2 and w.shape[1] != 1:
        raise ValueError(f"synthetic_data(): w has shape {tuple(w.shape)}; it holds one weight "
                         "per feature, shaped (d,) or (d, 1), e.g. torch.tensor([2, -3.4]) "
                         f"(a ({w.shape[0]}, {w.shape[1]}) w would give y {w.shape[1]} values per "
                         "example)")
    _check_bias(b, "synthetic_data()")
    X = torch.normal(0, 1, (num_examples, len(w)))
    y = torch.matmul(X, w) + b
    y += torch.normal(0, 0.01, y.shape)
    return X, y.reshape((-1, 1))


def linreg(X, w, b):
    """Return the linear model's output ``Xw + b`` (book section 3.2)."""
    _need_tensor(X, "linreg()", "X", "X of shape (batch, features)")
    _need_tensor(w, "linreg()", "w", "torch.normal(0, 0.01, (features, 1), requires_grad=True)")
    _check_bias(b, "linreg()")
    if X.dim() != 2 or w.dim() not in (1, 2) or w.dim() == 2 and w.shape[1] != 1:
        raise ValueError(f"linreg(): X has shape {tuple(X.shape)} and w {tuple(w.shape)}; X holds "
                         "one row per example (batch, features) and w one weight per feature, "
                         "shaped (features, 1) or (features,)")
    if X.shape[-1] != w.shape[0]:
        raise ValueError(f"linreg(): X has shape {tuple(X.shape)} but w has shape "
                         f"{tuple(w.shape)}; w needs one row per feature of X "
                         f"({X.shape[-1]}), e.g. torch.normal(0, 0.01, ({X.shape[-1]}, 1))")
    return torch.matmul(X, w) + b


def squared_loss(y_hat, y):
    """Return the per-example squared loss ``(y_hat - y)² / 2``, shaped like ``y_hat``
    (book section 3.2)."""
    _need_tensor(y_hat, "squared_loss()", "y_hat", "net(X)")
    _need_tensor(y, "squared_loss()", "y", "the labels of the batch")
    if y.numel() != y_hat.numel():
        raise ValueError(f"squared_loss(): y_hat has shape {tuple(y_hat.shape)} but y has "
                         f"shape {tuple(y.shape)}; they need one value per example each")
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def load_array(data_arrays, batch_size, is_train=True):
    """Return a ``DataLoader`` over the tensors ``data_arrays`` (e.g. ``(features,
    labels)``), shuffled when ``is_train`` (book section 3.3)."""
    batch_size = positive_int(batch_size, "batch_size", 10)
    if torch.is_tensor(data_arrays) or not isinstance(data_arrays, (tuple, list)):
        raise TypeError(f"load_array(): data_arrays is a {type(data_arrays).__name__}; pass a "
                        "tuple of tensors, e.g. load_array((features, labels), batch_size)")
    for i, array in enumerate(data_arrays):
        if not torch.is_tensor(array):
            raise TypeError(f"load_array(): data_arrays[{i}] is a {type(array).__name__}, not "
                            "a tensor; convert it, e.g. torch.tensor(x, dtype=torch.float32)")
        if array.dim() == 0:
            raise ValueError(f"load_array(): data_arrays[{i}] is a single number (a 0-d tensor); "
                             "pass tensors with one row per example")
    lengths = [len(array) for array in data_arrays]
    if len(set(lengths)) > 1:
        raise ValueError(f"load_array(): the tensors hold {lengths} examples; they need the "
                         "same number (one row per example)")
    dataset = data.TensorDataset(*data_arrays)
    return data.DataLoader(dataset, batch_size, shuffle=is_train)
