"""One pass over batches: the loop that training, evaluation and ``predict_ch3`` share.

The book writes this loop four times (``train_epoch_ch3``, ``evaluate_accuracy``,
``evaluate_loss``, ``predict_ch3``, sections 3.6 and 4.4); here it lives once, in
:func:`run_pass`, with everything a pass needs: the train/eval mode (:func:`_mode`),
the batches on the right device (:func:`_batches`), the checks on the first batch
(the net's output fits the labels; the loss is a tensor autograd can follow), the
sums (:class:`_Totals`), a clearer error for what goes wrong inside, and the error for
an iterator that yields nothing.

No host sync per batch: the loss sum (float64) and the count of correct predictions
(int64) add up where the batches are, and the host reads them once per pass. The
numbers are exactly the book's ``Accumulator`` of ``float(l.sum())`` and
``accuracy``: each batch's float32 sum is added in double precision, in order.
"""
import contextlib
import warnings
from collections.abc import Iterator

import torch

from d2l_helpers.devices import _explain_device_error
from d2l_helpers.metrics import _check_countable


@contextlib.contextmanager
def _mode(net, training):
    """Switch an ``nn.Module`` to train/eval mode and back afterwards; functions pass."""
    if not isinstance(net, torch.nn.Module):
        yield
        return
    was_training = net.training
    net.train(training)
    try:
        yield
    finally:
        net.train(was_training)


# --- the data iterator -------------------------------------------------------------

def _check_data_iter(data_iter, name, passes=1):
    """``TypeError`` for a tensor or a non-iterable; ``ValueError`` for a one-shot
    iterator (a generator, ``itertools.islice``) that has to be read ``passes`` times."""
    if torch.is_tensor(data_iter):
        raise TypeError(f"{name} is a tensor of shape {tuple(data_iter.shape)}, not an iterator "
                        "of (X, y) batches; pass the loader from d2l.load_data_fashion_mnist, "
                        "or d2l.load_array((features, labels), batch_size)")
    if data_iter is None or not hasattr(data_iter, "__iter__"):
        raise TypeError(f"{name} is {type(data_iter).__name__} {data_iter!r:.60}, not an "
                        "iterator of (X, y) batches; pass the loader from "
                        "d2l.load_data_fashion_mnist or a list of (X, y) pairs")
    if passes > 1 and isinstance(data_iter, Iterator):
        raise ValueError(_one_shot_message(data_iter, name, passes))


def _one_shot_message(data_iter, name, passes):
    return (f"{name} is a one-shot iterator ({type(data_iter).__name__}): it yields its "
            f"batches once and nothing in epoch 2, but it is read {passes} times here. Pass a "
            "re-iterable loader (the one d2l.load_data_fashion_mnist returns, a DataLoader or "
            "a list of (X, y) batches), e.g. list(itertools.islice(train_iter, 3))")


def _no_batches_message(data_iter, name, epoch=None):
    """What to say when ``data_iter`` yielded nothing (``epoch``: which pass, if known)."""
    when = f" in epoch {epoch}" if epoch else ""
    if isinstance(data_iter, Iterator):
        return (f"{name} yielded no batches{when}: it is a one-shot iterator "
                f"({type(data_iter).__name__}) that was already used up. Pass a re-iterable "
                "loader (the one d2l.load_data_fashion_mnist returns, a DataLoader or a list "
                "of (X, y) batches)")
    return (f"{name} yielded no batches{when}: it is empty ({type(data_iter).__name__}). Pass "
            "a loader with at least one (X, y) batch, e.g. from d2l.load_data_fashion_mnist")


def _batches(data_iter, device, name="data_iter"):
    """Yield ``(X, y)`` from ``data_iter``, on ``device`` unless it is None.

    A loader with a ``to(device)`` method (``load_data_fashion_mnist``'s) is moved once,
    so its batches are cut on the device with no copy per batch.
    """
    if device is not None:
        mover = getattr(data_iter, "to", None)
        if mover is not None and not isinstance(data_iter, torch.nn.Module):
            data_iter = mover(device)
    for batch in data_iter:
        try:
            if torch.is_tensor(batch):
                raise TypeError
            X, y = batch
            if not (torch.is_tensor(X) and torch.is_tensor(y)):
                raise TypeError
        except (TypeError, ValueError):
            raise TypeError(f"{name} yields {_describe(batch)}; each batch must be a pair "
                            "(X, y) of tensors, as the loader from "
                            "d2l.load_data_fashion_mnist gives") from None
        if device is not None and X.device != device:
            X, y = X.to(device), y.to(device)
        yield X, y


def _describe(batch):
    if torch.is_tensor(batch):
        return f"a tensor of shape {tuple(batch.shape)}"
    if isinstance(batch, dict):
        return f"a dict with keys {list(batch)[:4]}"
    if isinstance(batch, (list, tuple)):
        kinds = ", ".join(type(item).__name__ for item in batch[:4])
        return f"a {type(batch).__name__} of {len(batch)} items ({kinds})"
    return f"{type(batch).__name__} {batch!r:.40}"


# --- checks on the first batch of a pass --------------------------------------------

def _shown(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _classes(y_hat, y):
    """How many classes ``y_hat`` scores, when it scores integer labels ``y``; else None."""
    if (y_hat.dim() == 2 and y_hat.shape[1] > 1 and y.dim() == 1
            and not y.is_floating_point() and y.dtype != torch.bool):
        return y_hat.shape[1]
    return None


def _too_few_outputs(classes, high, name):
    return (f"the net gives {classes} outputs per example, but the labels in {name} go up "
            f"to {high}: a classifier needs one output per class, so its last layer needs "
            f"{high + 1} outputs (e.g. nn.Linear(num_hiddens, {high + 1}), or W2 of shape "
            f"(num_hiddens, {high + 1}))")


def _one_output_message(y_hat, y, name):
    high = int(y.max()) if y.numel() else 9
    return (f"the net gives 1 output per example (y_hat of shape {tuple(y_hat.shape)}), but "
            f"{name} holds class labels (up to {high}): a classifier needs one output per class, "
            f"so its last layer needs {max(high + 1, 2)} outputs (e.g. nn.Linear(num_hiddens, "
            f"{max(high + 1, 2)}))")


def _check_outputs(y_hat, y, name, counted):
    """On the first batch of a pass: ``net(X)`` is a tensor that fits the labels ``y``.

    ``counted``: the pass counts correct predictions, so ``d2l.accuracy``'s rules on
    shapes and dtypes apply. One host read (the largest label).
    """
    if not torch.is_tensor(y_hat):
        raise TypeError(f"net(X) returned {type(y_hat).__name__} {_shown(y_hat)}, not a "
                        "tensor; the net must return the scores as a tensor")
    if (counted and y_hat.is_floating_point() and y_hat.dim() == 2 and y_hat.shape[1] == 1
            and y.dim() == 1 and not y.is_floating_point() and y.device.type != "meta"):
        raise ValueError(_one_output_message(y_hat, y, name))
    if counted:
        _check_countable(y_hat, y)  # raises on what d2l.accuracy cannot count
    classes = _classes(y_hat, y)
    if classes is not None and y.numel() and y.device.type != "meta":
        high = int(y.max())
        if high >= classes:
            raise ValueError(_too_few_outputs(classes, high, name))
    return classes


_REGRESSION_LOSSES = ("MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss")


def _check_loss_fits(loss, y_hat, y):
    """Before the first loss: a regression loss cannot compare class scores with class labels
    (PyTorch would broadcast them into a square, with only a warning)."""
    name = type(loss).__name__
    if (name in _REGRESSION_LOSSES and y_hat.dim() == 2 and y_hat.shape[1] > 1 and y.dim() == 1
            and not y.is_floating_point()):
        raise ValueError(f"loss is nn.{name}, which compares the outputs with targets of the same "
                         f"shape, but net(X) gives {y_hat.shape[1]} scores per example and y holds "
                         f"class labels (shape {tuple(y.shape)}); for classification use "
                         "nn.CrossEntropyLoss(reduction='none') (it takes the labels as they "
                         f"are), or compare with one-hot targets: F.one_hot(y, {y_hat.shape[1]})"
                         ".float()")


def _check_loss(l, training):
    """On the first batch: the loss is a tensor, and in training one autograd can follow."""
    if not torch.is_tensor(l):
        raise TypeError(f"loss(y_hat, y) returned {type(l).__name__} {_shown(l)}, not a "
                        "tensor; return the loss as a tensor (no float() or .item(), which "
                        "cut it off from autograd), e.g. nn.CrossEntropyLoss(reduction='none')")
    if training and not l.requires_grad:
        raise TypeError("the loss does not require grad, so backward() cannot reach the "
                        "parameters: create them with requires_grad=True (W1.requires_grad_() "
                        "or nn.Parameter), and keep the loss a tensor computed from net(X) "
                        "(no torch.tensor(...), .detach() or .item() inside the loss)")


def _explained(err, net, updater, batch, classes, name):
    """A clearer error for ``err`` raised inside a pass, or None to re-raise it as is."""
    if (isinstance(err, IndexError) and "out of bounds" in str(err) and classes
            and batch is not None):
        return ValueError(_too_few_outputs(classes, int(batch[1].max()), name))
    if isinstance(err, NotImplementedError) and "meta" in str(err):
        return ValueError(f"the batches of {name} are on the meta device, which holds shapes but "
                          "no values, so there is nothing to count; move them to a real device "
                          f"(e.g. device='cpu') ({err})")
    return _explain_device_error(err, net, updater, batch)


# --- the sums of a pass ----------------------------------------------------------------

class _Totals:
    """One pass's sums, kept where the batches are; the host reads them at the end.

    ``loss`` is float64: each batch's float32 loss sum is added in double precision,
    which is exactly what the book's ``Accumulator`` of ``float(l.sum())`` does.
    """

    __slots__ = ("loss", "correct", "examples", "reduction", "classes")

    def __init__(self, y_hat, reduction, classes):
        self.loss = torch.zeros((), dtype=torch.float64, device=y_hat.device)
        self.correct = torch.zeros((), dtype=torch.int64, device=y_hat.device)
        self.examples = 0
        self.reduction, self.classes = reduction, classes

    def add_loss(self, l, count):
        """Add the per-example losses of a batch of ``count``, whatever the ``reduction``.

        The book's ``float(l.sum())`` is right only for ``reduction='none'``; for the
        default ``'mean'`` it reports the loss divided by the batch size.
        """
        if l.dim() > 0:
            self.loss += l.sum()
        elif self.reduction == "sum":
            self.loss += l
        else:
            self.loss += l.double() * count

    def add_correct(self, y_hat, y):
        """Add the correct predictions, counted as ``d2l.accuracy`` counts them."""
        if y_hat.dim() > 1 and y_hat.shape[1] > 1:
            scores, predicted = y_hat.max(dim=1)
            right = predicted.type(y.dtype) == y
            if y_hat.is_floating_point():
                right &= scores == scores  # a row with a NaN score predicts nothing
        else:
            right = y_hat.type(y.dtype) == y
        self.correct += right.sum()

    def _read(self, tensor):
        if tensor.device.type == "meta":
            raise ValueError("the pass ran on the meta device, which holds shapes but no "
                             "values, so there is no loss or accuracy to read; train and "
                             "evaluate on a real device (e.g. device='cpu')")
        return tensor.item()

    def mean_loss(self):
        return self._read(self.loss) / self.examples

    def accuracy(self):
        return self._read(self.correct) / self.examples


def _double_scaling_message(batch_size):
    return (f"the loss returns the mean over the batch and the hand-written updater is "
            f"called with the batch size ({batch_size}), so the gradient is divided by the "
            "batch size twice (a much smaller step than lr). Use "
            "nn.CrossEntropyLoss(reduction='none') with a hand-written updater, or "
            "torch.optim.SGD with either loss.")


# --- the pass --------------------------------------------------------------------------

def _step(l, updater, totals, batch_size, warned):
    """Backward and update for one batch; return whether the double-scaling warning is out."""
    if isinstance(updater, torch.optim.Optimizer):
        updater.zero_grad()
        l.mean().backward()
        updater.step()
        return warned
    if not warned and l.dim() == 0 and totals.reduction == "mean":
        warnings.warn(_double_scaling_message(batch_size), UserWarning, stacklevel=4)
        warned = True
    l.sum().backward()
    updater(batch_size)
    return warned


def run_pass(net, data_iter, device, name, loss=None, updater=None, counted=True,
             epoch=None):
    """One pass of ``net`` over ``data_iter``; return its :class:`_Totals` (not yet read).

    With an ``updater`` the pass trains (train mode, one update per batch, as the book's
    ``train_epoch_ch3``); without, it evaluates (eval mode, no gradients). ``loss``
    (optional when evaluating) adds up the per-example loss; ``counted`` counts correct
    predictions. ``device`` is already placed (``devices._place``); ``name`` names the
    iterator in messages, ``epoch`` the pass. The net's mode is restored afterwards.
    """
    training = updater is not None
    totals = batch = None
    warned = False
    grad = contextlib.nullcontext() if training else torch.no_grad()
    with _mode(net, training=training), grad:
        try:
            for batch in _batches(data_iter, device, name):
                X, y = batch
                y_hat = net(X)
                first = totals is None
                if first:
                    classes = _check_outputs(y_hat, y, name, counted)
                    totals = _Totals(y_hat, getattr(loss, "reduction", "mean"), classes)
                count = y.numel()
                if loss is not None:
                    if first:
                        _check_loss_fits(loss, y_hat, y)
                    target = y
                    if not training and not counted and y.numel() == y_hat.numel():
                        target = y.reshape(y_hat.shape)  # regression (book 4.4)
                    l = loss(y_hat, target)
                    if first:
                        _check_loss(l, training)
                    if training:
                        warned = _step(l, updater, totals, X.shape[0], warned)
                        l = l.detach()
                    totals.add_loss(l, count)
                if counted:
                    totals.add_correct(y_hat.detach(), y)
                totals.examples += count
        except (RuntimeError, IndexError, NotImplementedError) as err:
            better = _explained(err, net, updater, batch, totals and totals.classes, name)
            if better is None:
                raise
            raise better from err
    if totals is None or not totals.examples:
        raise ValueError(_no_batches_message(data_iter, name, epoch))
    return totals


def first_batch(net, data_iter, device, name="test_iter"):
    """``(X, y, y_hat)`` for the first batch of ``data_iter``, in eval mode without gradients.

    For ``predict_ch3``: its net's output is checked as a pass checks it.
    """
    with _mode(net, training=False), torch.no_grad():
        batch = None
        try:
            for batch in _batches(data_iter, device, name):
                X, y = batch
                y_hat = net(X)
                _check_outputs(y_hat, y, name, counted=True)
                return X, y, y_hat
        except (RuntimeError, IndexError, NotImplementedError) as err:
            better = _explained(err, net, None, batch, None, name)
            if better is None:
                raise
            raise better from err
    raise ValueError(_no_batches_message(data_iter, name))
