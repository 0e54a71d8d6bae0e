"""Lesson 9's exercises: every typical mistake gets its diagnosis; predictions are judged
against constructed measurements (tests/test_exercises.py runs the starters and solutions)."""
import random

import numpy as np
import pytest
import torch
from exercise_asserts import rejected as incorrect
from torch import nn
from torch.nn import functional as F

from d2l_helpers.exercises import CORRECT, NOT_ATTEMPTED, ____
from d2l_helpers.exercises import lesson9 as ex
from d2l_helpers.repeats import Runs


@pytest.fixture(autouse=True)
def fresh_exercises():
    for exercise in ex.exercises.exercises.values():
        exercise.prediction = None
    yield


# --- q1: dropout_layer -------------------------------------------------------------------------

def book(X, dropout):
    assert 0 <= dropout <= 1
    if dropout == 1:
        return torch.zeros_like(X)
    if dropout == 0:
        return X
    mask = (torch.rand(X.shape) > dropout).float()
    return mask * X / (1.0 - dropout)


def with_edges(body):
    """A dropout_layer with the book's two special cases around ``body(X, dropout)``."""
    def dropout_layer(X, dropout):
        if dropout == 1:
            return torch.zeros_like(X)
        if dropout == 0:
            return X
        return body(X, dropout)
    return dropout_layer


def no_special_one(X, dropout):
    if dropout == 0:
        return X
    return (torch.rand(X.shape) > dropout).float() * X / (1.0 - dropout)


def swapped_special_cases(X, dropout):
    if dropout == 0:
        return torch.zeros_like(X)
    if dropout == 1:
        return X
    return book(X, dropout)


def in_place_multiply(X, dropout):
    if dropout in (0, 1):
        return book(X, dropout)
    X *= (torch.rand(X.shape) > dropout).float() / (1.0 - dropout)
    return X


def in_place_assign(X, dropout):
    if dropout in (0, 1):
        return book(X, dropout)
    X[torch.rand(X.shape) <= dropout] = 0
    return X / (1.0 - dropout)


def seeded_inside(X, dropout):
    torch.manual_seed(0)
    return book(X, dropout)


def rand_as_mask(X, dropout):
    mask = torch.rand(X.shape)
    mask[mask < dropout] = 0
    return mask * X / (1.0 - dropout)


def forgets_return(X, dropout):
    book(X, dropout)


@pytest.mark.parametrize("dropout_layer", [
    book,
    with_edges(lambda X, p: torch.bernoulli(torch.full_like(X, 1 - p)) * X / (1 - p)),
    with_edges(lambda X, p: torch.where(torch.rand_like(X) > p, X / (1 - p), torch.zeros_like(X))),
    with_edges(lambda X, p: (torch.rand_like(X) >= p) * X / (1 - p)),  # bool mask times X
    lambda X, p: F.dropout(X, p),
    lambda X, p: torch.zeros_like(X) if p == 1 else X.clone() if p == 0 else book(X, p),
], ids=["book", "bernoulli", "where", "bool-mask", "F.dropout", "clone-at-0"])
def test_dropout_layer_written_any_right_way_is_correct(dropout_layer):
    outcome = ex.q1.evaluate(dropout_layer)
    assert outcome.status == CORRECT, outcome.message


@pytest.mark.parametrize("dropout_layer, words", [
    # not rescaled by 1/(1 - p)
    (with_edges(lambda X, p: (torch.rand(X.shape) > p).float() * X), ["没有放大", "1 - dropout"]),
    # kept with probability p instead of 1 - p (rescaled either way)
    (with_edges(lambda X, p: (torch.rand(X.shape) < p).float() * X / (1 - p)),
     ["1 - p", "反了", "torch.rand(X.shape) > dropout"]),
    (with_edges(lambda X, p: (torch.rand(X.shape) < p).float() * X / p), ["反了"]),
    (with_edges(lambda X, p: torch.bernoulli(torch.full_like(X, p)) * X / (1 - p)), ["反了"]),
    # p = 1 gives nan; p = 0 and p = 1 swapped
    (no_special_one, ["dropout=1", "nan", "torch.zeros_like(X)"]),
    (swapped_special_cases, ["dropout=0", "全 0", "写反了"]),
    # one mask shared by the whole batch: X.shape[1:], a single row; or a whole row dropped
    (with_edges(lambda X, p: (torch.rand(X.shape[1:]) > p).float() * X / (1 - p)),
     ["共用了一个掩码", "torch.rand(X.shape)"]),
    (with_edges(lambda X, p: (torch.rand(1, X.shape[1]) > p).float() * X / (1 - p)),
     ["共用了一个掩码"]),
    (with_edges(lambda X, p: (torch.rand(X.shape[0], 1) > p).float() * X / (1 - p)),
     ["整行", "(批量, 1)"]),
    # a 2-D mask: right on a batch of vectors, wrong for X of any other shape
    (with_edges(lambda X, p: (torch.rand(X.shape[0], X.shape[1]) > p).float() * X / (1 - p)),
     ["掩码的形状", "torch.rand(X.shape)"]),
    # X modified in place
    (in_place_multiply, ["原地修改", "X 本身不动"]),
    (in_place_assign, ["原地修改"]),
    # other scales and masks
    (with_edges(lambda X, p: (torch.rand(X.shape) > p).float() * X / p), ["除以了 dropout"]),
    (with_edges(lambda X, p: (torch.rand(X.shape) > p).float() * X * (1 - p)), ["乘了 1 - dropout"]),
    (with_edges(lambda X, p: (torch.randn(X.shape) > p).float() * X / (1 - p)), ["torch.randn", "均匀"]),
    (with_edges(lambda X, p: (torch.rand(X.shape) > 0.5).float() * X / 0.5), ["写死 0.5"]),
    (with_edges(rand_as_mask), ["只能是 0 和 1"]),
    (with_edges(lambda X, p: X / (1 - p)), ["一个元素也没有丢弃"]),
    (seeded_inside, ["同样的元素", "随机种子"]),
    (with_edges(lambda X, p: ((torch.rand(X.shape) > p).float() * X / (1 - p)).detach()),
     ["计算图断开"]),
    (with_edges(lambda X, p: torch.rand(X.shape) > p), ["布尔掩码"]),
    (with_edges(lambda X, p: (torch.rand(X.shape) > p).long() * X.long()), ["整数张量"]),
    (forgets_return, ["没有返回结果"]),
], ids=["no-rescale", "keep-p", "keep-p-over-p", "bernoulli-p", "nan-at-1", "edges-swapped",
        "mask-shape-1:", "mask-one-row", "mask-per-example", "mask-2d-only", "in-place-mul",
        "in-place-assign", "over-p", "times-1-p", "randn", "hard-coded-half", "rand-as-mask",
        "nothing-dropped", "seed-inside", "detached", "returns-mask", "integer", "no-return"])
def test_dropout_layer_mistakes_get_their_diagnosis(dropout_layer, words):
    incorrect(ex.q1.evaluate(dropout_layer), *words)


def test_dropout_layer_mistake_at_half_is_caught_at_other_rates():
    """Keeping with probability p is invisible at p = 0.5: the check must not rely on it."""
    def at_half_only(X, p):
        return book(X, 0.5) if p == 0.5 else book(X, p)

    assert ex.q1.evaluate(at_half_only).status == CORRECT
    keep_p = with_edges(lambda X, p: (torch.rand(X.shape) < p).float() * X / (1 - p))
    assert keep_p(torch.ones(4, 4), 0.5).shape == (4, 4)
    incorrect(ex.q1.evaluate(keep_p), "dropout=0.2")


def test_dropout_layer_check_leaves_the_random_state_and_is_deterministic():
    torch.manual_seed(3)
    expected = torch.rand(3)
    torch.manual_seed(3)
    first = ex.q1.evaluate(book)
    assert torch.equal(torch.rand(3), expected)
    assert ex.q1.evaluate(book) == first


def test_dropout_layer_untouched_starter_is_not_attempted():
    def dropout_layer(X, dropout):
        assert 0 <= dropout <= 1
        if dropout == 1:
            return ____
        if dropout == 0:
            return ____
        mask = ____  # noqa: F841 - the starter
        return ____

    assert ex.q1.evaluate(dropout_layer).status == NOT_ATTEMPTED


# --- q2: the book's Net --------------------------------------------------------------------

def net_class(forward, store="training"):
    """A Net with the book's __init__ (the flag stored as ``store``) and ``forward(self, X)``."""

    class Net(nn.Module):
        def __init__(self, num_inputs, num_outputs, num_hiddens1, num_hiddens2, is_training=True):
            super().__init__()
            self.num_inputs = num_inputs
            if store:
                setattr(self, store, is_training)
            self.lin1 = nn.Linear(num_inputs, num_hiddens1)
            self.lin2 = nn.Linear(num_hiddens1, num_hiddens2)
            self.lin3 = nn.Linear(num_hiddens2, num_outputs)
            self.relu = nn.ReLU()

    Net.forward = forward
    return Net


NAMES = {"dropout_layer": ex.reference_dropout_layer, "dropout1": 0.2, "dropout2": 0.5}


def forward_with(cond=lambda self: self.training, rates=("dropout1", "dropout2"), assign=True,
                 on_input=False, on_output=False, layers=(1, 2), before_relu=False):
    """The book's forward with one mistake switched on; reads the names from NAMES at call time."""

    def forward(self, X):
        drop = NAMES["dropout_layer"]
        p1, p2 = NAMES[rates[0]], NAMES[rates[1]]
        X = X.reshape((-1, self.num_inputs))
        if on_input and cond(self):
            X = drop(X, p1)
        Z1 = self.lin1(X)
        if before_relu and cond(self):
            H1 = self.relu(drop(Z1, p1))
        else:
            H1 = self.relu(Z1)
            if 1 in layers and cond(self):
                result = drop(H1, p1)
                H1 = result if assign else H1
        H2 = self.relu(self.lin2(H1))
        if 2 in layers and cond(self) and not on_output:
            result = drop(H2, p2)
            H2 = result if assign else H2
        out = self.lin3(H2)
        if on_output and cond(self):
            out = drop(out, p2)
        return out

    return forward


@pytest.fixture
def names_in_this_module():
    """The check swaps dropout_layer in the forward's globals: here, this module's NAMES is
    read through a function, so the spy must reach it via the module's globals."""
    globals()["dropout_layer"] = ex.reference_dropout_layer
    globals()["dropout1"], globals()["dropout2"] = 0.2, 0.5
    yield
    for name in ("dropout_layer", "dropout1", "dropout2"):
        globals().pop(name, None)


def book_forward(self, X):
    H1 = self.relu(self.lin1(X.reshape((-1, self.num_inputs))))
    if self.training == True:  # noqa: E712 - the book's spelling
        H1 = dropout_layer(H1, dropout1)  # noqa: F821 - set by the fixture
    H2 = self.relu(self.lin2(H1))
    if self.training == True:  # noqa: E712
        H2 = dropout_layer(H2, dropout2)  # noqa: F821
    return self.lin3(H2)


def spied(forward):
    """``forward`` made to call this module's global dropout_layer (the one the check swaps)."""
    def call(self, X):
        NAMES["dropout_layer"] = globals()["dropout_layer"]
        try:
            return forward(self, X)
        finally:
            NAMES["dropout_layer"] = ex.reference_dropout_layer
    return call


def test_book_net_is_correct(names_in_this_module):
    outcome = ex.q2.evaluate(net_class(book_forward))
    assert outcome.status == CORRECT, outcome.message
    assert ex.q2.evaluate(net_class(spied(forward_with()))).status == CORRECT
    # dropout before the ReLU gives the same numbers (relu(m z / (1-p)) = m relu(z) / (1-p))
    assert ex.q2.evaluate(net_class(spied(forward_with(before_relu=True)))).status == CORRECT
    # the check puts the notebook's dropout_layer back
    assert globals()["dropout_layer"] is ex.reference_dropout_layer


@pytest.mark.parametrize("Net, words", [
    # dropout still active in evaluation: no condition, or a flag of one's own
    (net_class(spied(forward_with(cond=lambda self: True))), ["net.eval() 之后仍在 dropout",
                                                              "if self.training:"]),
    (net_class(spied(forward_with(cond=lambda self: self.is_training)), store="is_training"),
     ["net.eval() 之后仍在 dropout", "self.is_training"]),
    (net_class(spied(forward_with(cond=lambda self: not self.training))), ["条件写反了"]),
    # the training flag of the constructor ignored
    (net_class(spied(forward_with()), store=None), ["is_training=False", "self.training = is_training"]),
    (net_class(spied(forward_with(rates=("dropout2", "dropout1")))), ["两个概率用反了"]),
    (net_class(spied(forward_with(rates=("dropout1", "dropout1")))), ["同一个概率 0.2"]),
    (net_class(spied(forward_with(assign=False))), ["没有用它的结果", "赋值回去"]),
    (net_class(spied(forward_with(on_input=True))), ["调用了 3 次", "输入图像"]),
    (net_class(spied(forward_with(layers=(1,)))), ["只调用了一次"]),
    (net_class(spied(forward_with(on_output=True))), ["两个隐藏层的输出"]),
], ids=["always", "is_training-attribute", "inverted", "flag-ignored", "rates-swapped",
        "dropout1-twice", "not-assigned", "on-input", "one-layer", "on-logits"])
def test_net_mistakes_get_their_diagnosis(names_in_this_module, Net, words):
    incorrect(ex.q2.evaluate(Net), *words)


def test_net_errors_in_the_learners_forward_are_explained(names_in_this_module):
    def uses_argument(self, X):
        H1 = self.relu(self.lin1(X.reshape((-1, self.num_inputs))))
        if is_training:  # noqa: F821 - the mistake
            H1 = dropout_layer(H1, dropout1)  # noqa: F821
        return self.lin3(self.relu(self.lin2(H1)))

    incorrect(ex.q2.evaluate(net_class(uses_argument)), "self.training")

    def missing_attribute(self, X):
        H1 = self.relu(self.lin1(X.reshape((-1, self.num_inputs))))
        if self.is_training:
            H1 = dropout_layer(H1, dropout1)  # noqa: F821
        return self.lin3(self.relu(self.lin2(H1)))

    incorrect(ex.q2.evaluate(net_class(missing_attribute)), "self.training", "net.eval()")

    def functional(self, X):
        H1 = self.relu(self.lin1(X.reshape((-1, self.num_inputs))))
        H1 = F.dropout(H1, 0.2, self.training)
        H2 = F.dropout(self.relu(self.lin2(H1)), 0.5, self.training)
        return self.lin3(H2)

    incorrect(ex.q2.evaluate(net_class(functional)), "练习 1 的 dropout_layer")


def test_net_check_wants_the_class():
    net = net_class(book_forward)(784, 10, 8, 8)
    incorrect(ex.q2.evaluate(net), "类 Net 本身")


def test_book_net_fallback_reads_its_names_at_call_time():
    rates = {"p": (0.0, 0.0)}
    Net = ex.book_net(lambda: (ex.reference_dropout_layer, *rates["p"]))
    torch.manual_seed(0)
    net = Net(784, 10, 32, 16)
    X = torch.rand(4, 1, 28, 28)
    plain = net(X)
    rates["p"] = (0.5, 0.5)
    assert not torch.equal(net(X), plain)  # the new rates, read at the call
    net.eval()
    assert torch.equal(net(X), plain)


# --- q3: hidden_variances ------------------------------------------------------------------

def variances(take, restore_mode=True, mode=None, indices=None):
    """A hidden_variances with one mistake: ``take(layer, X_before, X_after)`` is what it
    records after each nn.Dropout (None: nothing); ``mode``: switch the net to it first."""

    def hidden_variances(net, X):
        was = net.training
        if mode is not None:
            net.train(mode)
        out = []
        with torch.no_grad():
            for i, layer in enumerate(net):
                before, X = X, layer(X)
                wanted = (i in indices) if indices is not None else isinstance(layer, nn.Dropout)
                if wanted:
                    out.append(take(layer, before, X))
        if restore_mode:
            net.train(was)
        return out

    return hidden_variances


def test_hidden_variances_reference_and_equivalents_are_correct():
    assert ex.q3.evaluate(ex.reference_hidden_variances).status == CORRECT
    assert ex.q3.evaluate(variances(lambda layer, before, X: X.var())).status == CORRECT  # 0-d
    assert ex.q3.evaluate(variances(lambda layer, before, X: float(X.var(unbiased=False)))
                          ).status == CORRECT

    def whole_net_first(net, X):  # draws the masks once more before: another draw, same answer
        with torch.no_grad():
            net(X)
        return ex.reference_hidden_variances(net, X)

    assert ex.q3.evaluate(whole_net_first).status == CORRECT


@pytest.mark.parametrize("fn, words", [
    (variances(lambda layer, before, X: float(before.var())), ["dropout 之前"]),
    (variances(lambda layer, before, X: float(X.std())), ["标准差"]),
    (variances(lambda layer, before, X: float(X.var(dim=0).mean())), ["每个单元各自的方差"]),
    (variances(lambda layer, before, X: X.var(dim=0)), ["所有元素的方差", "不带 dim"]),
    (variances(lambda layer, before, X: float(X.mean())), ["均值"]),
    (variances(lambda layer, before, X: float(X.var()), mode=False, restore_mode=False),
     ["变成了评估模式", "不要调用 net.eval()"]),
    (variances(lambda layer, before, X: float(X.var()), mode=False), ["和评估模式下一样"]),
    (variances(lambda layer, before, X: float(X.var()), indices=(3, 6)), ["3 个 nn.Dropout", "下标"]),
    (variances(lambda layer, before, X: float(X.var()), indices=range(100)), ["nn.Dropout 层"]),
    (variances(lambda layer, before, X: float(X.var()), indices=(1, 4)), ["线性层输出"]),
], ids=["before-dropout", "std", "per-unit", "per-unit-tensor", "mean", "switches-to-eval",
        "eval-inside", "hard-coded-indices", "every-layer", "linear-outputs"])
def test_hidden_variances_mistakes_get_their_diagnosis(fn, words):
    incorrect(ex.q3.evaluate(fn), *words)


def test_hidden_variances_that_returns_a_tensor_or_nothing():
    incorrect(ex.q3.evaluate(lambda net, X: torch.tensor([1.0, 2.0])), "列表")
    incorrect(ex.q3.evaluate(lambda net, X: None), "列表")


# --- predictions ---------------------------------------------------------------------------

def runs(metric, *values):
    return Runs(range(len(values)), [[{"epoch": 30, metric: v}] for v in values])


def noisy(metric, mean, spread=0.005, n=5):
    """Runs near ``mean``, each setting with its own noise (fixed by ``mean``)."""
    generator = random.Random(round(mean * 1e5))
    return runs(metric, *(mean + spread * generator.gauss(0, 1) for _ in range(n)))


def judged(exercise, prediction, *measured):
    exercise.predict(prediction)
    return exercise.evaluate(*measured)


def test_q4_the_better_order_and_a_tie_count(capsys):
    clear = {(0.2, 0.5): noisy("valid_acc", 0.76), (0.5, 0.2): noisy("valid_acc", 0.73)}
    assert judged(ex.q4, (0.2, 0.5), clear).status == CORRECT
    incorrect(judged(ex.q4, (0.5, 0.2), clear), "(0.2, 0.5)", "靠近输入")
    tie = {(0.2, 0.5): noisy("valid_acc", 0.76, 0.01), (0.5, 0.2): noisy("valid_acc", 0.758, 0.01)}
    assert judged(ex.q4, (0.5, 0.2), tie).status == CORRECT


def test_q4_needs_runs(capsys):
    ex.q4.predict((0.2, 0.5))
    incorrect(ex.q4.evaluate([0.7, 0.6]), "d2l.repeat 的结果")


def wd_measurement(both, dropout=0.61, wd=0.69, spread=0.005):
    return {"no regularization": noisy("valid_loss", 0.78), "dropout": noisy("valid_loss", dropout, spread),
            "weight decay": noisy("valid_loss", wd, spread), "both": noisy("valid_loss", both, spread)}


def test_q5_diminishing_returns(capsys):
    measured = wd_measurement(both=0.608, spread=0.01)  # within noise of dropout alone
    outcome = judged(ex.q5, "B", measured)
    assert outcome.status == CORRECT and "dropout" in outcome.message
    incorrect(judged(ex.q5, "C", measured), "算对的是 B")


def test_q5_additive_and_worse(capsys):
    assert judged(ex.q5, "A", wd_measurement(both=0.50)).status == CORRECT
    incorrect(judged(ex.q5, "B", wd_measurement(both=0.50)), "算对的是 A")
    assert judged(ex.q5, "C", wd_measurement(both=0.75)).status == CORRECT
    # the best single regulariser is the one with the lower loss, whichever it is
    outcome = judged(ex.q5, "A", wd_measurement(both=0.50, dropout=0.70, wd=0.60))
    assert outcome.status == CORRECT and "weight decay" in outcome.message


def test_q5_borderline_evidence_counts_both_readings(capsys):
    # both lower than dropout alone by about 2.5 standard errors: p between 0.01 and 0.05
    base = [0.610, 0.605, 0.615, 0.600, 0.620]
    both = [v - d for v, d in zip(base, (0.010, 0.004, 0.016, 0.012, 0.002))]
    measured = {"no regularization": noisy("valid_loss", 0.78), "dropout": runs("valid_loss", *base),
                "weight decay": noisy("valid_loss", 0.69), "both": runs("valid_loss", *both)}
    assert judged(ex.q5, "A", measured).status == CORRECT
    outcome = judged(ex.q5, "B", measured)
    assert outcome.status == CORRECT and "边界" in outcome.message


def test_q5_needs_the_four_settings(capsys):
    ex.q5.predict("B")
    incorrect(ex.q5.evaluate({"a": noisy("valid_loss", 0.6), "b": noisy("valid_loss", 0.7),
                              "c": noisy("valid_loss", 0.6), "d": noisy("valid_loss", 0.6)}),
              "缺少")


def test_q6_dropout_at_test_time(capsys):
    measured = {"train mode": noisy("valid_acc", 0.72), "eval mode": noisy("valid_acc", 0.75)}
    assert judged(ex.q6, "C", measured).status == CORRECT
    incorrect(judged(ex.q6, "B", measured), "也就是 C", "子网络")
    incorrect(judged(ex.q6, "A", measured), "也就是 C")
    ex.q6.predict("C")
    incorrect(ex.q6.evaluate({"a": measured["train mode"], "b": measured["eval mode"]}), "缺少")


def test_predictions_need_a_listed_choice(capsys):
    assert ex.q6.evaluate({}).status == NOT_ATTEMPTED
    ex.q4.predict([0.2, 0.5])  # a list is not one of the tuples
    assert "之一" in capsys.readouterr().out and ex.q4.prediction is None


def test_net_untouched_starter_is_not_attempted(names_in_this_module):
    """The starter's blanks sit in a method of the class: still "尚未作答", not a diagnosis."""
    def forward(self, X):
        H1 = self.relu(self.lin1(X.reshape((-1, self.num_inputs))))
        if ____:
            H1 = ____  # noqa: F841 - the starter
        H2 = ____
        if ____:
            H2 = ____  # noqa: F841 - the starter
        return ____

    outcome = ex.q2.evaluate(net_class(forward))
    assert outcome.status == NOT_ATTEMPTED, outcome.message
    ex.q2.check(net_class(forward))  # check() goes through the same path
    assert ex.q2.last.status == NOT_ATTEMPTED
    assert ex.q2.evaluate(net_class(book_forward)).status == CORRECT


# --- mistakes found by a learner's attack (lesson 9 review) -----------------------------------

_CACHE = {}


def cached_mask(X, dropout):
    if dropout in (0, 1):
        return book(X, dropout)
    if X.shape not in _CACHE:
        _CACHE[X.shape] = (torch.rand(X.shape) > dropout).float()
    return _CACHE[X.shape] * X / (1.0 - dropout)


@pytest.mark.parametrize("dropout_layer, words", [
    # operator precedence: divides by 1, then subtracts p: the dropped elements are -p, not 0
    (with_edges(lambda X, p: (torch.rand(X.shape) > p).float() * X / 1.0 - p), ["运算顺序", "加括号"]),
    (with_edges(lambda X, p: X * (torch.rand(X.shape) > p).float() / 1 - p), ["运算顺序"]),
    # a float64 mask (NumPy, .double()) turns the float32 activations into float64
    (with_edges(lambda X, p: torch.from_numpy((np.random.rand(*X.shape) > p).astype(float)) * X / (1 - p)),
     ["float64", "same dtype", ".float()"]),
    (with_edges(lambda X, p: (torch.rand(X.shape) > p).double() * X / (1 - p)), ["float64"]),
    # the result and the mask returned together; a number where a tensor is wanted
    (with_edges(lambda X, p: (book(X, p), torch.rand(X.shape) > p)), ["2 个值", "只返回"]),
    (lambda X, p: 0 if p == 1 else book(X, p), ["返回了一个数", "torch.zeros_like(X)"]),
    # a mask kept from an earlier call (p mistaken before this was checked first); a mask from X
    (cached_mask, ["两次调用", "重新做掩码"]),
    (with_edges(lambda X, p: (X > p).float() * X / (1 - p)), ["两次调用", "X 本身的值"]),
    # dropout switched off: nothing dropped, and not mistaken for a mask kept between calls
    (lambda X, p: F.dropout(X, p, training=False), ["一个元素也没有丢弃"]),
], ids=["precedence", "precedence-int", "numpy-float64", "double", "returns-pair", "number-at-1",
        "cached-mask", "mask-from-X", "training-false"])
def test_dropout_layer_attack_mistakes_get_their_diagnosis(dropout_layer, words):
    incorrect(ex.q1.evaluate(dropout_layer), *words)


@pytest.mark.parametrize("dropout_layer", [
    with_edges(lambda X, p: torch.from_numpy((np.random.rand(*X.shape) > p).astype(np.float32))
               * X / (1 - p)),
    with_edges(lambda X, p: (torch.rand(X.shape) > p).half() * X / (1 - p)),  # float16 * float32: float32
    with_edges(lambda X, p: X.masked_fill(torch.rand(X.shape) < p, 0) / (1 - p)),
], ids=["numpy-float32", "half-mask", "masked_fill"])
def test_dropout_layer_attack_equivalents_are_correct(dropout_layer):
    outcome = ex.q1.evaluate(dropout_layer)
    assert outcome.status == CORRECT, outcome.message


def _attack_forward(kind):
    """The book's forward with one of the mistakes a learner made in the attack."""
    def forward(self, X):
        H1 = self.relu(self.lin1(X.reshape((-1, self.num_inputs)))) if kind != "no-reshape" else \
            self.relu(self.lin1(X))
        on = self.training
        if kind == "unused-first":
            if on:
                dropout_layer(H1, dropout1)  # noqa: F821 - set by the fixture
            H1_next = H1
        else:
            H1_next = dropout_layer(H1, dropout1) if on else H1  # noqa: F821
        if kind == "branch-only":
            if on:
                H2 = dropout_layer(self.relu(self.lin2(H1_next)), dropout2)  # noqa: F821
        else:
            H2 = self.relu(self.lin2(H1_next))
            if on:
                H2 = dropout_layer(H2, dropout2)  # noqa: F821
        if kind == "return-in-branch":
            if on:
                return self.lin3(H2)
            return None
        out = self.lin3(H1_next if kind == "lin3-on-H1" else H2)
        return {"relu-logits": torch.relu, "softmax": lambda O: torch.softmax(O, dim=1)}.get(
            kind, lambda O: O)(out)
    return forward


def train_method(self, X):
    H1 = self.relu(self.lin1(X.reshape((-1, self.num_inputs))))
    if self.train:  # the method, always true
        H1 = dropout_layer(H1, dropout1)  # noqa: F821 - set by the fixture
    H2 = self.relu(self.lin2(H1))
    if self.train:
        H2 = dropout_layer(H2, dropout2)  # noqa: F821
    return self.lin3(H2)


def train_call(self, X):
    H1 = self.relu(self.lin1(X.reshape((-1, self.num_inputs))))
    if self.train():  # switches the net back to training mode, returns it: true
        H1 = dropout_layer(H1, dropout1)  # noqa: F821
    H2 = self.relu(self.lin2(H1))
    if self.train():
        H2 = dropout_layer(H2, dropout2)  # noqa: F821
    return self.lin3(H2)


def global_net(self, X):
    H1 = self.relu(self.lin1(X.reshape((-1, self.num_inputs))))
    if net.training:  # noqa: F821 - the notebook's net, not this one
        H1 = dropout_layer(H1, dropout1)  # noqa: F821
    H2 = self.relu(self.lin2(H1))
    if net.training:  # noqa: F821
        H2 = dropout_layer(H2, dropout2)  # noqa: F821
    return self.lin3(H2)


@pytest.mark.parametrize("forward, words", [
    (train_method, ["self.train", "方法", "self.training"]),
    (train_call, ["self.train", "方法", "切回训练模式"]),
    (global_net, ["self.training", "外面的变量 net"]),  # no net defined yet: NameError
], ids=["train-method", "train-call", "global-net"])
def test_net_condition_mistakes_get_their_diagnosis(names_in_this_module, forward, words):
    incorrect(ex.q2.evaluate(net_class(forward)), *words)


@pytest.mark.parametrize("kind, words", [
    ("relu-logits", ["ReLU", "logits"]),
    ("softmax", ["softmax", "CrossEntropyLoss"]),
    ("branch-only", ["只在 if self.training: 里面赋值", "写在 if 外面"]),
    ("unused-first", ["第一个（dropout1）", "没有用上"]),
    ("return-in-branch", ["没有返回任何东西", "if 外面"]),
    ("lin3-on-H1", ["lin3 接 H2"]),
    ("no-reshape", ["X.reshape((-1, self.num_inputs))"]),
])
def test_net_attack_mistakes_get_their_diagnosis(names_in_this_module, kind, words):
    incorrect(ex.q2.evaluate(net_class(_attack_forward(kind))), *words)


def test_net_on_the_notebooks_global_net_is_named(names_in_this_module):
    """Re-run after the cell that makes ``net``: the condition reads that other network."""
    globals()["net"] = net_class(book_forward)(784, 10, 8, 8)
    try:
        incorrect(ex.q2.evaluate(net_class(global_net)), "外面的变量 net", "self.training")
    finally:
        globals().pop("net")


def _variances_of(value, loop=lambda net: net):
    def hidden_variances(net, X):
        out = []
        with torch.no_grad():
            for layer in loop(net):
                X = layer(X)
                if isinstance(layer, nn.Dropout):
                    out.append(value(X))
        return out
    return hidden_variances


def hooked(remove):
    def hidden_variances(net, X):
        out = []
        hooks = [m.register_forward_hook(lambda m, i, o: out.append(float(o.var())))
                 for m in net if isinstance(m, nn.Dropout)]
        with torch.no_grad():
            net(X)
        if remove:
            for hook in hooks:
                hook.remove()
        return out
    return hidden_variances


@pytest.mark.parametrize("fn", [
    _variances_of(lambda X: X.numpy().var()),  # a NumPy float32: a number too
    _variances_of(lambda X: np.var(X.numpy())),
    _variances_of(lambda X: float(X.var()), loop=lambda net: net.children()),
    hooked(remove=True),
], ids=["numpy-var", "np.var", "children", "hooks-removed"])
def test_hidden_variances_attack_equivalents_are_correct(fn):
    outcome = ex.q3.evaluate(fn)
    assert outcome.status == CORRECT, outcome.message


@pytest.mark.parametrize("fn, words", [
    (_variances_of(lambda X: X.var), ["少了括号", "X.var()"]),
    (_variances_of(lambda X: float(X.var(dim=1).mean())), ["每个样本各自的方差"]),
    (_variances_of(lambda X: float((X ** 2).mean())), ["二阶矩", "减去均值"]),
    (_variances_of(lambda X: float(X.var()), loop=lambda net: net.modules()),
     ["net.modules()", "for layer in net"]),
    (hooked(remove=False), ["钩子", ".remove()"]),
], ids=["var-not-called", "per-example", "second-moment", "modules", "hooks-left"])
def test_hidden_variances_attack_mistakes_get_their_diagnosis(fn, words):
    incorrect(ex.q3.evaluate(fn), *words)


def test_q4_given_another_experiments_runs_says_so(capsys):
    """wd_runs (string keys) given to ex.q4: named, not the checker's own error."""
    ex.q4.predict((0.2, 0.5))
    incorrect(ex.q4.evaluate(wd_measurement(both=0.6)), "缺少", "swap_runs")


# --- diagnoses no other test reached -------------------------------------------------------

def in_place_no_op(X, dropout):
    X.mul_(1.0)  # in place, the values unchanged: only the X that requires grad tells
    return book(X, dropout)


def nan_at_zero(X, dropout):
    if dropout == 1:
        return torch.zeros_like(X)
    return (torch.rand(X.shape) > dropout).float() * X * dropout / (dropout * (1 - dropout))


def inf_at_one(X, dropout):
    if dropout == 0:
        return X
    if dropout == 1:
        return X / (1.0 - dropout)  # the rescaling alone: X / 0
    return book(X, dropout)


@pytest.mark.parametrize("dropout_layer, words", [
    (in_place_no_op, [ex.say("q1.error_in_place"), "leaf Variable"]),
    # a mask inverted by subtraction: 1 - (a bool tensor)
    (with_edges(lambda X, p: X * (1 - (torch.rand(X.shape) < p)) / (1 - p)),
     [ex.say("q1.error_bool"), "bool tensor"]),
    # a mask over the flattened X, not reshaped back
    (with_edges(lambda X, p: (torch.rand(X.numel()) > p).float() * X.flatten() / (1 - p)),
     ["(4, 10)", "(40,)", "一样大"]),
    (with_edges(lambda X, p: (torch.rand(X.shape) > 0.3).float() * X / 0.7),
     ["dropout=0.2 时你丢弃了 30.0% 的元素", "每个元素以概率"]),
    (with_edges(lambda X, p: (torch.rand(X.shape) > p).float() * X * p), ["乘了 dropout："]),
    (with_edges(lambda X, p: (torch.rand(X.shape) > p).float() * X / (1 + p)),
     ["被乘了 0.8333，应当乘 1 / (1 - 0.2) = 1.25"]),
    (with_edges(lambda X, p: X * (m := (torch.rand(X.shape) > p).float()) / (m * (1 - p))),
     ["dropout=0.2 时结果里有 nan"]),
    (nan_at_zero, [ex.say("q1.nan_at_0")]),
    (inf_at_one, ["dropout=1 时得到了 inf"]),
    (lambda X, p: X if p in (0, 1) else book(X, p), ["dropout=1 时你原样返回了 X"]),
    # each call drops the right share, rescaled, but more often where X is small: biased
    (with_edges(lambda X, p: (torch.rand(X.shape) + 0.1 * X > p).float() * X / (1 - p)),
     ["丢弃 400 次再平均", "E[dropout(X)] = X"]),
], ids=["in-place-leaf", "bool-subtraction", "flattened", "hard-coded-0.3", "times-p",
        "over-1-plus-p", "nan-dropped", "nan-at-0", "inf-at-1", "X-at-1", "biased"])
def test_dropout_layer_rarer_mistakes_get_their_diagnosis(dropout_layer, words):
    incorrect(ex.q1.evaluate(dropout_layer), *words)


class StoresDropoutLayer(net_class(book_forward)):
    """Keeps dropout_layer as an attribute: before exercise 1's cell ran, it is not defined."""

    def __init__(self, num_inputs, num_outputs, num_hiddens1, num_hiddens2, is_training=True):
        super().__init__(num_inputs, num_outputs, num_hiddens1, num_hiddens2, is_training)
        self.drop = dropout_layer  # noqa: F821 - not defined without the fixture


class EvalByDefault(net_class(book_forward)):
    def __init__(self, num_inputs, num_outputs, num_hiddens1, num_hiddens2, is_training=False):
        super().__init__(num_inputs, num_outputs, num_hiddens1, num_hiddens2, is_training)


class OwnLayerNames(nn.Module):
    def __init__(self, num_inputs, num_outputs, num_hiddens1, num_hiddens2, is_training=True):
        super().__init__()
        self.num_inputs, self.training, self.relu = num_inputs, is_training, nn.ReLU()
        self.fc1 = nn.Linear(num_inputs, num_hiddens1)
        self.fc2 = nn.Linear(num_hiddens1, num_hiddens2)
        self.fc3 = nn.Linear(num_hiddens2, num_outputs)

    def forward(self, X):
        return self.fc3(self.relu(self.fc2(self.relu(self.fc1(X.reshape((-1, self.num_inputs)))))))


def test_net_before_the_cells_that_define_its_names_ran():
    assert not {"dropout_layer", "dropout1", "dropout2"} & set(globals())
    incorrect(ex.q2.evaluate(net_class(book_forward)), ex.say("q2.error_no_rates"))
    incorrect(ex.q2.evaluate(StoresDropoutLayer), ex.say("q2.error_no_dropout_layer"))


def hard_coded_rates(self, X):
    H1 = self.relu(self.lin1(X.reshape((-1, self.num_inputs))))
    if self.training:
        H1 = dropout_layer(H1, 0.2)  # noqa: F821 - set by the fixture
    H2 = self.relu(self.lin2(H1))
    if self.training:
        H2 = dropout_layer(H2, 0.5)  # noqa: F821
    return self.lin3(H2)


def test_net_with_the_books_rates_written_in_after_the_notebook_changed_them(names_in_this_module):
    globals()["dropout1"], globals()["dropout2"] = 0.3, 0.6
    incorrect(ex.q2.evaluate(net_class(hard_coded_rates)),
              "收到的概率依次是 [0.2, 0.5]", "[dropout1, dropout2] = [0.3, 0.6]")


def no_output_layer(self, X):
    H1 = self.relu(self.lin1(X.reshape((-1, self.num_inputs))))
    if self.training:
        H1 = dropout_layer(H1, dropout1)  # noqa: F821 - set by the fixture
    H2 = self.relu(self.lin2(H1))
    if self.training:
        H2 = dropout_layer(H2, dropout2)  # noqa: F821
    return H2


def without_dropout(self, X):
    return self.lin3(self.relu(self.lin2(self.relu(self.lin1(X.reshape((-1, self.num_inputs)))))))


def second_always(self, X):
    H1 = self.relu(self.lin1(X.reshape((-1, self.num_inputs))))
    if self.training:
        H1 = dropout_layer(H1, dropout1)  # noqa: F821 - set by the fixture
    H2 = dropout_layer(self.relu(self.lin2(H1)), dropout2)  # noqa: F821 - outside the if
    return self.lin3(H2)


def unused_second(self, X):
    H1 = self.relu(self.lin1(X.reshape((-1, self.num_inputs))))
    if self.training:
        H1 = dropout_layer(H1, dropout1)  # noqa: F821 - set by the fixture
    H2 = self.relu(self.lin2(H1))
    if self.training:
        dropped = dropout_layer(H2, dropout2)  # noqa: F821, F841 - the mistake
    return self.lin3(H2)


@pytest.mark.parametrize("Net, words", [
    (OwnLayerNames, [ex.say("q2.no_layers")]),
    (EvalByDefault, [ex.say("q2.not_training")]),
    (net_class(no_output_layer), ["net(X) 的形状是 (16, 48)，应当是 (16, 10)"]),
    (net_class(without_dropout), [ex.say("q2.no_dropout")]),
    (net_class(second_always), [ex.say("q2.eval_calls")]),
    (net_class(unused_second), ["第二个（dropout2）", "没有用上"]),
], ids=["own-layer-names", "eval-by-default", "no-output-layer", "no-dropout", "second-always",
        "unused-second"])
def test_net_rarer_mistakes_get_their_diagnosis(names_in_this_module, Net, words):
    incorrect(ex.q2.evaluate(Net), *words)


@pytest.mark.parametrize("fn, words", [
    (variances(lambda layer, before, X: (type(layer).__name__, float(X.var()))),
     ["的每一项应当是一个数", "tuple"]),
    (variances(lambda layer, before, X: float(X.max() - X.min())),
     ["评估模式下你量出的方差是", "应当约是", "逐层计算"]),
], ids=["pairs", "range"])
def test_hidden_variances_rarer_mistakes_get_their_diagnosis(fn, words):
    incorrect(ex.q3.evaluate(fn), *words)


def test_q6_other_verdicts_name_their_choice(capsys):
    higher = {"train mode": noisy("valid_acc", 0.78), "eval mode": noisy("valid_acc", 0.75)}
    incorrect(judged(ex.q6, "C", higher), "也就是 A（更高）")
    same = {"train mode": noisy("valid_acc", 0.75, 0.01), "eval mode": noisy("valid_acc", 0.751, 0.01)}
    assert judged(ex.q6, "B", same).status == CORRECT
    incorrect(judged(ex.q6, "C", same), "也就是 B（差不多（差别不显著））")
