"""Lesson 1's claims, checked by running d2l_helpers/toys.py, not by reading the notebook.

The lesson's settings are repeated here: if a claim stops holding for them, the prose is wrong.
"""
import math

import pytest
import torch

import d2l_helpers as d2l
from d2l_helpers import toys

# The lesson's settings.
XOR_HIDDENS, XOR_SEED, XOR_EPOCHS, XOR_LR = 8, 0, 300, 0.05
WIDTHS, CIRCLE_EPOCHS, CIRCLE_LR, CIRCLE_SEEDS = [1, 2, 4, 16], 300, 0.05, 5
UNITS, SINE_EPOCHS, SINE_LR = [2, 4, 8, 32], 1000, 0.05


def accuracy_of_line(X, y, w, b):
    return float(((X @ w + b > 0).long() == y).float().mean())


# --- XOR: no line, but a small MLP ----------------------------------------------------

def test_no_straight_line_gets_more_than_three_xor_points_right():
    X, y = toys.xor_data()
    assert y.tolist() == [int(a) ^ int(b) for a, b in X.long().tolist()]
    best, w, b = toys.best_linear_accuracy(X, y)
    assert best == 0.75
    assert accuracy_of_line(X, y, w, b) == best  # the line it returns does what it says
    assert toys.best_linear_accuracy(X, y, n_angles=3600)[0] == 0.75  # a finer search: no better


def test_line_search_finds_a_separating_line_when_there_is_one():
    generator = torch.Generator().manual_seed(0)
    X = torch.randn(100, 2, generator=generator)
    y = (X @ torch.tensor([1.0, -2.0]) + 0.3 > 0).long()
    best, w, b = toys.best_linear_accuracy(X, y, n_angles=3600)
    assert best >= 0.99 and accuracy_of_line(X, y, w, b) == best
    flipped, *_ = toys.best_linear_accuracy(X, 1 - y, n_angles=3600)  # both orientations tried
    assert flipped == best


def test_a_small_mlp_gets_every_xor_point_right():
    X, y = toys.xor_data()
    net, history = toys.fit_classifier(X, y, XOR_HIDDENS, seed=XOR_SEED, epochs=XOR_EPOCHS,
                                       lr=XOR_LR)
    assert history[-1]["train_acc"] == 1.0
    assert history[-1]["loss"] < 0.01  # far from the decision threshold, not just over it
    with torch.no_grad():
        assert torch.equal(net(X).argmax(dim=1), y)


# --- two circles: wider hidden layers fit better ------------------------------------------

def test_circles_are_what_the_lesson_says():
    X, y = toys.two_circles(n=200, noise=0.1, factor=0.5, seed=0)
    assert X.shape == (200, 2) and X.dtype == torch.float32
    assert torch.bincount(y).tolist() == [100, 100]
    radius = X.norm(dim=1)
    assert 0.9 < float(radius[y == 0].mean()) < 1.1 and 0.4 < float(radius[y == 1].mean()) < 0.6
    assert torch.equal(X, toys.two_circles(n=200, noise=0.1, factor=0.5, seed=0)[0])
    assert not torch.equal(X, toys.two_circles(n=200, noise=0.1, factor=0.5, seed=1)[0])
    assert toys.best_linear_accuracy(X, y)[0] < 0.75


def test_each_wider_layer_fits_the_circles_better_beyond_noise():
    X, y = toys.two_circles(n=200, noise=0.1, factor=0.5, seed=0)
    runs = {k: d2l.repeat(lambda seed, k=k: toys.fit_classifier(
        X, y, k, seed=seed, epochs=CIRCLE_EPOCHS, lr=CIRCLE_LR)[1], seeds=CIRCLE_SEEDS)
        for k in WIDTHS}
    # the verdicts the lesson prints, with room to spare (p far below the 5 % level)
    for wide, narrow in ((2, 1), (16, 2)):
        comparison = d2l.compare(runs[wide], runs[narrow], "train_acc")
        assert comparison.outcome == "higher" and comparison.p_value < 0.005
    assert d2l.compare(runs[16], runs[4], "train_acc").p_value > 0.1  # one width-4 seed stalls
    assert max(runs[2].values("train_acc")) < 0.9  # two ReLU units cannot enclose the inner ring
    assert min(runs[16].values("train_acc")) >= 0.95


# --- universal approximation: more units, smaller error, at most N kinks -------------------

@pytest.fixture(scope="module")
def sine_fits():
    x, y = toys.sine_data(n=200, lo=-3, hi=3)
    return {N: toys.fit_function(x, y, N, epochs=SINE_EPOCHS, lr=SINE_LR) for N in UNITS}


def test_max_error_falls_as_the_number_of_units_grows(sine_fits):
    errors = [toys.max_error(sine_fits[N][0], torch.sin) for N in UNITS]
    # falls at every step, by a margin that CPU-to-CPU rounding cannot close
    assert all(a > 1.5 * b for a, b in zip(errors, errors[1:])), errors
    assert errors[-1] < 0.05
    for N in UNITS:
        history = sine_fits[N][1]
        assert len(history) == SINE_EPOCHS + 1 and history[-1]["loss"] < history[0]["loss"]


def test_n_relu_units_bend_at_most_n_times(sine_fits):
    grid = torch.linspace(-3, 3, 6001, dtype=torch.float64).reshape(-1, 1)
    for N in UNITS:
        with torch.no_grad():
            values = sine_fits[N][0].double()(grid)
        assert 0 < toys.count_kinks(grid, values) <= N


def test_the_fit_starts_with_its_kinks_evenly_spread_and_no_unit_dead():
    net = toys.relu_net_1d(4, lo=-3, hi=3)
    kinks = -net[0].bias / net[0].weight[:, 0]
    assert torch.allclose(kinks, torch.tensor([-2.25, -0.75, 0.75, 2.25]))
    assert net[0].weight[:, 0].tolist() == [1.0, -1.0, 1.0, -1.0]
    assert float(net[2].weight.detach().abs().sum()) == 0.0


# --- counting kinks --------------------------------------------------------------------------

def test_count_kinks_counts_each_kink_once_wherever_it_falls():
    x = torch.linspace(-3, 3, 601, dtype=torch.float64)  # step 0.01
    # kinks between grid points (0.005 off) and exactly on them
    between = torch.relu(x - 0.505) - 2 * torch.relu(x + 1.005) + torch.relu(-x + 2.005)
    on_grid = torch.relu(x - 0.5) + torch.relu(x + 1.0)
    assert toys.count_kinks(x, between) == 3
    assert toys.count_kinks(x, on_grid) == 2
    assert toys.count_kinks(x, 2 * x + 1) == 0
    slopes = torch.diff(between) / torch.diff(x)
    assert int((torch.diff(slopes).abs() > 1e-6).sum()) == 6  # the naive count doubles them


def test_count_kinks_refuses_mismatched_input():
    with pytest.raises(ValueError, match="same number"):
        toys.count_kinks(torch.zeros(5), torch.zeros(4))


# --- the toys leave the caller's state alone and refuse bad input ------------------------------

def test_training_leaves_the_global_generator_and_thread_count_alone():
    threads = torch.get_num_threads()
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    X, y = toys.two_circles(n=20, seed=0)
    toys.fit_classifier(X, y, 4, seed=7, epochs=3)
    toys.fit_function(*toys.sine_data(n=20), 4, epochs=3)
    assert torch.equal(torch.rand(3), expected)
    assert torch.get_num_threads() == threads


def test_the_same_seed_gives_the_same_network():
    X, y = toys.xor_data()
    a, _ = toys.fit_classifier(X, y, 8, seed=3, epochs=0)
    b, _ = toys.fit_classifier(X, y, 8, seed=3, epochs=0)
    c, _ = toys.fit_classifier(X, y, 8, seed=4, epochs=0)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not torch.equal(a[0].weight, c[0].weight)


@pytest.mark.parametrize("call, error, words", [
    (lambda: toys.two_circles(n=1), ValueError, "at least 2"),
    (lambda: toys.two_circles(factor=1.5), ValueError, "between 0 and 1"),
    (lambda: toys.two_circles(noise=-0.1), ValueError, "cannot be negative"),
    (lambda: toys.two_circles(seed=1.5), TypeError, "seed"),
    (lambda: toys.sine_data(lo=3, hi=-3), ValueError, "lo < hi"),
    (lambda: toys.mlp(2, 0, 2), ValueError, "num_hiddens"),
    (lambda: toys.fit_classifier(*toys.xor_data(), 8, epochs=-1), ValueError, "epochs"),
    (lambda: toys.fit_classifier(*toys.xor_data(), 8, lr=0), ValueError, "positive"),
    (lambda: toys.fit_classifier(torch.zeros(4, 2), torch.zeros(4), 8), ValueError, "integer"),
    (lambda: toys.fit_function(torch.zeros(5), torch.zeros(5), 4), ValueError, "(n, 1)"),
    (lambda: toys.best_linear_accuracy(torch.zeros(4, 3), torch.zeros(4)), ValueError, "(n, 2)"),
])
def test_bad_input_gets_a_clear_error(call, error, words):
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
        call()


def test_grid_points_cover_the_square():
    xx, yy, points = toys.grid_points(-1, 1, n=5)
    assert xx.shape == (5, 5) and points.shape == (25, 2)
    assert points.min().item() == -1 and points.max().item() == 1
    assert math.isclose(float(points[:, 0].mean()), 0.0, abs_tol=1e-7)
