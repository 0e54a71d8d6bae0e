"""Lesson 10's exercises: every backward step against autograd, with the usual mistakes
diagnosed; the gradient check, the relative error, the scalar engine and the predictions
(tests/test_exercises.py and tests/test_exercise_notebooks.py run the starters and solutions)."""
import math

import pytest
import torch
from exercise_asserts import accepted as correct
from exercise_asserts import rejected as incorrect
from torch.nn import functional as F

from d2l_helpers.exercises import NOT_ATTEMPTED, ____
from d2l_helpers.exercises import lesson10 as ex


@pytest.fixture(autouse=True)
def fresh_exercises():
    for exercise in ex.exercises.exercises.values():
        exercise.prediction = None
    yield


def softmax_by_hand(O):
    shifted = O - O.max(dim=1, keepdim=True).values
    e = shifted.exp()
    return e / e.sum(dim=1, keepdim=True)


def onehot(Y, q):
    return F.one_hot(Y, num_classes=q).to(torch.float64)


# --- the helpers the lesson uses ----------------------------------------------------------------

def test_autograd_gradients_match_the_formulas_and_touch_nothing():
    g = torch.Generator().manual_seed(0)
    X = torch.randn((5, 3), generator=g, dtype=torch.float64)
    Y = torch.tensor([0, 1, 1, 0, 1])
    W1 = torch.randn((4, 3), generator=g, dtype=torch.float64)
    W2 = torch.randn((2, 4), generator=g, dtype=torch.float64)
    before = [t.clone() for t in (X, W1, W2)]
    grads = ex.autograd_gradients(X, Y, W1, W2, 0.3)
    for t, b in zip((X, W1, W2), before):
        assert torch.equal(t, b) and t.grad is None
    Z = X @ W1.T
    H = torch.sigmoid(Z)
    dO = (torch.softmax(H @ W2.T, dim=1) - onehot(Y, 2)) / 5
    dZ = dO @ W2 * H * (1 - H)
    assert torch.allclose(grads["dO"], dO)
    assert torch.allclose(grads["dW2"], dO.T @ H + 0.3 * W2)
    assert torch.allclose(grads["dW1"], dZ.T @ X + 0.3 * W1)
    assert "db1" not in grads


def test_forward_adds_the_bias_only_when_given():
    X = torch.ones((2, 3), dtype=torch.float64)
    W1, W2 = torch.zeros((4, 3), dtype=torch.float64), torch.zeros((2, 4), dtype=torch.float64)
    b1 = torch.full((4,), 2.0, dtype=torch.float64)
    Y = torch.tensor([0, 1])
    assert torch.equal(ex.forward(X, Y, W1, W2, 0.1)["Z"], torch.zeros((2, 4), dtype=torch.float64))
    assert torch.equal(ex.forward(X, Y, W1, W2, 0.1, b1=b1)["Z"],
                       torch.full((2, 4), 2.0, dtype=torch.float64))
    assert ex.forward(X, Y, W1, W2, 0.1)["J"].item() == pytest.approx(math.log(2))


# --- q1: ∂J/∂O ----------------------------------------------------------------------------------

@pytest.mark.parametrize("grad_o", [
    ex.q1.reference("grad_o"),
    lambda O, Y: (torch.softmax(O, dim=1) - F.one_hot(Y, num_classes=O.shape[1])) / O.shape[0],
    lambda O, Y: (F.softmax(O, dim=-1) - onehot(Y, O.shape[1])) / len(Y),
    lambda O, Y: (softmax_by_hand(O) - torch.zeros_like(O).scatter(1, Y[:, None], 1.0)) / O.shape[0],
    lambda O, Y: torch.softmax(O, 1).sub(onehot(Y, O.shape[1])).div(O.shape[0]),
], ids=["reference", "torch.softmax", "F.softmax", "by hand, scatter", "methods"])
def test_grad_o_written_any_right_way_is_correct(grad_o):
    correct(ex.q1.evaluate(grad_o))


def _exp_softmax(O):
    return O.exp() / O.exp().sum(dim=1, keepdim=True)


@pytest.mark.parametrize("grad_o, words", [
    (lambda O, Y: torch.softmax(O, 1) - onehot(Y, O.shape[1]), ["没有除以批量大小"]),
    (lambda O, Y: (torch.softmax(O, 1) - onehot(Y, O.shape[1])) / O.shape[0] ** 2, ["两次"]),
    (lambda O, Y: torch.softmax(O, 1) / O.shape[0], ["少了 - onehot"]),
    (lambda O, Y: (onehot(Y, O.shape[1]) - torch.softmax(O, 1)) / O.shape[0], ["符号反了"]),
    (lambda O, Y: (torch.softmax(O, 0) - onehot(Y, O.shape[1])) / O.shape[0], ["dim=0"]),
    (lambda O, Y: (torch.softmax(O, 1) - onehot(Y, O.shape[1])) / O.shape[0] + 0.1 * O, ["O 不在正则项"]),
    (lambda O, Y: (torch.softmax(O, 1) - onehot(Y, O.shape[1])) / O.shape[0] + 0.5 * O, ["0.5 × O"]),
    (lambda O, Y: (_exp_softmax(O) - onehot(Y, O.shape[1])) / O.shape[0], ["nan", "上溢"]),
    (lambda O, Y: (torch.softmax(O, 1) - F.one_hot(Y)) / O.shape[0], ["num_classes"]),
], ids=["no /n", "/n²", "no onehot", "sign", "dim=0", "+λO", "+0.5 O", "exp overflows", "one_hot width"])
def test_grad_o_mistakes_get_their_diagnosis(grad_o, words):
    incorrect(ex.q1.evaluate(grad_o), *words)


def test_grad_o_mistake_without_a_diagnosis_names_the_network():
    incorrect(ex.q1.evaluate(
        lambda O, Y: (torch.softmax(O, 1) - onehot(Y, O.shape[1])) / O.shape[0] * 1.01),
        "6 个样本的批量", "数值不对")


@pytest.mark.parametrize("network, wrong_there", [
    ("square", lambda O: O.shape == (4, 4)),
    ("one", lambda O: O.shape[0] == 1),
    ("huge", lambda O: bool(O.abs().max() > 100)),
], ids=["square", "one", "huge"])
def test_grad_o_wrong_on_one_network_only_names_that_network(network, wrong_there):
    right = ex.q1.reference("grad_o")
    incorrect(ex.q1.evaluate(lambda O, Y: right(O, Y) * (1.01 if wrong_there(O) else 1.0)),
              ex.say(f"case_{network}"), "数值不对")


def test_grad_o_that_clamps_the_logits_is_caught_on_the_huge_logits():
    # clamped against overflow: right while the logits are small, wrong when they are thousands
    right = ex.q1.reference("grad_o")
    incorrect(ex.q1.evaluate(lambda O, Y: right(O.clamp(-50, 50), Y)), ex.say("case_huge"))


def test_grad_o_cut_to_the_width_of_one_hot_is_told_one_hot_needs_num_classes():
    # the softmax cut to F.one_hot(Y)'s width to make the shapes fit: a column short where the
    # batch has no sample of the last class
    def grad_o(O, Y):
        labels = F.one_hot(Y).to(O.dtype)
        return (torch.softmax(O, 1)[:, :labels.shape[1]] - labels) / O.shape[0]
    incorrect(ex.q1.evaluate(grad_o), "只有 3 列，应当有 4 列", "num_classes=O.shape[1]")


def test_grad_o_with_float_labels_is_told_one_hot_wants_integers():
    incorrect(ex.q1.evaluate(
        lambda O, Y: (torch.softmax(O, 1) - F.one_hot(Y.to(O.dtype), O.shape[1])) / len(Y)),
        ex.say("q1.error_float_labels"))


def test_grad_o_that_modifies_its_input_is_told_so():
    def grad_o(O, Y):
        O -= O.max(dim=1, keepdim=True).values
        return (torch.softmax(O, 1) - onehot(Y, O.shape[1])) / O.shape[0]
    incorrect(ex.q1.evaluate(grad_o), "改了传进来的 O", "原地修改")


def test_grad_o_that_returns_nothing_is_told_so():
    incorrect(ex.q1.evaluate(lambda O, Y: None), "没有返回结果")


def test_grad_o_untouched_starter_is_not_attempted():
    def grad_o(O, Y):
        n, q = O.shape
        return (____ - F.one_hot(Y, num_classes=q)) / ____
    assert ex.q1.evaluate(grad_o).status == NOT_ATTEMPTED


# --- q2 and q5: the weights ---------------------------------------------------------------------

@pytest.mark.parametrize("grad_W2", [
    ex.q2.reference("grad_W2"),
    lambda dO, H, W2, lambd: torch.einsum("nq,nh->qh", dO, H) + lambd * W2,
    lambda dO, H, W2, lambd: (H.T @ dO).T + lambd * W2,
    lambda dO, H, W2, lambd: sum(torch.outer(dO[i], H[i]) for i in range(len(H))) + lambd * W2,
], ids=["reference", "einsum", "transposed product", "sum of outer products"])
def test_grad_W2_written_any_right_way_is_correct(grad_W2):
    correct(ex.q2.evaluate(grad_W2))


WEIGHT_MISTAKES = [
    (lambda up, x, w, lambd: up.T @ x, ["少了正则项"]),
    (lambda up, x, w, lambd: up.T @ x + lambd / 2 * w, ["λ/2"]),
    (lambda up, x, w, lambd: up.T @ x + 2 * lambd * w, ["2λ"]),
    (lambda up, x, w, lambd: up.T @ x / x.shape[0] + lambd * w, ["又除了一次"]),
    (lambda up, x, w, lambd: lambd * w, ["只剩正则项"]),
]
WEIGHT_IDS = ["no λW", "λ/2", "2λ", "/n again", "only λW"]


@pytest.mark.parametrize("mistake, words", WEIGHT_MISTAKES, ids=WEIGHT_IDS)
def test_grad_W2_mistakes_get_their_diagnosis(mistake, words):
    incorrect(ex.q2.evaluate(lambda dO, H, W2, lambd: mistake(dO, H, W2, lambd)), *words)


@pytest.mark.parametrize("mistake, words", WEIGHT_MISTAKES, ids=WEIGHT_IDS)
def test_grad_W1_mistakes_get_their_diagnosis(mistake, words):
    incorrect(ex.q5.evaluate(lambda dZ, X, W1, lambd: mistake(dZ, X, W1, lambd)), *words)


def test_weight_gradient_with_the_transpose_on_the_wrong_side():
    # The shapes only fit on the square network; elsewhere the sum itself fails.
    wrong = ex.q2.evaluate(lambda dO, H, W2, lambd: H.T @ dO + lambd * W2)
    incorrect(wrong, "转置")
    incorrect(ex.q2.evaluate(lambda dO, H, W2, lambd: H.T @ dO), "正好反了")
    incorrect(ex.q5.evaluate(lambda dZ, X, W1, lambd: X.T @ dZ), "正好反了")


@pytest.mark.parametrize("exercise, fn", [
    (ex.q2, lambda dO, H, W2, lambd: dO @ H + lambd * W2),
    (ex.q5, lambda dZ, X, W1, lambd: dZ @ X + lambd * W1),
], ids=["q2 dO @ H", "q5 dZ @ X"])
def test_weight_gradient_without_a_transpose_is_told_to_write_down_the_shapes(exercise, fn):
    incorrect(exercise.evaluate(fn), ex.say("matmul_shapes"))


def test_weight_gradient_reshaped_to_fit_is_caught_on_the_square_network():
    # the product of the wrong side reshaped to the weight's shape runs on every network; on the
    # square one the reshape changes nothing and it is the transpose of the right result
    incorrect(ex.q2.evaluate(lambda dO, H, W2, lambd: (H.T @ dO).reshape(W2.shape) + lambd * W2),
              "转置放错了边", "dO.T @ H")
    incorrect(ex.q5.evaluate(lambda dZ, X, W1, lambd: (X.T @ dZ).reshape(W1.shape) + lambd * W1),
              "转置放错了边", "dZ.T @ X")


def test_weight_gradient_with_an_elementwise_product():
    # dO * H only broadcasts where the shapes happen to fit; there it is the wrong value.
    outcome = ex.q2.evaluate(lambda dO, H, W2, lambd: dO * H + lambd * W2)
    incorrect(outcome)
    assert "逐元素" in outcome.message or "形状" in outcome.message


def test_weight_gradient_elementwise_where_the_shapes_allow_is_told_to_use_matmul():
    # constructed: dO * H broadcasts only on the square network (elsewhere its error is diagnosed
    # from the message); this learner falls back to the right product elsewhere
    def grad_W2(dO, H, W2, lambd):
        return (dO * H if dO.shape == H.shape else dO.T @ H) + lambd * W2
    incorrect(ex.q2.evaluate(grad_W2), "用了逐元素乘法 *", "dO.T @ H")


@pytest.mark.parametrize("grad_W1", [
    ex.q5.reference("grad_W1"),
    lambda dZ, X, W1, lambd: torch.mm(dZ.t(), X) + W1 * lambd,
    lambda dZ, X, W1, lambd: torch.einsum("nh,nd->hd", dZ, X) + lambd * W1,
], ids=["reference", "mm", "einsum"])
def test_grad_W1_written_any_right_way_is_correct(grad_W1):
    correct(ex.q5.evaluate(grad_W1))


def test_grad_W1_untouched_starter_is_not_attempted():
    assert ex.q5.evaluate(lambda dZ, X, W1, lambd: ____).status == NOT_ATTEMPTED


# --- q3: ∂J/∂H ----------------------------------------------------------------------------------

@pytest.mark.parametrize("grad_h", [
    ex.q3.reference("grad_h"),
    lambda dO, W2: (W2.T @ dO.T).T,
    lambda dO, W2: torch.matmul(dO, W2),
], ids=["reference", "transposed", "matmul"])
def test_grad_h_written_any_right_way_is_correct(grad_h):
    correct(ex.q3.evaluate(grad_h))


@pytest.mark.parametrize("grad_h, words", [
    (lambda dO, W2: dO @ W2.T, ["转置放错了"]),
    (lambda dO, W2: dO @ W2 / dO.shape[0], ["又除了一次"]),
    (lambda dO, W2: dO @ W2 + 0.1 * torch.ones(dO.shape[0], W2.shape[1], dtype=dO.dtype), []),
], ids=["dO @ W2.T", "/n", "a constant added"])
def test_grad_h_mistakes_get_their_diagnosis(grad_h, words):
    incorrect(ex.q3.evaluate(grad_h), *words)


def test_grad_h_elementwise_product():
    outcome = ex.q3.evaluate(lambda dO, W2: dO * W2)
    incorrect(outcome)
    assert "逐元素" in outcome.message or "形状" in outcome.message


def test_grad_h_with_a_reshape_for_the_transpose_is_caught_on_the_square_network():
    # W2.T reshaped back to W2's shape (a reshape is no transpose): dO @ W2.T on the square one
    incorrect(ex.q3.evaluate(lambda dO, W2: dO @ W2.T.reshape(W2.shape)), ex.say("q3.transposed"))


# --- q4: ∂J/∂Z ----------------------------------------------------------------------------------

@pytest.mark.parametrize("grad_z", [
    ex.q4.reference("grad_z"),
    lambda dH, Z, H: dH * torch.sigmoid(Z) * (1 - torch.sigmoid(Z)),
    lambda dH, Z, H: dH * torch.exp(-Z) / (1 + torch.exp(-Z)) ** 2,
    lambda dH, Z, H: torch.mul(dH, H - H ** 2),
], ids=["reference", "sigmoid(Z)", "from exp", "H - H²"])
def test_grad_z_written_any_right_way_is_correct(grad_z):
    correct(ex.q4.evaluate(grad_z))


@pytest.mark.parametrize("grad_z, words", [
    (lambda dH, Z, H: dH * torch.sigmoid(H) * (1 - torch.sigmoid(H)), ["导数取在了 h 上"]),
    (lambda dH, Z, H: dH * Z * (1 - Z), ["z(1 - z)"]),
    (lambda dH, Z, H: dH, ["忘了乘"]),
    (lambda dH, Z, H: dH * H, ["少了 (1 - H)"]),
    (lambda dH, Z, H: dH * (1 - H), ["少了一个因子 H"]),
    (lambda dH, Z, H: H * (1 - H), ["没有乘上游"]),
    (lambda dH, Z, H: dH @ (H * (1 - H)).T, ["矩阵乘法"]),
    (lambda dH, Z, H: dH @ (H * (1 - H)), ["矩阵乘法"]),
], ids=["at h", "z(1-z)", "dH only", "dH*H", "dH*(1-H)", "no upstream", "@ .T", "@"])
def test_grad_z_mistakes_get_their_diagnosis(grad_z, words):
    incorrect(ex.q4.evaluate(grad_z), *words)


def test_grad_z_untouched_starter_is_not_attempted():
    def grad_z(dH, Z, H):
        sigmoid_derivative = ____  # noqa: F841 - the starter
        return ____
    assert ex.q4.evaluate(grad_z).status == NOT_ATTEMPTED


# --- q6: ∂J/∂b1 ---------------------------------------------------------------------------------

@pytest.mark.parametrize("grad_b1", [
    ex.q6.reference("grad_b1"),
    lambda dZ: dZ.sum(0),
    lambda dZ: torch.ones(dZ.shape[0], dtype=dZ.dtype) @ dZ,
    lambda dZ: dZ.mean(0) * dZ.shape[0],
], ids=["reference", "sum(0)", "ones @ dZ", "mean × n"])
def test_grad_b1_written_any_right_way_is_correct(grad_b1):
    correct(ex.q6.evaluate(grad_b1))


@pytest.mark.parametrize("grad_b1, words", [
    (lambda dZ: dZ.mean(dim=0), ["求了平均"]),
    (lambda dZ: dZ.sum(), ["加成了一个数"]),
    (lambda dZ: dZ, []),
], ids=["mean", "sum()", "dZ itself"])
def test_grad_b1_mistakes_get_their_diagnosis(grad_b1, words):
    incorrect(ex.q6.evaluate(grad_b1), *words)


def test_grad_b1_summed_over_the_wrong_dimension():
    # dZ.sum(dim=1) has shape (n,): right shape only on the square network
    incorrect(ex.q6.evaluate(lambda dZ: dZ.sum(dim=1)))


def test_grad_b1_with_the_decay_term_is_told_the_bias_is_not_regularised():
    # constructed: grad_b1 gets only dZ, so λ·b1 needs the checker's own network
    cases = ex._cases()

    def grad_b1(dZ):
        case = next(c for c in cases.values() if torch.equal(c["dZ"], dZ))
        return dZ.sum(dim=0) + case["lambd"] * case["b1"]
    incorrect(ex.q6.evaluate(grad_b1), ex.say("q6.decay"))


# --- q7: numerical_grad -------------------------------------------------------------------------

def central(f, x, eps=1e-6):
    grad = torch.zeros_like(x)
    flat = x.view(-1)
    for i in range(flat.numel()):
        old = flat[i].item()
        flat[i] = old + eps
        f_plus = float(f(x))
        flat[i] = old - eps
        f_minus = float(f(x))
        flat[i] = old
        grad.view(-1)[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def central_copies(f, x, eps=1e-6):
    grad = torch.empty_like(x)
    for index in torch.cartesian_prod(*(torch.arange(s) for s in x.shape)).reshape(-1, x.dim()):
        i = tuple(index.tolist())
        plus, minus = x.clone(), x.clone()
        plus[i] += eps
        minus[i] -= eps
        grad[i] = (f(plus) - f(minus)).item() / (2 * eps)
    return grad


def variant(step):
    """A numerical_grad whose loop body is ``step(f, x, flat, i, old, eps)`` → the i-th entry."""
    def numerical_grad(f, x, eps=1e-6):
        grad = torch.zeros_like(x)
        flat = x.view(-1)
        for i in range(flat.numel()):
            old = flat[i].item()
            grad.view(-1)[i] = step(f, x, flat, i, old, eps)
        return grad
    return numerical_grad


def _at(f, x, flat, i, value):
    flat[i] = value
    return float(f(x))


def forward_difference(f, x, flat, i, old, eps):
    base = _at(f, x, flat, i, old)
    plus = _at(f, x, flat, i, old + eps)
    flat[i] = old
    return (plus - base) / eps


def backward_difference(f, x, flat, i, old, eps):
    base = _at(f, x, flat, i, old)
    minus = _at(f, x, flat, i, old - eps)
    flat[i] = old
    return (base - minus) / eps


def over_eps(f, x, flat, i, old, eps):
    plus, minus = _at(f, x, flat, i, old + eps), _at(f, x, flat, i, old - eps)
    flat[i] = old
    return (plus - minus) / eps


def over_4eps(f, x, flat, i, old, eps):
    plus, minus = _at(f, x, flat, i, old + eps), _at(f, x, flat, i, old - eps)
    flat[i] = old
    return (plus - minus) / (4 * eps)


def not_restored(f, x, flat, i, old, eps):
    plus, minus = _at(f, x, flat, i, old + eps), _at(f, x, flat, i, old - eps)
    return (plus - minus) / (2 * eps)


def restored_to_plus(f, x, flat, i, old, eps):
    # the blank filled with old + eps: every later entry is measured at a moved point
    plus, minus = _at(f, x, flat, i, old + eps), _at(f, x, flat, i, old - eps)
    flat[i] = old + eps
    return (plus - minus) / (2 * eps)


@pytest.mark.parametrize("numerical_grad", [
    ex.q7.reference("numerical_grad"), central, central_copies,
], ids=["reference", "the starter filled in", "copies"])
def test_numerical_grad_written_any_right_way_is_correct(numerical_grad):
    correct(ex.q7.evaluate(numerical_grad))


@pytest.mark.parametrize("numerical_grad, words", [
    (variant(forward_difference), ["前向差分"]),
    (variant(backward_difference), ["后向差分"]),
    (variant(over_eps), ["2 * eps", "两倍"]),
    (variant(over_4eps), ["一半"]),
    (variant(not_restored), ["x 变了"]),
    (variant(restored_to_plus), ["x 变了"]),
], ids=["forward", "backward", "/eps", "/4eps", "not restored", "restored wrong"])
def test_numerical_grad_mistakes_get_their_diagnosis(numerical_grad, words):
    incorrect(ex.q7.evaluate(numerical_grad), *words)


def test_numerical_grad_in_float32_is_told_so():
    def numerical_grad(f, x, eps=1e-6):
        return central(f, x, eps).float()
    incorrect(ex.q7.evaluate(numerical_grad), "float32")


def test_numerical_grad_that_returns_nothing_is_told_so():
    def numerical_grad(f, x, eps=1e-6):
        central(f, x, eps)  # the last line without its return
    incorrect(ex.q7.evaluate(numerical_grad), "没有返回结果", "return grad")


def test_numerical_grad_untouched_starter_is_not_attempted():
    def numerical_grad(f, x, eps=1e-6):
        grad = torch.zeros_like(x)
        flat = x.view(-1)
        for i in range(flat.numel()):
            old = flat[i].item()
            flat[i] = old + eps
            f_plus = float(f(x))  # noqa: F841 - the starter
            flat[i] = ____
            f_minus = float(f(x))  # noqa: F841 - the starter
            flat[i] = ____
            grad.view(-1)[i] = ____
        return grad
    assert ex.q7.evaluate(numerical_grad).status == NOT_ATTEMPTED


# --- q8: relative_error -------------------------------------------------------------------------

def relative_error_loop(a, b):
    worst = 0.0
    for x, y in zip(a.flatten().tolist(), b.flatten().tolist()):
        worst = max(worst, abs(x - y) / max(1e-8, abs(x) + abs(y)))
    return worst


@pytest.mark.parametrize("relative_error", [
    ex.q8.reference("relative_error"),
    relative_error_loop,
    lambda a, b: ((a - b).abs() / torch.clamp(a.abs() + b.abs(), min=1e-8)).max(),
    lambda a, b: float(torch.max(torch.abs(a - b) / torch.maximum(torch.abs(a) + torch.abs(b),
                                                                    torch.tensor(1e-8)))),
], ids=["reference", "loop", "a tensor", "maximum"])
def test_relative_error_written_any_right_way_is_correct(relative_error):
    correct(ex.q8.evaluate(relative_error))


def test_relative_error_with_the_max_denominator_is_accepted_and_told_so():
    message = correct(ex.q8.evaluate(
        lambda a, b: float(((a - b).abs() / torch.maximum(a.abs(), b.abs()).clamp_min(1e-8)).max())))
    assert "max(|a|, |b|)" in message


@pytest.mark.parametrize("relative_error, words", [
    (lambda a, b: float(((a - b).abs() / (a.abs() + b.abs()).clamp_min(1e-8)).mean()), ["mean"]),
    (lambda a, b: float((a - b).norm() / (a.norm() + b.norm())), ["范数"]),
    (lambda a, b: float(((a - b).abs() / (a + b).abs().clamp_min(1e-8)).max()), ["|a + b|"]),
    (lambda a, b: float(((a - b).abs() / a.abs().clamp_min(1e-8)).max()), ["只用了 |a|"]),
    (lambda a, b: float((a - b).abs().max()), ["绝对误差"]),
    (lambda a, b: float(((a - b).abs() / (a.abs() + b.abs())).max()), ["nan", "下限"]),
    (lambda a, b: (a - b).abs() / (a.abs() + b.abs()).clamp_min(1e-8), ["一个数", ".max()"]),
], ids=["mean", "norm", "|a+b|", "|a|", "absolute", "no floor", "not reduced"])
def test_relative_error_mistakes_get_their_diagnosis(relative_error, words):
    incorrect(ex.q8.evaluate(relative_error), *words)


def test_relative_error_that_modifies_its_input_is_told_so():
    def relative_error(a, b):
        a -= b
        return float((a.abs() / (a.abs() + 2 * b.abs()).clamp_min(1e-8)).max())
    incorrect(ex.q8.evaluate(relative_error), "改了传进来的")


def test_relative_error_of_the_first_entries_only_is_caught_on_the_long_input():
    # a spot check of the first 100 entries: right on the short inputs, blind to the 1000th
    incorrect(ex.q8.evaluate(lambda a, b: float(
        ((a - b).abs() / (a.abs() + b.abs()).clamp_min(1e-8)).flatten()[:100].max())),
        "a = (1000 个元素)，b = (最后一个元素是 2) 时你的结果是 0，应当是 0.333333", "再取最大值")


def test_relative_error_untouched_starter_is_not_attempted():
    assert ex.q8.evaluate(lambda a, b: float(____)).status == NOT_ATTEMPTED


# --- q9 and q11: predictions ------------------------------------------------------------------

def judged(exercise, prediction, *measured):
    exercise.predict(prediction)
    return exercise.evaluate(*measured)


@pytest.mark.parametrize("err32, band", [(3e-2, "C"), (2e-4, "C"), (5e-6, "B"), (2e-8, "A")])
def test_q9_judged_by_the_measured_float32_error(err32, band, capsys):
    measured = {"float64": 2.2e-8, "float32": err32}
    assert band in correct(judged(ex.q9, band, measured))
    wrong = next(b for b in ex.FLOAT32_BANDS if b != band)
    incorrect(judged(ex.q9, wrong, measured), f"属于 {band}", "五十万倍")


def test_q9_bands_cover_every_error_once():
    edges = sorted(ex.FLOAT32_BANDS.values())
    assert edges[0][0] == 0 and edges[-1][1] == math.inf
    assert all(hi == lo for (_, hi), (lo, _) in zip(edges, edges[1:]))


def test_q9_needs_the_measured_errors(capsys):
    incorrect(judged(ex.q9, "C", {"float32": 1e-2}), "check_errors")
    incorrect(judged(ex.q9, "C", [1e-8, 1e-2]), "check_errors")
    incorrect(judged(ex.q9, "C", {"float64": 1e-8, "float32": "big"}), "一个数")
    for broken in (float("nan"), -1e-3):  # no band holds them: not a checker error
        incorrect(judged(ex.q9, "C", {"float64": 1e-8, "float32": broken}), "非负数")
    assert "属于 C" in correct(judged(ex.q9, "C", {"float64": 1e-8, "float32": float("inf")}))
    ex.q9.prediction = None
    assert ex.q9.evaluate({"float64": 1e-8, "float32": 1e-2}).status == NOT_ATTEMPTED


def memory_table(saved_per_layer, peak, depths=(1, 2, 4, 8)):
    return {d: (saved_per_layer * d, peak) for d in depths}


def test_q11_judged_by_the_measured_bytes(capsys):
    training_grows = memory_table(65_536, 131_072)
    assert "A" in correct(judged(ex.q11, "A", training_grows))
    incorrect(judged(ex.q11, "B", training_grows), "这是 A", "反向传播要用到")
    incorrect(judged(ex.q11, "C", training_grows), "这是 A")
    both_grow = {d: (65_536 * d, 131_072 * d) for d in (1, 2, 4, 8)}
    assert "B" in correct(judged(ex.q11, "B", both_grow))
    flat = memory_table(0, 131_072)
    flat = {d: (65_536, 131_072) for d in flat}
    incorrect(judged(ex.q11, "A", flat), "这是 C")


def test_q11_rejects_an_impossible_table_and_wrong_kinds(capsys):
    impossible = {d: (65_536, 131_072 * d) for d in (1, 2, 4, 8)}
    incorrect(judged(ex.q11, "A", impossible), "重新运行")
    incorrect(judged(ex.q11, "A", {1: (1, 2), 2: (2, 2)}), "至少 3 个深度")
    incorrect(judged(ex.q11, "A", [(1, 2)] * 4), "memory")
    incorrect(judged(ex.q11, "A", {1: 5, 2: 6, 4: 7}), "memory")


def test_predictions_need_a_listed_choice(capsys):
    ex.q9.predict("D")
    assert ex.q9.prediction is None
    ex.q11.predict(____)
    assert ex.q11.prediction is None
    assert ex.q11.evaluate(memory_table(65_536, 131_072)).status == NOT_ATTEMPTED


# --- q10: the scalar engine -----------------------------------------------------------------------

SOLUTION = ex.q10.solution_code.rsplit("\n", 1)[0]


def engine(*replacements):
    """The reference Value with each ``(old, new)`` replacement made in its source."""
    source = SOLUTION
    for old, new in replacements:
        assert source.count(old) >= 1, old
        source = source.replace(old, new)
    namespace = {"____": ____}
    exec(compile(source, "<learner's Value>", "exec"), namespace)
    return namespace["Value"]


def test_value_reference_and_a_rewritten_engine_are_correct():
    correct(ex.q10.evaluate(ex.q10.reference("Value")))
    correct(ex.q10.evaluate(engine(("self.grad += out.grad\n            other.grad += out.grad",
                                    "self.grad = self.grad + 1.0 * out.grad\n"
                                    "            other.grad = other.grad + out.grad"),
                                   ("(out.data > 0) * out.grad", "(out.grad if self.data > 0 else 0.0)"))))


def iterative_engine():
    """A Value whose backward orders the graph without recursion (Kahn's algorithm)."""
    Value = engine()

    def backward(self):
        order, seen, stack = [], set(), [(self, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
            elif node not in seen:
                seen.add(node)
                stack.append((node, True))
                stack.extend((child, False) for child in node._prev)
        self.grad = 1.0
        for node in reversed(order):
            node._backward()

    Value.backward = backward
    return Value


def test_value_with_an_iterative_topological_sort_is_correct():
    correct(ex.q10.evaluate(iterative_engine()))


@pytest.mark.parametrize("replacements, words", [
    ([("self.grad += other.data * out.grad", "self.grad += self.data * out.grad"),
      ("other.grad += self.data * out.grad", "other.grad += other.data * out.grad")], ["乘法"]),
    ([("self.grad += out.grad\n", "self.grad = out.grad\n"),
      ("other.grad += out.grad", "other.grad = out.grad"),
      ("self.grad += other.data * out.grad", "self.grad = other.data * out.grad"),
      ("other.grad += self.data * out.grad", "other.grad = self.data * out.grad")], ["累加"]),
    ([("for v in reversed(topo):", "for v in topo:")], ["逆序"]),
    ([("self.grad = 1.0  # ∂out/∂out = 1", "pass")], ["1.0"]),
    ([("(out.data > 0) * out.grad", "out.grad")], ["relu"]),
    ([("other.grad += out.grad", "other.grad += 0.0")], ["加法"]),
], ids=["mul grads swapped", "= not +=", "topo not reversed", "no seed 1.0", "relu passes all",
        "add misses other"])
def test_value_mistakes_get_their_diagnosis(replacements, words):
    incorrect(ex.q10.evaluate(engine(*replacements)), *words)


def test_value_check_wants_the_class():
    incorrect(ex.q10.evaluate(ex.q10.reference("Value")(1.0)), "ex.q10.check(Value)", "不要加括号")
    incorrect(ex.q10.evaluate(lambda data: ex.q10.reference("Value")(data)), "类 Value 本身")


def test_value_without_a_grad_attribute_is_told_so():
    incorrect(ex.q10.evaluate(engine(("self.grad = 0.0\n", "self.gradient = 0.0\n"))), "self.grad")


@pytest.mark.parametrize("replacements, key", [
    ([("self.grad += other.data * out.grad", "self.grad = other.data * out.grad"),
      ("other.grad += self.data * out.grad", "other.grad = self.data * out.grad")], "q10.square"),
    ([("        for v in reversed(topo):  # 从输出往输入\n            v._backward()",
       "        self._backward()\n        for v in self._prev:\n            v._backward()")],
     "q10.chain"),
    ([("return self * -1", "return Value(-self.data)")], "q10.derived"),
    ([("other.grad += out.grad", "other.grad += self.grad"),
      ("for child in v._prev:", "for child in reversed(v._prev):")], "q10.shared"),
    ([("if v not in visited:", "if True:")], "q10.deep"),
    ([("other.grad += out.grad", "other.grad += self.grad")], "q10.add_passes_self"),
], ids=["mul with =", "one level only", "-x a new leaf", "add passes self.grad, inputs reversed",
        "no visited set", "add passes self.grad"])
def test_value_mistakes_only_a_later_probe_finds_get_its_diagnosis(replacements, key):
    incorrect(ex.q10.evaluate(engine(*replacements)), ex.say(key), "torch 算出的梯度是")


def test_value_whose_add_returns_nothing_is_told_to_return_out():
    Value = engine(("out._backward = _backward\n        return out\n\n    def __mul__",
                    "out._backward = _backward\n\n    def __mul__"))
    incorrect(ex.q10.evaluate(Value), "add 表达式的结果不是 Value（是 NoneType）", "return out")


def test_value_with_rsub_the_wrong_way_round_is_told_the_forward_value():
    incorrect(ex.q10.evaluate(engine(("return (-self) + other", "return self + (-other)"))),
              "前向的值不对：derived 表达式", "你的 Value 算出了 -8.0")


def test_value_whose_gradient_is_a_value_is_told_it_must_be_a_number():
    # .data forgotten: other * out.grad is a Value, and so becomes self.grad
    incorrect(ex.q10.evaluate(engine(("self.grad += other.data * out.grad",
                                      "self.grad += other * out.grad"))), "梯度 .grad 应当是一个数")


def test_value_without_radd_is_told_to_wrap_numbers_when_backward_adds_a_value():
    # float += Value needs __radd__: the TypeError comes from backward, not from the expression
    Value = engine(("self.grad += other.data * out.grad", "self.grad += other * out.grad"))
    del Value.__radd__
    incorrect(ex.q10.evaluate(Value), ex.say("q10.error_number"))


def test_value_without_relu_is_told_to_write_it():
    # the checker's relu probe asks the learner's Value (torch.relu of a Value was a checker error)
    Value = engine()
    del Value.relu
    incorrect(ex.q10.evaluate(Value), ex.say("q10.error_relu"))


def test_value_untouched_starter_is_not_attempted():
    starter = engine(("self.grad += out.grad\n            other.grad += out.grad",
                      "self.grad += ____\n            other.grad += ____"))
    assert ex.q10.evaluate(starter).status == NOT_ATTEMPTED


# --- what a learner attacking the lesson found ---------------------------------------------------

def test_relative_error_divided_by_b_only_is_rejected():
    # the learner divides by autograd's value (b in the lesson): right whenever |b| >= |a|
    incorrect(ex.q8.evaluate(lambda a, b: float(((a - b).abs() / b.abs().clamp_min(1e-8)).max())),
              "只用了 |b|")


def test_relative_error_with_a_small_constant_added_is_correct():
    correct(ex.q8.evaluate(lambda a, b: float(((a - b).abs() / (a.abs() + b.abs() + 1e-8)).max())))


def shifted_from_the_moved_value(f, x, flat, i, old, eps):
    plus = _at(f, x, flat, i, old + eps)
    minus = _at(f, x, flat, i, flat[i].item() - eps)  # flat[i] = flat[i] - eps: back at old
    flat[i] = old
    return (plus - minus) / (2 * eps)


def precedence_slip(f, x, flat, i, old, eps):
    plus, minus = _at(f, x, flat, i, old + eps), _at(f, x, flat, i, old - eps)
    flat[i] = old
    return (plus - minus) / 2 * eps


@pytest.mark.parametrize("numerical_grad, words", [
    (variant(shifted_from_the_moved_value), ["old - eps"]),
    (variant(precedence_slip), ["运算顺序", "(2 * eps)"]),
], ids=["flat[i] - eps", "/ 2 * eps"])
def test_numerical_grad_slips_get_their_diagnosis(numerical_grad, words):
    incorrect(ex.q7.evaluate(numerical_grad), *words)


@pytest.mark.parametrize("replacements, words", [
    ([("self.grad += out.grad\n", "self.grad += 1.0\n"),
      ("other.grad += out.grad", "other.grad += 1.0")], ["加法", "self.grad += out.grad"]),
    ([("self.grad += other.data * out.grad", "self.grad += other.data"),
      ("other.grad += self.data * out.grad", "other.grad += self.data")], ["乘法", "out.grad"]),
    ([("(out.data > 0) * out.grad", "float(out.data > 0)")], ["relu"]),
], ids=["add ignores upstream", "mul ignores upstream", "relu ignores upstream"])
def test_value_that_ignores_the_upstream_gradient_is_told_so(replacements, words):
    incorrect(ex.q10.evaluate(engine(*replacements)), *words)


def test_value_without_the_derived_operators_is_told_so():
    Value = engine()
    del Value.__rsub__
    incorrect(ex.q10.evaluate(Value), "__rsub__")
    Value = engine()
    del Value.__rmul__
    incorrect(ex.q10.evaluate(Value), "__rmul__")


def test_backward_step_in_float32_is_told_so():
    incorrect(ex.q1.evaluate(lambda O, Y: (torch.softmax(O.float(), 1) - F.one_hot(Y, O.shape[1])) / len(Y)),
              "float32")
    incorrect(ex.q4.evaluate(lambda dH, Z, H: (dH * H * (1 - H)).float()), "float32")


@pytest.mark.parametrize("exercise, fn, words", [
    (ex.q3, lambda dO, W2: dO * W2, ["dO @ W2", "不是 *"]),
    (ex.q4, lambda dH, Z, H: dH * (H * (1 - H)).T, ["不要转置"]),
    (ex.q2, lambda dO, H, W2, lambd: dO.T * H + lambd * W2, ["逐元素", "dO.T @ H"]),
    (ex.q5, lambda dZ, X, W1, lambd: dZ.T * X + lambd * W1, ["逐元素", "dZ.T @ X"]),
], ids=["q3 dO * W2", "q4 transposed", "q2 dO.T * H", "q5 dZ.T * X"])
def test_elementwise_shape_errors_get_this_exercises_diagnosis(exercise, fn, words):
    incorrect(exercise.evaluate(fn), *words)
    assert "keepdim" not in exercise.evaluate(fn).message
