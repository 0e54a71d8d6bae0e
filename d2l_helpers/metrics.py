"""Counting and timing: the book's ``Timer`` (3.1), ``Accumulator`` and ``accuracy`` (3.6)."""
import math
import time

import torch

from d2l_helpers.checks import not_text, positive_int, whole_number


class Timer:
    """Record several running times (book section 3.1)."""

    def __init__(self):
        self.times = []
        self.start()

    def start(self):
        """Start the timer."""
        self.tik = time.perf_counter()

    def stop(self):
        """Stop the timer; return the seconds since ``start`` and record them."""
        self.times.append(time.perf_counter() - self.tik)
        return self.times[-1]

    def avg(self):
        """Return the average of the recorded times (``ValueError`` before any ``stop``)."""
        if not self.times:
            raise ValueError("Timer.avg(): no time recorded yet; call timer.stop() at least "
                             "once first (the book's Timer divides by zero here)")
        return sum(self.times) / len(self.times)

    def sum(self):
        """Return the sum of the recorded times."""
        return sum(self.times)

    def cumsum(self):
        """Return the running totals of the recorded times, as a list."""
        totals, running = [], 0.0
        for t in self.times:
            running += t
            totals.append(running)
        return totals


_PLAIN_NUMBERS = {float, int}  # the common case skips the slower isinstance check


class Accumulator:
    """Running sums over ``n`` variables (book section 3.6).

    Unlike the book's, ``add`` with the wrong number of values raises instead of
    silently dropping the extra ones (the book zips them away), and text such as
    ``'3'`` is refused rather than parsed as a number. Tensors that require grad (the
    book's ``d2l.reduce_sum(l)`` in section 4.4) are added without torch's warning.
    """

    def __init__(self, n):
        self.data = [0.0] * positive_int(n, "Accumulator(n): n", 3)

    def add(self, *args):
        """Add one value to each running sum; exactly ``n`` values are required."""
        if len(args) != len(self.data):
            raise ValueError(
                f"Accumulator({len(self.data)}).add() got {len(args)} values {args!r}: "
                f"pass exactly {len(self.data)}, one per running sum")
        values = []
        for i, value in enumerate(args):
            if type(value) not in _PLAIN_NUMBERS:
                not_text(value, f"Accumulator.add(): value {i}",
                         "a number (float(...) the text yourself if you mean it)")
                if torch.is_tensor(value):
                    value = value.detach()  # a sum of numbers: no autograd warning
            try:
                values.append(float(value))
            except (TypeError, ValueError, RuntimeError) as err:
                raise TypeError(f"Accumulator.add(): value {i} is not a single number: "
                                f"{value!r:.80} ({err})") from None
        self.data = [a + b for a, b in zip(self.data, values, strict=True)]

    def reset(self):
        """Set every running sum back to zero."""
        self.data = [0.0] * len(self.data)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return self.data[idx]
        idx = whole_number(idx, "Accumulator[index]: index", "0 (the running sums are "
                           f"at 0 to {len(self.data) - 1})")
        if not -len(self.data) <= idx < len(self.data):
            raise IndexError(f"Accumulator[{idx}]: this Accumulator({len(self.data)}) holds "
                             f"{len(self.data)} running sums, at 0 to {len(self.data) - 1}; "
                             f"make it with Accumulator({idx + 1}) to keep more")
        return self.data[idx]


def _check_countable(y_hat, y):
    """Raise what :func:`accuracy` raises on what it cannot count; reads no values, so
    it works on any device. Returns whether ``y_hat`` holds class scores."""
    if not (torch.is_tensor(y_hat) and torch.is_tensor(y)):
        raise TypeError(f"accuracy(): y_hat and y must be tensors, got {type(y_hat).__name__} "
                        f"and {type(y).__name__}; e.g. accuracy(net(X), y)")
    scores = y_hat.dim() > 1 and y_hat.shape[1] > 1
    predicted_shape = (y_hat.shape[0], *y_hat.shape[2:]) if scores else y_hat.shape
    if predicted_shape != y.shape:
        raise ValueError(
            f"accuracy(): predictions of shape {tuple(y_hat.shape)} give labels of shape "
            f"{tuple(predicted_shape)}, but y has shape {tuple(y.shape)}; pass class scores "
            "(batch, classes) or labels shaped exactly like y")
    if not scores and y_hat.is_floating_point() and not y.is_floating_point():
        raise TypeError(
            f"accuracy(): y_hat is a {y_hat.dtype} tensor of shape {tuple(y_hat.shape)} "
            f"{_shown(y_hat)}, like y's: scores, not "
            "labels, so they cannot be compared with y. Pass the class scores (batch, "
            "classes), e.g. net(X), or integer labels, e.g. y_hat.argmax(dim=1)")
    return scores


def accuracy(y_hat, y):
    """Return the number of correct predictions (a float), as in book section 3.6.

    ``y_hat`` holds either class scores ``(batch, classes)`` or labels shaped like
    ``y``. Differences from the book: shapes that would broadcast (the book then
    counts a ``batch x batch`` table) raise ``ValueError`` naming both shapes; float
    ``y_hat`` of ``y``'s shape against integer labels raises ``TypeError`` (the book
    casts scores such as 0.9 to label 0); class scores against float labels that are
    not whole numbers (0.5) raise ``ValueError`` (the book counts 0 correct); a row of
    scores containing NaN counts as a wrong prediction (the book's argmax picks the
    NaN's column, so it may count as right). Float ``y_hat`` against float ``y`` (a
    regression, as in book section 4.4) is counted as the book counts it: exactly equal
    values.
    """
    scores = _check_countable(y_hat, y)
    if scores and y.is_floating_point():
        fractional = y.detach() != y.detach().round()
        if bool(fractional.any()):
            bad = float(y.detach()[fractional].flatten()[0])
            raise ValueError(f"accuracy(): y holds class labels that are not whole numbers "
                             f"(e.g. {bad:.4g}), so no class score can match them; pass the "
                             "labels as integers 0, 1, ... (y.long() if they are whole numbers "
                             "stored as floats)")
    predicted = y_hat.argmax(dim=1) if scores else y_hat
    correct = predicted.type(y.dtype) == y
    # One cheap sum tells whether any score is NaN; only then mask those rows out.
    if scores and y_hat.is_floating_point() and math.isnan(float(y_hat.detach().sum())):
        correct &= ~y_hat.isnan().any(dim=1)  # a NaN score is no prediction at all
    return float(correct.type(y.dtype).sum())


def _shown(tensor):
    if tensor.device.type == "meta":
        return f"of shape {tuple(tensor.shape)}"
    values = [f"{v:.4g}" for v in tensor.detach().cpu().flatten()[:4].tolist()]
    return "[" + ", ".join(values + (["..."] if tensor.numel() > 4 else [])) + "]"
