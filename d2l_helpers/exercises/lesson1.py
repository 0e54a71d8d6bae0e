"""Lesson 1 exercises (book section 4.1): ``from d2l_helpers.exercises import lesson1 as ex``.

The book's four: q1 the derivative of pReLU, q2 where a ReLU unit bends (the step that
makes a ReLU network continuous and piecewise linear; ``reference_kinks`` carries the
lesson on until the learner's passes), q3 tanh from sigmoid, q4 a nonlinearity over the
whole minibatch (predict first, then measure).
"""
import torch

from d2l_helpers.exercises.core import ExerciseSet, Incorrect, need_close, need_tensor, reject_known

exercises = ExerciseSet("第 1 课", __name__)
progress, say, need = exercises.progress, exercises.say, exercises.need


@exercises.code()
def q1(prelu_grad):
    x = torch.linspace(-3, 3, 600)  # an even count: no point is exactly 0
    for alpha in (0.25, 0.1):
        got = need_tensor(prelu_grad(x, alpha), f"prelu_grad(x, alpha={alpha}) 的结果", x.shape)
        got = got.detach().float()
        ones, alphas = torch.ones_like(x), torch.full_like(x, alpha)
        reject_known(got, [
            (torch.where(x > 0, ones, 0 * x), say("q1.relu_grad")), (ones, say("q1.identity")),
            (torch.where(x > 0, x, alpha * x), say("q1.value")),
            (torch.where(x > 0, alphas, ones), say("q1.swapped")),
            *([(torch.where(x > 0, ones, torch.full_like(x, 0.1)),
                say("q1.fixed_alpha", alpha=alpha))] if alpha != 0.1 else []),
        ])
        need_close(got, torch.where(x > 0, ones, alphas), f"prelu_grad(x, alpha={alpha})")
    return say("q1.correct")


# --- exercise 2: where a ReLU unit bends ------------------------------------------------

def reference_kinks(layer):
    """Where each unit of ``layer`` (nn.Linear(1, N), then ReLU) bends: x = -b / w, shape (N,)."""
    return (-layer.bias / layer.weight[:, 0]).detach()


def _layers_for_kinks():
    """nn.Linear(1, N) layers with known weights (both signs, none near 0); the last one's
    biases are large, so that some kinks lie far outside the plotted [-3, 3]."""
    generator = torch.Generator().manual_seed(4)
    layers = []
    for n, bias_scale in ((5, 1.0), (16, 1.0), (12, 6.0)):
        layer = torch.nn.Linear(1, n)
        with torch.no_grad():
            magnitude = 0.5 + torch.rand(n, 1, generator=generator)
            sign = torch.where(torch.rand(n, 1, generator=generator) < 0.5, -1.0, 1.0)
            layer.weight.copy_(magnitude * sign)
            layer.bias.copy_(torch.randn(n, generator=generator) * bias_scale)
        layers.append(layer)
    return layers


@exercises.code()
def q2(kinks):
    for layer in _layers_for_kinks():
        n = layer.out_features
        w, b = layer.weight.detach()[:, 0], layer.bias.detach()
        got = need_tensor(kinks(layer), "kinks(layer) 的结果").detach().float()
        if got.numel() == n and got.shape != (n,) and torch.allclose(got.flatten(), -b / w,
                                                                      atol=1e-5):
            raise Incorrect(say("q2.column", shape=tuple(got.shape), n=n))
        need(got.shape != (n, n), "q2.square", n=n)
        need(not got.numel() < n, "q2.filtered", n=n, count=got.numel())
        need_tensor(got, "kinks(layer) 的结果", (n,))
        reject_known(got, [(b / w, say("q2.sign")), (-w / b, say("q2.inverted")),
                           (w / b, say("q2.inverted_sign")), (-b, say("q2.no_divide")),
                           (b, say("q2.no_divide_sign"))])
        need_close(got, -b / w, "kinks(layer)")
    return say("q2.correct")


# --- exercise 3: tanh from sigmoid ------------------------------------------------------

class _Refused:
    """While active, the named torch functions and tensor methods raise :class:`Incorrect`:
    the exercise asks for tanh from ``torch.sigmoid`` alone."""

    _NAMES = ("tanh", "exp", "sinh", "cosh", "expm1")

    def __enter__(self):
        self.saved = {name: (getattr(torch, name), torch.Tensor.__dict__.get(name))
                      for name in self._NAMES}
        for name in self._NAMES:
            def refuse(*args, _name=name, **kwargs):
                need(_name != "tanh", "q3.uses_tanh")
                raise Incorrect(say("q3.uses_other", name=_name))

            setattr(torch, name, refuse)
            setattr(torch.Tensor, name, refuse)

    def __exit__(self, *exc):
        for name, (function, own_method) in self.saved.items():
            setattr(torch, name, function)
            if own_method is None:  # inherited from the C base class: remove the cover again
                delattr(torch.Tensor, name)
            else:
                setattr(torch.Tensor, name, own_method)
        return False


@exercises.code()
def q3(tanh_from_sigmoid):
    need(tanh_from_sigmoid not in (torch.tanh, torch.Tensor.tanh), "q3.is_tanh")
    x = torch.cat([torch.linspace(-5, 5, 101), torch.tensor([-100.0, -30.0, 30.0, 100.0])])
    expected, s = torch.tanh(x), torch.sigmoid
    with _Refused():
        got = tanh_from_sigmoid(x.clone())
    got = need_tensor(got, "tanh_from_sigmoid(x) 的结果", x.shape).detach().float()
    reject_known(got, [(2 * s(x) - 1, say("q3.inner_x")), (2 * s(2 * x), say("q3.no_minus")),
                       (s(2 * x) - 1, say("q3.outer")), (2 * s(2 * x) + 1, say("q3.plus")),
                       (s(2 * x), say("q3.half"))])
    need_close(got, expected, "tanh_from_sigmoid(x)", atol=1e-5)
    return say("q3.correct")


# --- exercise 4: a nonlinearity over the whole minibatch (predict first) ---------------------

@exercises.prediction(choices=("A", "B", "C"))
def q4(prediction, measured):
    need(measured in ("A", "B", "C"), "q4.bad_measured", measured=measured)
    if prediction == measured:
        return say("q4.correct", measured=measured, meaning=say(f"q4.{measured}"))
    raise Incorrect(say("q4.wrong", prediction=prediction, predicted=say(f"q4.{prediction}"),
                        measured=measured, found=say(f"q4.{measured}"),
                        why=say(f"q4.why_{prediction}")))
