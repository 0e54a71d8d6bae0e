"""Counting and timing: the book's ``Timer`` (section 3.1), ``Accumulator`` and ``accuracy`` (3.6)."""
import time


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
        """Return the average of the recorded times."""
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


class Accumulator:
    """Running sums over ``n`` variables (book section 3.6).

    Unlike the book's, ``add`` with the wrong number of values raises instead of
    silently dropping the extra ones (the book zips them away).
    """

    def __init__(self, n):
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"Accumulator(n) needs a positive int, got {n!r}")
        self.data = [0.0] * n

    def add(self, *args):
        """Add one value to each running sum; exactly ``n`` values are required."""
        if len(args) != len(self.data):
            raise ValueError(
                f"Accumulator({len(self.data)}).add() got {len(args)} values {args!r}: "
                f"pass exactly {len(self.data)}, one per running sum")
        values = []
        for i, value in enumerate(args):
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
        return self.data[idx]


def accuracy(y_hat, y):
    """Return the number of correct predictions (a float), as in book section 3.6.

    ``y_hat`` holds either class scores ``(batch, classes)`` or predicted labels.
    Shapes that would broadcast (the book then counts a ``batch x batch`` table)
    raise ``ValueError`` naming both shapes.
    """
    predicted = y_hat.argmax(dim=1) if y_hat.dim() > 1 and y_hat.shape[1] > 1 else y_hat
    if predicted.shape != y.shape:
        raise ValueError(
            f"accuracy(): predictions of shape {tuple(y_hat.shape)} give labels of shape "
            f"{tuple(predicted.shape)}, but y has shape {tuple(y.shape)}; pass class scores "
            "(batch, classes) or labels shaped exactly like y")
    return float((predicted.type(y.dtype) == y).type(y.dtype).sum())
