"""Lesson 10 exercises (book section 4.7): ``from d2l_helpers.exercises import lesson10 as ex``.

The book's network of 4.7 (no bias, a batch in rows): ``Z = X @ W1.T``, ``H = sigmoid(Z)``,
``O = H @ W2.T``, ``L = F.cross_entropy(O, Y)`` (the batch mean), ``s = λ/2 (‖W1‖² + ‖W2‖²)``,
``J = L + s``. The learner writes each backward step in the book's order (q1 ∂J/∂O, q2
∂J/∂W2, q3 ∂J/∂H, q4 ∂J/∂Z, q5 ∂J/∂W1) and the bias of the book's exercise 2 (q6). Each
step is checked against **autograd** on four networks in float64 (a batch, a square one where
every shape is the same so that a transpose on the wrong side still has the right shape,
a batch of one where the batch mean changes nothing, and one with huge logits): the step
gets autograd's upstream gradient and is compared with autograd's own result; a wrong result
is matched against the usual mistakes on every network where the mistake is defined (a
fingerprint: one easy network cannot tell most of them apart).

Then a gradient check (q7 ``numerical_grad``: central differences; q8 ``relative_error``,
CS231n's), a prediction about float32 (q9), a scalar autograd engine in the manner of
karpathy/micrograd checked against torch (q10 ``Value``) and a prediction about what training
and inference keep in memory (q11).
"""
import math
import numbers

import torch
from torch.nn import functional as F

from d2l_helpers.exercises.core import (
    ExerciseSet,
    Incorrect,
    need_close,
    need_tensor,
    reject_mistakes,
)

exercises = ExerciseSet("第 10 课", __name__)
progress, say, need = exercises.progress, exercises.say, exercises.need


# --- the book's network, and autograd's gradients --------------------------------------------

def forward(X, Y, W1, W2, lambd, b1=None):
    """The book's forward pass of 4.7.1 on a batch: a dict of ``Z``, ``H``, ``O``, ``L``, ``s``
    and ``J`` (the objective). ``b1`` (optional): the hidden layer's bias of the book's
    exercise 2, not regularised."""
    Z = X @ W1.T if b1 is None else X @ W1.T + b1
    H = torch.sigmoid(Z)
    O = H @ W2.T
    L = F.cross_entropy(O, Y)
    s = lambd / 2 * (W1.square().sum() + W2.square().sum())
    return {"Z": Z, "H": H, "O": O, "L": L, "s": s, "J": L + s}


def autograd_gradients(X, Y, W1, W2, lambd, b1=None):
    """Autograd's ∂J/∂ of each intermediate and parameter of :func:`forward` (a dict: ``dO``,
    ``dW2``, ``dH``, ``dZ``, ``dW1`` and ``db1`` when ``b1`` is given), with the forward
    values (``Z``, ``H``, ``O``, ``J``). Inputs are not changed; nothing is left in a ``.grad``."""
    params = [p.detach().clone().requires_grad_(True) for p in (W1, W2)]
    bias = None if b1 is None else b1.detach().clone().requires_grad_(True)
    values = forward(X, Y, *params, lambd, b1=bias)
    wrt = {"dO": values["O"], "dH": values["H"], "dZ": values["Z"], "dW1": params[0],
           "dW2": params[1], **({"db1": bias} if bias is not None else {})}
    grads = torch.autograd.grad(values["J"], list(wrt.values()))
    result = {key: grad.detach() for key, grad in zip(wrt, grads)}
    result.update({key: values[key].detach() for key in ("Z", "H", "O", "J")})
    return result


def _network(n, d, h, q, lambd, seed, logit_scale=1.0):
    g = torch.Generator().manual_seed(seed)
    kw = dict(generator=g, dtype=torch.float64)
    X = torch.randn((n, d), **kw)
    Y = torch.randint(0, q, (n,), generator=g)
    W1 = torch.randn((h, d), **kw) * 0.7
    W2 = torch.randn((q, h), **kw) * 0.7 * logit_scale
    b1 = torch.randn((h,), **kw) * 0.5
    case = {"X": X, "Y": Y, "W1": W1, "W2": W2, "lambd": lambd, "b1": b1}
    case.update(autograd_gradients(X, Y, W1, W2, lambd, b1=b1))
    return case


_CASES = None


def _cases():
    """The four networks of every backward check (built once: they are fixed)."""
    global _CASES
    if _CASES is None:
        _CASES = {
            "batch": _network(n=6, d=5, h=4, q=3, lambd=0.1, seed=1),
            "square": _network(n=4, d=4, h=4, q=4, lambd=0.2, seed=2),
            "one": _network(n=1, d=5, h=4, q=3, lambd=0.3, seed=3),
            "huge": _network(n=6, d=5, h=4, q=3, lambd=0.1, seed=4, logit_scale=3000.0),
        }
    return _CASES


def _maybe(fn):
    """A mistake's value, or None where its shapes do not fit (it is not defined there)."""
    def value(case):
        try:
            return fn(case)
        except RuntimeError:
            return None
    return value


def _clone(value):
    return value.clone() if torch.is_tensor(value) else value


def _check_step(f, what, args, expected, mistakes, extra=None):
    """Run the learner's step ``f`` on every network; compare with autograd's ``expected``
    gradient; name a known mistake that gives what ``f`` gave everywhere it is defined."""
    got, inputs = {}, {}
    for name, case in _cases().items():
        given = [_clone(case[a]) for a in args]
        out = f(*given)
        need(out is not None, "no_return", what=what)
        need_tensor(out, what)
        need(out.dtype == torch.float64, "dtype", what=what, dtype=out.dtype)
        for arg, before, after in zip(args, (case[a] for a in args), given):
            need(not torch.is_tensor(before) or torch.equal(before, after), "in_place",
                 what=what, arg=arg)
        want = case[expected]
        if extra is not None:
            extra(out, want, case)
        shape, expected_shape = tuple(out.shape), tuple(want.shape)
        if shape != expected_shape:
            need(not (want.ndim == 2 and shape == expected_shape[::-1]), "reversed",
                 what=what, shape=shape, expected=expected_shape)
            need_tensor(out, what, want.shape)
        got[name], inputs[name] = out.detach().to(torch.float64), case
    if all(torch.allclose(got[n], c[expected], atol=1e-9, rtol=1e-7) for n, c in inputs.items()):
        return None
    reject_mistakes(got, inputs, [(_maybe(m), d) for m, d in mistakes], atol=1e-9, rtol=1e-7)
    for name, case in inputs.items():
        where = say(f"case_{name}")
        need_close(got[name], case[expected], f"{what}（{where}）", atol=1e-9, rtol=1e-7)
    return None


def _softmax(O):
    return torch.softmax(O, dim=1)


def _one_hot(c):
    return F.one_hot(c["Y"], c["O"].shape[1]).to(torch.float64)


_SHAPE_ERRORS = ((r"cannot be multiplied|size mismatch", say("matmul_shapes")),)


# --- q1: ∂J/∂O ------------------------------------------------------------------------------

_Q1_MISTAKES = (
    (lambda c: _softmax(c["O"]) - _one_hot(c), say("q1.undivided")),
    (lambda c: (_softmax(c["O"]) - _one_hot(c)) / c["O"].shape[0] ** 2, say("q1.divided_twice")),
    (lambda c: _softmax(c["O"]) / c["O"].shape[0], say("q1.no_one_hot")),
    (lambda c: (_one_hot(c) - _softmax(c["O"])) / c["O"].shape[0], say("q1.sign")),
    (lambda c: (torch.softmax(c["O"], dim=0) - _one_hot(c)) / c["O"].shape[0], say("q1.by_column")),
)


def _q1_extra(out, want, case):
    if out.shape[0] == want.shape[0] and out.ndim == 2 and out.shape[1] < want.shape[1]:
        raise Incorrect(say("q1.columns", got=out.shape[1], want=want.shape[1]))
    O = case["O"]
    if tuple(out.shape) == tuple(want.shape) and not torch.isnan(out).any():
        # ``+ lambd * O`` with the notebook's own lambd: what is left over is a multiple of O
        rest = out.detach().to(torch.float64) - want
        k = float((rest * O).sum() / (O * O).sum())
        need(not (abs(k) > 1e-9 and torch.allclose(rest, k * O, atol=1e-9, rtol=1e-6)),
             "q1.decay_on_o", k=k)
    need(not torch.isnan(out).any() or torch.isnan(want).any(), "q1.nan")


@exercises.code(diagnose=((r"one_hot is only applicable to index tensor",
                           say("q1.error_float_labels")),
                          (r"must match the size of tensor", say("q1.error_sizes"))))
def q1(grad_o):
    return _check_step(grad_o, "grad_o(O, Y)", ("O", "Y"), "dO", _Q1_MISTAKES, extra=_q1_extra)


# --- q2 and q5: ∂J/∂W = (upstream)ᵀ @ (input) + λW ------------------------------------------

def _weight_mistakes(up, x, w):
    """The usual mistakes of ∂J/∂W = up.T @ x + λ W (q2: dO, H, W2; q5: dZ, X, W1)."""
    n = lambda c: c[x].shape[0]  # noqa: E731
    names = dict(up=up, x=x, w=w)
    return (
        (lambda c: c[up].T @ c[x], say("no_decay", **names)),
        (lambda c: c[up].T @ c[x] + c["lambd"] / 2 * c[w], say("half_decay", **names)),
        (lambda c: c[up].T @ c[x] + 2 * c["lambd"] * c[w], say("double_decay", **names)),
        (lambda c: c[up].T @ c[x] / n(c) + c["lambd"] * c[w], say("divided_again", **names)),
        (lambda c: c[x].T @ c[up] + c["lambd"] * c[w], say("wrong_side", **names)),
        (lambda c: c[up] * c[x] + c["lambd"] * c[w], say("elementwise", **names)),
        (lambda c: c["lambd"] * c[w], say("decay_only", **names)),
    )


def _weight_shape_errors(up, x, w):
    return ((r"must match the size of tensor", say("elementwise_shapes", up=up, x=x, w=w)),
            *_SHAPE_ERRORS)


@exercises.code(diagnose=_weight_shape_errors("dO", "H", "W2"))
def q2(grad_W2):
    return _check_step(grad_W2, "grad_W2(dO, H, W2, lambd)", ("dO", "H", "W2", "lambd"), "dW2",
                       _weight_mistakes("dO", "H", "W2"))


# --- q3: ∂J/∂H --------------------------------------------------------------------------------

_Q3_MISTAKES = (
    (lambda c: c["dO"] @ c["W2"].T, say("q3.transposed")),
    (lambda c: c["dO"] @ c["W2"] / c["dO"].shape[0], say("q3.divided_again")),
)

@exercises.code(diagnose=((r"cannot be multiplied|size mismatch", say("q3.error_matmul")),
                          (r"must match the size of tensor", say("q3.error_elementwise"))))
def q3(grad_h):
    return _check_step(grad_h, "grad_h(dO, W2)", ("dO", "W2"), "dH", _Q3_MISTAKES)


# --- q4: ∂J/∂Z --------------------------------------------------------------------------------

_Q4_MISTAKES = (
    (lambda c: c["dH"] * torch.sigmoid(c["H"]) * (1 - torch.sigmoid(c["H"])), say("q4.at_h")),
    (lambda c: c["dH"] * c["Z"] * (1 - c["Z"]), say("q4.z_times")),
    (lambda c: c["dH"] @ (c["H"] * (1 - c["H"])), say("q4.matmul")),
    (lambda c: c["dH"] @ (c["H"] * (1 - c["H"])).T, say("q4.matmul")),
    (lambda c: c["dH"], say("q4.no_derivative")),
    (lambda c: c["dH"] * c["H"], say("q4.no_one_minus_h")),
    (lambda c: c["dH"] * (1 - c["H"]), say("q4.no_h")),
    (lambda c: c["H"] * (1 - c["H"]), say("q4.no_upstream")),
)


def _q4_extra(out, want, case):
    n, shape, expected = want.shape[0], tuple(out.shape), tuple(want.shape)
    need(shape == expected or shape not in ((n, n), (want.shape[1],) * 2), "q4.square_shape",
         shape=shape, expected=expected, why=say("q4.matmul"))


@exercises.code(diagnose=((r"cannot be multiplied|size mismatch", say("q4.matmul")),
                          (r"must match the size of tensor", say("q4.error_shapes"))))
def q4(grad_z):
    return _check_step(grad_z, "grad_z(dH, Z, H)", ("dH", "Z", "H"), "dZ", _Q4_MISTAKES,
                       extra=_q4_extra)


# --- q5: ∂J/∂W1 -------------------------------------------------------------------------------

@exercises.code(diagnose=_weight_shape_errors("dZ", "X", "W1"))
def q5(grad_W1):
    return _check_step(grad_W1, "grad_W1(dZ, X, W1, lambd)", ("dZ", "X", "W1", "lambd"), "dW1",
                       _weight_mistakes("dZ", "X", "W1"))


# --- q6: ∂J/∂b1 (the book's exercise 2) ---------------------------------------------------------

_Q6_MISTAKES = (
    (lambda c: c["dZ"].mean(dim=0), say("q6.mean")),
    (lambda c: c["dZ"].sum(dim=1), say("q6.by_row")),
    (lambda c: c["dZ"].sum(dim=0) + c["lambd"] * c["b1"], say("q6.decay")),
    (lambda c: c["dZ"].sum(), say("q6.summed_all")),
)


def _q6_extra(out, want, case):
    need(out.ndim != 0, "q6.scalar", why=say("q6.summed_all"))
    n = case["dZ"].shape[0]
    need(not (tuple(out.shape) == (n,) != tuple(want.shape)), "q6.per_sample",
         n=n, expected=tuple(want.shape), why=say("q6.by_row"))


@exercises.code()
def q6(grad_b1):
    return _check_step(grad_b1, "grad_b1(dZ)", ("dZ",), "db1", _Q6_MISTAKES, extra=_q6_extra)


# --- q7: numerical_grad -------------------------------------------------------------------------

def _cubic(x):
    return (x ** 3).sum() + x.flatten()[0] * x.flatten()[-1] + torch.sin(x).sum()


def _central(f, x, eps):
    grad = torch.zeros_like(x)
    flat, out = x.detach().clone().flatten(), grad.view(-1)
    for i in range(flat.numel()):
        plus, minus = flat.clone(), flat.clone()
        plus[i] += eps
        minus[i] -= eps
        out[i] = (float(f(plus.view_as(x))) - float(f(minus.view_as(x)))) / (2 * eps)
    return grad


def _one_sided(f, x, eps, sign):
    grad = torch.zeros_like(x)
    flat, out, base = x.detach().clone().flatten(), grad.view(-1), float(f(x))
    for i in range(flat.numel()):
        moved = flat.clone()
        moved[i] += sign * eps
        out[i] = sign * (float(f(moved.view_as(x))) - base) / eps
    return grad


_Q7_INPUTS = {
    "matrix": (torch.tensor([[0.5, -1.2, 2.0], [1.5, 0.3, -0.7]], dtype=torch.float64), 1e-3),
    "vector": (torch.tensor([3.0, -2.0, 0.25, 1.0], dtype=torch.float64), 1e-2),
}


@exercises.code()
def q7(numerical_grad):
    got, inputs = {}, {}
    for name, (x, eps) in _Q7_INPUTS.items():
        x_in = x.clone()
        out = numerical_grad(_cubic, x_in, eps)
        what = f"numerical_grad(f, x, eps={eps:g})"
        need(out is not None, "q7.no_return", what=what)
        need_tensor(out, what, x.shape)
        need(torch.equal(x_in, x), "q7.moved_x", what=what)
        need(out.dtype == torch.float64, "q7.dtype", what=what, dtype=out.dtype)
        got[name], inputs[name] = out.detach(), (x, eps)
    expected = {name: _central(_cubic, x, eps) for name, (x, eps) in inputs.items()}
    if all(torch.allclose(got[n], expected[n], atol=1e-8, rtol=1e-8) for n in got):
        return None
    reject_mistakes(got, inputs, (
        (lambda v: _one_sided(_cubic, v[0], v[1], 1), say("q7.forward")),
        (lambda v: _one_sided(_cubic, v[0], v[1], -1), say("q7.backward")),
        (lambda v: 2 * _central(_cubic, v[0], v[1]), say("q7.one_eps")),
        (lambda v: _central(_cubic, v[0], v[1]) / 2, say("q7.half")),
        (lambda v: _one_sided(_cubic, v[0], v[1], 1) / 2, say("q7.minus_at_x")),
        (lambda v: _central(_cubic, v[0], v[1]) * v[1] ** 2, say("q7.precedence")),
    ), atol=1e-8, rtol=1e-8)
    for name, (x, eps) in inputs.items():
        need_close(got[name], expected[name], f"numerical_grad(f, x, eps={eps:g})（x 的形状 "
                   f"{tuple(x.shape)}）", atol=1e-8, rtol=1e-8)
    return None


# --- q8: relative_error -------------------------------------------------------------------------

def _rel_sum(a, b):
    return float(((a - b).abs() / (a.abs() + b.abs()).clamp_min(1e-8)).max())


def _rel_max(a, b):
    return float(((a - b).abs() / torch.maximum(a.abs(), b.abs()).clamp_min(1e-8)).max())


# A denominator |a| + |b| + 1e-8 differs from the floor max(1e-8, |a| + |b|) by a relative 1e-8 /
# (|a| + |b|) <= 4e-6 on these inputs: both are right, so compare at 1e-5 (every mistake below
# is off by far more).
_Q8_RTOL = 1e-5


_T = lambda *v: torch.tensor(v, dtype=torch.float64)  # noqa: E731
_Q8_INPUTS = {
    "same": (_T(1.0, -2.0, 3.0), _T(1.0, -2.0, 3.0)),
    "small": (_T(1e-3, 1.0, -5.0), _T(2e-3, 1.0, -5.0)),
    "larger a": (_T(2e-3, 3.0, -5.0), _T(1e-3, 3.0, -4.0)),  # |a| > |b|: dividing by |b| shows
    "zeros": (_T(0.0, 0.0, 1.0), _T(0.0, 0.0, 1.0 + 1e-6)),
    "signs": (_T(1.0, -1.0, 2.0), _T(-1.0, 1.0, 2.0)),
    "one bad": (torch.cat([torch.ones(999, dtype=torch.float64), _T(1.0)]),
                torch.cat([torch.ones(999, dtype=torch.float64), _T(2.0)])),
    "matrix": (_T(1.0, 2.0, 3.0, 4.0).reshape(2, 2), _T(1.0, 2.5, 3.0, 4.0).reshape(2, 2)),
}


def _as_number(value, what):
    if torch.is_tensor(value) and value.numel() == 1:
        value = float(value)
    need(isinstance(value, numbers.Real) and not isinstance(value, bool), "not_number",
         what=what, value=value)
    return float(value)


@exercises.code()
def q8(relative_error):
    got = {}
    for name, (a, b) in _Q8_INPUTS.items():
        a_in, b_in = a.clone(), b.clone()
        got[name] = _as_number(relative_error(a_in, b_in), "relative_error(a, b)")
        need(torch.equal(a_in, a) and torch.equal(b_in, b), "q8.in_place")
    need(not any(math.isnan(v) for v in got.values()), "q8.nan")
    for rule in (_rel_sum, _rel_max):
        if all(math.isclose(got[n], rule(a, b), rel_tol=_Q8_RTOL, abs_tol=1e-15)
               for n, (a, b) in _Q8_INPUTS.items()):
            return None if rule is _rel_sum else say("q8.correct_max")
    inputs = dict(_Q8_INPUTS)
    reject_mistakes(got, inputs, (
        (lambda v: float(((v[0] - v[1]).abs() / (v[0].abs() + v[1].abs()).clamp_min(1e-8)).mean()),
         say("q8.mean")),
        (lambda v: float((v[0] - v[1]).norm() / (v[0].norm() + v[1].norm())), say("q8.norm")),
        (lambda v: float(((v[0] - v[1]).abs() / (v[0] + v[1]).abs().clamp_min(1e-8)).max()),
         say("q8.abs_of_sum")),
        (lambda v: float(((v[0] - v[1]).abs() / v[0].abs().clamp_min(1e-8)).max()),
         say("q8.only_a")),
        (lambda v: float(((v[0] - v[1]).abs() / v[1].abs().clamp_min(1e-8)).max()),
         say("q8.only_b")),
        (lambda v: float((v[0] - v[1]).abs().max()), say("q8.absolute")),
    ), atol=1e-15, rtol=_Q8_RTOL)
    for name, (a, b) in _Q8_INPUTS.items():
        want = _rel_sum(a, b)
        need(math.isclose(got[name], want, rel_tol=_Q8_RTOL, abs_tol=1e-15), "q8.wrong",
             a=a.tolist() if a.numel() < 10 else say("q8.long_a"),
             b=b.tolist() if b.numel() < 10 else say("q8.long_b"), got=got[name], want=want)
    return None


# --- q9: the gradient check in float32 ------------------------------------------------------------

FLOAT32_BANDS = {"A": (0.0, 1e-7), "B": (1e-7, 1e-4), "C": (1e-4, math.inf)}


@exercises.prediction(choices=tuple(FLOAT32_BANDS))
def q9(prediction, check_errors):
    need(isinstance(check_errors, dict) and set(check_errors) == {"float64", "float32"},
         "q9.not_errors", check_errors=check_errors)
    err32 = _as_number(check_errors["float32"], "check_errors['float32']")
    need(0 <= err32, "q9.not_an_error", err32=err32)  # nan or negative: in no band
    answer = next(k for k, (lo, hi) in FLOAT32_BANDS.items()
                  if lo <= err32 < hi or err32 == hi == math.inf)
    words = dict(err32=err32, answer=answer, meaning=say(f"q9.{answer}"))
    need(prediction == answer, "q9.wrong", **words)
    return say("q9.correct", **words)


# --- q10: a scalar autograd engine ------------------------------------------------------------

def _engine(Value, values):
    leaves = [Value(v) for v in values]
    for leaf in leaves:
        for attr in ("data", "grad"):
            need(hasattr(leaf, attr), "q10.no_attribute", attr=attr)
    return leaves


def _torch_leaves(values):
    return [torch.tensor(float(v), dtype=torch.float64, requires_grad=True) for v in values]


def _expression_shared(a, b, c):
    return (a + b) * (b + c)  # b is used twice: its gradient is a sum of two paths


def _expression_square(x):
    return x * x


def _expression_deep(x, y):
    # micrograd's test in spirit: a node used in several places, relu on both sides of 0
    z = x * 2 + 2 + x
    q = _relu(z) + z * x
    h = _relu(z * z)
    return h + q + q * x + _relu(y * x) + y


def _relu(v):
    # a torch tensor has .relu() too; a learner's Value without it is told so (torch.relu(Value)
    # would raise a TypeError in the checker's own code, shown as the checker's error)
    need(hasattr(v, "relu"), "q10.error_relu")
    return v.relu()


_Q10_PROBES = (
    # (name, expression, values, what the learner's engine got wrong if this one fails)
    ("add", lambda a, b: a + b, (2.0, -3.0), say("q10.add")),
    ("mul", lambda a, b: a * b, (2.0, -3.0), say("q10.mul")),
    ("double", lambda a: a + a, (2.0,), say("q10.double")),
    ("square", _expression_square, (3.0,), say("q10.square")),
    ("two adds", lambda a, b: (a + b) + b, (2.0, -3.0), say("q10.two_adds")),
    ("add upstream", lambda a, b: (a + b) * 3.0, (2.0, -3.0), say("q10.add_upstream")),
    ("mul upstream", lambda a, b: (a * b) * 3.0, (2.0, -3.0), say("q10.mul_upstream")),
    ("chain", lambda a, b: (a * b) * a + b, (1.5, -2.0), say("q10.chain")),
    ("relu", lambda a, b: (_relu(a) + _relu(b)) * 3.0, (2.0, -3.0), say("q10.relu")),
    ("derived", lambda a, b: (1 - a) * 2 + 2 * (b - 1.0) * a + (-b) + (1.0 + a), (2.0, -3.0),
     say("q10.derived")),
    ("shared", _expression_shared, (2.0, -3.0, 10.0), say("q10.shared")),
    ("deep", _expression_deep, (-4.0, 1.5), say("q10.deep")),
    # last, so that every mistake an earlier probe names keeps its diagnosis: an input that
    # already holds a gradient when add passes one on (self.grad equals out.grad only otherwise)
    ("add after use", lambda a, b: (a + b) * a, (2.0, -3.0), say("q10.add_passes_self")),
)


@exercises.code(diagnose=((r"unsupported operand type\(s\) for .*'Value'", say("q10.error_number")),
                          (r"has no attribute 'relu'", say("q10.error_relu"))))
def q10(Value):
    need(isinstance(Value, type), "q10.not_class")
    for name, expression, values, diagnosis in _Q10_PROBES:
        leaves = _engine(Value, values)
        try:
            out = expression(*leaves)
        except TypeError as err:
            if "unsupported operand" not in str(err):
                raise
            raise Incorrect(say("q10.operand", name=name, err=err)) from None
        need(hasattr(out, "backward"), "q10.not_value", name=name, kind=type(out).__name__)
        out.backward()
        grad = getattr(out, "grad", None)
        need(grad == 1.0, "q10.output_grad", grad=grad)
        ref_leaves = _torch_leaves(values)
        ref = expression(*ref_leaves)
        ref.backward()
        need(math.isclose(float(out.data), ref.item(), rel_tol=1e-12, abs_tol=1e-12), "q10.forward",
             name=name, values=values, want=ref.item(), got=out.data)
        for i, (leaf, ref_leaf) in enumerate(zip(leaves, ref_leaves)):
            grad = leaf.grad
            need(isinstance(grad, numbers.Real) and not isinstance(grad, bool), "q10.grad_type",
                 grad=grad)
            want = float(ref_leaf.grad)
            need(math.isclose(float(grad), want, rel_tol=1e-12, abs_tol=1e-12), "q10.gradient",
                 why=diagnosis, i=i + 1, values=values, want=want, got=float(grad))
    return None


# --- q11: what training keeps, what inference holds -------------------------------------------

@exercises.prediction(choices=("A", "B", "C"))
def q11(prediction, memory):
    need(isinstance(memory, dict) and len(memory) >= 3
         and all(isinstance(v, tuple) and len(v) == 2 for v in memory.values()),
         "q11.not_memory", memory=memory)
    depths = sorted(memory)
    (saved_lo, peak_lo), (saved_hi, peak_hi) = memory[depths[0]], memory[depths[-1]]
    ratio = depths[-1] / depths[0]
    saved_grows = saved_hi > 0.5 * ratio * saved_lo
    peak_grows = peak_hi > 0.5 * ratio * peak_lo
    answer = {(True, False): "A", (True, True): "B", (False, False): "C"}.get(
        (saved_grows, peak_grows))
    need(answer is not None, "q11.impossible")
    words = dict(lo=depths[0], hi=depths[-1], saved_lo=saved_lo, saved_hi=saved_hi,
                 peak_lo=peak_lo, peak_hi=peak_hi, answer=answer, meaning=say(f"q11.{answer}"))
    need(prediction == answer, "q11.wrong", **words)
    return say("q11.correct", **words)
