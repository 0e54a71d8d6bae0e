"""Lesson 1's exercises: each typical mistake gets its own diagnosis (not just "wrong")."""
import pytest
import torch
from torch import nn
from torch.nn import functional as F

from d2l_helpers.exercises import CORRECT, INCORRECT, NOT_ATTEMPTED, ____
from d2l_helpers.exercises import lesson1 as ex


def diagnosis(exercise, *answers):
    outcome = exercise.evaluate(*answers)
    assert outcome.status == INCORRECT, outcome
    return outcome.message


@pytest.fixture
def q4():
    """Exercise 4 keeps the learner's prediction: start and end without one."""
    ex.q4.prediction, saved = None, ex.q4.last
    yield ex.q4
    ex.q4.prediction, ex.q4.last = None, saved


# --- exercise 1: the derivative of pReLU ---------------------------------------------------

def prelu_grad(x, alpha=0.1):
    return torch.where(x > 0, torch.ones_like(x), torch.full_like(x, alpha))


@pytest.mark.parametrize("wrong, words", [
    (lambda x, alpha=0.1: (x > 0).float(), "那是 ReLU 的导数"),            # alpha forgotten
    (lambda x, alpha=0.1: torch.where(x > 0, x, alpha * x), "函数值，不是导数"),
    (lambda x, alpha=0.1: torch.where(x > 0, torch.full_like(x, alpha), torch.ones_like(x)),
     "弄反了"),
    (lambda x, alpha=0.1: torch.where(x > 0, torch.ones_like(x), torch.full_like(x, 0.1)),
     "不要写死 0.1"),
    (lambda x, alpha=0.1: torch.ones_like(x), "y = x 的导数"),
    (lambda x, alpha=0.1: 1.0, "应当是一个张量"),
    (lambda x, alpha=0.1: prelu_grad(x, alpha)[:10], "形状"),
    (lambda x, alpha=0.1: prelu_grad(x, alpha) * 2, "数值不对"),
])
def test_q1_each_mistake_has_its_diagnosis(wrong, words):
    assert words in diagnosis(ex.q1, wrong)


def test_q1_right_answer_and_blank():
    assert ex.q1.evaluate(prelu_grad).status == CORRECT
    assert ex.q1.evaluate(lambda x, alpha=0.1: x * ____).status == NOT_ATTEMPTED


# --- exercise 2: where each ReLU unit bends ------------------------------------------------

@pytest.mark.parametrize("wrong, words", [
    (lambda layer: layer.bias / layer.weight[:, 0], "符号反了"),
    (lambda layer: -layer.weight[:, 0] / layer.bias, "分子分母颠倒了"),
    (lambda layer: layer.weight[:, 0] / layer.bias, "分子分母颠倒了，符号也不对"),
    (lambda layer: -layer.bias, "少除了一个 w"),
    (lambda layer: layer.bias.clone(), "少除了一个 w，符号也不对"),
    (lambda layer: -layer.bias / layer.weight, "广播成 N×N"),            # weight is (N, 1)
    (lambda layer: (-layer.bias / layer.weight[:, 0]).reshape(-1, 1), "layer.weight[:, 0]"),
    (lambda layer: (lambda k: k[(k > -1) & (k < 1)])(-layer.bias / layer.weight[:, 0]),
     "不要筛选"),
    # kinks kept only where the lesson plots them: right on every layer whose kinks all lie there
    (lambda layer: (lambda k: k[(k >= -3) & (k <= 3)])(-layer.bias / layer.weight[:, 0]),
     "不要筛选"),
    (lambda layer: -layer.bias / layer.weight[:, 0] + 0.5, "数值不对"),
])
def test_q2_each_mistake_has_its_diagnosis(wrong, words):
    assert words in diagnosis(ex.q2, wrong)


def test_q2_a_test_layer_has_kinks_outside_the_plotted_range():
    outside = [bool(((ex.reference_kinks(layer) < -3) | (ex.reference_kinks(layer) > 3)).any())
               for layer in ex._layers_for_kinks()]
    assert any(outside) and not all(outside)


def test_q2_reference_is_right_on_any_layer_dtype():
    assert ex.q2.evaluate(ex.reference_kinks).status == CORRECT
    torch.manual_seed(0)
    layer = nn.Linear(1, 6).double()
    with torch.no_grad():
        relu_out = torch.relu(layer(ex.reference_kinks(layer).reshape(-1, 1)))
    # at its own kink each unit's pre-activation is 0
    assert torch.allclose(relu_out.diagonal(), torch.zeros(6, dtype=torch.float64), atol=1e-12)


# --- exercise 3: tanh from sigmoid ---------------------------------------------------------

@pytest.mark.parametrize("wrong, words", [
    (lambda x: 2 * torch.sigmoid(x) - 1, "应当是 2x"),
    (lambda x: 2 * torch.sigmoid(2 * x), "高了 1"),
    (lambda x: torch.sigmoid(2 * x) - 1, "外面的系数不对"),
    (lambda x: 2 * torch.sigmoid(2 * x) + 1, "符号反了"),
    (lambda x: torch.sigmoid(2 * x), "还差一步"),
    (lambda x: 3 * torch.sigmoid(2 * x) - 1.5, "数值不对"),
])
def test_q3_each_mistake_has_its_diagnosis(wrong, words):
    assert words in diagnosis(ex.q3, wrong)


@pytest.mark.parametrize("uses_tanh", [lambda x: torch.tanh(x), lambda x: x.tanh(), F.tanh,
                                       nn.Tanh(), torch.tanh],
                         ids=["torch.tanh(x)", "x.tanh()", "F.tanh", "nn.Tanh", "torch.tanh"])
def test_q3_calling_tanh_itself_is_refused_and_tanh_is_restored(uses_tanh):
    original = torch.tanh
    assert "不能" in diagnosis(ex.q3, uses_tanh) and "tanh 本身" in diagnosis(ex.q3, uses_tanh)
    assert torch.tanh is original and "tanh" not in torch.Tensor.__dict__
    assert "exp" not in torch.Tensor.__dict__
    assert torch.tensor(0.5).tanh() == original(torch.tensor(0.5))


@pytest.mark.parametrize("uses_exp", [
    lambda x: (torch.exp(x) - torch.exp(-x)) / (torch.exp(x) + torch.exp(-x)),
    lambda x: (1 - (-2 * x).exp()) / (1 + (-2 * x).exp()),
    lambda x: torch.sinh(x) / torch.cosh(x),
    lambda x: 2 / (1 + torch.exp(-2 * x)) - 1,
], ids=["exp-formula", "exp-method", "sinh-cosh", "hand-written-sigmoid"])
def test_q3_formulas_that_bypass_sigmoid_are_refused(uses_exp):
    message = diagnosis(ex.q3, uses_exp)
    assert "只许用 torch.sigmoid" in message
    assert torch.exp is not None and torch.exp(torch.tensor(0.0)) == 1  # restored


def test_q3_right_answers():
    assert ex.q3.evaluate(lambda x: 2 * torch.sigmoid(2 * x) - 1).status == CORRECT
    assert ex.q3.evaluate(lambda x: 1 - 2 * torch.sigmoid(-2 * x)).status == CORRECT
    assert ex.q3.evaluate(lambda x: 2 * torch.special.expit(2 * x) - 1).status == CORRECT


# --- exercise 4: a nonlinearity over the whole minibatch (predict first) ---------------------

def test_q4_needs_a_prediction_first(q4):
    assert q4.evaluate("C").status == NOT_ATTEMPTED
    q4.predict("D")  # not one of the choices: not recorded
    assert q4.prediction is None


@pytest.mark.parametrize("prediction, words", [
    ("A", "逐元素的激活函数（像 ReLU）"),
    ("B", "除以它自己"),
])
def test_q4_each_wrong_prediction_has_its_diagnosis(q4, prediction, words):
    q4.predict(prediction)
    message = diagnosis(q4, "C")
    assert words in message and f"你预测 '{prediction}'" in message
    assert "实验测得 'C'" in message


def test_q4_predicting_a_constant_when_the_measurement_is_not_gets_its_diagnosis(q4):
    q4.predict("C")
    message = diagnosis(q4, "A")
    assert "你预测 'C'" in message and "分母就是分子自己" in message and "实验测得 'A'" in message


def test_q4_right_prediction_and_a_broken_measurement(q4):
    q4.predict("C")
    assert q4.evaluate("C").status == CORRECT
    assert "重新运行上面的实验格" in diagnosis(q4, None)
    q4.predict("B")
    assert q4.evaluate("B").status == CORRECT  # judged against what was measured


def test_q4_measurement_as_the_lesson_makes_it():
    """The lesson's experiment: softmax over the batch, one example at a time -> constant 1."""
    singles = [torch.randn(1, 3, generator=torch.Generator().manual_seed(s)) for s in range(3)]
    outputs = [torch.softmax(h, dim=0) for h in singles]
    assert all(torch.equal(out, torch.ones(1, 3)) for out in outputs)
