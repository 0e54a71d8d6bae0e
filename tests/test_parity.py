"""Parity with the real d2l 0.17.6 (installed with --no-deps by `make test`).

Same batches, same seed: the same numbers and the same parameters afterwards,
wherever our behaviour is meant to match the book's.
"""
import hashlib
import inspect
import os

import numpy as np
import pytest
import torch
from torch import nn

import d2l_helpers as d2l

book = pytest.importorskip("d2l.torch", reason="the reference d2l==0.17.6 is not installed")
pytestmark = [
    pytest.mark.parity,
    # The book's float(l.sum()) on a tensor that requires grad warns on current torch.
    pytest.mark.filterwarnings("ignore:Converting a tensor with requires_grad:UserWarning"),
]


@pytest.fixture(autouse=True)
def quiet_book(monkeypatch):
    """The book's Animator wants SVG and an IPython display; neither matters here."""
    monkeypatch.setattr(book, "use_svg_display", lambda: None)
    monkeypatch.setattr(book.display, "display", lambda *a, **k: None)
    monkeypatch.setattr(book.display, "clear_output", lambda *a, **k: None)


def make_net(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 4))


# Defaults we changed on purpose (README, "Differences from d2l"): the book's download() puts
# files into ../data relative to wherever Python started; ours into the course's data folder.
CHANGED_DEFAULTS = {("download", "cache_dir"): (os.path.join("..", "data"), None)}


def test_public_names_keep_the_books_signatures():
    for name in d2l.__all__:
        if not hasattr(book, name):
            continue  # ours only: data_source, TrainResult, TrainingDivergedWarning
        ours, theirs = getattr(d2l, name), getattr(book, name)
        if inspect.isclass(ours):
            ours, theirs = ours.__init__, theirs.__init__
        if not callable(ours):
            continue
        ours_params = list(inspect.signature(ours).parameters.values())
        book_params = list(inspect.signature(theirs).parameters.values())
        changed = {param: ours_default for (where, param), (books_default, ours_default)
                   in CHANGED_DEFAULTS.items() if where == name}
        assert [(p.name, p.default) for p in ours_params[:len(book_params)]] == [
            (p.name, changed.get(p.name, p.default)) for p in book_params], name
        assert all(p.default is not inspect.Parameter.empty
                   for p in ours_params[len(book_params):]), name


def test_accumulator_and_accuracy_match(blobs):
    ours, theirs = d2l.Accumulator(3), book.Accumulator(3)
    for values in [(1, 2.5, 3), (torch.tensor(2.0), 0.5, 7)]:
        ours.add(*values)
        theirs.add(*values)
    assert ours.data == theirs.data
    torch.manual_seed(0)
    y_hat, y = torch.randn(64, 10), torch.randint(0, 10, (64,))
    assert d2l.accuracy(y_hat, y) == book.accuracy(y_hat, y)


def test_evaluate_accuracy_matches(blobs):
    _, test = blobs
    net = make_net()
    assert d2l.evaluate_accuracy(net, test) == book.evaluate_accuracy(net, test)


def test_train_epoch_module_with_torch_sgd_matches(blobs):
    train, _ = blobs
    loss = nn.CrossEntropyLoss(reduction="none")
    ours_net, book_net = make_net(), make_net()
    ours = d2l.train_epoch_ch3(ours_net, train, loss,
                               torch.optim.SGD(ours_net.parameters(), lr=0.1))
    theirs = book.train_epoch_ch3(book_net, train, loss,
                                  torch.optim.SGD(book_net.parameters(), lr=0.1))
    assert ours == pytest.approx(theirs, abs=1e-6)
    for p, q in zip(ours_net.parameters(), book_net.parameters(), strict=True):
        assert torch.allclose(p, q, atol=1e-6)


def scratch(seed=0):
    torch.manual_seed(seed)
    W1 = nn.Parameter(torch.randn(2, 16) * 0.1)
    b1 = nn.Parameter(torch.zeros(16))
    W2 = nn.Parameter(torch.randn(16, 4) * 0.1)
    b2 = nn.Parameter(torch.zeros(4))
    params = [W1, b1, W2, b2]
    return (lambda X: torch.relu(X @ W1 + b1) @ W2 + b2), params


def test_train_epoch_scratch_params_with_custom_updater_matches(blobs):
    train, _ = blobs
    loss = nn.CrossEntropyLoss(reduction="none")
    ours_net, ours_params = scratch()
    book_net, book_params = scratch()
    ours = d2l.train_epoch_ch3(ours_net, train, loss, lambda n: d2l.sgd(ours_params, 0.5, n))
    theirs = book.train_epoch_ch3(book_net, train, loss, lambda n: book.sgd(book_params, 0.5, n))
    assert ours == pytest.approx(theirs, abs=1e-6)
    for p, q in zip(ours_params, book_params, strict=True):
        assert torch.allclose(p, q, atol=1e-6)


def test_train_ch3_final_metrics_match_where_the_books_assertions_hold(blobs, monkeypatch):
    train, test = blobs
    loss = nn.CrossEntropyLoss(reduction="none")
    animators = []

    class RecordingAnimator(book.Animator):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            animators.append(self)

    monkeypatch.setattr(book, "Animator", RecordingAnimator)
    book_net, ours_net = make_net(), make_net()
    torch.manual_seed(1)
    book.train_ch3(book_net, train, test, loss, 3, torch.optim.SGD(book_net.parameters(), lr=0.1))
    torch.manual_seed(1)
    result = d2l.train_ch3(ours_net, train, test, loss, 3,
                           torch.optim.SGD(ours_net.parameters(), lr=0.1), animator=None)
    book_history = [v for epoch in zip(*animators[0].Y) for v in epoch]  # loss, acc, test acc
    ours_history = [h[k] for h in result.history for k in ("train_loss", "train_acc", "test_acc")]
    assert ours_history == pytest.approx(book_history, abs=1e-6)
    assert result[:3] == pytest.approx(book_history[-3:], abs=1e-6)


def test_mean_loss_the_book_under_reports_by_the_batch_size(blobs):
    """A deliberate difference: the book's float(l.sum()) of a mean loss."""
    train, _ = blobs
    ours_net, book_net = make_net(), make_net()
    ours, _ = d2l.train_epoch_ch3(ours_net, train, nn.CrossEntropyLoss(),
                                  torch.optim.SGD(ours_net.parameters(), lr=0.1))
    theirs, _ = book.train_epoch_ch3(book_net, train, nn.CrossEntropyLoss(),
                                     torch.optim.SGD(book_net.parameters(), lr=0.1))
    assert theirs == pytest.approx(ours / 32, rel=1e-6)  # every batch here holds 32 examples


# --- the chapter 3 regression helpers and the book's shorthand aliases (issue 15) ---------

def test_regression_helpers_match():
    true_w, true_b = torch.tensor([2, -3.4]), 4.2
    torch.manual_seed(3)
    ours = d2l.synthetic_data(true_w, true_b, 50)
    torch.manual_seed(3)
    theirs = book.synthetic_data(true_w, true_b, 50)
    assert all(torch.equal(a, b) for a, b in zip(ours, theirs, strict=True))
    X, y = ours
    w, b = torch.tensor([[1.5], [-2.0]]), 0.5
    assert torch.equal(d2l.linreg(X, w, b), book.linreg(X, w, b))
    assert torch.equal(d2l.squared_loss(d2l.linreg(X, w, b), y),
                       book.squared_loss(book.linreg(X, w, b), y))
    for is_train in (True, False):
        torch.manual_seed(4)
        our_batches = list(d2l.load_array((X, y), 8, is_train))
        torch.manual_seed(4)
        book_batches = list(book.load_array((X, y), 8, is_train))
        assert len(our_batches) == len(book_batches) == 7
        for (a, b_), (c, d) in zip(our_batches, book_batches):
            assert torch.equal(a, c) and torch.equal(b_, d)


def test_evaluate_loss_matches_the_books_with_reduction_none():
    """Book section 4.4's evaluate_loss, on its polynomial regression (loss with reduction='none')."""
    torch.manual_seed(5)
    features = torch.randn(30, 4)
    labels = features @ torch.tensor([5.0, 1.2, -1.7, 0.9]) + 0.1 * torch.randn(30)
    net = nn.Sequential(nn.Linear(4, 1, bias=False))
    data = list(d2l.load_array((features, labels.reshape(-1, 1)), 8, is_train=False))
    loss = nn.MSELoss(reduction="none")
    ours, theirs = d2l.evaluate_loss(net, data, loss), book.evaluate_loss(net, data, loss)
    assert ours == pytest.approx(theirs, rel=1e-6)
    # 1-D labels, as the book's 4.4 passes them: both reshape them to the output's shape
    flat = [(X, y.reshape(-1)) for X, y in data]
    assert d2l.evaluate_loss(net, flat, loss) == pytest.approx(book.evaluate_loss(net, flat, loss),
                                                               rel=1e-6)
    # a mean-reducing loss: the book averages batch means (30 = 8+8+8+6, the short batch weighs
    # as much as a full one); ours stays the per-example mean (a deliberate difference)
    mean_loss = nn.MSELoss()
    assert d2l.evaluate_loss(net, data, mean_loss) == pytest.approx(theirs, rel=1e-6)
    assert book.evaluate_loss(net, data, mean_loss) != pytest.approx(theirs, rel=1e-3)


def test_accuracy_of_a_regression_matches():
    """Book section 4.4 passes regression outputs through train_epoch_ch3's accuracy."""
    y_hat, y = torch.tensor([[1.0], [2.5], [3.0]]), torch.tensor([[1.0], [2.0], [3.0]])
    assert d2l.accuracy(y_hat, y) == book.accuracy(y_hat, y)


def _book_alias_names():
    import re
    source = inspect.getsource(book)
    block = source.split("# Alias defined in config.ini")[1].split("DATA_HUB")[0]
    return re.findall(r"^(\w+) = ", block, re.MULTILINE)


def test_aliases_are_the_books_list():
    from d2l_helpers.aliases import ALIASES
    names = _book_alias_names()
    assert len(names) == 30 and tuple(names) == ALIASES
    assert [name for name in names if not hasattr(d2l, name)] == []


NO_ARGS = ((), {})
SAMPLE_CALLS = {  # the book's lambdas, each called on a sample as its markdown calls it
    "numpy": [NO_ARGS], "size": [NO_ARGS], "transpose": [NO_ARGS],
    "reshape": [(((3, 2),), {}), (((-1,),), {})], "to": [((torch.float64,), {})],
    "reduce_sum": [NO_ARGS, ((), {"dim": 0})], "argmax": [NO_ARGS, ((), {"dim": 1})],
    "astype": [((torch.int32,), {})],
}


def test_aliases_behave_as_the_books():
    x = torch.tensor([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]], requires_grad=True)
    for name in _book_alias_names():
        ours, theirs = getattr(d2l, name), getattr(book, name)
        if getattr(theirs, "__name__", None) != "<lambda>":
            assert ours is theirs, name  # the torch function or dtype itself
            continue
        for args, kwargs in SAMPLE_CALLS[name]:
            a, b = ours(x, *args, **kwargs), theirs(x, *args, **kwargs)
            if torch.is_tensor(a):
                assert a.dtype == b.dtype and torch.equal(a, b), name
            else:
                assert type(a) is type(b) and np.array_equal(a, b), name


def test_changed_defaults_are_the_books_defaults_today():
    for (name, param), (books_default, _) in CHANGED_DEFAULTS.items():
        assert inspect.signature(getattr(book, name)).parameters[param].default == books_default


def test_the_data_hub_is_the_books():
    assert d2l.DATA_URL == book.DATA_URL
    for name in ("kaggle_house_train", "kaggle_house_test"):
        assert d2l.DATA_HUB[name] == book.DATA_HUB[name]


def test_download_returns_the_books_path_for_a_cached_file(tmp_path, monkeypatch):
    data = b"Id,SalePrice\n1,208500\n"
    entry = ("http://127.0.0.1:9/house.csv", hashlib.sha1(data).hexdigest())
    monkeypatch.setitem(d2l.DATA_HUB, "house", entry)
    monkeypatch.setitem(book.DATA_HUB, "house", entry)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "house.csv").write_bytes(data)
    monkeypatch.chdir(tmp_path / "data")  # the book's ../data from a notebook folder
    relative = os.path.join("..", "data")
    assert d2l.download("house", relative) == book.download("house", relative)
