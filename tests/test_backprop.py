"""d2l_helpers.backprop and d2l.draw_graph (book 4.7): the computational graph as data, the
graph autograd records, and the bytes a backward pass keeps against a forward pass alone."""
import pytest
import torch
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
from torch import nn
from torch.nn import functional as F

import d2l_helpers as d2l


@pytest.fixture(autouse=True)
def close_figures():
    yield
    d2l.plt.close("all")


def book_objective(n=4, d=3, h=5, q=2, lambd=0.1, seed=0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d, generator=g)
    y = torch.randint(0, q, (n,), generator=g)
    W1 = torch.randn(h, d, generator=g).requires_grad_()
    W2 = torch.randn(q, h, generator=g).requires_grad_()
    Z = X @ W1.T
    H = torch.sigmoid(Z)
    O = H @ W2.T
    J = F.cross_entropy(O, y) + lambd / 2 * (W1.pow(2).sum() + W2.pow(2).sum())
    return X, W1, W2, H, O, J


# --- the book's graph ----------------------------------------------------------------------

def test_book_graph_is_the_books_equations():
    graph = d2l.book_graph()
    assert graph.inputs_of("mul1") == ["x", "W1"]
    assert graph.inputs_of("phi") == ["z"] and graph.inputs_of("h") == ["phi"]
    assert graph.inputs_of("mul2") == ["h", "W2"]
    assert graph.inputs_of("loss") == ["o", "y"]
    assert graph.inputs_of("norm") == ["W1", "W2"]
    assert graph.inputs_of("plus") == ["L", "s"] and graph.inputs_of("J") == ["plus"]
    kinds = {kind for _, kind in graph.nodes.values()}
    assert kinds == {"variable", "operator"}
    # every operator sits between variables: data never flows operator to operator
    for a, b in graph.edges:
        assert {graph.nodes[a][1], graph.nodes[b][1]} == {"variable", "operator"}, (a, b)
    assert set(graph.positions) == set(graph.nodes)


# --- the graph autograd records --------------------------------------------------------------

def test_autograd_graph_names_leaves_and_ends_at_the_output():
    X, W1, W2, H, O, J = book_objective()
    graph = d2l.autograd_graph(J, {"W1": W1, "W2": W2, "J": J})
    labels = [label for label, _ in graph.nodes.values()]
    assert labels.count("W1") == 1 and labels.count("W2") == 1  # one node per leaf
    assert {"Sigmoid", "Mm", "Pow", "Add"} <= set(labels)
    out = [n for n, (label, _) in graph.nodes.items() if label == "J"]
    assert len(out) == 1 and not [b for a, b in graph.edges if a == out[0]]  # J is the end
    leaves = [n for n, (label, kind) in graph.nodes.items() if kind == "variable" and label != "J"]
    assert all(not graph.inputs_of(n) for n in leaves)  # leaves have no inputs
    # W1 reaches J along two paths: through the network and through the regulariser
    w1 = next(n for n, (label, _) in graph.nodes.items() if label == "W1")
    assert len([b for a, b in graph.edges if a == w1]) == 2
    assert all(a in graph.nodes and b in graph.nodes for a, b in graph.edges)


def test_autograd_graph_refuses_what_has_no_graph():
    with pytest.raises(TypeError, match="tensor"):
        d2l.autograd_graph(3.0)
    with pytest.raises(ValueError, match="requires_grad"):
        d2l.autograd_graph(torch.ones(2).sum())
    X, W1, W2, H, O, J = book_objective()
    with pytest.raises(TypeError, match="names"):
        d2l.autograd_graph(J, {"W1": "W1"})


# --- memory ----------------------------------------------------------------------------------

def deep_net(depth, width=32, seed=0):
    torch.manual_seed(seed)
    layers = [nn.Linear(width, width)]
    for _ in range(depth - 1):
        layers += [nn.ReLU(), nn.Linear(width, width)]
    return nn.Sequential(*layers)


@pytest.mark.parametrize("depth", [1, 2, 4, 8])
@pytest.mark.parametrize("batch", [1, 16, 64])
def test_saved_bytes_grow_with_depth_and_batch(depth, batch):
    net, X = deep_net(depth), torch.randn(batch, 32)
    out, saved = d2l.saved_tensor_bytes(lambda: net(X).sum(), exclude=[X, *net.parameters()])
    assert out.requires_grad
    # each ReLU keeps its output, which the next Linear keeps as its input: one copy each
    assert saved == (depth - 1) * batch * 32 * 4


def test_nothing_is_saved_without_gradients_and_parameters_can_be_counted():
    net, X = deep_net(3), torch.randn(8, 32)
    with torch.no_grad():
        _, saved = d2l.saved_tensor_bytes(net, X)
    assert saved == 0
    _, with_parameters = d2l.saved_tensor_bytes(net, X)
    # X and the two ReLU outputs (for the weights' gradients), and the weights of the layers
    # that pass a gradient on to their input: all but the first, whose input needs none
    weights = sum(m.weight.numel() * 4 for m in list(net)[1:] if isinstance(m, nn.Linear))
    assert with_parameters == 8 * 32 * 4 + 2 * 8 * 32 * 4 + weights


def test_sigmoid_keeps_its_output():
    Z = torch.randn(5, 7, requires_grad=True)
    H, saved = d2l.saved_tensor_bytes(torch.sigmoid, Z, exclude=[Z])
    assert saved == 5 * 7 * 4
    H64, saved64 = d2l.saved_tensor_bytes(torch.sigmoid, Z.double().detach().requires_grad_())
    assert saved64 == 5 * 7 * 8


@pytest.mark.parametrize("depth", [1, 3, 9])
def test_inference_peak_is_one_layer_whatever_the_depth(depth):
    net, X = deep_net(depth), torch.randn(16, 32)
    net.train()
    assert d2l.inference_peak_bytes(net, X) == 2 * 16 * 32 * 4  # one layer's input + output
    assert net.training  # mode left as found
    assert all(not m._forward_hooks for m in net.modules())  # hooks removed


def test_inference_peak_takes_the_widest_layer():
    net = nn.Sequential(nn.Linear(10, 20), nn.ReLU(), nn.Linear(20, 5))
    assert d2l.inference_peak_bytes(net, torch.randn(8, 10)) == 2 * 8 * 20 * 4
    with pytest.raises(TypeError, match="nn.Module"):
        d2l.inference_peak_bytes(lambda X: X, torch.ones(2))
    with pytest.raises(TypeError, match="tensor"):
        d2l.inference_peak_bytes(net, [[1.0] * 10])


# --- drawing ---------------------------------------------------------------------------------

def parts(axes):
    boxes = [p for p in axes.patches if isinstance(p, FancyBboxPatch)]
    arrows = [p for p in axes.patches if isinstance(p, FancyArrowPatch)]
    return boxes, arrows, [t.get_text() for t in axes.texts]


def test_book_graph_draws_a_box_per_node_and_an_arrow_per_edge():
    graph = d2l.book_graph()
    boxes, arrows, texts = parts(d2l.draw_graph(graph))
    assert len(boxes) == len(graph.nodes) and len(arrows) == len(graph.edges)
    assert {"$W^{(1)}$", "$J$", "$\\phi$"} <= set(texts)


def test_autograd_graph_draws_in_columns_left_to_right():
    X, W1, W2, H, O, J = book_objective()
    graph = d2l.autograd_graph(J, {"W1": W1, "W2": W2, "J": J})
    axes = d2l.draw_graph(graph)
    boxes, arrows, _ = parts(axes)
    assert len(boxes) == len(graph.nodes) and len(arrows) == len(graph.edges)
    where = d2l.plotting._graph_layout(graph)
    assert all(where[a][0] < where[b][0] for a, b in graph.edges)  # every edge points right
    cells = [tuple(v) for v in where.values()]
    assert len(set(cells)) == len(cells)  # no two nodes on one spot


def test_draw_graph_refuses_bad_graphs():
    with pytest.raises(TypeError, match="Graph"):
        d2l.draw_graph([("a", "b")])
    with pytest.raises(ValueError, match="not in graph.nodes"):
        d2l.draw_graph(d2l.Graph({"a": ("a", "variable")}, [("a", "b")]))
    cycle = d2l.Graph({"a": ("a", "variable"), "b": ("b", "operator")}, [("a", "b"), ("b", "a")])
    with pytest.raises(ValueError, match="cycle"):
        d2l.draw_graph(cycle)
