"""The book's shorthand names for torch functions (d2l 0.17.6's torch.py, its last block).

The book's markdown writes ``d2l.tensor``, ``d2l.reshape(y, out.shape)``,
``d2l.reduce_sum(l)``, ``d2l.size(l)``, ``d2l.ones(...)`` ...; these are the same
objects (the torch function itself) or the same one-line lambdas as the book's.
They are attributes of the package but not in its ``__all__``: ``abs`` and ``numpy``
would shadow Python's ``abs`` and the numpy module on ``from d2l_helpers import *``.
"""
import torch

ones = torch.ones
zeros = torch.zeros
tensor = torch.tensor
arange = torch.arange
meshgrid = torch.meshgrid
sin = torch.sin
sinh = torch.sinh
cos = torch.cos
cosh = torch.cosh
tanh = torch.tanh
linspace = torch.linspace
exp = torch.exp
log = torch.log
normal = torch.normal
rand = torch.rand
matmul = torch.matmul
int32 = torch.int32
float32 = torch.float32
concat = torch.cat
stack = torch.stack
abs = torch.abs  # noqa: A001 - the book's name
eye = torch.eye
numpy = lambda x, *args, **kwargs: x.detach().numpy(*args, **kwargs)  # noqa: E731
size = lambda x, *args, **kwargs: x.numel(*args, **kwargs)  # noqa: E731
reshape = lambda x, *args, **kwargs: x.reshape(*args, **kwargs)  # noqa: E731
to = lambda x, *args, **kwargs: x.to(*args, **kwargs)  # noqa: E731
reduce_sum = lambda x, *args, **kwargs: x.sum(*args, **kwargs)  # noqa: E731
argmax = lambda x, *args, **kwargs: x.argmax(*args, **kwargs)  # noqa: E731
astype = lambda x, *args, **kwargs: x.type(*args, **kwargs)  # noqa: E731
transpose = lambda x, *args, **kwargs: x.t(*args, **kwargs)  # noqa: E731

ALIASES = ("ones", "zeros", "tensor", "arange", "meshgrid", "sin", "sinh", "cos", "cosh",
           "tanh", "linspace", "exp", "log", "normal", "rand", "matmul", "int32", "float32",
           "concat", "stack", "abs", "eye", "numpy", "size", "reshape", "to", "reduce_sum",
           "argmax", "astype", "transpose")
