"""Toy problems for lesson 1 (book section 4.1.1): why a hidden layer helps. Not in the book.

XOR and two circles (what a linear classifier cannot separate), a 1-D function to
approximate with N ReLU units, and the full-batch training that fits them in a second.
Data generation and training only; the lesson draws the pictures.

Everything random is drawn in float64 and then rounded to float32: float64 draws are the
same on every CPU, while float32 ``randn`` and ``nn.Linear``'s initialisation change in the
last bits with the CPU's instruction set (``ATEN_CPU_CAPABILITY``). So the data and the
starting weights are identical everywhere, and training runs on one thread: on the CPUs
and settings tried (instruction sets, thread counts, MKL_CBWR) the classifiers end bit for
bit the same, and the 1-D fits agree to the printed digits.
"""
import contextlib
import math

import torch
from torch import nn

from d2l_helpers.checks import finite_number, non_negative_int, positive_int, whole_number
from d2l_helpers.rng import seeded

__all__ = ["xor_data", "two_circles", "sine_data", "best_linear_accuracy", "mlp",
           "relu_net_1d", "fit_classifier", "fit_function", "max_error", "count_kinks",
           "grid_points"]


def xor_data():
    """The four XOR points: ``(X, y)``, X of shape (4, 2) in {0, 1}², y = x1 XOR x2 (long)."""
    X = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    return X, torch.tensor([0, 1, 1, 0])


def _generator(seed):
    return torch.Generator().manual_seed(whole_number(seed, "seed", 0))


def two_circles(n=200, noise=0.1, factor=0.5, seed=0):
    """Two noisy concentric circles: ``(X, y)`` with X (n, 2) float32 and y (n,) long.

    Class 0 lies on the unit circle, class 1 on the circle of radius ``factor``; each
    point gets Gaussian noise of standard deviation ``noise``. Like scikit-learn's
    ``make_circles``, made with torch from its own generator (the global one is untouched).
    """
    if positive_int(n, "n", 200) < 2:
        raise ValueError(f"n={n!r}: use at least 2 points (one per class), such as 200")
    if not 0 < finite_number(factor, "factor", 0.5) < 1:
        raise ValueError(f"factor={factor!r}: the inner radius must lie between 0 and 1, "
                         "such as 0.5")
    if finite_number(noise, "noise", 0.1) < 0:
        raise ValueError(f"noise={noise!r}: a standard deviation cannot be negative; use 0.1")
    generator = _generator(seed)
    n_outer = n // 2
    angle = torch.rand(n, generator=generator, dtype=torch.float64) * 2 * math.pi
    radius = torch.cat([torch.ones(n_outer, dtype=torch.float64),
                        torch.full((n - n_outer,), float(factor), dtype=torch.float64)])
    X = torch.stack([radius * torch.cos(angle), radius * torch.sin(angle)], dim=1)
    X = X + noise * torch.randn(n, 2, generator=generator, dtype=torch.float64)
    y = torch.cat([torch.zeros(n_outer), torch.ones(n - n_outer)]).long()
    return X.float(), y


def sine_data(n=200, lo=-3.0, hi=3.0):
    """``n`` evenly spaced points on [lo, hi] and sin there: ``(x, y)``, both of shape (n, 1)."""
    positive_int(n, "n", 200)
    if not finite_number(lo, "lo", -3.0) < finite_number(hi, "hi", 3.0):
        raise ValueError(f"lo={lo!r}, hi={hi!r}: need lo < hi, such as -3 and 3")
    x = torch.linspace(lo, hi, n, dtype=torch.float64).reshape(-1, 1)
    return x.float(), torch.sin(x).float()


def best_linear_accuracy(X, y, n_angles=360):
    """The best training accuracy of any linear classifier on 2-D ``X`` with labels 0/1.

    Returns ``(accuracy, w, b)``: the classifier predicts 1 where ``X @ w + b > 0``.
    A line's predictions depend only on the order of the points along its normal, and
    every threshold between two neighbours is tried for ``n_angles`` directions (half a
    degree off the multiples of 1° for the default). The search is exact when each pair
    of directions where two points project equally has a tried angle between them: for
    the XOR points those directions are the multiples of 45°.
    """
    X, y = torch.as_tensor(X, dtype=torch.float64), torch.as_tensor(y)
    if X.ndim != 2 or X.shape[1] != 2 or len(X) != len(y):
        raise ValueError(f"X of shape {tuple(X.shape)} and y of shape {tuple(y.shape)}: "
                         "need X (n, 2) and y (n,)")
    angles = (torch.arange(n_angles, dtype=torch.float64) + 0.5) * (2 * math.pi / n_angles)
    best = (-1.0, None, None)
    positive = (y == 1).to(torch.float64)
    for angle in angles:
        w = torch.stack([torch.cos(angle), torch.sin(angle)])
        projection = X @ w
        order = torch.argsort(projection)
        p, labels = projection[order], positive[order]
        # Threshold below point k: points k.. are predicted 1. Correct = zeros below + ones above.
        zeros_below = torch.cat([torch.zeros(1, dtype=torch.float64), torch.cumsum(1 - labels, 0)])
        ones_above = labels.sum() - torch.cat([torch.zeros(1, dtype=torch.float64),
                                               torch.cumsum(labels, 0)])
        correct = zeros_below + ones_above
        k = int(correct.argmax())
        accuracy = float(correct[k]) / len(y)
        if accuracy > best[0]:
            edges = torch.cat([p[:1] - 1, p, p[-1:] + 1])
            threshold = float((edges[k] + edges[k + 1]) / 2)
            best = (accuracy, w.float(), -threshold)
    return best


def mlp(num_inputs, num_hiddens, num_outputs, dtype=None):
    """One hidden layer of ReLU units: Linear -> ReLU -> Linear (book section 4.1)."""
    num_inputs = positive_int(num_inputs, "num_inputs", 2)
    num_hiddens = positive_int(num_hiddens, "num_hiddens", 8)
    num_outputs = positive_int(num_outputs, "num_outputs", 2)
    return nn.Sequential(nn.Linear(num_inputs, num_hiddens, dtype=dtype), nn.ReLU(),
                         nn.Linear(num_hiddens, num_outputs, dtype=dtype))


def _seeded_mlp(num_inputs, num_hiddens, num_outputs, seed):
    """``mlp(...)`` initialised from ``seed`` (float64 draws, the same on every CPU)."""
    with seeded(seed):
        # PyTorch's default init, drawn in float64 (float32 draws vary by CPU).
        net = mlp(num_inputs, num_hiddens, num_outputs, dtype=torch.float64)
    return net.float()


def relu_net_1d(num_hiddens, lo=-3.0, hi=3.0):
    """``mlp(1, num_hiddens, 1)`` whose kinks start evenly spread over [lo, hi].

    Unit i computes relu(±(x - k_i)) with k_i the middle of the i-th of ``num_hiddens``
    equal parts of [lo, hi] and the sign alternating, so that no unit starts dead or
    bends outside the interval; the output layer starts at zero. Deterministic.
    """
    with torch.random.fork_rng(devices=[]):  # the default init draws; every value is replaced
        net = mlp(1, num_hiddens, 1)
    with torch.no_grad():
        middles = torch.arange(num_hiddens, dtype=torch.float64) + 0.5
        centres = lo + middles * (hi - lo) / num_hiddens
        sign = 1.0 - 2.0 * (torch.arange(num_hiddens) % 2).to(torch.float64)
        net[0].weight.copy_(sign.reshape(-1, 1))
        net[0].bias.copy_(-sign * centres)
        net[2].weight.zero_()
        net[2].bias.zero_()
    return net


@contextlib.contextmanager
def _one_thread():
    """Run on one thread, then restore the thread count.

    Each step of these tiny problems is a few microseconds of arithmetic: handing it
    between threads only costs time (on a busy 2-core machine, 30x more), and on one
    thread the result does not depend on the machine's thread count.
    """
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _full_batch(net, X, y, loss, epochs, lr, metrics, decay=False):
    """Adam on the whole data set for ``epochs`` steps; history entry e is after e steps.

    With ``decay`` the learning rate falls linearly from ``lr`` to almost 0.
    """
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    schedule = (torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1 - step / epochs)
                if decay else None)
    history = []
    with _one_thread():
        for epoch in range(epochs + 1):
            with torch.set_grad_enabled(epoch < epochs):
                output = net(X)
                value = loss(output, y)
            history.append({"epoch": epoch, "loss": float(value.detach()), **metrics(output, y)})
            if epoch < epochs:
                optimizer.zero_grad()
                value.backward()
                optimizer.step()
                if schedule is not None:
                    schedule.step()
    return history


def _check_training(epochs, lr):
    non_negative_int(epochs, "epochs", 300)
    if not finite_number(lr, "lr", 0.05) > 0:
        raise ValueError(f"lr={lr!r}: the learning rate must be positive, such as 0.05")


def fit_classifier(X, y, num_hiddens, seed=0, epochs=300, lr=0.05):
    """Train ``mlp(d, num_hiddens, classes)`` on all of (X, y) at once; return ``(net, history)``.

    Full-batch Adam with cross-entropy, initialised from ``seed`` (the global random
    state is left as it was). ``history[e]`` holds ``loss`` and ``train_acc`` after e
    steps, e = 0..epochs, so ``history[-1]`` describes the returned net.
    """
    _check_training(epochs, lr)
    if X.ndim != 2 or y.ndim != 1 or len(X) != len(y) or y.is_floating_point():
        raise ValueError(f"X of shape {tuple(X.shape)}, y of shape {tuple(y.shape)} and dtype "
                         f"{y.dtype}: need X (n, d) and integer class labels y (n,)")
    net = _seeded_mlp(X.shape[1], num_hiddens, int(y.max()) + 1, seed)

    def accuracy(output, labels):
        return {"train_acc": float((output.argmax(dim=1) == labels).float().mean())}

    return net, _full_batch(net, X, y, nn.CrossEntropyLoss(), epochs, lr, accuracy)


def fit_function(x, y, num_hiddens, epochs=1000, lr=0.05, lo=-3.0, hi=3.0):
    """Fit y ≈ net(x) with ``relu_net_1d(num_hiddens, lo, hi)``; return ``(net, history)``.

    Full-batch Adam on the squared error, its learning rate falling linearly from ``lr``
    to 0: the fit settles instead of stopping wherever Adam's last full-size step left
    it, so its maximum error is the same on every CPU (at a constant rate it moved by a
    factor of 2 between instruction sets). ``history[e]`` holds the mean squared ``loss``
    after e steps. Deterministic start (see ``relu_net_1d``), so no seed.
    """
    _check_training(epochs, lr)
    if x.shape != y.shape or x.ndim != 2 or x.shape[1] != 1:
        raise ValueError(f"x of shape {tuple(x.shape)} and y of shape {tuple(y.shape)}: need "
                         "both (n, 1), as sine_data() returns them")
    net = relu_net_1d(num_hiddens, lo, hi)
    return net, _full_batch(net, x, y, nn.MSELoss(), epochs, lr, lambda output, target: {},
                            decay=True)


def max_error(net, f, lo=-3.0, hi=3.0, n=2001):
    """Largest |net(x) - f(x)| over ``n`` evenly spaced x in [lo, hi] (a float)."""
    x = torch.linspace(lo, hi, n).reshape(-1, 1)
    with torch.no_grad():
        return float((net(x) - f(x)).abs().max())


def count_kinks(x, values, tol=1e-6):
    """How many times a piecewise-linear function sampled at sorted ``x`` bends.

    The slope is computed on each small interval. A kink that falls inside an
    interval makes that one interval's slope differ from both neighbours, so it shows
    up as two neighbouring slope changes; a run of neighbouring changes is counted once
    (two kinks closer than two grid steps count as one). Use float64 values.
    """
    x, values = torch.as_tensor(x).flatten(), torch.as_tensor(values).flatten()
    if len(x) != len(values) or len(x) < 3:
        raise ValueError(f"x has {len(x)} points and values {len(values)}: need the same "
                         "number, at least 3")
    slopes = torch.diff(values) / torch.diff(x)
    changes = (torch.diff(slopes).abs() > tol).int()
    starts = torch.diff(torch.cat([torch.zeros(1, dtype=changes.dtype), changes])) == 1
    return int(starts.sum())


def grid_points(lo, hi, n=200):
    """An n × n grid over [lo, hi]²: ``(xx, yy, points)`` with points of shape (n², 2)."""
    axis = torch.linspace(lo, hi, n)
    xx, yy = torch.meshgrid(axis, axis, indexing="xy")
    return xx, yy, torch.stack([xx.flatten(), yy.flatten()], dim=1)
