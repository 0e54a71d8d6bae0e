"""Repeated runs: one setting over several seeds, mean ± spread, and a verdict in words.

A single training run proves nothing about a difference of a few points: the same
setting with another seed moves by as much. ``repeat`` runs a setting once per seed,
``compare`` says whether two settings differ by more than that noise. Not in the book.
"""
import math
import random
from typing import NamedTuple

import torch


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
    if isinstance(seeds, bool):
        raise TypeError(f"seeds={seeds!r}: use a count such as 3 or a list such as [0, 1, 2]")
    if isinstance(seeds, int):
        if seeds < 1:
            raise ValueError(f"seeds={seeds}: use at least 1 (3 or more to measure noise)")
        return list(range(seeds))
    try:
        seed_list = [int(s) for s in seeds]
    except (TypeError, ValueError):
        raise TypeError(f"seeds={seeds!r}: use a count such as 3 or a list of ints") from None
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

    def __len__(self):
        return len(self.seeds)

    def __repr__(self):
        shown = ", ".join(f"{m} {self.final(m)}" for m in self.metrics()
                          if m not in ("train_seconds", "examples"))
        return f"Runs({len(self.seeds)} seeds {self.seeds}: {shown})"


def repeat(fn, seeds=3):
    """Call ``fn(seed)`` once per seed; return a :class:`Runs` with every history.

    ``seeds`` is a count (``3`` means seeds 0, 1, 2) or a list of ints. Before each
    call the torch and ``random`` generators are seeded with ``seed``; afterwards they
    are put back as they were, so a notebook's later cells draw the same numbers with
    or without this call. ``fn`` returns a ``TrainResult``, a list of per-epoch dicts,
    one dict of final metrics, or a number (recorded as metric ``'value'``).
    """
    if not callable(fn):
        raise TypeError(f"repeat(fn, ...): fn must be a function of the seed, got {fn!r:.80}")
    seed_list = _seed_list(seeds)
    histories = []
    python_state = random.getstate()
    with torch.random.fork_rng(devices=[]):
        try:
            for seed in seed_list:
                torch.manual_seed(seed)
                random.seed(seed)
                histories.append(_as_history(fn(seed), seed))
        finally:
            random.setstate(python_state)
    return Runs(seed_list, histories)


def _units(metric):
    """Accuracies are compared in percentage points, anything else in its own units."""
    return (100.0, " 个百分点", 1) if "acc" in metric else (1.0, "", 3)


class Comparison(NamedTuple):
    """The outcome of :func:`compare`; ``str()`` is the verdict in words."""

    names: tuple
    metric: str
    difference: float  # mean of a minus mean of b, in the metric's own units
    se: float  # standard error of that difference
    threshold: float
    outcome: str  # 'higher', 'lower' (a against b) or 'noise'
    label: str

    @property
    def within_noise(self):
        """True when the difference is smaller than ``threshold`` standard errors."""
        return self.outcome == "noise"

    def __str__(self):
        a, b = self.names
        scale, unit, digits = _units(self.metric)
        size = f"{abs(self.difference) * scale:.{digits}f} ± {self.se * scale:.{digits}f}{unit}"
        if self.outcome == "noise":
            return (f"{a} 与 {b} 的{self.label}之差 {size}，在噪声以内"
                    f"（小于 {self.threshold:g} 倍标准误差）")
        word = "高" if self.outcome == "higher" else "低"
        return f"{a} 的{self.label}比 {b} {word} {size}（超过 {self.threshold:g} 倍标准误差）"

    def _repr_pretty_(self, printer, cycle):
        printer.text(str(self))


def compare(a, b, metric, names=("A", "B"), label=None, threshold=2.0):
    """Compare the final ``metric`` of two :class:`Runs`; return a :class:`Comparison`.

    The difference of the means counts only when it exceeds ``threshold`` standard
    errors of the difference (``sqrt(sa²/na + sb²/nb)``, unpaired); below that the
    verdict is "在噪声以内". Each side needs at least two seeds.
    """
    for side, runs in zip(names, (a, b), strict=True):
        if not isinstance(runs, Runs):
            raise TypeError(f"compare(): {side} is {type(runs).__name__}, not Runs; "
                            "make it with d2l.repeat(fn, seeds=3)")
        if len(runs) < 2:
            raise ValueError(f"compare(): {side} has {len(runs)} seed; noise needs at least "
                             "2 seeds per side (3 or more is better)")
    ea, eb = a.final(metric), b.final(metric)
    difference = ea.mean - eb.mean
    se = math.sqrt(ea.spread ** 2 / ea.n + eb.spread ** 2 / eb.n)
    if abs(difference) > threshold * se:
        outcome = "higher" if difference > 0 else "lower"
    else:
        outcome = "noise"
    return Comparison(tuple(names), metric, difference, se, threshold, outcome,
                      label if label is not None else metric)
