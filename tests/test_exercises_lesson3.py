"""Lesson 3's exercises: each typical mistake gets its diagnosis; predictions meet measurements.

The learner's relu, parameters, net and training epoch are checked by running them
beside the reference; here each check gets a constructed wrong version (the mistakes in
shared/seeds and the usual ones) and must name what is wrong. The predict-first checks
get constructed measurements (Runs built from made-up histories).
"""
import random

import pytest
import torch
from exercise_asserts import correct, incorrect, predicted
from torch import nn

import d2l_helpers as d2l
from d2l_helpers.exercises import CORRECT, INCORRECT
from d2l_helpers.exercises import lesson3 as ex

# --- exercise 1: relu ----------------------------------------------------------------

@pytest.mark.parametrize("relu", [
    lambda X: torch.max(X, torch.zeros_like(X)),
    lambda X: torch.clamp(X, min=0),
    lambda X: torch.max(X, torch.tensor(0.0)),
    lambda X: X * (X > 0),
], ids=["max-zeros", "clamp", "max-scalar-tensor", "times-mask"])
def test_relu_written_any_elementwise_way_is_correct(relu):
    correct(ex.q1, relu)


@pytest.mark.parametrize("relu, words", [
    (lambda X: X > 0, ["布尔掩码"]),
    (lambda X: (X > 0).float(), ["0 和 1", "掩码"]),
    (lambda X: torch.max(X, 0), ["(values, indices)", "维度"]),
    (lambda X: torch.max(X, dim=-1).values, ["形状", "逐元素"]),
    (lambda X: torch.max(X), ["形状", "逐元素"]),
    (lambda X: torch.min(X, torch.zeros_like(X)), ["方向反了"]),
    (lambda X: X.clamp_(min=0), ["原地修改"]),
    (lambda X: torch.clamp(X, min=0).detach(), ["断开了计算图"]),
    (lambda X: X.abs(), ["relu(X)", "应当是"]),
], ids=["bool-mask", "float-mask", "max-over-dim-0", "max-over-last-dim", "max-of-all",
        "min", "in-place", "detached", "abs"])
def test_relu_mistakes_get_their_diagnosis(relu, words):
    message = incorrect(ex.q1, relu)
    assert all(w in message for w in words), message


# --- exercise 2: the parameters ------------------------------------------------------

def params_with(w1=None, w2=None, b=None, num_hiddens=None, scale1=0.01, scale2=0.01):
    """An init_params whose pieces can be replaced one at a time by a mistake."""
    def init_params(num_inputs, hiddens, num_outputs):
        hiddens = num_hiddens or hiddens
        W1 = w1(num_inputs, hiddens) if w1 else nn.Parameter(
            torch.randn(num_inputs, hiddens) * scale1)
        b1 = nn.Parameter(b(hiddens) if b else torch.zeros(hiddens))
        W2 = w2(hiddens, num_outputs) if w2 else nn.Parameter(
            torch.randn(hiddens, num_outputs) * scale2)
        b2 = nn.Parameter(torch.zeros(num_outputs))
        return [W1, b1, W2, b2]
    return init_params


def test_init_params_reference_and_plain_leaf_tensors_are_correct():
    correct(ex.q2, ex.reference_init_params)

    def leaves(num_inputs, num_hiddens, num_outputs):  # the book's softmax-from-scratch style
        return [(torch.randn(num_inputs, num_hiddens) * 0.01).requires_grad_(),
                torch.zeros(num_hiddens, requires_grad=True),
                (torch.randn(num_hiddens, num_outputs) * 0.01).requires_grad_(),
                torch.zeros(num_outputs, requires_grad=True)]
    correct(ex.q2, leaves)


@pytest.mark.parametrize("init_params, words", [
    (params_with(w1=lambda i, h: nn.Parameter(torch.randn(786, h) * 0.01)), ["786", "784"]),
    (params_with(scale2=1.0), ["W2", "没有乘 0.01"]),
    (params_with(scale1=1.0), ["W1", "没有乘 0.01"]),
    (params_with(w2=lambda h, o: torch.randn(h, o, requires_grad=True) * 0.01),
     ["W2", "不是叶子", "nn.Parameter"]),
    (params_with(w1=lambda i, h: torch.randn(i, h) * 0.01), ["W1", "不需要梯度"]),
    (params_with(w1=lambda i, h: nn.Parameter(torch.randn(h, i) * 0.01)), ["行列反了"]),
    (params_with(num_hiddens=256), ["init_params(784, 64, 10)", "不要写死"]),
    (params_with(w2=lambda h, o: nn.Parameter(torch.zeros(h, o))), ["全是 0", "对称"]),
    (params_with(w1=lambda i, h: nn.Parameter(torch.rand(i, h) * 0.01)), ["torch.randn"]),
    (params_with(scale1=0.1), ["标准差是 0.1", "0.01"]),
    (params_with(b=lambda h: torch.randn(h)), ["b1", "全 0"]),
    (params_with(b=lambda h: torch.zeros(h, 1)), ["b1", f"({256},)"]),
    (params_with(w1=lambda i, h: nn.Parameter(torch.randn(i, h, dtype=torch.float64) * 0.01)),
     ["float64"]),
], ids=["786-inputs", "W2-unscaled", "W1-unscaled", "non-leaf", "no-grad", "transposed",
        "hard-coded-width", "zeros", "uniform", "wrong-scale", "random-bias", "bias-shape",
        "float64"])
def test_init_params_mistakes_get_their_diagnosis(init_params, words):
    message = incorrect(ex.q2, init_params)
    assert all(w in message for w in words), message


def test_init_params_that_returns_no_list_of_four_is_told_what_to_return():
    message = incorrect(ex.q2, lambda num_inputs, num_hiddens, num_outputs: (1, 2, 3))
    assert "[W1, b1, W2, b2] 四个张量的列表" in message and "tuple" in message


def test_init_params_with_row_biases_that_broadcast_is_correct_with_a_note():
    message = correct(ex.q2, params_with(b=lambda h: torch.zeros(1, h)))
    assert "(1, 256)" in message and "广播" in message


def test_init_params_seeded_inside_the_function_is_caught():
    def seeded(num_inputs, num_hiddens, num_outputs):
        torch.manual_seed(42)
        return ex.reference_init_params(num_inputs, num_hiddens, num_outputs)
    assert "种子" in incorrect(ex.q2, seeded)


def test_init_params_check_leaves_the_random_stream_alone():
    torch.manual_seed(3)
    expected = torch.rand(2)
    torch.manual_seed(3)
    ex.q2.evaluate(ex.reference_init_params)
    assert torch.equal(torch.rand(2), expected)


# --- exercise 3: the model -----------------------------------------------------------

def book_params():
    torch.manual_seed(0)
    return ex.reference_init_params(784, 256, 10)


def net_from(body):
    """A learner's net(X) written against global names, like the book's."""
    params = book_params()
    W1, b1, W2, b2 = params
    namespace = {"torch": torch, "relu": ex.reference_relu, "num_inputs": 784,
                 "W1": W1, "b1": b1, "W2": W2, "b2": b2}
    exec("def net(X):\n" + body, namespace)
    return namespace["net"], params


def test_net_reference_and_matmul_are_correct():
    params = book_params()
    correct(ex.q3, ex.reference_net(params), params)
    net, params = net_from("    X = X.reshape((-1, num_inputs))\n"
                           "    return torch.matmul(relu(torch.matmul(X, W1) + b1), W2) + b2\n")
    correct(ex.q3, net, params)


@pytest.mark.parametrize("body, words", [
    ("    X = X.reshape((-1, num_inputs))\n"
     "    H = relu(torch.dot(X, W1) + b1)\n    return torch.dot(H, W2) + b2\n",
     ["torch.dot", "@"]),
    ("    X = X.reshape((-1, 786))\n    return relu(X @ W1 + b1) @ W2 + b2\n", ["784", "786"]),
    ("    X = X.reshape((-1, num_inputs))\n    return relu(X @ W1 + b1) @ w2 + b2\n",
     ["区分大小写", "W2"]),
    ("    X = X.reshape((-1, num_inputs))\n    return (X @ W1 + b1) @ W2 + b2\n", ["激活函数"]),
    ("    X = X.reshape((-1, num_inputs))\n    return relu(X @ W1) @ W2 + b2\n", ["b1"]),
    ("    X = X.reshape((-1, num_inputs))\n    return relu(X @ W1 + b1) @ W2\n", ["b2"]),
    ("    X = X.reshape((-1, num_inputs))\n    return relu(relu(X @ W1 + b1) @ W2 + b2)\n",
     ["输出层", "激活"]),
    ("    X = X.reshape((-1, num_inputs))\n"
     "    return torch.softmax(relu(X @ W1 + b1) @ W2 + b2, dim=1)\n", ["概率", "logits"]),
    ("    return relu(X @ W1 + b1) @ W2 + b2\n", ["拉平"]),
    ("    X = X.reshape((num_inputs, -1))\n    return relu(W1.T @ X + b1[:, None]).T @ W2 + b2\n",
     ["形状"]),
    ("    X = X.reshape((-1, num_inputs))\n    return relu(X @ W1 + b1)\n",
     ["net(X) 的形状却是 (8, 256)", "应当是 (8, 10)", "每个类别一列"]),
], ids=["torch-dot", "786", "lowercase-w2", "no-relu", "no-b1", "no-b2", "relu-on-output",
        "softmax-output", "no-reshape", "reshaped-wrong-way", "hidden-layer-only"])
def test_net_mistakes_get_their_diagnosis(body, words):
    net, params = net_from(body)
    message = incorrect(ex.q3, net, params)
    assert all(w in message for w in words), message


def test_net_check_given_something_else_than_the_params_says_so():
    net, params = net_from("    X = X.reshape((-1, num_inputs))\n"
                           "    return relu(X @ W1 + b1) @ W2 + b2\n")
    assert "params = [W1, b1, W2, b2]" in incorrect(ex.q3, net, "params")
    assert "先让练习 2 通过" in incorrect(ex.q3, net, [params[0].flatten(), *params[1:]])


def test_net_that_ignores_the_given_params_is_caught_and_params_are_restored():
    net, _ = net_from("    X = X.reshape((-1, num_inputs))\n"
                      "    return relu(X @ W1 + b1) @ W2 + b2\n")
    other = book_params()
    before = [p.detach().clone() for p in other]
    assert "没有变" in incorrect(ex.q3, net, other)
    assert all(torch.equal(p, b) for p, b in zip(other, before))
    assert all(p.grad is None for p in other)


# --- exercise 4: one training epoch ---------------------------------------------------

def epoch_with(optimizer_step, function_step, record="l.sum().item(), d2l.accuracy(y_hat, y), "
               "y.numel()", result="metric[0] / metric[2], metric[1] / metric[2]"):
    """A learner's train_epoch with the two update branches and the bookkeeping given."""
    code = f'''def train_epoch(net, train_iter, loss, updater):
    metric = d2l.Accumulator(3)
    for X, y in train_iter:
        y_hat = net(X)
        l = loss(y_hat, y)
        if isinstance(updater, torch.optim.Optimizer):
{optimizer_step}
        else:
{function_step}
        metric.add({record})
    return {result}
'''
    namespace = {"torch": torch, "d2l": d2l, "batch_size": 256}  # the lesson's global
    exec(code, namespace)
    return namespace["train_epoch"]


RIGHT_OPTIMIZER = ("            updater.zero_grad()\n            l.mean().backward()\n"
                   "            updater.step()")
RIGHT_FUNCTION = "            l.sum().backward()\n            updater(X.shape[0])"


def test_train_epoch_reference_and_the_learners_solution_are_correct():
    correct(ex.q4, ex.reference_train_epoch)
    correct(ex.q4, epoch_with(RIGHT_OPTIMIZER, RIGHT_FUNCTION))
    # zero_grad at the end of the step is as good as at the start
    correct(ex.q4, epoch_with("            l.mean().backward()\n            updater.step()\n"
                              "            updater.zero_grad()", RIGHT_FUNCTION))


@pytest.mark.parametrize("optimizer_step, function_step, words", [
    ("            l.mean().backward()\n            updater.step()", RIGHT_FUNCTION,
     ["第二个批量", "zero_grad"]),
    ("            l.mean().backward()\n            updater.zero_grad()\n            updater.step()",
     RIGHT_FUNCTION, ["一点没变"]),
    (RIGHT_OPTIMIZER, "            l.mean().backward()\n            updater(X.shape[0])",
     ["1/20", "除了两次", "第 6 课"]),
    ("            updater.zero_grad()\n            l.sum().backward()\n            updater.step()",
     RIGHT_FUNCTION, ["20 倍", "l.mean()"]),
    (RIGHT_OPTIMIZER, "            l.sum().backward()\n            updater(1)",
     ["20 倍", "X.shape[0]"]),
    (RIGHT_OPTIMIZER, "            l.sum().backward()\n            updater(batch_size)",
     ["20/256", "全局的", "X.shape[0]"]),
    (RIGHT_OPTIMIZER, "            updater.zero_grad()\n            l.sum().backward()\n"
     "            updater(X.shape[0])", ["没有 zero_grad"]),
    ("            l.sum().backward()\n            updater(X.shape[0])", RIGHT_FUNCTION,
     ["不能像函数那样调用"]),
    (RIGHT_OPTIMIZER, "            pass", ["手写更新器", "一点没变"]),
    ("            updater.zero_grad()\n            (l.mean() / X.shape[0]).backward()\n"
     "            updater.step()", RIGHT_FUNCTION, ["优化器", "1/20", "多除了一次"]),
    (RIGHT_OPTIMIZER, "            (-l.sum()).backward()\n            updater(X.shape[0])",
     ["手写更新器", "同方向"]),
    ("            updater.zero_grad()\n            (2 * l.mean()).backward()\n"
     "            updater.step()", RIGHT_FUNCTION, ["步长是参考的 2.00 倍"]),
], ids=["no-zero-grad", "zero-grad-before-step", "mean-loss-with-sgd", "sum-loss-with-optimizer",
        "updater-called-with-1", "updater-called-with-the-global-batch-size",
        "zero-grad-on-a-function", "optimizer-called", "no-update", "mean-divided-again",
        "gradient-ascent", "doubled-loss"])
def test_train_epoch_update_mistakes_get_their_diagnosis(optimizer_step, function_step, words):
    message = incorrect(ex.q4, epoch_with(optimizer_step, function_step))
    assert all(w in message for w in words), message


@pytest.mark.parametrize("kind, update, words", [
    ("optimizer", "updater.step()", ["优化器", "之后就不对了", "清零梯度、反向传播、更新"]),
    ("function", "updater(X.shape[0])", ["手写更新器", "之后就不对了", "完整地反向传播、更新"]),
], ids=["optimizer", "function"])
def test_train_epoch_that_updates_once_after_the_loop_is_told_each_batch_updates(kind, update,
                                                                                 words):
    """The update indented out of the loop: right after one batch, wrong after several."""
    def train_epoch(net, train_iter, loss, updater):
        if (kind == "optimizer") != isinstance(updater, torch.optim.Optimizer):
            return ex.reference_train_epoch(net, train_iter, loss, updater)
        metric = d2l.Accumulator(3)
        if kind == "optimizer":
            updater.zero_grad()
        for X, y in train_iter:
            y_hat = net(X)
            l = loss(y_hat, y)
            (l.mean() if kind == "optimizer" else l.sum()).backward()
            metric.add(l.sum().item(), d2l.accuracy(y_hat, y), y.numel())
        exec(update, {"updater": updater, "X": X})
        return metric[0] / metric[2], metric[1] / metric[2]
    message = incorrect(ex.q4, train_epoch)
    assert all(w in message for w in words), message


@pytest.mark.parametrize("record, result, words", [
    ("l.mean().item(), d2l.accuracy(y_hat, y), y.numel()",
     "metric[0] / metric[2], metric[1] / metric[2]", ["小了约", "l.sum().item()"]),
    ("l.mean().item(), d2l.accuracy(y_hat, y), y.numel()",
     "metric[0] / 3, metric[1] / metric[2]", ["最后一批更小"]),
    ("l.sum().item(), d2l.accuracy(y_hat, y), y.numel()", "metric[0] / metric[2], metric[1]",
     ["大于 1"]),
    ("l.sum().item(), d2l.accuracy(y_hat, y), 1", "metric[0] / metric[2], metric[1] / metric[2]",
     ["训练精度"]),
    ("l.sum().item(), d2l.accuracy(y_hat, y), y.numel()", "None", ["没有返回值"]),
    ("l.sum().item(), d2l.accuracy(y_hat, y), y.numel()", "metric[0] / metric[2]", ["两个数"]),
    ("l.sum().item(), d2l.accuracy(y_hat, y), y.numel()", "'loss', 'acc'", ["不是两个数"]),
    ("l.sum().item(), d2l.accuracy(y_hat, y) / y.numel(), y.numel()",
     "metric[0] / metric[2], metric[1] / metric[2]", ["训练精度是", "应当是", "最后一除"]),
    ("0.0, d2l.accuracy(y_hat, y), y.numel()", "metric[0] / metric[2], metric[1] / metric[2]",
     ["平均损失是 0，", "最后一除"]),
], ids=["mean-as-sum", "mean-of-batch-means", "count-not-divided", "batches-counted",
        "no-return", "one-number", "two-strings", "accuracy-divided-twice", "loss-not-added"])
def test_train_epoch_bookkeeping_mistakes_get_their_diagnosis(record, result, words):
    message = incorrect(ex.q4, epoch_with(RIGHT_OPTIMIZER, RIGHT_FUNCTION, record, result))
    assert all(w in message for w in words), message


# --- exercises 5-7: predictions against constructed measurements ---------------------

def runs_of(finals, metric="valid_acc"):
    """Runs whose final ``metric`` per seed is given (one epoch each)."""
    return d2l.Runs(list(range(len(finals))),
                    [[{"epoch": 1, metric: v, "train_acc": v}] for v in finals])


def around(mean, n=5, spread=0.004):
    """Runs near ``mean``: each setting its own noise (as real settings have), fixed by ``mean``."""
    noise = random.Random(round(mean * 1e4))
    return runs_of([mean + spread * noise.gauss(0, 1) for _ in range(n)])


RISING = {16: around(0.62), 64: around(0.65), 256: around(0.66), 1024: around(0.68)}
PEAKED = {16: around(0.62), 64: around(0.70), 256: around(0.66), 1024: around(0.60)}
FLAT = {16: around(0.66, spread=0.02), 64: around(0.665, spread=0.02),
        256: around(0.66, spread=0.02), 1024: around(0.67, spread=0.02)}
FALLING = {16: around(0.70), 64: around(0.68), 256: around(0.64), 1024: around(0.60)}


@pytest.mark.parametrize("measured, pattern", [(RISING, "A"), (PEAKED, "B"), (FLAT, "C"),
                                               (FALLING, "D")])
def test_width_pattern_reads_the_shape_of_the_sweep(measured, pattern):
    assert ex.width_pattern(measured) == pattern
    assert predicted(ex.q5, pattern, measured).status == CORRECT
    wrong = "A" if pattern != "A" else "B"
    outcome = predicted(ex.q5, wrong, measured)
    assert outcome.status == INCORRECT and f"实验测得的是 {pattern}" in outcome.message


def test_width_check_needs_the_runs():
    outcome = predicted(ex.q5, "A", [0.6, 0.7])
    assert outcome.status == INCORRECT and "d2l.repeat" in outcome.message


def test_width_without_a_prediction_is_not_attempted():
    assert "尚未作答" in ex.q5.evaluate(RISING).message


def loss_runs(finals):
    return d2l.Runs(list(range(len(finals))), [[{"epoch": 1, "train_loss": v}] for v in finals])


def test_depth_prediction_meets_the_training_loss_comparison():
    deeper = d2l.compare(loss_runs([0.55, 0.56, 0.57, 0.56, 0.55]),
                         loss_runs([0.71, 0.72, 0.73, 0.72, 0.70]),
                         "train_loss", names=("3 层", "1 层"), label="训练损失")
    assert predicted(ex.q6, "A", deeper).status == CORRECT
    outcome = predicted(ex.q6, "B", deeper)
    assert outcome.status == INCORRECT and "3 层 的训练损失比 1 层 低" in outcome.message
    same = d2l.compare(loss_runs([0.70, 0.74, 0.72, 0.71, 0.73]),
                       loss_runs([0.71, 0.73, 0.70, 0.74, 0.72]), "train_loss")
    assert predicted(ex.q6, "B", same).status == CORRECT
    assert predicted(ex.q6, "C", same).status == INCORRECT
    worse = d2l.compare(loss_runs([0.9, 0.91, 0.92, 0.9, 0.93]),
                        loss_runs([0.5, 0.51, 0.52, 0.5, 0.49]), "train_loss")
    assert predicted(ex.q6, "C", worse).status == CORRECT


def test_depth_prediction_of_a_lower_loss_that_is_not_measured_is_told_the_verdict():
    same = d2l.compare(loss_runs([0.70, 0.74, 0.72, 0.71, 0.73]),
                       loss_runs([0.71, 0.73, 0.70, 0.74, 0.72]), "train_loss")
    assert "你预测 3 个隐藏层的训练损失更低" in predicted(ex.q6, "A", same).message
    diverged = d2l.compare(loss_runs([0.7, float("nan"), 0.72, 0.71, 0.73]),
                           loss_runs([0.71, 0.73, 0.70, 0.74, 0.72]), "train_loss")
    outcome = predicted(ex.q6, "A", diverged)
    assert outcome.status == INCORRECT and "比较里有种子发散了" in outcome.message


def test_depth_check_needs_the_training_loss_comparison():
    accuracy = d2l.compare(around(0.80), around(0.75), "valid_acc")
    assert "训练损失" in predicted(ex.q6, "A", accuracy).message
    assert predicted(ex.q6, "A", {"not": "a comparison"}).status == INCORRECT


def test_lr_prediction_counts_when_within_noise_of_the_best():
    measured = {0.01: around(0.12), 0.03: around(0.47), 0.1: around(0.66),
                0.3: runs_of([0.71, 0.72, 0.73, 0.72, 0.71]),
                1.0: runs_of([0.76, 0.70, 0.66, 0.78, 0.74])}
    assert "最高" in predicted(ex.q7, 1.0, measured).message
    within = predicted(ex.q7, 0.3, measured)
    assert within.status == CORRECT and "也算对" in within.message
    low = predicted(ex.q7, 0.1, measured)
    assert low.status == INCORRECT and "lr 0.1 的验证精度比 lr 1.0 低" in low.message
    assert predicted(ex.q7, 3.0, measured).status == INCORRECT


def test_predictions_outside_the_choices_are_refused(capsys):
    ex.q6.predict("E")
    assert "之一" in capsys.readouterr().out and ex.q6.prediction is None
    ex.q6.last = ex.q6.last._replace(status="not attempted")


# --- exercise 8: choose on validation --------------------------------------------------

@pytest.mark.parametrize("choose, words", [
    (lambda trials: max(trials, key=lambda t: t["test_acc"]), ["使得测试精度最高", "验证集"]),
    (lambda trials: max(trials, key=lambda t: t["train_acc"]), ["训练精度最高"]),
    (lambda trials: min(trials, key=lambda t: t["valid_acc"]), ["最低", "max"]),
    (lambda trials: max(trials, key=lambda t: t["valid_acc"])["config"], ["整个试验"]),
    (lambda trials: max(range(len(trials)), key=lambda i: trials[i]["valid_acc"]), ["字典"]),
    (lambda trials: trials[0], ["验证精度最高"]),
], ids=["by-test", "by-train", "min", "config-only", "index", "first"])
def test_choose_mistakes_get_their_diagnosis(choose, words):
    message = incorrect(ex.q8, choose)
    assert all(w in message for w in words), message


def test_choose_by_a_test_score_the_search_does_not_have_is_named():
    def by_test_or_valid(trials):  # works only where every trial was tested
        return max(trials, key=lambda t: t["test_acc"] + 0 * t["valid_acc"])
    message = incorrect(ex.q8, by_test_or_valid)
    assert "使得测试精度最高" in message


def test_choose_that_reads_test_scores_only_some_trials_have_is_told_why_it_should_not():
    def tested_first(trials):  # right on trials that all have test_acc, KeyError on the others
        return max(trials, key=lambda t: (t["test_acc"] > 0, t["valid_acc"]))
    message = incorrect(ex.q8, tested_first)
    assert "搜索时根本不该有它" in message and "使得测试精度最高" in message


def test_choose_on_validation_is_correct():
    correct(ex.q8, lambda trials: max(trials, key=lambda t: t["valid_acc"]))
    correct(ex.q8, lambda trials: sorted(trials, key=lambda t: -t["valid_acc"])[0])


# --- exercise 9: the size of a grid ----------------------------------------------------

@pytest.mark.parametrize("answer, words", [
    (625, ["5 个种子"]), (100, ["5 × 5 × 5 × 5"]), (20, ["5 × 5 × 5 × 5"]), (4 ** 5 * 5, ["反了"]),
    (630, ["乘"]), (1875, ["不对"]), (1000, ["不对"]), ("3125", ["一个数"]), (True, ["一个数"]),
])
def test_grid_runs_mistakes_get_their_diagnosis(answer, words):
    message = incorrect(ex.q9, answer)
    assert all(w in message for w in words), message


def test_grid_runs_right_answer():
    correct(ex.q9, 5 ** 4 * 5)
    correct(ex.q9, 3125.0)


# --- exercise 10: a successive-halving step ---------------------------------------------

@pytest.mark.parametrize("keep, words", [
    (lambda c: sorted(c, key=lambda x: x["valid_acc"])[:(len(c) + 1) // 2], ["反了"]),
    (lambda c: sorted(c, key=lambda x: x["test_acc"], reverse=True)[:(len(c) + 1) // 2],
     ["测试精度"]),
    (lambda c: sorted(c, key=lambda x: x["train_acc"], reverse=True)[:(len(c) + 1) // 2],
     ["训练精度"]),
    (lambda c: sorted(c, key=lambda x: x["valid_acc"], reverse=True)[:max(1, len(c) // 2)],
     ["5 → 3"]),
    (lambda c: sorted(sorted(c, key=lambda x: x["valid_acc"], reverse=True)[:(len(c) + 1) // 2],
                      key=lambda x: x["config"]["name"]), ["从高到低"]),
    (lambda c: [x["config"] for x in sorted(c, key=lambda x: x["valid_acc"],
                                            reverse=True)[:(len(c) + 1) // 2]], ["不只是它的 config"]),
    (lambda c: [x["valid_acc"] for x in c], ["字典"]),
    (lambda c: c[:(len(c) + 1) // 2], ["应当留下"]),
], ids=["worse-half", "by-test", "by-train", "floor", "unsorted", "configs", "scores",
        "first-half"])
def test_halving_mistakes_get_their_diagnosis(keep, words):
    message = incorrect(ex.q10, keep)
    assert all(w in message for w in words), message


def test_halving_right_answer_and_inputs_untouched():
    cases = ex._halving_cases()
    snapshot = [[dict(c) for c in candidates] for candidates, _ in cases]
    correct(ex.q10, lambda c: sorted(c, key=lambda x: x["valid_acc"],
                                     reverse=True)[:(len(c) + 1) // 2])
    assert [[dict(c) for c in candidates] for candidates, _ in ex._halving_cases()] == snapshot


# --- the references the lesson continues with -----------------------------------------

def test_reference_net_and_epoch_match_the_library_trainer():
    """reference_train_epoch is d2l.train_epoch_ch3's loop: same parameters, same metrics."""
    torch.manual_seed(0)
    X = torch.rand(40, 1, 28, 28)
    y = torch.randint(0, 10, (40,))
    batches = [(X[:16], y[:16]), (X[16:32], y[16:32]), (X[32:], y[32:])]
    results = []
    for epoch in (ex.reference_train_epoch, d2l.train_epoch_ch3):
        torch.manual_seed(1)
        params = ex.reference_init_params(784, 32, 10)
        net = ex.reference_net(params)
        loss = nn.CrossEntropyLoss(reduction="none")
        metrics = epoch(net, batches, loss, torch.optim.SGD(params, lr=0.5))
        metrics += epoch(net, batches, loss, lambda n, params=params: d2l.sgd(params, 0.5, n))
        results.append((metrics, [p.detach().clone() for p in params]))
    (m1, p1), (m2, p2) = results
    assert m1 == pytest.approx(m2, rel=1e-6)
    assert all(torch.allclose(a, b) for a, b in zip(p1, p2))


def test_checks_do_not_touch_the_global_random_streams():
    torch.manual_seed(5)
    random.seed(5)
    expected = (torch.rand(3), random.random())
    torch.manual_seed(5)
    random.seed(5)
    for exercise, answer in ((ex.q1, ex.reference_relu), (ex.q2, ex.reference_init_params),
                             (ex.q4, ex.reference_train_epoch)):
        exercise.evaluate(answer)
    assert torch.equal(torch.rand(3), expected[0]) and random.random() == expected[1]
