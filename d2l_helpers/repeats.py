"""Repeated runs: one setting over several seeds, mean ± spread, and a verdict in words.

A single training run proves nothing about a difference of a few points: the same
setting with another seed moves by as much. ``repeat`` runs a setting once per seed;
``compare`` tests whether two settings differ (a t-test from ``scipy.stats`` at the 5 %
level, paired when both sides share their seeds) and reports the difference with its
confidence interval. Not in the book.
"""
import math
from typing import NamedTuple

import torch

from d2l_helpers.checks import whole_number
from d2l_helpers.rng import seeded


class Estimate(NamedTuple):
    """A mean over seeds, the sample standard deviation (``spread``) and the count."""

    mean: float
    spread: float
    n: int

    @property
    def se(self):
        """Standard error of the mean: ``spread / sqrt(n)``."""
        return self.spread / math.sqrt(self.n) if self.n else float("nan")

    def __str__(self):
        return f"{self.mean:.3f} ± {self.spread:.3f}"


def _estimate(values):
    values = [float(v) for v in values]
    n = len(values)
    mean = sum(values) / n if n else float("nan")
    spread = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else 0.0
    return Estimate(mean, spread, n)


def _as_history(result, seed):
    """What ``fn(seed)`` returned, as a list of per-epoch dicts."""
    history = getattr(result, "history", result)
    if isinstance(history, dict):
        return [history]
    if isinstance(history, (int, float)) or (torch.is_tensor(history) and history.numel() == 1):
        return [{"value": float(history)}]
    if (isinstance(history, (list, tuple)) and history
            and all(isinstance(h, dict) for h in history)):
        return list(history)
    raise TypeError(f"repeat(): fn(seed={seed}) returned {type(result).__name__} "
                    f"{result!r:.80}; return a TrainResult (train_ch3), a list of per-epoch "
                    "dicts, one dict of final metrics, or a number")


def _seed_list(seeds):
    """A count (``5`` means seeds 0-4) or a sequence of whole numbers, as a list of ints."""
    if isinstance(seeds, (str, bytes)):
        raise TypeError(f"seeds={seeds!r} is text: use a count such as 5 or a list of ints "
                        "such as [0, 1, 2, 3, 4] (seeds='12' would read as the seeds 1 and 2)")
    if isinstance(seeds, bool):
        raise TypeError(f"seeds={seeds!r}: use a count such as 5 or a list such as [0, 1, 2]")
    if not hasattr(seeds, "__iter__"):
        count = whole_number(seeds, "seeds", "5 (or a list of ints)")
        if count < 1:
            raise ValueError(f"seeds={seeds}: use at least 1 (5 or more to measure noise)")
        return list(range(count))
    seed_list = [whole_number(s, f"seeds[{i}]", i) for i, s in enumerate(seeds)]
    if not seed_list or len(set(seed_list)) != len(seed_list):
        raise ValueError(f"seeds={seeds!r}: give at least one seed and no seed twice")
    return seed_list


class Runs:
    """The per-epoch histories of one setting, one per seed (``repeat`` makes it)."""

    def __init__(self, seeds, histories):
        self.seeds, self.histories = list(seeds), list(histories)

    def metrics(self):
        """The metric names every run recorded, in the order of the first run."""
        names = [k for k in self.histories[0][-1] if k != "epoch"]
        return [k for k in names if all(k in h[-1] for h in self.histories)]

    def _check(self, metric):
        if not all(metric in h[-1] for h in self.histories):
            raise KeyError(f"metric {metric!r} was not recorded by every run; "
                           f"recorded: {self.metrics()}")

    def values(self, metric):
        """The metric at each run's last epoch, one value per seed."""
        self._check(metric)
        return [float(h[-1][metric]) for h in self.histories]

    def final(self, metric):
        """An :class:`Estimate` of the metric at the last epoch, over seeds."""
        return _estimate(self.values(metric))

    def per_epoch(self, metric):
        """One :class:`Estimate` per epoch, over the runs that reached that epoch."""
        self._check(metric)
        longest = max(len(h) for h in self.histories)
        return [_estimate([h[i][metric] for h in self.histories if i < len(h)])
                for i in range(longest)]

    def mean(self, metric):
        """The per-epoch mean of ``metric``, as a list."""
        return [e.mean for e in self.per_epoch(metric)]

    def spread(self, metric):
        """The per-epoch sample standard deviation of ``metric`` over seeds, as a list."""
        return [e.spread for e in self.per_epoch(metric)]

    def pick(self, choose):
        """A :class:`Runs` holding one row per seed: ``choose(history)`` (e.g. the epoch with
        the lowest validation loss, ``lambda h: min(h, key=lambda row: row['valid_loss'])``),
        so that ``compare`` can compare one chosen epoch with another."""
        if not callable(choose):
            raise TypeError(f"Runs.pick(choose): choose must be a function of one seed's history "
                            f"(a list of per-epoch dicts), got {choose!r:.60}")
        return Runs(self.seeds, [[choose(history)] for history in self.histories])

    def until(self, epoch):
        """A :class:`Runs` of the same seeds cut after ``epoch`` (1-based): its ``final``
        values are those of that epoch."""
        epoch = whole_number(epoch, "Runs.until(epoch): epoch", 1)
        shortest = min(len(history) for history in self.histories)
        if not 1 <= epoch <= shortest:
            raise ValueError(f"Runs.until({epoch}): every run has epochs 1 to {shortest}")
        return Runs(self.seeds, [history[:epoch] for history in self.histories])

    def renamed(self, **names):
        """The same runs with metrics renamed, ``old="new"``: ``train_ch3`` calls its third
        loader ``test_iter`` and records ``test_acc``; when that loader is the validation
        split, ``runs.renamed(test_acc="valid_acc")`` says so."""
        missing = [old for old in names if not all(old in row for h in self.histories for row in h)]
        if missing:
            raise KeyError(f"Runs.renamed(): {missing} not recorded by every epoch of every run; "
                           f"recorded: {self.metrics()}")
        return Runs(self.seeds, [[{names.get(k, k): v for k, v in row.items()} for row in h]
                                 for h in self.histories])

    def diverged(self, metric):
        """The seeds whose final ``metric`` is NaN or infinite (a run that diverged)."""
        return [seed for seed, value in zip(self.seeds, self.values(metric))
                if not math.isfinite(value)]

    def __len__(self):
        return len(self.seeds)

    def __repr__(self):
        shown = ", ".join(f"{m} {self.final(m)}" for m in self.metrics()
                          if m not in ("train_seconds", "examples"))
        return f"Runs({len(self.seeds)} seeds {self.seeds}: {shown})"


def repeat(fn, seeds=3):
    """Call ``fn(seed)`` once per seed; return a :class:`Runs` with every history.

    ``seeds`` is a count (``5`` means seeds 0 to 4) or a list of ints. Before each call
    the torch (CPU and CUDA) and ``random`` generators are seeded with ``seed``;
    afterwards they are put back as they were, so a notebook's later cells draw the
    same numbers with or without this call. ``fn`` returns a ``TrainResult``, a list of
    per-epoch dicts, one dict of final metrics, or a number (recorded as metric ``'value'``).
    """
    if not callable(fn):
        raise TypeError(f"repeat(fn, ...): fn must be a function of the seed, got {fn!r:.80}")
    seed_list = _seed_list(seeds)
    histories = []
    for seed in seed_list:
        with seeded(seed):
            histories.append(_as_history(fn(seed), seed))
    return Runs(seed_list, histories)


def _units(metric):
    """Accuracies are compared in percentage points, anything else in its own units."""
    return (100.0, " 个百分点", 1) if "acc" in metric else (1.0, "", 3)


LEVEL = 0.05  # the significance level of every verdict: a 5 % chance of a false "higher"
MIN_SEEDS = 5  # per side: with fewer, a t-test can hardly see a difference of a few points


class Comparison(NamedTuple):
    """The outcome of :func:`compare`; ``str()`` is the verdict in words."""

    names: tuple
    metric: str
    difference: float  # mean of a minus mean of b, in the metric's own units
    se: float  # standard error of that difference (of the mean per-seed difference if paired)
    low: float  # the confidence interval of the difference, at 1 - level
    high: float
    p_value: float
    level: float
    paired: bool  # a paired t-test over the seeds both sides share; else Welch's t-test
    outcome: str  # 'higher', 'lower' (a against b), 'noise' or 'diverged'
    label: str
    diverged: tuple = ()  # (side, seed, value) of each run whose metric is NaN or infinite

    @property
    def within_noise(self):
        """True when the test finds no significant difference (never for a diverged run)."""
        return self.outcome == "noise"

    @property
    def significant(self):
        """True when the difference is significant at ``level``."""
        return self.outcome in ("higher", "lower")

    def _test_words(self):
        test = "配对 t 检验" if self.paired else "Welch t 检验"
        p = "p < 0.001" if self.p_value < 0.001 else f"p = {self.p_value:.3f}"
        return f"{test} {p}，{100 * self.level:g}% 水平上{'显著' if self.significant else '不显著'}"

    def __str__(self):
        a, b = self.names
        if self.outcome == "diverged":
            runs = "、".join(f"{side} 的种子 {seed}（{self.metric} = {value}）"
                            for side, seed, value in self.diverged)
            return (f"{a} 与 {b} 的{self.label}无法比较：{runs} 发散了（训练损失变成 nan/inf），"
                    "它的数不是一个测量值。先让每个种子都训练成功（比如换小一点的学习率），再比较")
        scale, unit, digits = _units(self.metric)
        size = f"{abs(self.difference) * scale:.{digits}f} ± {self.se * scale:.{digits}f}{unit}"
        interval = (f"{100 * (1 - self.level):g}% 置信区间 [{self.low * scale:.{digits}f}, "
                    f"{self.high * scale:.{digits}f}]")
        if self.outcome == "noise":
            # signed, as a minus b, like its interval: "之差 -0.001 ± 0.001"
            size = f"{self.difference * scale:.{digits}f} ± {self.se * scale:.{digits}f}{unit}"
            return (f"{a} 与 {b} 的{self.label}之差 {size}，差别不显著（{self._test_words()}；"
                    f"{interval}，包含 0）")
        word = "高" if self.outcome == "higher" else "低"
        return f"{a} 的{self.label}比 {b} {word} {size}（{self._test_words()}；{interval}）"

    def _repr_pretty_(self, printer, cycle):
        printer.text(str(self))


def _aligned(a, b, metric):
    """Per-seed values of ``a`` and ``b`` in the same seed order, if both have the same seeds."""
    if sorted(a.seeds) != sorted(b.seeds):
        return None
    by_seed = dict(zip(b.seeds, b.values(metric), strict=True))
    return a.values(metric), [by_seed[seed] for seed in a.seeds]


def compare(a, b, metric, names=("A", "B"), label=None, level=LEVEL, paired="auto",
            min_seeds=MIN_SEEDS):
    """Compare the final ``metric`` of two :class:`Runs` by a t-test; return a :class:`Comparison`.

    ``paired='auto'`` (default): when both sides ran with the same seeds (the same data
    order and the same draws, as ``d2l.repeat`` gives them) the test is paired
    (``scipy.stats.ttest_rel`` on the per-seed differences), otherwise Welch's
    (``scipy.stats.ttest_ind(equal_var=False)``); ``True``/``False`` force one. The
    verdict is "higher"/"lower" only when the two-sided p-value is below ``level``
    (5 %); the confidence interval of the difference is reported at ``1 - level``. A
    run whose metric is NaN or infinite makes the outcome 'diverged', naming the seed.
    Each side needs at least ``min_seeds`` seeds (5).
    """
    from scipy import stats  # imported when a verdict is asked for, not at package import

    for side, runs in zip(names, (a, b), strict=True):
        if not isinstance(runs, Runs):
            raise TypeError(f"compare(): {side} is {type(runs).__name__}, not Runs; "
                            f"make it with d2l.repeat(fn, seeds={min_seeds})")
        if len(runs) < min_seeds:
            raise ValueError(f"compare(): {side} has {len(runs)} seed(s); a verdict needs at "
                             f"least {min_seeds} per side, e.g. d2l.repeat(fn, seeds={min_seeds}) "
                             "(with fewer, a t-test can hardly tell a difference of a few "
                             "points from the noise)")
    if not 0 < level < 1:
        raise ValueError(f"compare(): level={level!r}; use a significance level such as 0.05")
    label = label if label is not None else metric
    values = {side: runs.values(metric) for side, runs in zip(names, (a, b), strict=True)}
    diverged = tuple((side, seed, value) for side, runs in zip(names, (a, b), strict=True)
                     for seed, value in zip(runs.seeds, values[side], strict=True)
                     if not math.isfinite(value))
    aligned = _aligned(a, b, metric)
    if paired == "auto":
        paired = aligned is not None
    elif paired and aligned is None:
        raise ValueError(f"compare(paired=True): {names[0]} ran seeds {a.seeds} and {names[1]} "
                         f"seeds {b.seeds}; a paired test needs the same seeds on both sides")
    nan = float("nan")
    if diverged:
        return Comparison(tuple(names), metric, nan, nan, nan, nan, nan, level, bool(paired),
                          "diverged", label, diverged)
    xa, xb = aligned if paired else (values[names[0]], values[names[1]])
    ea, eb = _estimate(xa), _estimate(xb)
    difference = ea.mean - eb.mean
    if paired:
        se = _estimate([x - y for x, y in zip(xa, xb, strict=True)]).se
    else:
        se = math.sqrt(ea.spread ** 2 / ea.n + eb.spread ** 2 / eb.n)
    if se <= 1e-12 * max(abs(ea.mean), abs(eb.mean), 1e-300):
        # no spread beyond rounding: the difference is exact (or there is none)
        p_value, low, high = (1.0 if difference == 0 else 0.0), difference, difference
    else:
        result = (stats.ttest_rel(xa, xb) if paired
                  else stats.ttest_ind(xa, xb, equal_var=False))
        p_value = float(result.pvalue)
        interval = result.confidence_interval(confidence_level=1 - level)
        low, high = float(interval.low), float(interval.high)
    if p_value < level:
        outcome = "higher" if difference > 0 else "lower"
    else:
        outcome = "noise"
    return Comparison(tuple(names), metric, difference, se, low, high, p_value, level,
                      bool(paired), outcome, label)
