"""metrics.py: Timer, Accumulator and accuracy refuse what would give a wrong number."""
import math
import re

import numpy as np
import pytest
import torch

import d2l_helpers as d2l


def test_timer_avg_before_any_stop_says_to_stop_first():
    timer = d2l.Timer()
    with pytest.raises(ValueError, match=r"no time recorded yet; call timer.stop\(\)"):
        timer.avg()
    timer.stop()
    assert timer.avg() >= 0


@pytest.mark.parametrize("text", ["3", b"3", "nan"])
def test_accumulator_refuses_text(text):
    metric = d2l.Accumulator(2)
    with pytest.raises(TypeError, match=re.escape(f"value 0={text!r} is text; pass a number")):
        metric.add(text, 1)
    assert metric.data == [0.0, 0.0]


def test_accumulator_still_takes_numbers_of_every_kind():
    metric = d2l.Accumulator(4)
    metric.add(1, 2.5, torch.tensor(3.0), np.float32(0.5))
    assert metric.data == [1.0, 2.5, 3.0, 0.5]


def test_accuracy_refuses_one_dimensional_float_scores():
    """The book casts 0.9 to label 0 and 0.2 to label 0 and reports 1 correct."""
    with pytest.raises(TypeError,
                       match=r"torch.float32 tensor of shape \(2,\) \[0.9.*0.2.*argmax\(dim=1\)"):
        d2l.accuracy(torch.tensor([0.9, 0.2]), torch.tensor([1, 0]))


def test_accuracy_names_the_shape_of_column_scores():
    with pytest.raises(TypeError, match=r"shape \(2, 1\)") as info:
        d2l.accuracy(torch.tensor([[0.9], [0.2]]), torch.tensor([[1], [0]]))
    assert "1-D" not in str(info.value)


def test_accuracy_refuses_labels_that_are_not_whole_numbers():
    """The book counts 0 correct: no argmax ever equals 0.5."""
    with pytest.raises(ValueError, match=r"not whole numbers \(e.g. 0.5\)"):
        d2l.accuracy(torch.tensor([[0.1, 0.9], [0.8, 0.2]]), torch.tensor([0.5, 1.0]))
    assert d2l.accuracy(torch.tensor([[0.1, 0.9], [0.8, 0.2]]), torch.tensor([1.0, 0.0])) == 2.0


def test_accuracy_long_float_vector_is_shown_shortened():
    with pytest.raises(TypeError, match=r"\[0, 1, 2, 3, ...\]"):
        d2l.accuracy(torch.arange(10.0), torch.arange(10))


def test_accuracy_counts_rows_with_nan_scores_as_wrong():
    nan = math.nan
    y_hat = torch.tensor([[nan, 1.0, 0.0],   # argmax picks the NaN: "class 0", label 0
                          [0.0, nan, nan],   # all but one NaN
                          [0.1, 0.9, 0.0],   # a real, correct prediction
                          [nan, nan, nan]])  # argmax says 0, label 0
    y = torch.tensor([0, 1, 1, 0])
    assert d2l.accuracy(y_hat, y) == 1.0


def test_accuracy_refuses_non_tensors():
    with pytest.raises(TypeError, match="must be tensors, got list and Tensor"):
        d2l.accuracy([[0.1, 0.9]], torch.tensor([1]))


def test_accuracy_keeps_the_books_results_for_labels_and_scores():
    y = torch.tensor([1, 0, 2, 0])
    assert d2l.accuracy(torch.tensor([1, 0, 2, 2]), y) == 3.0
    assert d2l.accuracy(torch.tensor([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0],
                                      [0.0, 0.0, 1.0]]), y) == 3.0
    inf = math.inf  # an infinite score is still a prediction
    assert d2l.accuracy(torch.tensor([[0.0, inf], [-inf, 0.0]]), torch.tensor([1, 1])) == 2.0


def test_accuracy_of_a_regression_counts_equal_values_as_the_book_does():
    """Book section 4.4 trains a regression with train_epoch_ch3, which calls accuracy."""
    y = torch.tensor([[1.0], [2.0], [3.0]])
    assert d2l.accuracy(torch.tensor([[1.0], [2.5], [3.0]]), y) == 2.0
    assert d2l.accuracy(torch.tensor([0.5, 2.0]), torch.tensor([1.0, 2.0])) == 1.0


def test_accumulator_adds_tensors_that_require_grad_without_a_warning(recwarn):
    """Book section 4.4 adds d2l.reduce_sum(l) of a loss that requires grad."""
    w = torch.ones(3, requires_grad=True)
    metric = d2l.Accumulator(2)
    metric.add((w * 2).sum(), 3)
    assert metric.data == [6.0, 3.0]
    assert not [w for w in recwarn if "requires_grad" in str(w.message)]
