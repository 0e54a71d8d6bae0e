"""regression.py and aliases.py: the chapter 3 helpers that sections 4.4 and 4.5 call."""
import numpy as np
import pytest
import torch
from torch import nn

import d2l_helpers as d2l


def test_synthetic_data_follows_its_formula():
    torch.manual_seed(0)
    true_w, true_b = torch.tensor([2, -3.4]), 4.2
    X, y = d2l.synthetic_data(true_w, true_b, 1000)
    assert X.shape == (1000, 2) and y.shape == (1000, 1)
    assert abs(float(X.mean())) < 0.1 and abs(float(X.std()) - 1) < 0.1
    noise = y - (X @ true_w + true_b).reshape(-1, 1)
    assert abs(float(noise.std()) - 0.01) < 0.002
    solution = torch.linalg.lstsq(torch.cat([X, torch.ones(1000, 1)], dim=1), y).solution
    assert torch.allclose(solution.flatten(), torch.tensor([2, -3.4, 4.2]), atol=0.005)


def test_synthetic_data_with_a_column_of_weights():
    X, y = d2l.synthetic_data(d2l.ones((200, 1)) * 0.01, 0.05, 20)  # book section 4.5
    assert X.shape == (20, 200) and y.shape == (20, 1)


def test_linreg_and_squared_loss_values():
    X, w, b = torch.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.tensor([[0.5], [-1.0]]), 0.25
    y_hat = d2l.linreg(X, w, b)
    assert y_hat.tolist() == [[-1.25], [-2.25]]
    loss = d2l.squared_loss(y_hat, torch.tensor([-1.0, 0.0]))  # y 1-D: reshaped like y_hat
    assert loss.shape == (2, 1) and loss.flatten().tolist() == [0.03125, 2.53125]


def test_load_array_batches_and_order():
    features, labels = torch.arange(10.0).reshape(5, 2), torch.arange(5)
    ordered = d2l.load_array((features, labels), 2, is_train=False)
    assert [y.tolist() for _, y in ordered] == [[0, 1], [2, 3], [4]]
    torch.manual_seed(1)
    first = [y.tolist() for _, y in d2l.load_array((features, labels), np.int64(5))]
    torch.manual_seed(1)
    again = [y.tolist() for _, y in d2l.load_array((features, labels), 5)]
    assert first == again and sorted(first[0]) == [0, 1, 2, 3, 4] and first[0] != [0, 1, 2, 3, 4]


@pytest.mark.parametrize("call, error, words", [
    (lambda X, y: d2l.load_array(X, 10), TypeError,
     r"data_arrays is a Tensor; pass a tuple of tensors, e.g. load_array\(\(features, labels\)"),
    (lambda X, y: d2l.load_array((X, y[:-1]), 10), ValueError,
     r"the tensors hold \[20, 19\] examples; they need the same number"),
    (lambda X, y: d2l.load_array((X.numpy(), y), 10), TypeError,
     r"data_arrays\[0\] is a ndarray, not a tensor; convert it, e.g. torch.tensor"),
    (lambda X, y: d2l.load_array((X, y), 0), ValueError, "batch_size=0: use a positive"),
    (lambda X, y: d2l.load_array((X, y), 2.5), TypeError, "batch_size=2.5 is a float"),
    (lambda X, y: d2l.linreg(X, torch.zeros(3, 1), 0), ValueError,
     r"X has shape \(20, 2\) but w has shape \(3, 1\); w needs one row per feature of X \(2\)"),
    (lambda X, y: d2l.squared_loss(y, y[:5]), ValueError,
     r"y_hat has shape \(20, 1\) but y has shape \(5, 1\)"),
    (lambda X, y: d2l.synthetic_data([2, -3.4], 4.2, 10), TypeError,
     r"w=\[2, -3.4\] must be a float tensor of shape \(d,\) or \(d, 1\)"),
    (lambda X, y: d2l.synthetic_data(torch.tensor([2, 3]), 4.2, 10), TypeError,
     "must be a float tensor"),
    (lambda X, y: d2l.synthetic_data(torch.tensor([2.0]), 4.2, 0), ValueError,
     "num_examples=0: use a positive whole number"),
    (lambda X, y: d2l.synthetic_data(torch.ones(2, 3), 4.2, 10), ValueError,
     r"w has shape \(2, 3\); it holds one weight per feature"),
    (lambda X, y: d2l.synthetic_data(torch.tensor([2.0, 1.0]), "4.2", 10), TypeError,
     "b='4.2' is a str"),
    (lambda X, y: d2l.synthetic_data(torch.tensor([2.0, 1.0]), torch.zeros(3), 10), ValueError,
     r"b has shape \(3,\); the model has one output"),
    (lambda X, y: d2l.linreg(X.tolist(), torch.zeros(2, 1), 0), TypeError,
     "X is a list, not a tensor"),
    (lambda X, y: d2l.linreg(X, torch.zeros(2, 3), 0), ValueError, "one weight per feature"),
    (lambda X, y: d2l.squared_loss(y.tolist(), y), TypeError, "y_hat is a list, not a tensor"),
    (lambda X, y: d2l.load_array((torch.tensor(1.0), y), 2), ValueError, "0-d tensor"),
])
def test_mistakes_get_a_message_with_the_fix(call, error, words):
    X, y = d2l.synthetic_data(torch.tensor([2, -3.4]), 4.2, 20)
    with pytest.raises(error, match=words):
        call(X, y)


def test_weight_decay_from_scratch_with_the_books_helpers():
    """Section 4.5's recipe (our own code): 200 features, 20 examples, L2 penalty."""
    torch.manual_seed(0)
    true_w = d2l.ones((200, 1)) * 0.01
    train_iter = d2l.load_array(d2l.synthetic_data(true_w, 0.05, 20), 5)
    test_iter = d2l.load_array(d2l.synthetic_data(true_w, 0.05, 100), 5, is_train=False)

    def fit(lambd):
        torch.manual_seed(1)
        w = torch.normal(0, 1, size=(200, 1), requires_grad=True)
        b = torch.zeros(1, requires_grad=True)
        net = lambda X: d2l.linreg(X, w, b)  # noqa: E731
        for _ in range(50):
            for X, y in train_iter:
                l = d2l.squared_loss(net(X), y) + lambd * d2l.reduce_sum(w ** 2) / 2
                l.sum().backward()
                d2l.sgd([w, b], 0.003, 5)
        return (d2l.evaluate_loss(net, train_iter, d2l.squared_loss),
                d2l.evaluate_loss(net, test_iter, d2l.squared_loss), float(w.detach().norm()))

    train_plain, test_plain, norm_plain = fit(0)
    train_decay, test_decay, norm_decay = fit(3)
    assert train_plain < 0.01 * test_plain  # overfits: memorises 20 examples
    assert norm_decay < norm_plain / 2 and test_decay < test_plain / 2


def test_regression_trains_with_train_epoch_ch3():
    """Section 4.4 trains a polynomial with train_epoch_ch3, nn.MSELoss and float targets."""
    torch.manual_seed(0)
    features = torch.normal(0, 1, (100, 1))
    poly = torch.cat([features ** i for i in range(4)], dim=1)
    labels = poly @ torch.tensor([5, 1.2, -1.7, 0.93]) + torch.normal(0, 0.1, (100,))
    train_iter = d2l.load_array((poly, labels.reshape(-1, 1)), 10)
    net = nn.Sequential(nn.Linear(4, 1, bias=False))
    trainer = torch.optim.SGD(net.parameters(), lr=0.01)
    losses = [d2l.train_epoch_ch3(net, train_iter, nn.MSELoss(), trainer)[0] for _ in range(30)]
    assert losses[-1] < losses[0] / 10


def test_aliases_do_what_the_book_writes():
    x = d2l.tensor([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]], dtype=d2l.float32)
    assert d2l.size(x) == 6 and d2l.reshape(x, (3, 2)).shape == (3, 2)
    assert float(d2l.reduce_sum(x)) == 5.0 and d2l.reduce_sum(x, dim=0).tolist() == [5, 3, -3]
    assert d2l.argmax(x, dim=1).tolist() == [2, 1]
    assert d2l.astype(x, d2l.int32).dtype == torch.int32
    assert d2l.transpose(x).shape == (3, 2) and d2l.numpy(x).shape == (2, 3)
    assert d2l.abs(x).min() == 1 and d2l.concat((x, x)).shape == (4, 3)
    assert abs(-3) == 3  # Python's abs is untouched by importing the package
