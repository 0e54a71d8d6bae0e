"""d2l.draw_mlp: a network drawn from its layer sizes (the book's figure 4.1.1 shape)."""
from collections import Counter

import pytest
from matplotlib.patches import Circle, FancyArrowPatch

import d2l_helpers as d2l


@pytest.fixture(autouse=True)
def close_figures():
    yield
    d2l.plt.close("all")


def parts(axes):
    circles = [p for p in axes.patches if isinstance(p, Circle)]
    arrows = [p for p in axes.patches if isinstance(p, FancyArrowPatch)]
    texts = [t.get_text() for t in axes.texts]
    return circles, arrows, texts


def test_book_figure_has_one_circle_per_unit_and_an_arrow_per_weight():
    axes = d2l.draw_mlp([4, 5, 3])
    circles, arrows, texts = parts(axes)
    assert len(circles) == 4 + 5 + 3
    assert len(arrows) == 4 * 5 + 5 * 3
    rows = Counter(round(c.center[1], 6) for c in circles)
    assert [rows[y] for y in sorted(rows)] == [4, 5, 3]  # inputs at the bottom, outputs on top
    assert {"input layer", "hidden layer", "output layer"} <= set(texts)
    assert {"$x_{1}$", "$x_{4}$", "$h_{5}$", "$o_{3}$"} <= set(texts)
    assert "$x_{5}$" not in texts and not axes.axison


def test_every_arrow_goes_up_one_layer_from_rim_to_rim():
    axes = d2l.draw_mlp([2, 3])
    circles, arrows, _ = parts(axes)
    centres = [c.center for c in circles]
    radius = circles[0].radius
    for arrow in arrows:
        (x0, y0), (x1, y1) = arrow._posA_posB
        assert y1 > y0
        for x, y in ((x0, y0), (x1, y1)):
            nearest = min(((x - cx) ** 2 + (y - cy) ** 2) ** 0.5 for cx, cy in centres)
            assert nearest == pytest.approx(radius)


def test_several_hidden_layers_are_numbered():
    _, arrows, texts = parts(d2l.draw_mlp((2, 3, 4, 1)))
    assert len(arrows) == 2 * 3 + 3 * 4 + 4 * 1
    assert {"hidden layer 1", "hidden layer 2", "$h^{(1)}_{3}$", "$h^{(2)}_{4}$"} <= set(texts)


def test_layer_names_and_given_axes():
    _, axes = d2l.plt.subplots()
    returned = d2l.draw_mlp([3, 2], layer_names=["in", "out"], axes=axes)
    assert returned is axes
    assert {"in", "out"} <= set(parts(axes)[2])
    with pytest.raises(ValueError, match="one name per layer"):
        d2l.draw_mlp([3, 2], layer_names=["only one"])


@pytest.mark.parametrize("sizes, error", [
    ([4], ValueError), ([4, 0, 3], ValueError), ([4, 2.5], ValueError), ([True, 3], ValueError),
    ([], ValueError), ("453", TypeError), (5, TypeError)])
def test_bad_layer_sizes_are_refused_with_an_example(sizes, error):
    with pytest.raises(error, match=r"\[4, 5, 3\]"):
        d2l.draw_mlp(sizes)


def test_wide_layers_draw_a_few_units_an_ellipsis_and_their_size():
    """The book's own network, 784 -> 256 -> 10: drawn, not 200,000 arrows."""
    axes = d2l.draw_mlp([784, 256, 10])
    circles, arrows, texts = parts(axes)
    assert len(circles) == 5 + 5 + 10  # first three and last two of each wide layer
    assert len(arrows) == 5 * 5 + 5 * 10
    assert texts.count("$\\cdots$") == 2
    assert {"input layer\n(784 units)", "hidden layer\n(256 units)", "output layer"} <= set(texts)
    assert {"$x_{1}$", "$x_{3}$", "$x_{783}$", "$x_{784}$", "$h_{256}$", "$o_{10}$"} <= set(texts)
    assert "$x_{4}$" not in texts
