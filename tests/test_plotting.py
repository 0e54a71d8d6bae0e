"""Tests for d2l_helpers.plotting: what a learner sees, in and out of Jupyter."""
import numpy as np
import pytest
import torch
from torch import nn

import d2l_helpers as d2l
from d2l_helpers import plotting


class FakeHandle:
    def __init__(self):
        self.updates = 0

    def update(self, obj):
        self.updates += 1


@pytest.fixture
def notebook(monkeypatch):
    """Pretend to run in a Jupyter kernel; record display calls."""
    calls = {"display": [], "clear_output": 0, "handle": FakeHandle()}

    def fake_display(obj, display_id=None):
        calls["display"].append((obj, display_id))
        return calls["handle"]

    monkeypatch.setattr(plotting, "_in_notebook", lambda: True)
    monkeypatch.setattr(plotting.display, "display", fake_display)
    monkeypatch.setattr(plotting.display, "clear_output",
                        lambda wait=False: calls.__setitem__("clear_output", 1))
    return calls


def test_animator_in_notebook_updates_one_display_in_place(notebook):
    animator = d2l.Animator(xlabel="epoch", legend=["a", "b"])
    for epoch in range(1, 4):
        animator.add(epoch, (0.1 * epoch, 0.2 * epoch))
    assert len(notebook["display"]) == 1  # shown once ...
    assert notebook["display"][0][1] is True  # ... with a display id
    assert notebook["handle"].updates == 2  # ... then updated in place
    assert notebook["clear_output"] == 0  # other output of the cell survives
    lines = animator.axes[0].get_lines()
    assert [list(line.get_ydata()) for line in lines] == [[0.1, 0.2, pytest.approx(0.3)],
                                                          [0.2, 0.4, pytest.approx(0.6)]]


def test_animator_figure_is_not_left_for_pyplot_to_show_again(notebook):
    before = plotting.plt.get_fignums()
    animator = d2l.Animator()
    animator.add(1, 0.5)
    assert plotting.plt.get_fignums() == before  # a later plt.show() cannot duplicate it


def test_animator_outside_jupyter_prints_one_line_per_point(monkeypatch, capsys):
    monkeypatch.setattr(plotting, "_in_notebook", lambda: False)
    animator = d2l.Animator(xlabel="epoch", legend=["train loss", "train acc", "test acc"])
    animator.add(1, (0.91234, 0.7, None))
    animator.add(2, (torch.tensor(0.5), 0.8, 0.75))
    out = capsys.readouterr().out.splitlines()
    assert out == ["epoch 1  train loss 0.9123  train acc 0.7000  test acc -",
                   "epoch 2  train loss 0.5000  train acc 0.8000  test acc 0.7500"]


def test_animator_grows_ylim_to_show_points_outside_it(notebook):
    animator = d2l.Animator(ylim=[0.3, 0.9])
    animator.add(1, (2.3, 0.1))
    low, high = animator.axes[0].get_ylim()
    assert low <= 0.1 and high >= 2.3
    animator.add(2, (float("nan"), float("inf")))  # non-finite points do not break the limits
    assert animator.axes[0].get_ylim() == (low, high)


def test_train_ch3_default_animator_draws_the_book_legend(notebook, blobs):
    train, test = blobs
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(2, 4))
    d2l.train_ch3(net, train, test, nn.CrossEntropyLoss(reduction="none"), 2,
                  torch.optim.SGD(net.parameters(), lr=0.1))
    figure = notebook["display"][0][0]
    legend = [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
    assert legend == ["train loss", "train acc", "test acc"]
    assert figure.axes[0].get_xlabel() == "epoch"


def test_plot_accepts_tensors_that_require_grad():
    plotting.plt.close("all")  # plot() draws on the current figure, like the book's
    x = torch.arange(-2.0, 2.0, 0.5, requires_grad=True)
    y = torch.relu(x)  # the book needs x.detach() here
    d2l.plot(x, [y, x * 2], "x", "f(x)", legend=["relu", "2x"], figsize=(4, 3))
    axes = plotting.plt.gca()
    assert axes.get_xlabel() == "x" and axes.get_ylabel() == "f(x)"
    assert len(axes.get_lines()) == 2
    assert list(axes.get_lines()[0].get_ydata()) == [0, 0, 0, 0, 0, 0.5, 1.0, 1.5]
    assert tuple(plotting.plt.gcf().get_size_inches()) == (4, 3)
    plotting.plt.close("all")


def test_set_figsize_does_not_switch_to_svg(monkeypatch):
    formats = []
    monkeypatch.setattr(plotting.backend_inline, "set_matplotlib_formats", formats.append)
    d2l.set_figsize((5, 2.5))
    assert plotting.plt.rcParams["figure.figsize"] == [5, 2.5]
    assert formats == []
    d2l.use_svg_display()
    assert formats == ["svg"]


def test_show_images_titles_and_hidden_axes():
    images = torch.rand(4, 28, 28)
    axes = d2l.show_images(images, 2, 2, titles=["a", "b", "c", "d"])
    assert [ax.get_title() for ax in axes] == ["a", "b", "c", "d"]
    assert not axes[0].get_xaxis().get_visible()
    plotting.plt.close("all")


def test_predict_ch3_titles_and_restored_mode():
    X = torch.zeros(8, 1, 28, 28)
    y = torch.tensor([0, 1, 2, 3, 4, 5, 6, 7])
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10), nn.Dropout(0.5))
    with torch.no_grad():
        net[1].weight.zero_()
        net[1].bias.copy_(torch.arange(10.0))  # always predicts class 9, "ankle boot"
    net.train()
    d2l.predict_ch3(net, [(X, y)], n=3)
    titles = [ax.get_title() for ax in plotting.plt.gcf().axes]
    assert titles == ["t-shirt\nankle boot", "trouser\nankle boot", "pullover\nankle boot"]
    assert net.training
    plotting.plt.close("all")


def test_predict_ch3_with_device_and_resized_images():
    X = torch.rand(4, 1, 32, 32)
    y = torch.tensor([1, 2, 3, 4])
    net = nn.Sequential(nn.Flatten(), nn.Linear(32 * 32, 10))
    d2l.predict_ch3(net, [(X, y)], n=2, device="cpu")
    axes = plotting.plt.gcf().axes
    assert [ax.get_title().split("\n")[0] for ax in axes] == ["trouser", "pullover"]
    assert axes[0].get_images()[0].get_array().shape == (32, 32)
    plotting.plt.close("all")


# --- bad input: a clear message or the right picture ----------------------------------

@pytest.fixture
def fresh_figure():
    plotting.plt.close("all")
    yield
    plotting.plt.close("all")


@pytest.fixture
def outside_jupyter(monkeypatch):
    monkeypatch.setattr(plotting, "_in_notebook", lambda: False)


def test_plot_draws_every_curve_when_there_are_more_than_formats(fresh_figure):
    x = torch.arange(4.0)
    d2l.plot(x, [x * k for k in range(5)], legend=list("abcde"))  # the book draws four
    axes = plotting.plt.gca()
    assert [list(line.get_ydata()) for line in axes.get_lines()] == [
        [0.0, k, 2.0 * k, 3.0 * k] for k in range(5)]
    assert [t.get_text() for t in axes.get_legend().get_texts()] == list("abcde")
    assert axes.get_lines()[4].get_linestyle() == "-"  # the formats again, in turn


def test_plot_one_legend_string_is_one_entry(fresh_figure):
    d2l.plot(torch.arange(3.0), torch.arange(3.0), legend="relu")
    assert [t.get_text() for t in plotting.plt.gca().get_legend().get_texts()] == ["relu"]


@pytest.mark.parametrize("X, Y, legend, words", [
    ([1, 2, 3], [1, 2], None, "curve 0 has 3 x values but 2 y values"),
    ([[1, 2], [1, 2]], [[1, 2], [3, 4], [5, 6]], None, "2 x-series for 3 curves"),
    ([1, 2], [[1, 2], [3, 4]], ["a", "b", "c"], r"3 legend entries \['a', 'b', 'c'\] for 2 curve"),
])
def test_plot_refuses_what_would_draw_something_else(fresh_figure, X, Y, legend, words):
    with pytest.raises(ValueError, match=rf"plot\(\): {words}"):
        d2l.plot(X, Y, legend=legend)


def test_plot_a_column_of_x_values_is_explained(fresh_figure):
    x = torch.arange(5.0).reshape(5, 1)
    with pytest.raises(ValueError, match=r"5 x-series for 1 curves \(x has shape \(5, 1\): "
                                         r"for one curve, pass a 1-D x such as x.reshape\(-1\)\)"):
        d2l.plot(x, torch.arange(5.0))


def test_animator_refuses_text_instead_of_splitting_it(outside_jupyter, capsys):
    animator = d2l.Animator(legend=["loss"])
    with pytest.raises(TypeError, match=r"y='nan\?' is text; pass a number or a tuple"):
        animator.add(1, "nan?")
    with pytest.raises(TypeError, match=r"y\[1\]='0.5' is text; pass a number"):
        animator.add(1, (0.4, "0.5"))
    assert animator.Y is None and capsys.readouterr().out == ""


def test_animator_takes_zero_dimensional_tensors_as_numbers(outside_jupyter, capsys):
    animator = d2l.Animator(xlabel="epoch")
    animator.add(torch.tensor(1), torch.tensor(0.5))
    animator.add(2, np.float64(0.25))
    assert animator.Y == [[0.5, 0.25]] and animator.X == [[1, 2]]
    assert capsys.readouterr().out.splitlines() == ["epoch 1  y0 0.5000", "epoch 2  y0 0.2500"]


@pytest.mark.parametrize("second", [(0.1, 0.2), (0.1, 0.2, 0.3, 0.4), 0.1])
def test_animator_needs_the_same_number_of_values_each_call(outside_jupyter, second):
    animator = d2l.Animator()
    animator.add(1, (0.5, 0.6, 0.7))
    with pytest.raises(ValueError, match=r"got \d y value\(s\), but the first call gave 3 "
                                         r"\(one per curve\); pass 3 on every call"):
        animator.add(2, second)
    assert animator.Y == [[0.5], [0.6], [0.7]]


def test_animator_refuses_values_that_are_not_single_numbers(outside_jupyter):
    with pytest.raises(TypeError, match=r"y\[0\] is tensor\(\[1., 2.\]\), not a single number"):
        d2l.Animator().add(1, [torch.tensor([1.0, 2.0])])
    with pytest.raises(ValueError, match="2 x values for 3 y values"):
        d2l.Animator().add([1, 2], (1, 2, 3))


def test_animator_draws_every_curve_when_there_are_more_than_formats(notebook):
    animator = d2l.Animator(legend=list("abcde"))
    animator.add(1, (1, 2, 3, 4, 5))
    assert len(animator.axes[0].get_lines()) == 5


def test_show_images_accepts_images_with_a_channel(fresh_figure):
    axes = d2l.show_images(torch.rand(4, 1, 28, 28), 1, 4)
    assert axes[0].get_images()[0].get_array().shape == (28, 28)
    axes = d2l.show_images(torch.rand(2, 3, 8, 8), 1, 2)
    assert axes[1].get_images()[0].get_array().shape == (8, 8, 3)


@pytest.mark.parametrize("imgs, rows, cols, titles, error, words", [
    (torch.rand(4, 28, 28), 2, 2, ["a", "b", "c"], ValueError, "3 titles for 4 images; give one"),
    (torch.rand(5, 28, 28), 2, 2, None, ValueError,
     r"5 images do not fit a 2 x 2 grid; .*imgs\[:4\]"),
    (torch.rand(2, 5, 6, 7), 1, 2, None, ValueError, r"image 0 has shape \(5, 6, 7\)"),
    (torch.rand(2, 28, 28), 0, 2, None, ValueError, "num_rows=0: use a positive whole number"),
    (torch.rand(2, 28, 28), 1, 2.0, None, TypeError, "num_cols=2.0 is a float"),
])
def test_show_images_refuses_what_it_would_drop_or_fail_on(fresh_figure, imgs, rows, cols,
                                                           titles, error, words):
    with pytest.raises(error, match=words):
        d2l.show_images(imgs, rows, cols, titles=titles)


@pytest.mark.parametrize("n, error, words", [(0, ValueError, "n=0: use a positive"),
                                             (-2, ValueError, "n=-2: use a positive"),
                                             (2.5, TypeError, "n=2.5 is a float")])
def test_predict_ch3_refuses_a_bad_count(fresh_figure, n, error, words):
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    with pytest.raises(error, match=words):
        d2l.predict_ch3(net, [(torch.zeros(2, 1, 28, 28), torch.tensor([0, 1]))], n=n)


def test_predict_ch3_on_an_empty_iterator_says_so(fresh_figure):
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    with pytest.raises(ValueError, match="test_iter yielded no batches: it is empty"):
        d2l.predict_ch3(net, [])


@pytest.mark.parametrize("args, kwargs, error, words", [
    (("abc",), {}, TypeError, "holds text"),
    (([1, 2], ["a", "b"]), {}, TypeError, "holds text"),
    (([],), {}, ValueError, "is empty"),
    ((None,), {}, TypeError, "is None"),
    (([1, 2], [3, 4]), {"xlim": "abc"}, TypeError, "xlim='abc' is not a pair of numbers"),
    (([1, 2], [3, 4]), {"ylim": 5}, TypeError, "ylim=5 is not a pair"),
])
def test_plot_refuses_text_nothing_and_bad_limits_with_the_fix(fresh_figure, args, kwargs, error,
                                                                 words):
    with pytest.raises(error, match=words):
        d2l.plot(*args, **kwargs)


def test_show_images_wants_titles_as_text(fresh_figure):
    images = torch.zeros(2, 28, 28)
    with pytest.raises(TypeError, match="get_fashion_mnist_labels"):
        d2l.show_images(images, 1, 2, titles=torch.tensor([0, 1]))
    d2l.show_images(images, 1, 2, titles=["a", "b"])
