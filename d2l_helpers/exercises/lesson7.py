"""Lesson 7 exercises (book section 4.4): ``from d2l_helpers.exercises import lesson7 as ex``.

Three pieces of code the lesson then uses: ``poly_features`` (the book's features
x^i / i!), ``least_squares`` (the exact solution of the book's exercise 1, which must
hold on an ill-conditioned design where float32 is not enough) and ``get_k_fold_data``
(the K-fold split of book 4.10, here with every row used when n is not divisible by
k). Three predict-first questions, the book's exercises 2-4: where training and
validation loss are lowest against the number of features, what happens without the
1/i! scaling, and whether the generalisation error can reach zero.
"""
import math

import torch

from d2l_helpers.exercises.core import (
    ExerciseSet,
    Incorrect,
    need_close,
    need_runs,
    need_tensor,
    reject_mistakes,
)
from d2l_helpers.repeats import MIN_SEEDS, Runs, compare

exercises = ExerciseSet("第 7 课", __name__)
progress, say, need = exercises.progress, exercises.say, exercises.need

NOISE_STD = 0.1  # the book's noise: epsilon ~ N(0, 0.1^2)
TRUE_W = (5.0, 1.2, -3.4, 5.6)  # the book's weights of 1, x, x^2/2!, x^3/3!


# --- the references: each solution cell is its exercise's reference ------------------------
# poly_features, least_squares and get_k_fold_data, which the lesson falls back on until the
# learner's code passes, are the functions the solutions define (set below each exercise).

# --- q1: the features x^i / i! --------------------------------------------------------------

def _powers(x, num_features, first=0, factorial=lambda i: math.gamma(i + 1)):
    x = x.double().reshape(-1, 1)
    return torch.cat([x ** i / factorial(i) for i in range(first, first + num_features)], dim=1)


_FEATURE_MISTAKES = (
    (lambda x, k: _powers(x, k, factorial=lambda i: 1.0), say("q1.no_factorial")),
    (lambda x, k: _powers(x, k, first=1), say("q1.powers_from_one")),
    (lambda x, k: _powers(x, k, factorial=lambda i: math.gamma(i + 2)),
     say("q1.factorial_of_i_plus_1")),
    (lambda x, k: _powers(x, k, factorial=lambda i: float(i) if i else 0.0),
     say("q1.divided_by_i")),
    (lambda x, k: _powers(x, k, factorial=lambda i: float(i + 1)), say("q1.divided_by_i_plus_1")),
    (lambda x, k: _powers(x, k, factorial=lambda i: math.gamma(i) if i else math.inf),
     say("q1.gamma_i")),
)

_FEATURE_ERRORS = ((r"math domain error", say("q1.error_gamma_0")),
                   (r"must match the size of tensor", say("q1.error_shape")))


def _feature_cases():
    g = torch.Generator().manual_seed(7)
    wide = torch.cat([torch.tensor([0.0, 1.0, -1.0, 3.5, -4.0]),
                      torch.randn(5, generator=g, dtype=torch.float64)])
    return {"four": (wide, 4), "twenty": (wide, 20), "one": (wide, 1),
            "square": (wide[:4], 4), "float32": (wide.float(), 20)}


@exercises.code(diagnose=_FEATURE_ERRORS)
def q1(features):
    got, inputs = {}, {}
    for case, (x, k) in _feature_cases().items():
        given = x.clone()
        out = features(given, k)
        need(torch.equal(given, x), "q1.in_place")
        if torch.is_tensor(out):
            shape, n = tuple(out.shape), len(x)
            need(not (shape == (k, n) and k != n), "q1.transposed", k=k, shape=shape, n=n)
            need(not (out.dim() == 1 and len(out) == n), "q1.one_dim")
            if out.dim() == 2 and shape[0] == n and shape[1] != k:
                raise Incorrect(say("q1.columns", k=k, columns=shape[1], extra=abs(shape[1] - k),
                                    more=say("q1.more" if shape[1] > k else "q1.fewer"),
                                    last=k - 1))
        got[case] = need_tensor(out, f"poly_features(x, {k})", (len(x), k)).detach().double()
        inputs[case] = (x, k)
    expected = {case: _powers(x, k) for case, (x, k) in inputs.items()}
    wrong = [case for case in got if not torch.allclose(got[case], expected[case], rtol=1e-5,
                                                          atol=1e-12, equal_nan=True)]
    if wrong:
        # a fingerprint over every input: several mistakes agree on one easy input
        reject_mistakes({c: got[c] for c in inputs}, {c: inputs[c] for c in inputs},
                        [(lambda args, f=f: f(*args), why) for f, why in _FEATURE_MISTAKES],
                        rtol=1e-5, atol=1e-12)
        case = wrong[0]
        x, k = inputs[case]
        need_close(got[case], expected[case], f"poly_features(x, {k})", atol=1e-12, rtol=1e-5)
    return say("q1.correct")


poly_features = q1.reference("poly_features")


# --- q2: the exact least-squares solution ---------------------------------------------------

def _design(num_features, n=100, seed=0):
    """The book's data (float32, as the book's tensors): ``(X, y)`` with ``num_features``
    columns x^i / i!."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, dtype=torch.float64, generator=g)
    w = torch.tensor(TRUE_W, dtype=torch.float64)
    y = _powers(x, 4) @ w + NOISE_STD * torch.randn(n, dtype=torch.float64, generator=g)
    return _powers(x, num_features).float(), y.float()


def _optimum(X, y):
    """The minimiser, solved as precisely as float64 allows: columns scaled to norm one
    first (the condition number drops by orders of magnitude), then scaled back."""
    X64, y64 = X.double(), y.double()
    scale = X64.norm(dim=0)
    return torch.linalg.lstsq(X64 / scale, y64.reshape(-1, 1)).solution.reshape(-1) / scale


def _mse(X, y, w):
    return float(((X.double() @ w.double().reshape(-1) - y.double().reshape(-1)) ** 2).mean())


def _least_squares_cases():
    g = torch.Generator().manual_seed(3)
    # well conditioned, no constant column (solve exactly what is given), more than 4 columns
    X_plain = torch.randn(30, 6, generator=g)
    y_plain = X_plain @ torch.tensor([1.0, -2.0, 0.5, 0.0, 3.0, -1.0]) \
        + 0.1 * torch.randn(30, generator=g)
    return {"four": _design(4), "fourteen": _design(14), "plain": (X_plain, y_plain)}


EXCESS_TOLERANCE = 1e-4  # relative excess of the training MSE over the optimum

_LEAST_SQUARES_ERRORS = (
    (r"Incompatible shapes of A and B|size mismatch|should match other\.size|cannot be multiplied",
     say("q2.error_shapes")),
    (r"must be batches of square matrices", say("q2.error_not_square")),
    (r"singular", say("q2.error_singular")),
)


@exercises.code(diagnose=_LEAST_SQUARES_ERRORS)
def q2(solve):
    excess = {}
    for case, (X, y) in _least_squares_cases().items():
        d = X.shape[1]
        out = solve(X.clone(), y.clone())
        need(not (hasattr(out, "solution") and not torch.is_tensor(out)), "q2.result_object")
        need_tensor(out, "least_squares(X, y) 的结果")
        weights = out.numel()
        need(weights != d + 1, "q2.intercept", d=d, weights=weights)
        need(weights != d - 1, "q2.dropped_constant", d=d, weights=weights)
        need(not (weights == len(X) and len(X) != d), "q2.predictions", n=len(X), d=d)
        need(tuple(out.shape) in ((d,), (d, 1)), "q2.shape", d=d, shape=tuple(out.shape))
        w = out.detach().reshape(-1)
        need(torch.isfinite(w).all(), "q2.not_finite")
        best = _mse(X, y, _optimum(X, y))
        excess[case] = (_mse(X, y, w) / best - 1, w.dtype)
    for case in ("four", "plain"):
        need(not excess[case][0] > EXCESS_TOLERANCE, "q2.not_least_squares",
             percent=100 * excess[case][0])
    hard, dtype = excess["fourteen"]
    cond = float(torch.linalg.cond(_least_squares_cases()["fourteen"][0].double()))
    if hard > EXCESS_TOLERANCE:
        words = dict(problem=say("q2.ill_conditioned", percent=100 * hard, cond=cond),
                     precision=say("q2.precision", error=cond * 1.2e-7))
        need(dtype == torch.float64, "q2.not_float64", dtype=str(dtype).replace("torch.", ""),
             **words)
        raise Incorrect(say("q2.float64_inexact", **words))
    return say("q2.correct", cond=cond, excess=max(hard, 0.0))


least_squares = q2.reference("least_squares")


# --- q3: the model-complexity curve, predicted then measured --------------------------------

_COMPLEXITY_CHOICES = ((4, 4), (4, 20), (20, 4), (20, 20))


def _lowest(measured, metric, label):
    """The setting with the lowest mean ``metric`` and the settings not significantly above it."""
    for key, runs in measured.items():
        need(metric in runs.metrics(), "q3.not_recorded",
             count=key, metric=metric, recorded="、".join(runs.metrics()))
        need(len(runs) >= MIN_SEEDS, "q3.few_seeds", count=key, seeds=len(runs), min_seeds=MIN_SEEDS)
        diverged = runs.diverged(metric)
        need(not diverged, "q3.diverged", count=key, label=label, seeds=diverged)
    best = min(measured, key=lambda key: measured[key].final(metric).mean)
    return best, lambda key: key == best or compare(measured[key], measured[best],
                                                    metric).outcome == "noise"


@exercises.prediction(choices=_COMPLEXITY_CHOICES)
def q3(prediction, measured):
    need_runs(measured, "各特征数的结果 complexity_runs", at_least=2)
    train_guess, valid_guess = prediction
    for guess in prediction:
        need(guess in measured, "q3.not_measured", guess=guess, measured=sorted(measured))
    train_best, train_ok = _lowest(measured, "train_loss", say("training_loss"))
    valid_best, valid_ok = _lowest(measured, "log_valid", say("q3.valid_loss"))
    def versus(guess, best, metric, label):
        return compare(measured[guess], measured[best], metric, label=label,
                       names=(say("q3.features", count=guess), say("q3.features", count=best)))

    verdicts = []
    if not train_ok(train_guess):
        verdicts.append(say("q3.train_wrong", best=train_best, guess=train_guess, comparison=versus(
            train_guess, train_best, "train_loss", say("training_loss"))))
    if not valid_ok(valid_guess):
        if valid_guess > valid_best:
            why = say("q3.overfit")
        elif valid_guess < len(TRUE_W):
            why = say("q3.underfit")
        else:
            why = ""
        verdicts.append(say("q3.valid_wrong", best=valid_best, guess=valid_guess, why=why,
                            comparison=versus(valid_guess, valid_best, "log_valid",
                                              say("q3.log_valid"))))
    if verdicts:
        raise Incorrect(" ".join(verdicts))
    return say("q3.correct", train_best=train_best, valid_best=valid_best)


# --- q4: features without the 1/i! scaling --------------------------------------------------

@exercises.prediction(choices=("A", "B", "C", "D"))
def q4(prediction, raw_runs, book_runs):
    for runs, what in ((raw_runs, say("q4.raw_runs")), (book_runs, say("q4.book_runs"))):
        need(isinstance(runs, Runs), "q4.not_runs", what=what, kind=type(runs).__name__)
        need("train_loss" in runs.metrics(), "q4.no_train_loss", what=what)
    book_diverged = book_runs.diverged("train_loss")
    need(not book_diverged, "q4.swapped", seeds=len(book_diverged))
    diverged = raw_runs.diverged("train_loss")
    if diverged:
        measured = "B"
        found = say("q4.found_diverged", seeds=len(raw_runs), diverged=len(diverged))
    else:
        verdict = compare(raw_runs, book_runs, "train_loss",
                          names=(say("q4.raw"), say("q4.book")), label=say("training_loss"))
        measured = {"higher": "C", "noise": "A", "lower": "D", "diverged": "B"}[verdict.outcome]
        found = say("q4.found", verdict=verdict, measured=measured)
    need(prediction == measured, "q4.wrong",
         prediction=prediction, predicted=say(f"q4.{prediction}"), found=found)
    return say("q4.correct", found=found)


# --- q5: can the generalisation error reach zero? --------------------------------------------

@exercises.prediction(choices=("A", "B", "C", "D"))
def q5(prediction, noise_runs):
    need(isinstance(noise_runs, Runs) and "valid_loss" in noise_runs.metrics(),
         "q5.not_noise_runs")
    fitted = set(noise_runs.metrics()) & {"train_loss", "log_train", "log_valid"}
    need(not fitted, "q5.fitted", extra="、".join(sorted(fitted)))
    floor = noise_runs.final("valid_loss").mean
    variance = NOISE_STD ** 2
    found = say("q5.found", floor=floor, seeds=len(noise_runs))
    if abs(floor / variance - 1) < 0.25:
        measured = "C"
    elif abs(floor / (variance / 2) - 1) < 0.25:
        measured = "D"
    else:
        raise Incorrect(say("q5.neither", found=found, variance=variance))
    need(prediction == measured, "q5.wrong", prediction=prediction,
         predicted=say(f"q5.{prediction}"), found=found,
         why="" if prediction == "C" else say(f"q5.why_{prediction}"))
    return say("q5.correct", found=found, variance=variance)


# --- q6: K-fold cross-validation --------------------------------------------------------------

def _fold_inputs(n, d=2):
    """Rows whose first feature is the row's number, so that any rows returned can be named."""
    ids = torch.arange(n, dtype=torch.float64)
    X = torch.stack([ids] + [ids * 0.5 + j for j in range(1, d)], dim=1)
    y = 1000 + ids
    return X, y


def _rows(X, what):
    ids = X[:, 0]
    need(torch.equal(ids, ids.round()), "q6.values_changed", what=what)
    return [int(v) for v in ids.tolist()]


def _check_fold(k, i, n, out):
    got = (say("q6.values", count=len(out)) if isinstance(out, (tuple, list))
           else type(out).__name__)
    need(isinstance(out, tuple) and len(out) == 4, "q6.not_four", got=got)
    X_train, y_train, X_valid, y_valid = (need_tensor(t, f"get_k_fold_data 返回的第 {j + 1} 个值")
                                          for j, t in enumerate(out))
    need(not (y_train.dim() == 2 and X_valid.dim() == 1), "q6.order")
    train, valid = say("q6.train"), say("q6.valid")
    for X_part, y_part, what in ((X_train, y_train, train), (X_valid, y_valid, valid)):
        need(X_part.dim() == 2 and X_part.shape[1] == 2, "q6.features_shape",
             what=what, shape=tuple(X_part.shape))
        need(y_part.dim() == 1 and len(y_part) == len(X_part), "q6.labels_shape",
             what=what, rows=len(X_part), shape=tuple(y_part.shape))
        _rows(X_part, what)
        need(torch.equal(y_part, 1000 + X_part[:, 0]), "q6.labels_rows", what=what)
    return _rows(X_train, train), _rows(X_valid, valid)


def _check_split(get, k, n):
    X, y = _fold_inputs(n)
    folds = []
    for i in range(k):
        try:
            out = get(k, i, X.clone(), y.clone())
        except IndexError as err:
            if i == k - 1:
                raise Incorrect(say("q6.last_fold", k=k, last=k - 1, kind=type(err).__name__,
                                    err=err)) from None
            raise
        train, valid = _check_fold(k, i, n, out)
        words = dict(k=k, i=i, train=len(train), valid=len(valid))
        need(valid, "q6.empty_valid", **words)
        need(not (len(train) < len(valid) and len(train) + len(valid) == n and k > 2
                  and len(train) in (n // k, n // k + 1)), "q6.swapped", **words)
        common = set(train) & set(valid)
        need(not common, "q6.overlap", common=len(common), **words)
        need(len(set(valid)) == len(valid) and len(set(train)) == len(train), "q6.twice", **words)
        folds.append((train, valid))
    sizes = [len(valid) for _, valid in folds]
    seen = [row for _, valid in folds for row in valid]
    need(len(set(seen)) == len(seen), "q6.folds_overlap", n=n, k=k)
    unused = sorted(set(range(n)) - set(seen))
    if unused:
        never_trained = all(set(unused).isdisjoint(train) for train, _ in folds)
        need(not (never_trained and unused == list(range(n - len(unused), n))
                  and len(unused) == n % k), "q6.dropped",
             n=n, k=k, count=len(unused), fold_size=n // k)
        raise Incorrect(say("q6.never_validated", n=n, k=k, count=len(unused), first=unused[0],
                            last=k - 1, sizes=sizes, seen=len(seen)))
    for i, (train, valid) in enumerate(folds):
        missing = sorted(set(range(n)) - set(train) - set(valid))
        if missing:
            left_out = [j for j, (_, other) in enumerate(folds)
                        if j != i and set(other) <= set(missing)]
            which = ("、".join(say("q6.fold", j=j) for j in left_out) if left_out
                     else say("q6.rows", count=len(missing)))
            raise Incorrect(say("q6.train_missing", k=k, i=i, which=which, first=missing[0],
                                others=k - 1))
    if max(sizes) - min(sizes) > 1:
        # a named cause only where the first k - 1 folds are as that cause makes them
        if sizes[-1] == max(sizes) and len(set(sizes[:-1])) == 1:
            how = say("q6.last_takes_rest")
        elif sizes[-1] == min(sizes) and set(sizes[:-1]) == {math.ceil(n / k)}:
            how = say("q6.ceil_chunks", ceil=math.ceil(n / k))
        else:
            how = say("q6.uneven")
        raise Incorrect(say("q6.sizes", n=n, k=k, sizes=sizes, small=n // k, large=n // k + 1,
                            how=how))
    again = _check_fold(k, 0, n, get(k, 0, X.clone(), y.clone()))
    need(again == folds[0], "q6.not_repeatable")


@exercises.code()
def q6(get):
    for k, n in ((5, 100), (5, 103), (3, 10), (4, 6), (2, 9)):
        _check_split(get, k, n)
    return say("q6.correct")


get_k_fold_data = q6.reference("get_k_fold_data")
