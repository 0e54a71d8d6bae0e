"""Lesson 11 exercises (book section 4.8): ``from d2l_helpers.exercises import lesson11 as ex``.

One piece of code the lesson then uses: ``xavier_uniform_(weight)`` (q2), Xavier's uniform
initialisation written in place, as ``nn.init.xavier_uniform_`` does. Its check fills
weights of several shapes (fan-in unlike fan-out, large and small, float32 and float64,
``nn.Parameter`` and plain tensors) under a fixed seed and reads the sample: its largest
|w| against the bound, its variance against a²/3, its kurtosis (1.8 for a uniform, 3 for a
normal), fingerprinted over all shapes so that a wrong formula that agrees on one shape is
named. Every threshold is many standard errors wide: a right answer is never rejected by
chance (the probabilities are in the comments).

Five predict-first questions are judged against the lesson's own measurements: whether
dropout breaks the symmetry of equal hidden units (q1, the book's remark in 4.8.1.3), which
initialisation keeps the variance of a 50-layer network at layer 50 (q3), whether linear and
softmax regression may start from equal weights (q4, the book's exercise 2), whether the
spectral radius of a product is bounded by the product of spectral radii (q5, exercise 3),
and which layer gets the largest relative gradient (q6, exercise 4).

The measurement helpers (``deep_mlp``, ``depth_profile``) are public: the lesson calls them.
"""
import math
import numbers

import torch
from torch import nn

from d2l_helpers.checks import positive_int, whole_number
from d2l_helpers.exercises.core import (
    ExerciseSet,
    Incorrect,
    need_runs,
)
from d2l_helpers.rng import seeded

exercises = ExerciseSet("第 11 课", __name__)
progress, say, need = exercises.progress, exercises.say, exercises.need

INITS = ("default", "normal 0.01", "Xavier", "He")
ACTIVATIONS = ("tanh", "relu")
_ACTIVATION_MODULES = {"tanh": nn.Tanh, "relu": nn.ReLU}


# --- measurement: a deep MLP, layer by layer ------------------------------------------------

def _activation(activation, call):
    if not isinstance(activation, str):
        raise TypeError(f"{call}: activation must be the name 'tanh' or 'relu' (text), got "
                        f"{type(activation).__name__} {activation!r:.60}")
    if activation not in _ACTIVATION_MODULES:
        raise ValueError(f"{call}: activation must be one of {ACTIVATIONS}, got {activation!r}")
    return activation


def _float_dtype(dtype, call):
    if not isinstance(dtype, torch.dtype):
        raise TypeError(f"{call}: dtype must be a torch dtype such as torch.float64, got {dtype!r:.60}")
    if not dtype.is_floating_point:
        raise ValueError(f"{call}: dtype must be a floating-point dtype such as torch.float64, "
                         f"got {dtype}")
    return dtype


def deep_mlp(activation, fill=None, depth=50, width=128, seed=0, dtype=torch.float64):
    """``depth`` blocks ``nn.Linear(width, width)`` + activation (``'tanh'`` or ``'relu'``).

    ``fill(weight)`` refills each weight in place (``None``: keep PyTorch's default); every
    bias is set to 0, so that only the weights differ between initialisations. Built under
    ``seed``: the global random generators are left as they were. A wrong kind of argument
    is a ``TypeError``, a wrong value a ``ValueError``.
    """
    _activation(activation, "deep_mlp")
    if fill is not None and not callable(fill):
        raise TypeError(f"deep_mlp: fill must be a function of a weight tensor or None, "
                        f"got {fill!r:.60}")
    depth = positive_int(depth, "deep_mlp: depth", 50)
    width = positive_int(width, "deep_mlp: width", 128)
    seed = whole_number(seed, "deep_mlp: seed", 0)
    _float_dtype(dtype, "deep_mlp")
    layers = []
    with seeded(seed):
        for _ in range(depth):
            linear = nn.Linear(width, width).to(dtype)
            with torch.no_grad():
                if fill is not None:
                    fill(linear.weight)
                linear.bias.zero_()
            layers += [linear, _ACTIVATION_MODULES[activation]()]
    return nn.Sequential(*layers)


def layer_statistics(net, X, seed=0):
    """One forward and backward pass of ``net`` (an ``nn.Sequential`` of linear layers and
    activations) on ``X``. Returns a dict of lists, one entry per activation layer (forward,
    backward) or per linear layer (grad_ratio):

    - ``forward``: the variance of each activation layer's output;
    - ``backward``: the variance of the gradient of ``(output * g).sum()`` with respect to
      each activation layer's output, where ``g ~ N(0, 1)`` (drawn from its own generator
      seeded with ``seed``): the backward pass starts from variance 1 at the last layer;
    - ``grad_ratio``: ``||dL/dW|| / ||W||`` of each linear layer's weight.

    Nothing is accumulated into ``.grad``; the global random generators are not touched
    (a net with dropout in training mode would draw from them: measure it in ``eval()``).
    """
    if not isinstance(net, nn.Sequential):
        raise TypeError(f"layer_statistics: net must be an nn.Sequential, got {type(net).__name__}")
    if not torch.is_tensor(X):
        raise TypeError(f"layer_statistics: X must be a tensor, got {type(X).__name__}")
    seed = whole_number(seed, "layer_statistics: seed", 0)
    linears = [layer for layer in net if isinstance(layer, nn.Linear)]
    if not linears:
        raise ValueError("layer_statistics: net has no nn.Linear layer")
    first = linears[0]
    if X.dim() != 2 or X.shape[1] != first.in_features:
        raise ValueError(f"layer_statistics: X must have shape (batch, {first.in_features}) for "
                         f"the first nn.Linear, got {tuple(X.shape)}")
    if X.dtype != first.weight.dtype:
        raise ValueError(f"layer_statistics: X is {X.dtype} but the net's weights are "
                         f"{first.weight.dtype}: use X.to({first.weight.dtype})")
    outputs, weights, h = [], [], X
    for layer in net:
        h = layer(h)
        if isinstance(layer, nn.Linear):
            weights.append(layer.weight)
        else:
            outputs.append(h)
    if not outputs:
        raise ValueError("layer_statistics: net has no activation layer")
    g = torch.randn(h.shape, generator=torch.Generator().manual_seed(seed), dtype=h.dtype)
    grads = torch.autograd.grad((h * g).sum(), outputs + weights)
    out_grads, weight_grads = grads[:len(outputs)], grads[len(outputs):]
    return {"forward": [float(o.detach().var()) for o in outputs],
            "backward": [float(d.var()) for d in out_grads],
            "grad_ratio": [float(d.norm() / w.detach().norm()) for d, w in zip(weight_grads, weights)]}


def _log10(value):
    return math.log10(value) if value > 0 else float("-inf")


def depth_profile(activation, fill=None, seeds=(0, 1, 2), depth=50, width=128, batch=512,
                  dtype=torch.float64):
    """``layer_statistics`` of ``deep_mlp(activation, fill, ...)`` on ``X ~ N(0, 1)`` of
    shape (batch, width), averaged over ``seeds`` in log10 (a geometric mean: these numbers
    span a hundred orders of magnitude). Returns a dict of lists: ``forward``, ``backward``
    and ``grad_ratio``, each the mean of log10 over the seeds, per layer. The global random
    generators are left as they were."""
    _activation(activation, "depth_profile")
    if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__iter__"):
        raise TypeError(f"depth_profile: seeds must be a list of ints such as (0, 1, 2), "
                        f"got {seeds!r:.60}")
    seeds = [whole_number(s, "depth_profile: seeds[...]", 0) for s in seeds]
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"depth_profile: give at least one seed and no seed twice, got {seeds}")
    batch = positive_int(batch, "depth_profile: batch", 512)
    _float_dtype(dtype, "depth_profile")
    sums = None
    for seed in seeds:
        net = deep_mlp(activation, fill, depth=depth, width=width, seed=seed, dtype=dtype)
        X = torch.randn((batch, width), generator=torch.Generator().manual_seed(10_000 + seed),
                        dtype=dtype)
        stats = layer_statistics(net, X, seed=seed)
        logs = {key: [_log10(v) for v in values] for key, values in stats.items()}
        sums = logs if sums is None else {k: [a + b for a, b in zip(sums[k], logs[k])] for k in sums}
    return {key: [v / len(seeds) for v in values] for key, values in sums.items()}


# --- q1: does dropout break the symmetry? ----------------------------------------------------

SYMMETRIC = 1e-12  # float64 rounding: far below this; a broken symmetry: far above BROKEN
BROKEN = 1e-3


def _number(value, what):
    if torch.is_tensor(value) and value.numel() == 1:
        value = float(value)
    need(not isinstance(value, bool) and isinstance(value, numbers.Real) and math.isfinite(value),
         "q1.not_number", what=what, value=value)
    return float(value)


@exercises.prediction(choices=("yes", "no"))
def q1(prediction, unit_gaps):
    need(isinstance(unit_gaps, dict) and set(unit_gaps) == {"no dropout", "dropout"},
         "q1.not_gaps", unit_gaps=unit_gaps)
    plain = _number(unit_gaps["no dropout"], "unit_gaps['no dropout']")
    dropped = _number(unit_gaps["dropout"], "unit_gaps['dropout']")
    need(not plain > SYMMETRIC, "q1.asymmetric", plain=plain)
    answer = "yes" if dropped > BROKEN else "no"
    shown = say("q1.shown", plain=plain, dropped=dropped)
    need(prediction == answer, "q1.wrong", shown=shown, answer=say(f"q1.{answer}"))
    return say("q1.correct", shown=shown)


# --- q2: xavier_uniform_ ------------------------------------------------------------------------

_XAVIER_ERRORS = (
    (r"a leaf Variable that requires grad is being used in an in-place operation",
     say("q2.error_in_place_grad")),
    (r"The size of tensor a \((\d+)\) must match the size of tensor b", say("q2.error_shape")),
    (r"unsupported operand type\(s\) for .*'torch\.Size'|'torch\.Size' and",
     say("q2.error_size_arithmetic")),
    (r"'builtin_function_or_method' object is not subscriptable|'method' object is not subscriptable",
     say("q2.error_size_subscript")),
    (r"cannot unpack non-iterable (builtin_function_or_method|method) object",
     say("q2.error_size_unpack")),
    (r"must be Tensor, not (float|int)", say("q2.error_torch_sqrt")),
    (r"math domain error", say("q2.error_domain")),
)

# The shapes (fan_out, fan_in) of the check: fan-in unlike fan-out both ways, a large fan-in
# with a tiny fan-out, a square one; at least 240,000 elements each (see _check_sample).
_XAVIER_SHAPES = ((400, 600), (3000, 80), (3, 80000), (512, 512))

# Wrong bounds a learner writes, as functions of (fan_in, fan_out), with their diagnoses.
# Over the shapes above no two of them (nor any of them and the right bound) are within 2 %
# of each other on every shape (tests/test_exercises_lesson11.py checks that).
_SWAPPED = say("q2.swapped_fans")
_XAVIER_BOUND = lambda i, o: math.sqrt(6 / (i + o))  # noqa: E731
_WRONG_BOUNDS = (
    (lambda i, o: math.sqrt(6 / i), say("q2.fan_in_only")),
    (lambda i, o: math.sqrt(6 / o), say("q2.fan_out_only", swapped=_SWAPPED)),
    (lambda i, o: math.sqrt(3 / i), say("q2.lecun")),
    (lambda i, o: math.sqrt(3 / o), say("q2.backward_only", swapped=_SWAPPED)),
    (lambda i, o: math.sqrt(2 / (i + o)), say("q2.std_as_bound")),
    (lambda i, o: math.sqrt(3 / (i + o)), say("q2.no_two")),
    (lambda i, o: math.sqrt(12 / (i + o)), say("q2.extra_two")),
    (lambda i, o: 6 / (i + o), say("q2.no_sqrt")),
    (lambda i, o: math.sqrt(1 / i), say("q2.default")),
    (lambda i, o: math.sqrt(6 / (i * o)), say("q2.product")),
)
# max|w| of n uniform draws falls short of the bound a by more than 1 % with probability
# 0.99 ** n: e^-2400 for n = 240,000. Above a: only float rounding (a relative 1e-6 at most).
_BOUND_BELOW, _BOUND_ABOVE = 0.01, 1e-5


def _xavier_weight(shape, parameter, dtype):
    """A weight of ``shape`` (fan_out, fan_in) filled with 7 (so that untouched is visible)."""
    weight = torch.full(shape, 7.0, dtype=dtype)
    return nn.Parameter(weight) if parameter else weight


def _filled(f, shape, parameter=True, dtype=torch.float32):
    """Call the learner's ``f`` on a fresh weight; return the weight's values afterwards
    (float64, detached) after the checks every call must pass."""
    weight = _xavier_weight(shape, parameter, dtype)
    fan_out, fan_in = shape
    what = say("q2.call", shape=shape, fan_in=fan_in, fan_out=fan_out)
    returned = f(weight)
    got = tuple(weight.shape)
    need(got == tuple(shape), "q2.transposed" if got == (fan_in, fan_out) else "q2.reshaped",
         what=what, got=got)
    need(weight.dtype == dtype, "q2.dtype", dtype=dtype, what=what, got=weight.dtype)
    values = weight.detach().to(torch.float64)
    untouched = values == 7.0
    if bool(untouched.all()):
        new = torch.is_tensor(returned) and returned is not weight
        raise Incorrect(say("q2.new_tensor" if new else "q2.untouched", what=what))
    need(not bool(untouched.any()), "q2.partly_filled", what=what, count=int(untouched.sum()))
    if not (torch.is_tensor(returned) and returned.data_ptr() == weight.data_ptr()
            and tuple(returned.shape) == tuple(shape)):
        raise Incorrect(say("q2.no_return", what=what, kind=type(returned).__name__,
                            shown="" if returned is None else " " + repr(returned)[:40]))
    need(bool(torch.isfinite(values).all()), "q2.not_finite", what=what)
    return values


def _kurtosis(values):
    centred = values - values.mean()
    var = float((centred ** 2).mean())
    return float((centred ** 4).mean()) / var ** 2 if var > 0 else float("nan")


def _check_sample(values, shape):
    """One filled weight: not constant, centred at 0, uniform (not normal), variance a²/3 where
    a is its largest |w|. Returns that largest |w| (the learner's bound).

    Chances for a right answer (n >= 240,000 draws of U(-a, a)): the mean is off by more
    than 6 standard errors with probability 2e-9 per shape; the kurtosis (1.8 for a uniform,
    3 for a normal; its standard error is about 0.003 here) passes 2.2 never; the variance
    is off from m²/3 by more than 2 % (its relative standard error is sqrt(0.8 / n) < 0.0019:
    over 10 standard errors) with probability below 1e-22.
    """
    fan_out, fan_in = shape
    n = values.numel()
    what = say("q2.at_shape", shape=shape)
    need(float(values.abs().max()) != 0, "q2.all_zero", what=what)
    need(float(values.std()) != 0, "q2.constant", what=what, value=float(values.flatten()[0]))
    need(float(values.min()) < 0, "q2.nonnegative", what=what)
    m = float(values.abs().max())
    kurtosis = _kurtosis(values)
    xavier_std = math.sqrt(2 / (fan_in + fan_out))
    # neither uniform (1.8) nor normal (3): a sum of two uniforms is 2.4
    need(not 2.2 < kurtosis <= 2.7, "q2.triangular", what=what, kurtosis=kurtosis)
    if kurtosis > 2.7:
        xavier_normal = math.isclose(float(values.std()), xavier_std, rel_tol=0.02)
        raise Incorrect(say("q2.xavier_normal" if xavier_normal else "q2.normal", what=what, m=m,
                            bound=_XAVIER_BOUND(fan_in, fan_out), kurtosis=kurtosis))
    mean_se = (m / math.sqrt(3)) / math.sqrt(n)
    mean, var = float(values.mean()), float(values.var())
    need(not abs(mean) > 6 * mean_se, "q2.off_centre", what=what, mean=mean)
    need(math.isclose(var, m ** 2 / 3, rel_tol=0.02), "q2.variance",
         what=what, m=m, var=var, third=m ** 2 / 3)
    return m


def _close_bound(m, bound):
    return bound * (1 - _BOUND_BELOW) <= m <= bound * (1 + _BOUND_ABOVE)


@exercises.code(diagnose=_XAVIER_ERRORS)
def q2(xavier_uniform_):
    bounds = {}
    with seeded(0):
        small = _filled(xavier_uniform_, (3, 5))  # a first easy call: errors show up here
        if float(small.std()) == 0:
            _check_sample(small, (3, 5))
        for shape in _XAVIER_SHAPES:
            values = _filled(xavier_uniform_, shape)
            bounds[shape] = _check_sample(values, shape)
        again = _filled(xavier_uniform_, _XAVIER_SHAPES[0])
        need(not torch.equal(again, _filled(xavier_uniform_, _XAVIER_SHAPES[0])), "q2.same_twice")
        plain = _filled(xavier_uniform_, (300, 700), parameter=False)
        double = _filled(xavier_uniform_, (700, 300), dtype=torch.float64)
        for shape, values in (((300, 700), plain), ((700, 300), double)):
            bounds[shape] = _check_sample(values, shape)
    fans = {shape: (shape[1], shape[0]) for shape in bounds}
    if all(_close_bound(m, _XAVIER_BOUND(*fans[shape])) for shape, m in bounds.items()):
        return say("q2.correct")
    for wrong, diagnosis in _WRONG_BOUNDS:
        if all(_close_bound(m, wrong(*fans[shape])) for shape, m in bounds.items()):
            raise Incorrect(diagnosis)
    shape = next(s for s, m in bounds.items() if not _close_bound(m, _XAVIER_BOUND(*fans[s])))
    fan_in, fan_out = fans[shape]
    raise Incorrect(say("q2.bound", shape=shape, fan_in=fan_in, fan_out=fan_out, m=bounds[shape],
                        bound=_XAVIER_BOUND(fan_in, fan_out)))


reference_xavier_uniform_ = q2.reference("xavier_uniform_")


# --- q3: which initialisation keeps the variance at layer 50 -----------------------------------

def _need_profiles(profiles, keys, what):
    need(isinstance(profiles, dict) and all(k in profiles for k in keys), "not_profiles",
         what=what, kind=type(profiles).__name__, profiles=profiles)
    for key in keys:
        profile = profiles[key]
        need(isinstance(profile, dict) and all(isinstance(profile.get(k), list) and profile[k]
                                               for k in ("forward", "backward", "grad_ratio")),
             "not_profile", what=what, name=key)
    return profiles


def log_ratio(profiles, activation, init, direction="forward"):
    """log10 of the variance at the far end of ``direction`` over that at its start: layer 50
    over layer 1 forward; layer 1 over layer 50 backward (the backward pass runs from 50 to 1)."""
    values = profiles[(activation, init)][direction]
    return values[-1] - values[0] if direction == "forward" else values[0] - values[-1]


def keeps_best(profiles, activation, direction="forward"):
    """The initialisation whose variance at the far end of ``direction`` stays closest (in
    log10) to that at its start, and each initialisation's ``log_ratio``."""
    ratios = {init: log_ratio(profiles, activation, init, direction) for init in INITS}
    return min(ratios, key=lambda init: abs(ratios[init])), ratios


_PAIRS = tuple((t, r) for t in INITS for r in INITS)


@exercises.prediction(choices=_PAIRS)
def q3(prediction, profiles):
    _need_profiles(profiles, [(a, i) for a in ACTIVATIONS for i in INITS], "profiles")
    lines, wrong = [], []
    for activation, predicted in zip(ACTIVATIONS, prediction):
        best, ratios = keeps_best(profiles, activation)
        shown = "，".join(f"{init} {ratios[init]:+.1f}" for init in INITS)
        lines.append(say("q3.line", activation=activation, shown=shown, best=best))
        if predicted != best:
            wrong.append((activation, best))
    text = "；".join(lines)
    reasons = "；".join(say(f"q3.why_{activation}", best=best) for activation, best in wrong)
    need(not wrong, "q3.wrong", text=text, reasons=reasons)
    return say("q3.correct", text=text)


# --- q4: linear and softmax regression from equal weights --------------------------------------

_Q4_KEYS = ("linear, zeros", "linear, random", "softmax, zeros", "softmax, random")
SAME_LOSS = 0.01  # relative: zeros and random end within 1 % of each other


def same_training(zeros, random, metric="train_loss", tolerance=SAME_LOSS):
    """Whether, seed by seed, ``zeros`` ended within ``tolerance`` (relative) of ``random``
    (both run with the same seeds: the values are matched by seed, not by position)."""
    if sorted(zeros.seeds) != sorted(random.seeds):
        raise ValueError(f"same_training(): zeros ran seeds {zeros.seeds} and random {random.seeds}; "
                         "compare runs over the same seeds")
    by_seed = dict(zip(random.seeds, random.values(metric)))
    return all(abs(z - by_seed[seed]) <= tolerance * abs(by_seed[seed])
               for seed, z in zip(zeros.seeds, zeros.values(metric)))


@exercises.prediction(choices=("A", "B"))
def q4(prediction, zero_runs):
    need_runs(zero_runs, "各设置的重复实验 zero_runs", at_least=4)
    missing = [key for key in _Q4_KEYS if key not in zero_runs]
    need(not missing, "q4.missing", missing=missing)
    for key in _Q4_KEYS:
        need("train_loss" in zero_runs[key].metrics() and len(zero_runs[key]) >= 5, "q4.few_seeds",
             name=key)
    for model in ("linear", "softmax"):
        zeros, random = zero_runs[f"{model}, zeros"], zero_runs[f"{model}, random"]
        need(sorted(zeros.seeds) == sorted(random.seeds), "q4.other_seeds",
             model=model, zeros=zeros.seeds, random=random.seeds)
    fine = all(same_training(zero_runs[f"{m}, zeros"], zero_runs[f"{m}, random"])
               for m in ("linear", "softmax"))
    answer = "A" if fine else "B"
    shown = say("q4.fine" if fine else "q4.stuck")
    need(prediction == answer, "q4.wrong", shown=shown, answer=say(f"q4.{answer}"))
    return say("q4.correct", shown=shown)


# --- q5: eigenvalues of a product ---------------------------------------------------------------

@exercises.prediction(choices=("always", "not always"))
def q5(prediction, counts):
    keys = ("pairs", "radius exceeds", "norm bound broken")
    need(isinstance(counts, dict) and all(k in counts for k in keys), "q5.not_counts",
         keys=list(keys), counts=counts)
    pairs, exceeds, broken = (counts[k] for k in keys)
    need(all(isinstance(v, int) and not isinstance(v, bool) and v >= 0
             for v in (pairs, exceeds, broken)), "q5.not_int", counts=counts)
    need(not broken, "q5.norm_broken", broken=broken)
    answer = "not always" if exceeds else "always"
    shown = say("q5.shown", pairs=pairs, exceeds=exceeds)
    need(prediction == answer, "q5.wrong",
         shown=shown, answer=say("q5.not_always" if exceeds else "q5.always"))
    return say("q5.correct", shown=shown)


# --- q6: which layer gets the largest relative gradient ----------------------------------------

def relative_gradient_gap(profile):
    """log10 of ||dL/dW|| / ||W|| at the first linear layer minus that at the last one."""
    return profile["grad_ratio"][0] - profile["grad_ratio"][-1]


@exercises.prediction(choices=("first", "last", "same"))
def q6(prediction, profiles):
    _need_profiles(profiles, [("tanh", "He")], "profiles")
    gap = relative_gradient_gap(profiles[("tanh", "He")])
    answer = "first" if gap > 1 else "last" if gap < -1 else "same"
    words = dict(shown=say("q6.shown", gap=gap), answer=say(f"q6.{answer}"))
    need(prediction == answer, "q6.wrong", **words)
    return say("q6.correct", **words)
