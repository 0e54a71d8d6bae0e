"""Lesson 3 exercises (book section 4.2): ``from d2l_helpers.exercises import lesson3 as ex``.

Questions 1-4 are the chapter's core, written once by the learner: ``relu``, the
parameters, the scratch ``net`` and one training epoch. Each check runs the learner's
function on a few fixed batches beside the reference below (same seed, same batches)
and names the typical mistake. The lesson goes on with ``ex.qK.use(mine, reference)``.
Questions 5-10 are the book's six exercises of section 4.2.
"""
import math

import torch
from torch import nn

from d2l_helpers.exercises.core import (
    ExerciseSet,
    Incorrect,
    judge_best,
    need_close,
    need_runs,
    need_tensor,
    reject_known,
)
from d2l_helpers.repeats import Comparison, compare
from d2l_helpers.rng import seeded
from d2l_helpers.training import sgd

exercises = ExerciseSet("第 3 课", __name__)
progress, say, need = exercises.progress, exercises.say, exercises.need


# --- the references: each solution cell is its exercise's reference (book section 4.2) ---
# reference_relu, reference_init_params, reference_train_epoch, reference_choose and
# reference_keep_better_half are the functions the solutions define (set below each exercise).

def reference_net(params, relu=None):
    """Return the scratch model ``net(X)`` for ``params = [W1, b1, W2, b2]`` (book 4.2.3)."""
    W1, b1, W2, b2 = params
    relu = relu or reference_relu

    def net(X):
        X = X.reshape((-1, W1.shape[0]))
        H = relu(X @ W1 + b1)
        return H @ W2 + b2

    return net


# --- exercise 1: relu ------------------------------------------------------------------

@exercises.code()
def q1(relu):
    g = torch.Generator().manual_seed(0)
    for X in (torch.randn(4, 6, generator=g) * 3, torch.randn(2, 3, 5, generator=g),
              torch.tensor([[-2.0, 0.0, 3.0]]), torch.tensor([-1.5, 0.0, 0.5, 2.0])):
        before = X.clone()
        out = relu(X)
        need(not isinstance(out, tuple), "q1.pair")
        need_tensor(out, "relu(X)")
        need(torch.equal(X, before), "q1.in_place")
        need(out.dtype != torch.bool, "q1.bool")
        need(tuple(out.shape) == tuple(X.shape), "q1.reduced",
             shape=tuple(X.shape), got=tuple(out.shape))
        out = out.detach().to(X.dtype)
        reject_known(out, [((X > 0).to(X.dtype), say("q1.mask")),
                           (X.clamp(max=0), say("q1.flipped"))], atol=0)
        need_close(out, X.clamp(min=0), f"relu(X)（X 的形状 {tuple(X.shape)}）")
    X = torch.tensor([-1.5, 2.0, 0.5, -0.1], requires_grad=True)
    out = relu(X)
    need(out.requires_grad, "q1.detached")
    out.sum().backward()
    need_close(X.grad, torch.tensor([0.0, 1.0, 1.0, 0.0]), "relu 的梯度")
    return say("q1.correct")


reference_relu = q1.reference("relu")


# --- exercise 2: the parameters --------------------------------------------------------

def _check_weight(name, W, fan_in, fan_out, call):
    shape = tuple(W.shape)
    sizes = dict(name=name, shape=shape, fan_in=fan_in, fan_out=fan_out, call=call)
    need(not (W.shape[0] == 786 and fan_in == 784), "q2.inputs_786", name=name)
    need(shape != (fan_out, fan_in) or fan_in == fan_out, "q2.transposed", **sizes)
    need(shape == (fan_in, fan_out), "q2.hard_coded", **sizes)
    values = W.detach().float()
    need(torch.count_nonzero(values) != 0, "q2.zeros", name=name)
    need(not bool((values >= 0).all()), "q2.uniform", name=name)
    std, mean = float(values.std()), float(values.mean())
    need(not std > 0.3, "q2.unscaled", name=name, std=std)
    need(0.008 < std < 0.012 and not abs(mean) > 0.003, "q2.scale", name=name, mean=mean, std=std)


def _check_bias(name, b, size):
    """The bias has one value per unit, all zero; (1, size) broadcasts too (returns a note)."""
    need(tuple(b.shape) in ((size,), (1, size)), "q2.bias_shape",
         name=name, shape=tuple(b.shape), size=size)
    need(torch.count_nonzero(b.detach()) == 0, "q2.bias_nonzero", name=name)
    return say("q2.bias_row", name=name, size=size) if tuple(b.shape) == (1, size) else None


@exercises.code()
def q2(init_params):
    notes, first = [], {}
    for num_inputs, num_hiddens, num_outputs in ((784, 256, 10), (784, 64, 10)):
        call = f"init_params({num_inputs}, {num_hiddens}, {num_outputs})"
        with seeded(0):
            params = init_params(num_inputs, num_hiddens, num_outputs)
        need(isinstance(params, (list, tuple)) and len(params) == 4, "q2.not_list",
             kind=type(params).__name__, value=params)
        for name, p in zip(("W1", "b1", "W2", "b2"), params):
            need_tensor(p, name)
            need(p.dtype == torch.float32, "q2.dtype", name=name, dtype=p.dtype)
        W1, b1, W2, b2 = params
        _check_weight("W1", W1, num_inputs, num_hiddens, call)
        _check_weight("W2", W2, num_hiddens, num_outputs, call)
        notes += [_check_bias("b1", b1, num_hiddens), _check_bias("b2", b2, num_outputs)]
        for name, p in zip(("W1", "b1", "W2", "b2"), params):
            need(p.requires_grad, "q2.no_grad", name=name)
            need(p.is_leaf, "q2.not_leaf", name=name)
        first.setdefault("W1", W1.detach().clone())
    with seeded(1):
        other = init_params(784, 256, 10)[0].detach()
    need(not torch.equal(other, first["W1"]), "q2.seeded")
    return say("q2.correct", note=next((n for n in notes if n), ""))


reference_init_params = q2.reference("init_params")


# --- exercise 3: the model -------------------------------------------------------------

def _test_values(params):
    """Parameter values of a useful size (biases non-zero), fixed by a seed."""
    g = torch.Generator().manual_seed(1)
    (n_in, n_hid), n_out = params[0].shape, params[2].shape[1]
    return [torch.randn(n_in, n_hid, generator=g) * math.sqrt(2 / n_in),
            torch.randn(*params[1].shape, generator=g) * 0.5,
            torch.randn(n_hid, n_out, generator=g) * math.sqrt(2 / n_hid),
            torch.randn(*params[3].shape, generator=g) * 0.5]


def _net_mistakes(flat, W1, b1, W2, b2, expected):
    relu = reference_relu
    return [((flat @ W1 + b1) @ W2 + b2, say("q3.no_activation")),
            (relu(flat @ W1) @ W2 + b2, say("q3.no_b1")),
            (relu(flat @ W1 + b1) @ W2, say("q3.no_b2")),
            (relu(expected), say("q3.relu_output")),
            (torch.softmax(expected, dim=1), say("q3.softmax"))]


@exercises.code(context=lambda: _net_context(), diagnose=(
    (r"786", say("q3.error_786")), (r"is not defined", say("q3.error_undefined"))))
def q3(net, params):
    need(isinstance(params, (list, tuple)) and len(params) == 4
         and all(torch.is_tensor(p) for p in params), "q3.bad_params")
    W1, b1, W2, b2 = params
    need(W1.dim() == 2 and W2.dim() == 2 and W1.shape[1] == W2.shape[0], "q3.params_shape")
    g = torch.Generator().manual_seed(0)
    inputs = [torch.rand(8, 1, 28, 28, generator=g), torch.rand(3, 1, 28, 28, generator=g)]
    saved = [p.detach().clone() for p in params]
    try:
        with torch.no_grad():
            before = net(inputs[0])
            for p, v in zip(params, _test_values(params)):
                p.copy_(v)
            for X in inputs:
                expected = reference_net(params)(X)
                out = need_tensor(net(X), f"net(X)（X 的形状 {tuple(X.shape)}）").detach().float()
                need(not (X is inputs[0] and torch.equal(out, before.detach().float())),
                     "q3.ignores_params")
                need(tuple(out.shape) == tuple(expected.shape), "q3.shape",
                     shape=tuple(X.shape), got=tuple(out.shape), expected=tuple(expected.shape))
                flat = X.reshape((-1, W1.shape[0]))
                reject_known(out, _net_mistakes(flat, W1, b1, W2, b2, expected))
                need_close(out, expected, f"net(X)（X 的形状 {tuple(X.shape)}）")
    finally:
        with torch.no_grad():
            for p, s in zip(params, saved):
                p.copy_(s)
    return say("q3.correct")


def _net_context():
    with seeded(0):
        params = reference_init_params(784, 256, 10)
    W1, b1, W2, b2 = params
    return {"relu": reference_relu, "num_inputs": 784, "params": params,
            "W1": W1, "b1": b1, "W2": W2, "b2": b2}


# --- exercise 4: one training epoch ----------------------------------------------------

_EPOCH_LR = 0.5
_FIRST_BATCH = 20  # not 16: 1/16 of a step (divided twice) is also 16/256 (updater(256))


def _epoch_data():
    """Three batches of 20 features and 4 classes; the last batch is smaller."""
    g = torch.Generator().manual_seed(0)
    centres = torch.randn(4, 20, generator=g) * 1.5
    batches = []
    for size in (_FIRST_BATCH, 16, 10):
        y = torch.randint(0, 4, (size,), generator=g)
        batches.append((centres[y] + torch.randn(size, 20, generator=g), y))
    return batches


def _run_epoch(train_epoch, kind, batches):
    g = torch.Generator().manual_seed(1)
    params = [nn.Parameter(torch.randn(20, 8, generator=g) * 0.3), nn.Parameter(torch.zeros(8)),
              nn.Parameter(torch.randn(8, 4, generator=g) * 0.3), nn.Parameter(torch.zeros(4))]
    start = [p.detach().clone() for p in params]
    updater = (torch.optim.SGD(params, lr=_EPOCH_LR) if kind == "optimizer"
               else lambda batch_size: sgd(params, _EPOCH_LR, batch_size))
    result = train_epoch(reference_net(params), batches, nn.CrossEntropyLoss(reduction="none"),
                         updater)
    return params, start, result


def _step_ratio(params, reference, start):
    """How many times the reference's step the learner's step is (least squares)."""
    mine = torch.cat([(p.detach() - s).flatten() for p, s in zip(params, start)])
    ref = torch.cat([(p.detach() - s).flatten() for p, s in zip(reference, start)])
    return float(mine @ ref / (ref @ ref))


def _same(params_a, params_b):
    return all(torch.allclose(a.detach(), b.detach(), atol=1e-6, rtol=1e-5)
               for a, b in zip(params_a, params_b))


def _without_zero_grad(net, train_iter, loss, updater):
    """The reference with ``zero_grad`` forgotten: gradients pile up batch after batch."""
    for X, y in train_iter:
        loss(net(X), y).mean().backward()
        updater.step()


def _diagnose_first_step(ratio, kind, size, global_batch):
    """Why the learner's first step is ``ratio`` times the reference's, in words (or None)."""
    words = dict(branch=say(f"q4.branch_{kind}"), size=size, global_batch=global_batch)
    if kind == "function" and global_batch and abs(ratio * global_batch / size - 1) < 0.05:
        return say("q4.global_batch", **words)
    if abs(ratio * size - 1) < 0.05:
        return say(f"q4.divided_twice_{kind}", **words)
    if abs(ratio / size - 1) < 0.05:
        return say(f"q4.undivided_{kind}", **words)
    if abs(ratio + 1) < 0.05:
        return say("q4.ascent", **words)
    return None


def _diagnose_update(train_epoch, kind, batches, params, start):
    """The parameters after the epoch differ from the reference's: say why."""
    branch = say(f"q4.branch_{kind}")
    need(not _same(params, start), "q4.unchanged", branch=branch)
    mine_one, _, _ = _run_epoch(train_epoch, kind, batches[:1])
    ref_one, _, _ = _run_epoch(reference_train_epoch, kind, batches[:1])
    if not _same(mine_one, ref_one):
        ratio = _step_ratio(mine_one, ref_one, start)
        global_batch = getattr(train_epoch, "__globals__", {}).get("batch_size")
        global_batch = global_batch if isinstance(global_batch, int) else None
        raise Incorrect(_diagnose_first_step(ratio, kind, _FIRST_BATCH, global_batch)
                        or say("q4.first_step", branch=branch, ratio=ratio))
    if kind == "optimizer":
        mine_two, _, _ = _run_epoch(train_epoch, kind, batches[:2])
        piled, _, _ = _run_epoch(_without_zero_grad, kind, batches[:2])
        need(not _same(mine_two, piled), "q4.no_zero_grad", branch=branch)
    raise Incorrect(say(f"q4.later_steps_{kind}", branch=branch))


def _diagnose_metrics(result, expected, batches):
    need(result is not None, "q4.no_return")
    need(isinstance(result, (tuple, list)) and len(result) == 2, "q4.not_pair", result=result)
    try:
        train_loss, train_acc = (float(v) for v in result)
    except (TypeError, ValueError, RuntimeError):
        raise Incorrect(say("q4.not_numbers", result=result)) from None
    loss_ref, acc_ref = expected
    if not math.isclose(train_acc, acc_ref, rel_tol=1e-6, abs_tol=1e-9):
        need(not train_acc > 1, "q4.accuracy_above_1", train_acc=train_acc)
        raise Incorrect(say("q4.accuracy", train_acc=train_acc, acc_ref=acc_ref))
    if not math.isclose(train_loss, loss_ref, rel_tol=1e-5, abs_tol=1e-8):
        sizes = [X.shape[0] for X, _ in batches]
        if 0 < train_loss < loss_ref / 4:  # a sum of batch means: too small by about the size
            raise Incorrect(say("q4.loss_of_means", train_loss=train_loss, loss_ref=loss_ref,
                                times=loss_ref / train_loss))
        raise Incorrect(say("q4.loss", train_loss=train_loss, loss_ref=loss_ref, sizes=sizes))


_EPOCH_ERRORS = ((r"zero_grad|has no attribute 'step'", say("q4.error_zero_grad")),
                 (r"'SGD' object is not callable", say("q4.error_optimizer_call")))


@exercises.code(diagnose=_EPOCH_ERRORS)
def q4(train_epoch):
    batches = _epoch_data()
    for kind in ("optimizer", "function"):
        params, start, result = _run_epoch(train_epoch, kind, batches)
        reference, _, expected = _run_epoch(reference_train_epoch, kind, batches)
        if not _same(params, reference):
            _diagnose_update(train_epoch, kind, batches, params, start)
        _diagnose_metrics(result, expected, batches)
    return say("q4.correct")


reference_train_epoch = q4.reference("train_epoch")


# --- exercise 5 (book 1): num_hiddens --------------------------------------------------

def width_pattern(runs_by_width, metric="valid_acc"):
    """Classify how ``metric`` changes with the width: 'A' wide is better ... 'D' (see q5)."""
    widths = sorted(runs_by_width)
    means = {w: runs_by_width[w].final(metric).mean for w in widths}
    best, worst = max(widths, key=means.get), min(widths, key=means.get)
    narrow, wide = runs_by_width[widths[0]], runs_by_width[widths[-1]]

    def outcome(a, b):
        return compare(a, b, metric).outcome

    if outcome(runs_by_width[best], runs_by_width[worst]) == "noise":
        return "C"
    if outcome(wide, runs_by_width[best]) != "lower" and outcome(wide, narrow) == "higher":
        return "A"
    if outcome(narrow, runs_by_width[best]) != "lower" and outcome(narrow, wide) == "higher":
        return "D"
    return "B"


@exercises.prediction(choices=("A", "B", "C", "D"))
def q5(prediction, runs_by_width):
    need_runs(runs_by_width, "各宽度的重复实验 width_runs", at_least=2)
    measured = width_pattern(runs_by_width)
    words = dict(prediction=prediction, predicted=say(f"q5.{prediction}"), measured=measured,
                 found=say(f"q5.{measured}"))
    need(prediction == measured, "q5.wrong", **words)
    return say("q5.correct", **words)


# --- exercise 6 (book 2): more hidden layers -------------------------------------------

_LOSS_CHOICE = {"lower": "A", "noise": "B", "higher": "C"}


@exercises.prediction(choices=("A", "B", "C"))
def q6(prediction, comparison):
    need(isinstance(comparison, Comparison) and comparison.metric == "train_loss",
         "q6.bad_comparison")
    need(comparison.outcome != "diverged", "q6.diverged", comparison=comparison)
    need(prediction == _LOSS_CHOICE[comparison.outcome], "q6.wrong",
         predicted=say(f"q6.{prediction}"), comparison=comparison)
    return say("q6.correct", comparison=comparison)


# --- exercise 7 (book 3): learning rate ------------------------------------------------

LEARNING_RATES = (0.01, 0.1, 0.3, 1.0)


@exercises.prediction(choices=LEARNING_RATES)
def q7(prediction, runs_by_lr):
    return judge_best(prediction, runs_by_lr, "valid_acc", describe=lambda lr: f"lr {lr}",
                      why=lambda p, best: say("q7.why"))


# --- exercise 8 (book 4): joint optimisation, chosen on validation ---------------------

def _trial(name, train_acc, valid_acc, test_acc=None):
    trial = {"config": {"name": name}, "train_acc": train_acc, "valid_acc": valid_acc}
    return trial if test_acc is None else {**trial, "test_acc": test_acc}


@exercises.code(diagnose=((r"'test_acc'", say("q8.error_test_acc",
                                                test_mistake=say("q8.test_mistake"))),))
def q8(choose):
    with_test = [_trial("a", 0.80, 0.78, 0.77), _trial("b", 0.91, 0.79, 0.78),
                 _trial("c", 0.84, 0.83, 0.79), _trial("d", 0.83, 0.81, 0.82),
                 _trial("e", 0.75, 0.74, 0.73)]
    without_test = [_trial("f", 0.70, 0.69), _trial("g", 0.82, 0.80), _trial("h", 0.88, 0.76)]
    for trials, right in ((with_test, "c"), (without_test, "g")):
        chosen = choose([dict(t) for t in trials])
        names = {t["config"]["name"] for t in trials}
        need(not (isinstance(chosen, dict) and "name" in chosen and "valid_acc" not in chosen),
             "q8.config_only")
        need(isinstance(chosen, dict) and chosen.get("config", {}).get("name") in names,
             "q8.not_trial", chosen=chosen)
        name = chosen["config"]["name"]
        if name == right:
            continue
        by = {key: max(trials, key=lambda t: t.get(key, -1))["config"]["name"]
              for key in ("train_acc", "test_acc")}
        reject_known(name, [
            (by["test_acc"], say("q8.by_test", test_mistake=say("q8.test_mistake"))),
            (by["train_acc"], say("q8.by_train")),
            (min(trials, key=lambda t: t["valid_acc"])["config"]["name"], say("q8.lowest"))])
        raise Incorrect(say("q8.other", name=name))
    return say("q8.correct")


reference_choose = q8.reference("choose")


# --- exercise 9 (book 5): why several hyperparameters are harder ----------------------

@exercises.code(functions=0)
def q9(grid_runs):
    need(isinstance(grid_runs, (int, float)) and not isinstance(grid_runs, bool), "q9.not_number",
         grid_runs=grid_runs)
    reject_known(grid_runs, [(625, say("q9.combinations")), (100, say("q9.product")),
                             (20, say("q9.product")), (4 ** 5 * 5, say("q9.swapped")),
                             (4 ** 5, say("q9.swapped")), (5 ** 4 + 5, say("q9.added"))],
                 atol=0, rtol=0)
    need(grid_runs == 3125, "q9.other", grid_runs=grid_runs)
    return say("q9.correct")


# --- exercise 10 (book 6): a successive-halving step -----------------------------------

def _halving_cases():
    eight = [{"config": {"name": n}, "valid_acc": v, "train_acc": t, "test_acc": s}
             for n, v, t, s in (("a", 0.71, 0.74, 0.78), ("b", 0.80, 0.81, 0.75),
                                ("c", 0.64, 0.90, 0.66), ("d", 0.77, 0.77, 0.79),
                                ("e", 0.69, 0.70, 0.81), ("f", 0.75, 0.78, 0.70),
                                ("g", 0.58, 0.60, 0.60), ("h", 0.73, 0.88, 0.74))]
    return [(eight, ["b", "d", "f", "h"]), (eight[:5], ["b", "d", "a"]), (eight[:2], ["b"]),
            (eight[:1], ["a"])]


def _top(candidates, key, count, reverse=True):
    return {c["config"]["name"] for c in sorted(candidates, key=lambda c: c[key],
                                                reverse=reverse)[:count]}


@exercises.code()
def q10(keep_better_half):
    for candidates, right in _halving_cases():
        kept = keep_better_half([dict(c) for c in candidates])
        need(isinstance(kept, (list, tuple)) and all(isinstance(c, dict) for c in kept),
             "q10.not_list", kept=kept)
        need(all("valid_acc" in c for c in kept), "q10.config_only")
        names = [c.get("config", {}).get("name") for c in kept]
        need(len(kept) == len(right), "q10.count",
             given=len(candidates), kept=len(kept), right=len(right))
        if set(names) == set(right):
            need(names == right, "q10.order")
            continue
        n = len(right)
        reject_known(set(names), [(_top(candidates, "test_acc", n), say("q10.by_test")),
                                  (_top(candidates, "train_acc", n), say("q10.by_train")),
                                  (_top(candidates, "valid_acc", n, reverse=False),
                                   say("q10.reversed"))])
        raise Incorrect(say("q10.other", given=len(candidates), names=names, right=right))
    return say("q10.correct")


reference_keep_better_half = q10.reference("keep_better_half")
