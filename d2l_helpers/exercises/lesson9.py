"""Lesson 9 exercises (book section 4.6): ``from d2l_helpers.exercises import lesson9 as ex``.

Three pieces of code the lesson then uses: the book's ``dropout_layer`` (q1), the
``forward`` of the book's scratch ``Net`` (q2, dropout only while training) and
``hidden_variances`` (q3, the variance of what each hidden layer passes on, for the book's
exercise 3). Each check runs the learner's code on easy and hard inputs: large tensors, so
that the fraction dropped tells p from 1 - p with a fixed generator; p in {0, 0.2, 0.5, 0.8,
1}; the mean over many draws against X (E[dropout(X)] = X), with a tolerance from the
number of draws; both train and eval mode. Three predict-first questions are judged against
the lesson's runs over seeds: swapping the two dropout rates (q4), dropout together with
weight decay (q5) and dropout at test time (q6).
"""
import math
import numbers

import torch
from torch import nn

from d2l_helpers.exercises.core import (
    ExerciseSet,
    Incorrect,
    judge_best,
    need_close,
    need_runs,
    need_tensor,
)
from d2l_helpers.repeats import compare
from d2l_helpers.rng import seeded

exercises = ExerciseSet("第 9 课", __name__)
progress, say, need = exercises.progress, exercises.say, exercises.need

BOOK_RATES = (0.2, 0.5)  # the book's dropout1, dropout2


# --- q1: dropout_layer ----------------------------------------------------------------------

_DROPOUT_ERRORS = (
    (r"must match the size of tensor|size of tensor a .* must match", say("q1.error_shape")),
    (r"a leaf Variable that requires grad is being used in an in-place operation",
     say("q1.error_in_place")),
    (r"unsupported operand type.*'bool'|not supported for bool|bool tensor is not supported",
     say("q1.error_bool")),  # torch: "Subtraction, the `-` operator, with a bool tensor is ..."
)


def _signed_values(shape, g):
    """Values with |x| in [0.5, 1.5] and random signs: never 0, so a 0 in the output was dropped."""
    magnitude = torch.rand(shape, generator=g) + 0.5
    sign = torch.where(torch.rand(shape, generator=g) < 0.5, -1.0, 1.0)
    return magnitude * sign


def _dropped(X, dropout, f):
    """Call the learner's ``f(X, dropout)``; return its output, detached, after the checks that
    every call must pass (a tensor of X's shape, not a mask, X left as it was)."""
    original = X.detach().clone()
    out = f(X, dropout)
    what = f"dropout_layer(X, {dropout})"
    need(out is not None, "q1.no_return", what=what)
    if isinstance(out, tuple):
        raise Incorrect(say("q1.tuple", what=what, count=len(out)))
    need(not (isinstance(out, (int, float)) and dropout in (0, 1)), "q1.number", what=what, out=out)
    need_tensor(out, what)
    need(torch.equal(X.detach(), original), "q1.in_place", what=what)
    need(out.dtype != torch.bool, "q1.bool", what=what)
    need(tuple(out.shape) == tuple(X.shape), "q1.shape",
         shape=tuple(X.shape), what=what, got=tuple(out.shape))
    need(out.is_floating_point(), "q1.integer", what=what, dtype=out.dtype)
    need(out.dtype == X.dtype, "q1.dtype", x_dtype=X.dtype, what=what, dtype=out.dtype)
    return out.detach()


def _normal_cdf(x):
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def _check_fraction(zeros, dropout):
    """The fraction of zeros tells p from 1 - p: 6 standard errors on a million elements."""
    n = zeros.numel()
    frac = float(zeros.float().mean())
    tol = 6 * math.sqrt(dropout * (1 - dropout) / n)
    if abs(frac - dropout) <= tol:
        return
    shown = say("q1.dropped_share", dropout=dropout, percent=100 * frac, expected=100 * dropout)
    need(not abs(frac - (1 - dropout)) <= tol, "q1.kept_with_p", shown=shown)
    need(not abs(frac - _normal_cdf(dropout)) <= tol, "q1.randn", shown=shown)
    need(not abs(frac - 0.5) <= tol, "q1.half", shown=shown)
    need(frac != 0, "q1.none_dropped", dropout=dropout)
    raise Incorrect(say("q1.fraction", shown=shown))


def _check_scale(out, X, kept, dropout):
    """Every kept element is x / (1 - p): the scale that keeps E[dropout(X)] = X."""
    ratio = out[kept] / X[kept]
    target = 1 / (1 - dropout)
    if torch.allclose(ratio, torch.full_like(ratio, target), rtol=1e-4, atol=0):
        return
    need(not float(ratio.std()) > 1e-3 * float(ratio.abs().mean()), "q1.not_binary",
         dropout=dropout)
    scale = float(ratio.mean())
    known = [(1.0, say("q1.unscaled")), (1 / dropout, say("q1.divided_by_p")),
             (1 - dropout, say("q1.times_keep")), (dropout, say("q1.times_p"))]
    for value, diagnosis in known:
        need(not math.isclose(scale, value, rel_tol=1e-3), "q1.scaled_by",
             dropout=dropout, scale=scale, diagnosis=diagnosis)
    raise Incorrect(say("q1.scale", dropout=dropout, scale=scale, target=target))


def _check_large(f, X, dropout):
    """One large input: shape, a mask per element (not per column or row), p, the scale."""
    out = _dropped(X, dropout, f)
    need(not torch.isnan(out).any(), "q1.nan", dropout=dropout)
    zeros = (out == 0).reshape(X.shape[0], -1)
    if not zeros.any():
        shifted = float((out == -dropout).float().mean())  # mask * X / 1 - dropout: 0 - dropout
        need(not (abs(shifted - dropout) < 0.05 or abs(shifted - (1 - dropout)) < 0.05),
             "q1.precedence", dropout=dropout, dropped=-dropout)
    if zeros.any() and not zeros.all():
        need(not (zeros == zeros[:1]).all(), "q1.one_mask", shape=tuple(X.shape))
        need(not (zeros == zeros[:, :1]).all(), "q1.row_mask", shape=tuple(X.shape))
    _check_fraction(zeros, dropout)
    kept = out != 0
    _check_scale(out, X, kept, dropout)


def _check_edges(f, g):
    X = _signed_values((300, 40), g)
    out = _dropped(X, 0, f)
    need(not torch.isnan(out).any(), "q1.nan_at_0")
    need(out.any(), "q1.zeros_at_0")
    need_close(out, X, "dropout_layer(X, 0)（应当原样返回 X）", atol=0, rtol=1e-6)
    out = _dropped(X, 1, f)
    need(not torch.isnan(out).any(), "q1.nan_at_1")
    need(not torch.isinf(out).any(), "q1.inf_at_1")
    need(not torch.equal(out, X), "q1.x_at_1")
    need_close(out, torch.zeros_like(X), "dropout_layer(X, 1)（应当全是 0）")


_DRAWS = 400  # calls of dropout_layer on one X for the mean over draws


def _check_expectation(f, g):
    """E[dropout(X)] = X: the mean over _DRAWS calls, element by element and overall, within a
    tolerance from the number of draws (each draw: x / (1 - p) with probability 1 - p)."""
    X = _signed_values((64, 32), g)
    for dropout in (0.2, 0.5, 0.8):
        total = torch.zeros_like(X)
        for _ in range(_DRAWS):
            total += _dropped(X, dropout, f)
        mean = total / _DRAWS
        se = X.abs() * math.sqrt(dropout / ((1 - dropout) * _DRAWS))  # per element
        z = (mean - X) / se
        overall = float(z.sum()) / math.sqrt(z.numel())  # ~ N(0, 1) if unbiased
        if abs(overall) > 5 or float(z.abs().max()) > 6.5:
            raise Incorrect(say("q1.biased", dropout=dropout, draws=_DRAWS,
                                ratio=float((mean / X).mean())))


def _check_gradient(f, g):
    X = _signed_values((100, 50), g).requires_grad_()
    out = f(X, 0.5)
    need(torch.is_tensor(out) and out.requires_grad, "q1.detached")
    out.sum().backward()
    kept = (out.detach() != 0).float()
    need_close(X.grad, kept / 0.5, "dropout_layer 对 X 的梯度（保留处 1/(1-p)，丢弃处 0）")


@exercises.code(diagnose=_DROPOUT_ERRORS)
def q1(dropout_layer):
    with seeded(0):
        g = torch.Generator().manual_seed(0)
        small = _signed_values((4, 10), g)
        _dropped(small, 0.5, dropout_layer)
        X = _signed_values((200, 50), g)  # before the rates: a mask kept from a call is named
        first = _dropped(X, 0.5, dropout_layer)
        if (first == 0).any() and torch.equal(first, _dropped(X, 0.5, dropout_layer)):
            raise Incorrect(say("q1.same_mask"))
        large = _signed_values((2000, 500), g)
        for dropout in (0.2, 0.8, 0.5):
            _check_large(dropout_layer, large, dropout)
        _check_large(dropout_layer, _signed_values((400, 5, 100), g), 0.5)  # not only 2-D
        _check_edges(dropout_layer, g)
        _check_expectation(dropout_layer, g)
        _check_gradient(dropout_layer, g)
    return say("q1.correct")


reference_dropout_layer = q1.reference("dropout_layer")


# --- q2: the book's scratch Net -------------------------------------------------------------

_NET_ERRORS = (
    (r"has no attribute 'is_training'", say("q2.error_is_training_attr")),
    (r"name 'is_training' is not defined", say("q2.error_is_training_name")),
    (r"name 'dropout_layer' is not defined", say("q2.error_no_dropout_layer")),
    (r"name 'dropout[12]' is not defined", say("q2.error_no_rates")),
    (r"name 'net' is not defined", say("q2.error_net")),
    (r"local variable '(H1|H2)'|variable '(H1|H2)' referenced before assignment",
     say("q2.error_only_in_if")),
    (r"cannot be multiplied", say("q2.error_shapes")),
)


class _DropoutSpy:
    """Stands in for ``dropout_layer`` during the check: records each call, drops with masks
    from its own generator, so that the reference can replay the same masks."""

    def __init__(self):
        self.calls, self.g = [], torch.Generator().manual_seed(7)

    def __call__(self, X, dropout):
        self.calls.append((tuple(X.shape), dropout))
        if dropout == 1:
            return torch.zeros_like(X)
        if dropout == 0:
            return X
        mask = (torch.rand(X.shape, generator=self.g) > dropout).float()
        return mask * X / (1.0 - dropout)


def _book_forward(net, X, rates, spy=None, used=(True, True)):
    """The book's forward on ``net``'s own layers; dropout (through ``spy``) if given;
    ``used``: whether each dropout's result goes on (False: drawn, then not used)."""
    relu = torch.relu
    H1 = relu(net.lin1(X.reshape((-1, net.lin1.in_features))))
    if spy is not None:
        dropped = spy(H1, rates[0])
        H1 = dropped if used[0] else H1
    H2 = relu(net.lin2(H1))
    if spy is not None:
        dropped = spy(H2, rates[1])
        H2 = dropped if used[1] else H2
    return net.lin3(H2)


def _net_output(out, mode):
    need(out is not None, "q2.no_output", mode=mode)
    return need_tensor(out, f"{mode}下的 net(X)").detach()


def _rates_message(calls, rates, widths):
    seen = [p for _, p in calls]
    shapes = [shape for shape, _ in calls]
    first, second = rates
    if len(calls) == 1:
        return say("q2.one_call")
    if len(calls) > 2:
        return say("q2.many_calls", count=len(calls), shapes=shapes)
    if seen == [second, first] and first != second:
        return say("q2.swapped", first=first, second=second)
    if seen[0] == seen[1]:
        return say("q2.same_rate", rate=seen[0], first=first, second=second)
    if shapes[0][-1] != widths[0] or shapes[1][-1] != widths[1]:
        return say("q2.widths", shapes=shapes, first=widths[0], second=widths[1])
    return say("q2.rates", seen=seen, rates=list(rates))


def _check_net(Net, names):
    rates = (names.get("dropout1", BOOK_RATES[0]), names.get("dropout2", BOOK_RATES[1]))
    widths = (64, 48)
    net = Net(784, 10, *widths)
    layers = [getattr(net, name, None) for name in ("lin1", "lin2", "lin3")]
    need(all(isinstance(layer, nn.Linear) for layer in layers), "q2.no_layers")
    need(net.training, "q2.not_training")
    X = torch.rand(16, 1, 28, 28)
    with torch.no_grad():
        plain = _book_forward(net, X, rates)
        spy = _DropoutSpy()
        names["dropout_layer"] = spy
        net.train()
        got_train = _net_output(net(X), say("train_mode"))
        train_calls, spy.calls = spy.calls, []
        net.eval()
        got_eval = _net_output(net(X), say("eval_mode"))
        eval_calls = spy.calls
        expected = _book_forward(net, X, rates, _DropoutSpy())
        one_unused = [_book_forward(net, X, rates, _DropoutSpy(), used) for used in
                      ((False, True), (True, False))]
    need(tuple(got_train.shape) == (16, 10), "q2.output_shape", shape=tuple(got_train.shape))
    if not train_calls:
        need(not eval_calls, "q2.flipped")
        need(torch.allclose(got_train, plain, atol=1e-5), "q2.no_dropout_changed")
        raise Incorrect(say("q2.no_dropout"))
    if eval_calls:
        if train_calls == eval_calls:
            used = Net.forward.__code__.co_names
            need("train" not in used, "q2.self_train")
            need("net" not in used, "q2.outer_net")
            raise Incorrect(say("q2.always"))
        raise Incorrect(say("q2.eval_calls"))
    if [p for _, p in train_calls] != list(rates) or [s[-1] for s, _ in train_calls] != list(widths):
        raise Incorrect(_rates_message(train_calls, rates, widths))
    need(not torch.allclose(got_train, plain, atol=1e-6), "q2.unused")
    for unused, which in zip(one_unused, (say("q2.first"), say("q2.second"))):
        need(not torch.allclose(got_train, unused, atol=1e-5), "q2.one_unused", which=which)
    for wrong, diagnosis in ((torch.relu, say("q2.relu_logits")),
                             (lambda O: torch.softmax(O, dim=1), say("q2.softmax_logits"))):
        need(not (torch.allclose(got_train, wrong(expected), atol=1e-5)
                  or torch.allclose(got_eval, wrong(plain), atol=1e-5)),
             "q2.activated", diagnosis=diagnosis)
    need_close(got_train, expected, "训练模式下的 net(X)", atol=1e-5)
    need_close(got_eval, plain, "评估模式下的 net(X)（不丢弃，和没有 dropout 的网络一样）", atol=1e-5)
    need(not Net(784, 10, *widths, is_training=False).training, "q2.is_training_ignored")


@exercises.code(context=lambda: {"dropout_layer": reference_dropout_layer,
                                 "dropout1": BOOK_RATES[0], "dropout2": BOOK_RATES[1]},
                diagnose=_NET_ERRORS)
def q2(Net):
    need(isinstance(Net, type) and issubclass(Net, nn.Module), "q2.not_class")
    names = Net.forward.__globals__  # the notebook's names: dropout_layer, dropout1, dropout2
    missing = object()
    saved = names.get("dropout_layer", missing)
    try:
        with seeded(0):
            _check_net(Net, names)
    finally:
        if saved is missing:
            names.pop("dropout_layer", None)
        else:
            names["dropout_layer"] = saved
    return say("q2.correct")


def book_net(read):
    """The book's ``Net`` class (4.6.1) whose ``forward`` asks ``read()`` for
    ``(dropout_layer, dropout1, dropout2)`` at every call: the lesson's fallback reads the
    notebook's current names, e.g. ``ex.book_net(lambda: (dropout_layer, dropout1, dropout2))``."""

    class Net(nn.Module):
        def __init__(self, num_inputs, num_outputs, num_hiddens1, num_hiddens2, is_training=True):
            super().__init__()
            self.num_inputs = num_inputs
            self.training = is_training
            self.lin1 = nn.Linear(num_inputs, num_hiddens1)
            self.lin2 = nn.Linear(num_hiddens1, num_hiddens2)
            self.lin3 = nn.Linear(num_hiddens2, num_outputs)
            self.relu = nn.ReLU()

        def forward(self, X):
            dropout_layer, dropout1, dropout2 = read()
            H1 = self.relu(self.lin1(X.reshape((-1, self.num_inputs))))
            if self.training:
                H1 = dropout_layer(H1, dropout1)
            H2 = self.relu(self.lin2(H1))
            if self.training:
                H2 = dropout_layer(H2, dropout2)
            return self.lin3(H2)

    return Net


# --- q3: the variance of each hidden layer's activations ------------------------------------

def _net_with(rates, widths):
    layers, fan_in = [nn.Flatten()], 784
    for p, width in zip(rates, widths):
        layers += [nn.Linear(fan_in, width), nn.ReLU(), nn.Dropout(p)]
        fan_in = width
    return nn.Sequential(*layers, nn.Linear(fan_in, 10))


def _as_numbers(got, what):
    need(not (torch.is_tensor(got) and got.dim() == 1), "q3.tensor", what=what)
    need(isinstance(got, (list, tuple)), "q3.not_list", what=what, kind=type(got).__name__)
    values = []
    for value in got:
        if torch.is_tensor(value):
            need(value.numel() == 1, "q3.not_scalar", what=what, shape=tuple(value.shape))
            value = float(value.detach())
        need(not callable(value), "q3.function", what=what,
             name=getattr(value, "__name__", value))
        need(isinstance(value, numbers.Real) and not isinstance(value, bool), "q3.not_number",
             what=what, kind=type(value).__name__)
        values.append(float(value))
    return values


def _layer_outputs(net, X):
    """The output of every layer of ``net`` on ``X``, in the net's current mode."""
    outputs = []
    with torch.no_grad():
        for layer in net:
            X = layer(X)
            outputs.append(X)
    return outputs


def _variance_mistakes(net, X):
    """Named wrong readings of the same forward pass (one draw of the dropout masks)."""
    outputs = _layer_outputs(net, X)
    kinds = [type(layer) for layer in net]
    after = [outputs[i] for i, k in enumerate(kinds) if k is nn.Dropout]
    before = [outputs[i - 1] for i, k in enumerate(kinds) if k is nn.Dropout]
    linear = [outputs[i] for i, k in enumerate(kinds) if k is nn.Linear][:-1]
    return {"right": [float(H.var()) for H in after],
            "before": [float(H.var()) for H in before],
            "std": [float(H.std()) for H in after],
            "per_unit": [float(H.var(dim=0).mean()) for H in after],
            "per_example": [float(H.var(dim=1).mean()) for H in after],
            "second_moment": [float((H ** 2).mean()) for H in after],
            "linear": [float(H.var()) for H in linear],
            "mean": [float(H.mean()) for H in after]}


def _close_list(a, b, rtol):
    return len(a) == len(b) and all(math.isclose(x, y, rel_tol=rtol, abs_tol=1e-8)
                                    for x, y in zip(a, b))


def _check_variances(f, net, X, training):
    modes = (say("train_mode"), say("eval_mode"))
    mode, other = modes if training else modes[::-1]
    net.train(training)
    hooks = sum(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in net.modules())
    with seeded(1):
        got = f(net, X)
    need(sum(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in net.modules()) == hooks,
         "q3.hooks")
    need(net.training == training, "q3.mode_switched", mode=mode, other=other)
    got = _as_numbers(got, "hidden_variances(net, X)")
    with seeded(1):
        wrong = _variance_mistakes(net, X)
    net.train(False)
    plain = _variance_mistakes(net, X)
    net.train(training)
    count = len(wrong["right"])
    need(len(got) == count, "q3.count", count=count, got=len(got))
    rtol = 0.05 if training else 1e-3  # train mode: another draw of the masks moves it a little
    if _close_list(got, wrong["right"], rtol):
        return
    need(not (training and _close_list(got, plain["right"], 1e-3)), "q3.as_in_eval")
    known = [("before", say("q3.is_before")), ("std", say("q3.is_std")),
             ("per_unit", say("q3.is_per_unit")), ("per_example", say("q3.is_per_example")),
             ("second_moment", say("q3.is_second_moment")), ("linear", say("q3.is_linear")),
             ("mean", say("q3.is_mean"))]
    for key, diagnosis in known:
        need(not (_close_list(got, wrong[key], rtol)
                  and not _close_list(wrong[key], wrong["right"], rtol)),
             "q3.measured_wrong", mode=mode, diagnosis=diagnosis)
    expected = ", ".join(f"{v:.4g}" for v in wrong["right"])
    raise Incorrect(say("q3.variances", mode=mode, got=[round(v, 4) for v in got],
                        expected=expected))


_VARIANCE_ERRORS = ((r"cannot be multiplied", say("q3.error_modules")),)


@exercises.code(diagnose=_VARIANCE_ERRORS)
def q3(hidden_variances):
    with seeded(0):
        X = torch.rand(256, 1, 28, 28)
        nets = [_net_with(BOOK_RATES, (64, 32)), _net_with((0.5, 0.2, 0.3), (48, 40, 24))]
    for net in nets:
        for training in (False, True):
            _check_variances(hidden_variances, net, X, training)
    return say("q3.correct")


reference_hidden_variances = q3.reference("hidden_variances")


# --- predictions judged against runs over seeds ---------------------------------------------

def _rates_name(rates):
    return f"({rates[0]:g}, {rates[1]:g})"


@exercises.prediction(choices=((0.2, 0.5), (0.5, 0.2)))
def q4(prediction, measured):
    need_runs(measured, "两种顺序的实验结果 swap_runs", at_least=2)
    missing = [rates for rates in ((0.2, 0.5), (0.5, 0.2)) if rates not in measured]
    need(not missing, "q4.missing", missing=missing)
    return judge_best(prediction, measured, "valid_acc", describe=_rates_name,
                      why=lambda prediction, best: say("q4.why"))


def _additivity(measured, metric="valid_loss"):
    """The best single regulariser (lower mean ``metric``), the comparison of both with it, and
    the choices that count: the verdict's, plus the neighbour when the evidence is borderline
    (significant but p > 0.01; or not significant but p < 0.2)."""
    need_runs(measured, "四种设置的实验结果 wd_runs", at_least=4)
    missing = [key for key in ("dropout", "weight decay", "both") if key not in measured]
    need(not missing, "q5.missing", missing=missing)
    single = min(("dropout", "weight decay"), key=lambda k: measured[k].final(metric).mean)
    verdict = compare(measured["both"], measured[single], metric,
                      names=(say("q5.both"), say("q5.only", single=single)), label=say("q5.loss"))
    need(verdict.outcome != "diverged", "diverged", verdict=verdict)
    counted = {"lower": {"A"}, "higher": {"C"}, "noise": {"B"}}[verdict.outcome]
    if verdict.outcome != "noise" and verdict.p_value > 0.01:
        counted.add("B")
    if verdict.outcome == "noise" and verdict.p_value < 0.2:
        counted.add("A" if verdict.difference < 0 else "C")
    return single, verdict, counted


@exercises.prediction(choices=("A", "B", "C"))
def q5(prediction, measured):
    single, verdict, counted = _additivity(measured)
    if prediction in counted:
        also = "" if len(counted) == 1 else say("q5.borderline", choices="、".join(sorted(counted)))
        return say("q5.correct", single=single, verdict=verdict, prediction=prediction,
                   words=say(f"q5.{prediction}"), also=also)
    right = "、".join(say("q5.choice", choice=c, words=say(f"q5.{c}")) for c in sorted(counted))
    raise Incorrect(say("q5.wrong", single=single, verdict=verdict, right=right))


@exercises.prediction(choices=("A", "B", "C"))
def q6(prediction, measured):
    need_runs(measured, "两种模式的验证精度 mode_runs", at_least=2)
    missing = [key for key in ("train mode", "eval mode") if key not in measured]
    need(not missing, "q6.missing", missing=missing)
    verdict = compare(measured["train mode"], measured["eval mode"], "valid_acc",
                      names=(say("q6.dropout_on"), say("eval_mode")), label=say("q6.accuracy"))
    need(verdict.outcome != "diverged", "diverged", verdict=verdict)
    answer = {"higher": "A", "noise": "B", "lower": "C"}[verdict.outcome]
    need(prediction == answer, "q6.wrong", verdict=verdict, answer=answer,
         words=say(f"q6.{answer}"))
    return say("q6.correct", verdict=verdict)

