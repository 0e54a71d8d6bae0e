"""Plotting: the book's matplotlib helpers (sections 2.4, 3.5 and 3.6).

The only module that touches matplotlib or IPython. Figures are PNG inline by
default (the book switches every plot to SVG, whose text changes from run to run);
``use_svg_display()`` stays available as an explicit opt-in.
"""
import itertools
import re

import matplotlib.figure
import torch
from IPython import display
from matplotlib import pyplot as plt
from matplotlib_inline import backend_inline

from d2l_helpers.checks import not_text, positive_int
from d2l_helpers.data import get_fashion_mnist_labels
from d2l_helpers.training import _first_predictions

__all__ = ["plt", "use_svg_display", "set_figsize", "set_axes", "plot", "Animator",
           "show_images", "predict_ch3", "plot_runs", "plot_sweep", "draw_mlp", "draw_graph"]


def use_svg_display():
    """Show inline figures as SVG from now on (book section 2.4; opt-in here)."""
    backend_inline.set_matplotlib_formats("svg")


def set_figsize(figsize=(3.5, 2.5)):
    """Set the default figure size (book 2.4); unlike the book it does not switch to SVG."""
    plt.rcParams["figure.figsize"] = figsize


def set_axes(axes, xlabel, ylabel, xlim, ylim, xscale, yscale, legend):
    """Set labels, limits, scales, legend and grid of ``axes`` (book section 2.4)."""
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_xscale(xscale)
    axes.set_yscale(yscale)
    axes.set_xlim(xlim)
    axes.set_ylim(ylim)
    if legend:
        axes.legend(legend)
    axes.grid()


def _as_plottable(values):
    """Tensors that require grad or live on a GPU cannot go to matplotlib as they are."""
    return values.detach().cpu() if torch.is_tensor(values) else values


def _check_plot_values(values, name):
    """``TypeError``/``ValueError`` for what ``plot`` cannot draw as values: text, None, nothing."""
    if values is None:
        raise TypeError(f"plot(): {name} is None; pass the values to draw, e.g. "
                        "d2l.plot(x, [torch.relu(x)])")
    if isinstance(values, (str, bytes)) or (
            isinstance(values, (list, tuple)) and any(isinstance(v, (str, bytes)) for v in values)):
        raise TypeError(f"plot(): {name}={values!r:.60} holds text; pass numbers (a tensor, an "
                        "array or a list of numbers); names of curves go into legend=[...]")
    if hasattr(values, "__len__") and len(values) == 0:
        raise ValueError(f"plot(): {name} is empty; pass at least one value to draw")


def _check_limits(limits, name):
    if limits is None:
        return
    try:
        low, high = limits
        float(low), float(high)
    except (TypeError, ValueError):
        raise TypeError(f"plot(): {name}={limits!r:.40} is not a pair of numbers; pass e.g. "
                        f"{name}=[-8, 8], or leave it out for automatic limits") from None


def _has_one_axis(X):
    return (hasattr(X, "ndim") and X.ndim == 1
            or isinstance(X, list) and not hasattr(X[0], "__len__"))


def plot(X, Y=None, xlabel=None, ylabel=None, legend=None, xlim=None, ylim=None,
         xscale="linear", yscale="linear", fmts=("-", "m--", "g-.", "r:"),
         figsize=(3.5, 2.5), axes=None):
    """Plot one or more curves (book section 2.4); tensors need no ``.detach()``.

    Differences from the book: with more curves than ``fmts`` the formats are used
    again in turn (the book drops the extra curves); x and y of different lengths, a
    number of x-series that is neither 1 nor one per curve, and more legend entries
    than curves raise ``ValueError`` naming the counts (the book draws something else).
    """
    _check_plot_values(X, "X")
    if Y is not None:
        _check_plot_values(Y, "Y")
    for name, limits in (("xlim", xlim), ("ylim", ylim)):
        _check_limits(limits, name)
    set_figsize(figsize)
    axes = axes if axes else plt.gca()
    legend = [legend] if isinstance(legend, str) else legend
    fmts = [fmts] if isinstance(fmts, str) else fmts
    X = [_as_plottable(x) for x in X] if isinstance(X, (list, tuple)) else _as_plottable(X)
    if Y is not None:
        Y = [_as_plottable(y) for y in Y] if isinstance(Y, (list, tuple)) else _as_plottable(Y)
    if _has_one_axis(X):
        X = [X]
    if Y is None:
        X, Y = [[]] * len(X), X
    elif _has_one_axis(Y):
        Y = [Y]
    if len(X) != len(Y):
        if len(X) != 1:
            shape = getattr(X, "shape", None)
            hint = (f" (x has shape {tuple(shape)}: for one curve, pass a 1-D x such as "
                    "x.reshape(-1))" if shape is not None and len(shape) == 2 else "")
            raise ValueError(f"plot(): {len(X)} x-series for {len(Y)} curves{hint}; give one "
                             "x for all the curves or one x per curve")
        X = X * len(Y)
    for i, (x, y) in enumerate(zip(X, Y)):
        if len(x) and len(x) != len(y):
            raise ValueError(f"plot(): curve {i} has {len(x)} x values but {len(y)} y "
                             "values; give x and y of the same length")
    if legend and len(legend) > len(Y):
        raise ValueError(f"plot(): {len(legend)} legend entries {list(legend)} for {len(Y)} "
                         "curve(s); give one entry per curve")
    axes.cla()
    for x, y, fmt in zip(X, Y, itertools.cycle(fmts)):
        if len(x):
            axes.plot(x, y, fmt)
        else:
            axes.plot(y, fmt)
    set_axes(axes, xlabel, ylabel, xlim, ylim, xscale, yscale, legend or [])


def _in_notebook():
    from IPython import get_ipython
    return hasattr(get_ipython(), "kernel")


class Animator:
    """Plot data points as they arrive (book section 3.6).

    Differences from the book: in Jupyter the figure is updated in place through a
    display handle, so prints and warnings of the same cell survive and the saved
    notebook holds the final figure exactly once; outside Jupyter each ``add``
    prints one line instead of a ``<Figure ...>`` repr. ``ylim`` grows to show
    points outside it rather than hide them. ``add`` takes 0-d tensors as numbers,
    refuses text, and needs the same number of values on every call; more curves
    than ``fmts`` reuse the formats in turn.
    """

    def __init__(self, xlabel=None, ylabel=None, legend=None, xlim=None, ylim=None,
                 xscale="linear", yscale="linear", fmts=("-", "m--", "g-.", "r:"),
                 nrows=1, ncols=1, figsize=(3.5, 2.5)):
        self.legend = list(legend or [])
        self.xlabel = xlabel
        # A figure outside pyplot: the inline backend never shows it a second time.
        self.fig = matplotlib.figure.Figure(figsize=figsize)
        axes = self.fig.subplots(nrows, ncols)
        self.axes = list(axes.flat) if nrows * ncols > 1 else [axes]
        self._ylim = ylim
        self.config_axes = lambda: set_axes(self.axes[0], xlabel, ylabel, xlim, ylim,
                                            xscale, yscale, self.legend)
        self.X, self.Y, self.fmts = None, None, fmts
        self._handle = None
        self._notebook = _in_notebook()

    def add(self, x, y):
        """Add one point to each curve and redraw (or print a line outside Jupyter).

        ``y`` is a number or one number per curve (``None`` skips a point), the same
        count on every call; ``x`` is one number for all or one per curve.
        """
        y = [_number(value, f"y[{i}]") for i, value in enumerate(_values(y, "y"))]
        n = len(y)
        x = _values(x, "x")
        if len(x) == 1:  # one x for every curve; an int epoch stays an int
            x = [x[0].item() if torch.is_tensor(x[0]) else x[0]] * n
        if len(x) != n:
            raise ValueError(f"Animator.add(): {len(x)} x values for {n} y values; give one "
                             "x for all or one per y value")
        if self.Y and len(self.Y) != n:
            raise ValueError(f"Animator.add(): got {n} y value(s), but the first call gave "
                             f"{len(self.Y)} (one per curve); pass {len(self.Y)} on every "
                             "call, None for a point to skip")
        if not self.X:
            self.X = [[] for _ in range(n)]
        if not self.Y:
            self.Y = [[] for _ in range(n)]
        for i, (a, b) in enumerate(zip(x, y)):
            if a is not None and b is not None:
                self.X[i].append(a)
                self.Y[i].append(b)
        if self._notebook:
            self._draw()
        else:
            print(self._line(x, y))

    def _draw(self):
        self.axes[0].cla()
        for x, y, fmt in zip(self.X, self.Y, itertools.cycle(self.fmts)):
            self.axes[0].plot(x, y, fmt)
        self.config_axes()
        finite = [v for ys in self.Y for v in ys if abs(v) != float("inf") and v == v]
        if self._ylim and finite:
            self.axes[0].set_ylim(min(self._ylim[0], *finite), max(self._ylim[1], *finite))
        if self._handle is None:
            self._handle = display.display(self.fig, display_id=True)
        else:
            self._handle.update(self.fig)

    def _line(self, x, y):
        names = self.legend + [f"y{i}" for i in range(len(self.legend), len(y))]
        values = "  ".join(f"{name} {_number_text(value)}" for name, value in zip(names, y))
        return f"{self.xlabel or 'x'} {x[0]}  {values}"


def _values(values, name):
    """A point's values as a list: one number (0-d tensors too) or a sequence of them."""
    not_text(values, name, "a number or a tuple of numbers, one per curve")
    if getattr(values, "ndim", None) == 0 or not hasattr(values, "__len__"):
        return [values]
    return list(values)


def _number(value, name):
    """``value`` as a float (tensors on any device too); ``None`` stays ``None``."""
    if value is None:
        return None
    not_text(value, name, "a number")
    try:
        return float(value.detach()) if torch.is_tensor(value) else float(value)
    except (TypeError, ValueError, RuntimeError):
        raise TypeError(f"Animator.add(): {name} is {value!r:.60}, not a single number; "
                        "pass numbers (or one-element tensors)") from None


def _number_text(value):
    try:
        return f"{float(value):.4f}"  # Python numbers and one-element tensors alike
    except (TypeError, ValueError, RuntimeError):
        return "-"


def show_images(imgs, num_rows, num_cols, titles=None, scale=1.5):
    """Show images in a grid; return the array of axes (book section 3.5).

    Differences from the book: images shaped ``(1, H, W)`` or ``(3, H, W)``, as a
    loader gives them, are shown as ``(H, W)`` or ``(H, W, 3)``; more images than grid
    cells, or fewer titles than images, raise ``ValueError`` (the book silently drops
    the rest, or fails on the missing title).
    """
    num_rows = positive_int(num_rows, "num_rows", 2)
    num_cols = positive_int(num_cols, "num_cols", 9)
    imgs = imgs if hasattr(imgs, "__len__") else list(imgs)
    if len(imgs) > num_rows * num_cols:
        raise ValueError(f"show_images(): {len(imgs)} images do not fit a {num_rows} x "
                         f"{num_cols} grid; make the grid bigger or pass fewer images, e.g. "
                         f"imgs[:{num_rows * num_cols}]")
    if titles is not None and (torch.is_tensor(titles) or isinstance(titles, (str, bytes))
                               or not all(isinstance(t, str) for t in titles)):
        raise TypeError(f"show_images(): titles={titles!r:.60} must be a list of strings, one per "
                        "image; for class numbers use d2l.get_fashion_mnist_labels(y)")
    if titles and len(titles) < len(imgs):
        raise ValueError(f"show_images(): {len(titles)} titles for {len(imgs)} images; give "
                         "one title per image, or titles=None")
    _, axes = plt.subplots(num_rows, num_cols, figsize=(num_cols * scale, num_rows * scale))
    axes = axes.flatten() if hasattr(axes, "flatten") else [axes]
    for i, (ax, img) in enumerate(zip(axes, imgs)):
        ax.imshow(_as_image(img, i))
        ax.axes.get_xaxis().set_visible(False)
        ax.axes.get_yaxis().set_visible(False)
        if titles:
            ax.set_title(titles[i])
    return axes


def _as_image(img, i):
    """An image matplotlib can show: (H, W) or (H, W, 3/4); channels-first moved last."""
    if torch.is_tensor(img):
        img = img.detach().cpu().numpy()
    shape = getattr(img, "shape", None)
    if shape is None:
        return img  # a PIL image, say: matplotlib knows it
    if len(shape) == 3 and shape[0] in (1, 3, 4) and shape[-1] not in (3, 4):
        img = img[0] if shape[0] == 1 else img.transpose(1, 2, 0)
    if img.ndim == 2 or img.ndim == 3 and img.shape[-1] in (3, 4):
        return img
    raise ValueError(f"show_images(): image {i} has shape {tuple(shape)}; pass images shaped "
                     "(H, W), (1, H, W) or (H, W, 3), e.g. X.reshape(-1, 28, 28) for a batch")


def predict_ch3(net, test_iter, n=6, device=None):
    """Show the first ``n`` test images with true and predicted labels (book 3.6).

    The model is evaluated in eval mode without gradients; its mode is restored.
    ``device`` works as in ``train_ch3``, and resized images are shown at their size.
    ``n`` must be a positive whole number; an empty ``test_iter`` raises ``ValueError``.
    """
    n = positive_int(n, "n", 6)
    X, y, predicted = _first_predictions(net, test_iter, device)
    preds = get_fashion_mnist_labels(predicted)
    trues = get_fashion_mnist_labels(y)
    titles = [true + "\n" + pred for true, pred in zip(trues, preds)]
    show_images(X[0:n, 0], 1, n, titles=titles[0:n])


def _label(axes, xlabel, ylabel, xscale, ylim):
    # Unlike set_axes: the grid is switched on (not toggled) and unset limits stay automatic,
    # so a second call on the same axes keeps both.
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_xscale(xscale)
    if ylim is not None:
        axes.set_ylim(ylim)
    axes.grid(True)


def _band(axes, x, estimates, fmt, label):
    mean = [e.mean for e in estimates]
    axes.plot(x, mean, fmt, label=label)
    axes.fill_between(x, [e.mean - e.spread for e in estimates],
                      [e.mean + e.spread for e in estimates], alpha=0.2,
                      color=axes.lines[-1].get_color(), linewidth=0)


def plot_runs(runs, metric, xlabel="epoch", ylabel=None, ylim=None, figsize=(4.5, 2.8),
              axes=None, fmts=("-", "m--", "g-.", "r:", "c-")):
    """Plot ``metric`` per epoch: the mean over seeds, with a band of ± one spread.

    ``runs`` maps a name to :class:`d2l_helpers.repeats.Runs` (one curve each); a
    single ``Runs`` is drawn unnamed. Not in the book: see ``d2l.repeat``.
    """
    named = runs if isinstance(runs, dict) else {None: runs}
    axes = axes if axes else plt.subplots(figsize=figsize)[1]
    for (name, one), fmt in zip(named.items(), fmts * len(named)):
        estimates = one.per_epoch(metric)
        _band(axes, list(range(1, len(estimates) + 1)), estimates, fmt, name)
    _label(axes, xlabel, ylabel or metric, "linear", ylim)
    if any(name is not None for name in named):
        axes.legend()
    return axes


def plot_sweep(values, runs, metrics, xlabel, ylabel=None, xscale="log", ylim=None,
               figsize=(4.5, 2.8), axes=None, fmts=("-", "m--", "g-.", "r:", "c-")):
    """Plot final ``metrics`` against a hyperparameter: mean over seeds ± one spread.

    ``values`` are the hyperparameter's values and ``runs`` the :class:`Runs` measured
    at each; ``metrics`` is a name or a list of names (one curve each). The x ticks
    are the values tried.
    """
    if len(values) != len(runs):
        raise ValueError(f"plot_sweep(): {len(values)} values but {len(runs)} Runs; give one "
                         "Runs per value")
    metrics = [metrics] if isinstance(metrics, str) else list(metrics)
    axes = axes if axes else plt.subplots(figsize=figsize)[1]
    for metric, fmt in zip(metrics, fmts * len(metrics)):
        _band(axes, list(values), [r.final(metric) for r in runs], fmt + "o", metric)
    _label(axes, xlabel, ylabel or ", ".join(metrics), xscale, ylim)
    axes.set_xticks(list(values), [f"{v:g}" for v in values])
    axes.minorticks_off()
    axes.legend()
    return axes


_MAX_DRAWN = 10  # units drawn per layer; a wider layer shows its first and last few


def _drawn_units(n):
    """The 1-based unit numbers drawn for a layer of ``n``, with None for the ellipsis."""
    if n <= _MAX_DRAWN:
        return list(range(1, n + 1))
    return [1, 2, 3, None, n - 1, n]


def draw_mlp(layer_sizes=(4, 5, 3), layer_names=None, figsize=(4.5, 3.0), axes=None):
    """Draw a fully connected network from its layer sizes; return the axes.

    Inputs at the bottom, outputs at the top and an arrow from every unit to every unit
    of the next layer, as in the book's figure 4.1.1 (``(4, 5, 3)``, the default). Units
    are labelled x, h, o (h^(k) with several hidden layers); ``layer_names`` replaces
    "input layer", "hidden layer", "output layer". A layer of more than 10 units is
    drawn as its first three, an ellipsis and its last two, and its name says how many
    units it has (``[784, 256, 10]`` draws in well under a second). Not in the book,
    which ships the figure as a picture: here it is drawn from the sizes.
    """
    from matplotlib.patches import Circle, FancyArrowPatch

    if isinstance(layer_sizes, (str, bytes)) or not hasattr(layer_sizes, "__len__"):
        raise TypeError(f"layer_sizes={layer_sizes!r}: pass a list of ints such as [4, 5, 3]")
    sizes = list(layer_sizes)
    if len(sizes) < 2 or any(isinstance(n, bool) or not isinstance(n, int) or n < 1
                             for n in sizes):
        raise ValueError(f"layer_sizes={layer_sizes!r}: need at least two layers, each a "
                         "positive int, such as [4, 5, 3]")
    hidden = len(sizes) - 2
    names = (["input layer"] + (["hidden layer"] if hidden == 1 else
                                [f"hidden layer {k}" for k in range(1, hidden + 1)])
             + ["output layer"])
    if layer_names is not None:
        if isinstance(layer_names, (str, bytes)) or len(layer_names) != len(sizes):
            raise ValueError(f"layer_names={layer_names!r}: give one name per layer "
                             f"({len(sizes)} names)")
        names = list(layer_names)
    names = [name if n <= _MAX_DRAWN else f"{name}\n({n} units)" for name, n in zip(names, sizes)]
    letters = (["x"] + (["h"] if hidden == 1 else [f"h^{{({k})}}" for k in range(1, hidden + 1)])
               + ["o"])
    axes = axes if axes else plt.subplots(figsize=figsize)[1]
    radius, gap = 0.25, 1.5  # gap: height between two layers
    units = [_drawn_units(n) for n in sizes]
    widest = max(len(u) for u in units)
    centres = [[((i - (len(layer) - 1) / 2, gap * level), number)
                for i, number in enumerate(layer)] for level, layer in enumerate(units)]
    for lower, upper in zip(centres, centres[1:]):
        for (x0, y0), a in lower:
            for (x1, y1), b in upper:
                if a is None or b is None:
                    continue
                # From rim to rim: move both ends one radius towards each other.
                length = ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5
                dx, dy = (x1 - x0) / length * radius, (y1 - y0) / length * radius
                axes.add_patch(FancyArrowPatch((x0 + dx, y0 + dy), (x1 - dx, y1 - dy),
                                               arrowstyle="-|>", mutation_scale=7,
                                               shrinkA=0, shrinkB=0, linewidth=0.6,
                                               color="0.45"))
    for layer, letter, name in zip(centres, letters, names):
        for (x, y), number in layer:
            if number is None:
                axes.text(x, y, "$\\cdots$", ha="center", va="center", fontsize=12)
                continue
            axes.add_patch(Circle((x, y), radius, facecolor="white", edgecolor="tab:blue",
                                  linewidth=1.2, zorder=3))
            axes.text(x, y, f"${letter}_{{{number}}}$", ha="center", va="center",
                      fontsize=9 if number < 100 else 6, zorder=4)
        axes.text(widest / 2 + 0.1, layer[0][0][1], name, ha="left", va="center", fontsize=9)
    axes.set_xlim(-widest / 2 - 0.1, widest / 2 + 2.6)
    axes.set_ylim(-0.4, gap * (len(sizes) - 1) + 0.4)
    axes.set_aspect("equal")
    axes.set_axis_off()
    return axes


def _graph_layout(graph):
    """Column and row of each node: a node's column is one past its latest input's, then
    every node moves right to just before its first consumer (so no edge jumps far ahead
    of where its value is used). Rows follow the order of ``graph.nodes``."""
    column, order = {}, []

    def depth(node, visiting=()):
        if node in visiting:
            raise ValueError(f"the graph has a cycle through {node!r}: a computational graph "
                             "is acyclic")
        if node not in column:
            inputs = graph.inputs_of(node)
            column[node] = 1 + max((depth(a, (*visiting, node)) for a in inputs), default=-1)
            order.append(node)
        return column[node]

    for node in graph.nodes:
        depth(node)
    for node in reversed(order):  # consumers first: each node then moves up to them
        consumers = [column[b] for a, b in graph.edges if a == node]
        if consumers:
            column[node] = min(consumers) - 1
    # Rows: each column in the order of the mean row of its inputs (fewer crossings), the
    # sources in the order of graph.nodes.
    row = {}
    for col in sorted(set(column.values())):
        members = [n for n in graph.nodes if column[n] == col]
        first = {node: i for i, node in enumerate(members)}

        def key(node, first=first):
            placed = [row[a] for a in graph.inputs_of(node) if a in row]
            return sum(placed) / len(placed) if placed else first[node]

        members.sort(key=key)
        for i, node in enumerate(members):
            row[node] = i - (len(members) - 1) / 2
    return {node: (column[node], -row[node]) for node in graph.nodes}


def draw_graph(graph, figsize=None, axes=None):
    """Draw a computational graph (a ``Graph`` of d2l_helpers.backprop); return the axes.

    Computation flows left to right: variables in blue boxes, operators in orange rounded
    boxes, as in the book's figure 4.7.1, which the book ships as a picture; here
    ``d2l.draw_graph(d2l.book_graph())`` draws it from the graph's data (at the positions
    the graph gives, else laid out in columns), and any graph autograd recorded
    (``d2l.autograd_graph(J)``) draws the same way. Not in the book.
    """
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    if not (hasattr(graph, "nodes") and hasattr(graph, "edges")
            and hasattr(graph, "inputs_of")):
        raise TypeError(f"graph={type(graph).__name__}: pass a d2l_helpers Graph, e.g. "
                        "d2l.book_graph() or d2l.autograd_graph(J)")
    unknown = [n for edge in graph.edges for n in edge if n not in graph.nodes]
    if unknown:
        raise ValueError(f"graph: edges name nodes that are not in graph.nodes: {unknown[:3]}")
    positions = getattr(graph, "positions", None)
    if positions:
        missing = [n for n in graph.nodes if n not in positions]
        if missing:
            raise ValueError(f"graph.positions has no place for {missing[:3]}")
        where = dict(positions)
    else:
        where = {n: (1.4 * c, r) for n, (c, r) in _graph_layout(graph).items()}
    xs = [x for x, _ in where.values()]
    ys = [y for _, y in where.values()]
    if figsize is None:
        figsize = (min(0.75 * (max(xs) - min(xs)) + 1.5, 14), 0.75 * (max(ys) - min(ys)) + 1.0)
    axes = axes if axes else plt.subplots(figsize=figsize)[1]
    half_height = 0.22
    for a, b in graph.edges:
        # An edge that skips a column bends, so it does not run under the nodes between.
        bend = 0.25 if positions is None and where[b][0] - where[a][0] > 1.5 else 0.0
        axes.add_patch(FancyArrowPatch(where[a], where[b], arrowstyle="-|>", mutation_scale=9,
                                       shrinkA=12, shrinkB=12, linewidth=0.8, color="0.35",
                                       connectionstyle=f"arc3,rad={bend}", zorder=1))
    for node, (label, kind) in graph.nodes.items():
        x, y = where[node]
        # The width a label takes: a TeX command (\\lambda) is one glyph, braces none.
        shown = (len(re.sub(r"[{}^_$]", "", re.sub(r"\\[a-zA-Z]+", "x", label)))
                 if "$" in label else len(label))
        half_width = max(0.25, 0.055 * shown + 0.08)
        operator = kind == "operator"
        axes.add_patch(FancyBboxPatch((x - half_width, y - half_height), 2 * half_width,
                                      2 * half_height,
                                      boxstyle="round,pad=0.02,rounding_size=0.2" if operator
                                      else "square,pad=0.02",
                                      facecolor="white", linewidth=1.2, zorder=2,
                                      edgecolor="tab:orange" if operator else "tab:blue"))
        axes.text(x, y, label, ha="center", va="center", fontsize=8, zorder=3)
    axes.set_xlim(min(xs) - 0.8, max(xs) + 0.8)
    axes.set_ylim(min(ys) - 0.6, max(ys) + 0.6)
    axes.set_aspect("equal")
    axes.set_axis_off()
    return axes
