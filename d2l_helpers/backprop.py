"""Forward and backward propagation made visible (book 4.7, which has no code).

The book's computational graph of 4.7.2 as data (:func:`book_graph`), the graph that
autograd records for a tensor (:func:`autograd_graph`), and what a backward pass costs
in memory: the bytes of the tensors autograd keeps for it (:func:`saved_tensor_bytes`)
against the most a forward pass without gradients holds at once
(:func:`inference_peak_bytes`). ``d2l.draw_graph`` draws a :class:`Graph`.
"""
from typing import NamedTuple

import torch
from torch import nn

__all__ = ["Graph", "book_graph", "autograd_graph", "saved_tensor_bytes",
           "inference_peak_bytes"]


class Graph(NamedTuple):
    """A computational graph: ``nodes`` maps a node's id to ``(label, kind)``, kind being
    "variable" (data, a parameter, an intermediate value) or "operator"; ``edges`` are
    ``(from id, to id)`` pairs in the direction the forward pass computes; ``positions``
    (optional) maps each id to where ``d2l.draw_graph`` puts it."""

    nodes: dict
    edges: list
    positions: dict = None

    def inputs_of(self, node):
        """The ids of the nodes with an edge into ``node``, in edge order."""
        return [a for a, b in self.edges if b == node]


def book_graph():
    """The computational graph of the book's figure 4.7.1: one hidden layer without bias,
    z = W1 x, h = φ(z), o = W2 h, L = l(o, y), s = λ/2 (‖W1‖² + ‖W2‖²), J = L + s."""
    variables = {"x": "$x$", "W1": "$W^{(1)}$", "z": "$z$", "h": "$h$", "W2": "$W^{(2)}$",
                 "o": "$o$", "y": "$y$", "L": "$L$", "s": "$s$", "J": "$J$"}
    operators = {"mul1": "$\\times$", "phi": "$\\phi$", "mul2": "$\\times$", "loss": "$l$",
                 "norm": "$\\frac{\\lambda}{2}\\|\\cdot\\|^2$", "plus": "$+$"}
    nodes = {**{k: (v, "variable") for k, v in variables.items()},
             **{k: (v, "operator") for k, v in operators.items()}}
    edges = [("x", "mul1"), ("W1", "mul1"), ("mul1", "z"), ("z", "phi"), ("phi", "h"),
             ("h", "mul2"), ("W2", "mul2"), ("mul2", "o"), ("o", "loss"), ("y", "loss"),
             ("loss", "L"), ("W1", "norm"), ("W2", "norm"), ("norm", "s"), ("L", "plus"),
             ("s", "plus"), ("plus", "J")]
    # The book's layout: the network along the bottom row, the regulariser above it.
    positions = {"x": (0, 0), "mul1": (1.2, 0), "z": (2.4, 0), "phi": (3.6, 0), "h": (4.8, 0),
                 "mul2": (6.0, 0), "o": (7.2, 0), "loss": (8.4, 0), "L": (9.6, 0),
                 "plus": (10.8, 0.9), "J": (12.0, 0.9), "y": (8.4, -1.0), "W1": (1.2, 1.0),
                 "W2": (6.0, 1.0), "norm": (7.2, 1.8), "s": (9.6, 1.8)}
    return Graph(nodes, edges, positions)


def _operator_label(fn):
    name = type(fn).__name__
    for suffix in ("Backward0", "Backward1", "Backward"):
        if name.endswith(suffix):
            return name[:-len(suffix)]
    return name


def autograd_graph(output, names=None):
    """The graph autograd recorded for the tensor ``output``, as a :class:`Graph`.

    Each operator is a backward node of ``output.grad_fn``'s graph (``Mm``, ``Sigmoid``,
    ...); each tensor that requires a gradient is a variable, labelled by ``names``
    (a dict mapping labels to those tensors, e.g. ``{"W1": W1}``), and ``output`` is the
    last variable. Edges point the way the forward pass computed.
    """
    if not torch.is_tensor(output):
        raise TypeError(f"output={type(output).__name__}: pass the tensor whose graph to "
                        "draw, e.g. J (computed from tensors with requires_grad=True)")
    if output.grad_fn is None:
        raise ValueError("output has no grad_fn: it was not computed from a tensor with "
                         "requires_grad=True (or it was computed under torch.no_grad())")
    names = dict(names or {})
    if not all(torch.is_tensor(t) for t in names.values()):
        raise TypeError("names: map each label to a tensor, e.g. {'W1': W1, 'W2': W2}")
    label_of = {id(tensor): label for label, tensor in names.items()}
    nodes, edges, ids, pending = {}, [], {}, []

    def node_id(fn):
        if fn not in ids:
            ids[fn] = f"n{len(ids)}"
            variable = getattr(fn, "variable", None)  # AccumulateGrad: a leaf tensor
            if variable is not None:
                nodes[ids[fn]] = (label_of.get(id(variable), "leaf"), "variable")
            else:
                nodes[ids[fn]] = (_operator_label(fn), "operator")
            pending.append(fn)
        return ids[fn]

    root = node_id(output.grad_fn)  # each backward node is queued once, when first seen
    while pending:
        fn = pending.pop()
        for parent, _ in fn.next_functions:
            if parent is not None:
                edges.append((node_id(parent), ids[fn]))
    nodes["out"] = (label_of.get(id(output), "output"), "variable")
    edges.append((root, "out"))
    return Graph(nodes, edges[::-1])


def _storage_key(tensor):
    storage = tensor.untyped_storage()
    return (tensor.device.type, tensor.device.index, storage.data_ptr()), storage.nbytes()


def saved_tensor_bytes(fn, *args, exclude=(), **kwargs):
    """Call ``fn(*args, **kwargs)``; return ``(its result, bytes saved for backward)``.

    The bytes are those of the distinct storages that autograd saved during the call to
    compute the backward pass (``torch.autograd.graph.saved_tensors_hooks``), leaving out
    the storages of the tensors in ``exclude`` (pass the parameters and the inputs: they
    are in memory for inference too). Under ``torch.no_grad()`` nothing is saved: 0.
    """
    excluded = {_storage_key(t)[0] for t in exclude}
    saved = {}

    def pack(tensor):
        key, nbytes = _storage_key(tensor)
        if key not in excluded:
            saved[key] = nbytes
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        result = fn(*args, **kwargs)
    return result, sum(saved.values())


def inference_peak_bytes(net, X):
    """The most bytes of activations a forward pass of ``net`` on ``X`` under
    ``torch.no_grad()`` needs at once: the largest input plus output of one of its layers
    (an ``nn.Sequential`` frees each activation once the next layer has it). Measured with
    forward hooks on the layers; ``net``'s mode and parameters are left as found."""
    if not isinstance(net, nn.Module):
        raise TypeError(f"net={type(net).__name__}: pass an nn.Module such as nn.Sequential")
    if not torch.is_tensor(X):
        raise TypeError(f"X={type(X).__name__}: pass a batch of inputs as a tensor")
    layers = [m for m in net.modules() if not list(m.children())] or [net]
    peak = 0

    def hook(module, inputs, output):
        nonlocal peak
        held = sum(t.numel() * t.element_size() for t in inputs if torch.is_tensor(t))
        peak = max(peak, held + output.numel() * output.element_size())

    handles = [layer.register_forward_hook(hook) for layer in layers]
    try:
        with torch.no_grad():
            net(X)
    finally:
        for handle in handles:
            handle.remove()
    return peak
