"""Small argument checks shared by the helpers.

Each returns the cleaned value or raises an error that names the argument, shows the
bad value and says what to pass instead: ``TypeError`` for a value of the wrong kind,
``ValueError`` for one of the right kind out of range. They cost well under a
microsecond for a correct value, so they are safe on every call.
"""
import math
import operator

import torch


def _shown(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def whole_number(value, name, example):
    """Return ``value`` as a Python int: ints, numpy integers and integer tensors of one
    element are whole numbers; bools, floats (even ``256.0``) and strings are not."""
    if isinstance(value, bool) or torch.is_tensor(value) and value.dtype == torch.bool:
        raise TypeError(f"{name}={_shown(value)} is a bool; use a whole number such as {example}")
    try:
        return operator.index(value)
    except (TypeError, RuntimeError):
        kind = type(value).__name__
        if torch.is_tensor(value):
            kind = f"tensor of dtype {value.dtype} and shape {tuple(value.shape)}"
        raise TypeError(f"{name}={_shown(value)} is a {kind}, not a whole number; use a whole "
                        f"number such as {example}") from None


def positive_int(value, name, example):
    """Return ``value`` as an int if it is a whole number of at least 1."""
    number = whole_number(value, name, example)
    if number < 1:
        raise ValueError(f"{name}={_shown(value)}: use a positive whole number such as {example}")
    return number


def non_negative_int(value, name, example):
    """Return ``value`` as an int if it is a whole number of at least 0."""
    number = whole_number(value, name, example)
    if number < 0:
        raise ValueError(f"{name}={_shown(value)}: use 0 or a positive whole number such as "
                         f"{example}")
    return number


def finite_number(value, name, example):
    """Return ``value`` as a float if it is a real, finite number (not a string, not NaN/inf)."""
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name}={_shown(value)} is text; use a number such as {example}")
    try:
        number = float(value)
    except (TypeError, ValueError, RuntimeError):
        raise TypeError(f"{name}={_shown(value)} is not a single number; use a number such as "
                        f"{example}") from None
    if not math.isfinite(number):
        raise ValueError(f"{name}={_shown(value)} is not finite; use a number such as {example}")
    return number


def not_text(value, name, what):
    """Return ``value`` unless it is a ``str`` or ``bytes`` (which would be split into
    characters or parsed as a number where ``what`` is expected)."""
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name}={_shown(value)} is text; pass {what}")
    return value


def one_of(value, name, choices):
    """Return ``value`` if it is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{name}={_shown(value)} is not one of "
                         f"{', '.join(repr(c) for c in choices)}")
    return value
