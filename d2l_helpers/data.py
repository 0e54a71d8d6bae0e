"""Fashion-MNIST that always loads (book section 3.5): the loaders over its files.

The files (real, or an offline stand-in) and their checks are in
:mod:`d2l_helpers.datafiles`. Each split is decoded once into a uint8 tensor; batches
are cut from memory.
"""
import math
import os

import torch
from torchvision.transforms import functional as F

from d2l_helpers.checks import non_negative_int, positive_int
from d2l_helpers.datafiles import (  # noqa: F401 - default_data_dir, STANDIN_FOLDER: re-exported
    STANDIN_FOLDER,
    _data_root,
    _load_split,
    _real_files_ok,
    _source_setting,
    default_data_dir,
    fashion_mnist_files,
)
from d2l_helpers.devices import _resolve_device

TEXT_LABELS = ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt",
               "sneaker", "bag", "ankle boot"]
_notices_shown = set()  # the stand-in notice is printed once per process, not on every load


def get_fashion_mnist_labels(labels):
    """Return the text labels for numeric Fashion-MNIST labels (book section 3.5).

    Unlike the book's, a label that is not a whole number from 0 to 9 raises
    ``ValueError`` naming it (the book names -1 'ankle boot' and 2.7 'pullover').
    """
    values = labels.tolist() if hasattr(labels, "tolist") else labels  # tensors, arrays
    if not isinstance(values, (list, tuple)) and not hasattr(values, "__iter__"):
        raise TypeError(f"get_fashion_mnist_labels(): labels={labels!r} is a single value; "
                        "pass a sequence of labels, e.g. [3] or y")
    return [TEXT_LABELS[_class_number(value, i)] for i, value in enumerate(values)]


def _class_number(value, position):
    try:
        if isinstance(value, (str, bytes, bool)):
            raise TypeError
        number = float(value)
    except (TypeError, ValueError, RuntimeError):
        raise TypeError(f"get_fashion_mnist_labels(): label {position} is {value!r:.60}, not a "
                        "number; pass a 1-D sequence of class numbers 0-9") from None
    if not (0 <= number <= 9 and number == int(number)):
        raise ValueError(f"get_fashion_mnist_labels(): label {position} is {value!r}; "
                         "Fashion-MNIST's classes are the whole numbers 0 ('t-shirt') to 9 "
                         "('ankle boot'): for scores pass y_hat.argmax(dim=1)")
    return int(number)


def get_dataloader_workers(default=4):
    """Worker processes for a ``torch.utils.data.DataLoader`` (book 3.5 hard-codes 4).

    ``$D2L_NUM_WORKERS`` overrides; never more than the CPUs here. Our own
    loader needs none: it cuts batches from memory. A negative or non-integer
    setting raises ``ValueError`` naming it (it used to become 0 silently).
    """
    setting = os.environ.get("D2L_NUM_WORKERS", default)
    name = "D2L_NUM_WORKERS" if "D2L_NUM_WORKERS" in os.environ else "default"
    try:
        wanted = int(setting) if isinstance(setting, str) else setting
    except ValueError:
        raise ValueError(f"{name}={setting!r} is not a whole number; use 0 (load in the main "
                         "process) or a positive number of worker processes") from None
    wanted = non_negative_int(wanted, name, "0 (load in the main process) or 2")
    return min(wanted, os.cpu_count() or 1)
def _check_resize(resize):
    if resize is None:
        return None
    size = list(resize) if isinstance(resize, (tuple, list)) else [resize]
    try:
        if not 1 <= len(size) <= 2:
            raise ValueError
        return [positive_int(s, "resize", 64) for s in size]
    except (TypeError, ValueError) as err:
        raise type(err)(f"resize={resize!r}: use None, a positive whole number such as 64, "
                        "or (height, width)") from None


def _memory_bytes():
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # not POSIX: assume a modest machine
        return 8 * 2**30


def _check_batch_memory(batch_size, size, resize):
    """Refuse, before allocating anything, batches that cannot fit in memory."""
    height, width = size if len(size) == 2 else (size[0], size[0])
    needed, memory = batch_size * height * width * 4, _memory_bytes()
    if needed > memory // 4:
        raise ValueError(
            f"resize={resize!r} with batch_size={batch_size} makes each batch {batch_size} x 1 "
            f"x {height} x {width} float32 values = {needed / 1e9:.1f} GB, but a batch may "
            f"take at most a quarter of this machine's {memory / 1e9:.1f} GB of memory "
            f"({memory // 4 / 1e9:.1f} GB); use a smaller resize (the book uses 64 or 224) "
            "or a smaller batch_size")


class InMemoryDataset(torch.utils.data.Dataset):
    """A decoded split: ``dataset[i]`` is ``(image float (1, H, W) in [0, 1], label)``.

    ``images`` (uint8) and ``labels`` may live on any device; ``to(device)`` gives the
    split held there.
    """

    def __init__(self, images, labels, resize=None):
        self.images, self.labels, self.resize = images, labels, resize
        self._copies = {}  # device name -> this split held on that device

    def __len__(self):
        return len(self.labels)

    def to(self, device):
        """This split held on ``device``: copied there once, then the copy is reused."""
        device = _resolve_device(device) or self.images.device
        if self.images.device == device:
            return self
        if str(device) not in self._copies:
            self._copies[str(device)] = InMemoryDataset(
                self.images.to(device), self.labels.to(device), self.resize)
        return self._copies[str(device)]

    def __getitem__(self, i):
        return _to_float(self.images[i:i + 1], self.resize)[0], int(self.labels[i])


def _to_float(images, resize):
    """uint8 ``(B, H, W)`` to float ``(B, 1, H', W')`` in [0, 1], exactly like ``ToTensor``."""
    X = images.unsqueeze(1)
    if resize is not None:
        X = F.resize(X, resize, antialias=True)
    return X.div(255)  # true division of uint8 gives float32: one pass, same bits as .float()


class InMemoryLoader:
    """Batches cut from a decoded split; iterates like the book's ``DataLoader``.

    A fresh ``torch.randperm`` per epoch when shuffling, so ``torch.manual_seed``
    reproduces a run exactly. The batches are cut where the split lives: ``to(device)``
    (which ``train_ch3(device=...)`` calls) gives a loader over a copy held on the
    device, made once, so that no batch is copied from the host; the order is drawn
    from the same CPU generator, so every device sees the same batches.
    """

    def __init__(self, dataset, batch_size, shuffle):
        self.dataset, self.batch_size, self.shuffle = dataset, batch_size, shuffle

    def __len__(self):
        return math.ceil(len(self.dataset) / self.batch_size)

    def to(self, device):
        """This loader over the split held on ``device`` (see the class docstring)."""
        dataset = self.dataset.to(device)
        return self if dataset is self.dataset else InMemoryLoader(
            dataset, self.batch_size, self.shuffle)

    def __iter__(self):
        n = len(self.dataset)
        # Drawn on the CPU (same numbers everywhere), moved once per epoch.
        order = torch.randperm(n).to(self.dataset.labels.device) if self.shuffle else None
        images, labels = self.dataset.images, self.dataset.labels
        for start in range(0, n, self.batch_size):
            if self.shuffle:
                # index_select, not images[index]: advanced indexing is about 6x slower here
                index = order[start:start + self.batch_size]
                X, y = images.index_select(0, index), labels.index_select(0, index)
            else:
                X, y = images[start:start + self.batch_size], labels[start:start + self.batch_size]
            yield _to_float(X, self.dataset.resize), y


def _check_batch_size(batch_size):
    """Return ``batch_size`` as an int: numpy ints and 0-d integer tensors are accepted."""
    return positive_int(batch_size, "batch_size", 256)


def load_data_fashion_mnist(batch_size, resize=None, root=None, device=None):
    """Return ``(train_iter, test_iter)`` over Fashion-MNIST (book section 3.5).

    Same signature and batches as the book (``X`` float32 in [0, 1] shaped
    ``(B, 1, 28, 28)`` or resized, ``y`` int64; training data shuffled), but decoded
    once and cut from memory: no PIL, no worker processes. Offline it falls back to a
    generated stand-in and prints a one-line notice saying so (once per process).
    ``resize`` is done on tensors (bilinear, antialiased), so it can differ from PIL by
    one grey level.
    ``device`` (not in the book; None, 'auto' or a device) holds both decoded splits on
    that device, so batches are cut there with no host-to-device copy per batch.
    Checked before anything is loaded: ``batch_size`` is a whole number (numpy ints
    and 0-d integer tensors too), ``resize`` gives batches that fit in a quarter of
    the machine's memory, ``root`` is not ``''``. The files are checked once per state:
    each split has 60000/10000 examples with labels 0-9, the stand-in's byte for byte.
    """
    device = _resolve_device(device)
    batch_size = _check_batch_size(batch_size)
    size = _check_resize(resize)
    if size is not None:
        _check_batch_memory(batch_size, size, resize)
    folder, _, notice = fashion_mnist_files(root)
    if notice and notice not in _notices_shown:
        print(notice)
        _notices_shown.add(notice)
    train = InMemoryDataset(*_load_split(folder, True), size).to(device)
    test = InMemoryDataset(*_load_split(folder, False), size).to(device)
    return InMemoryLoader(train, batch_size, shuffle=True), InMemoryLoader(
        test, batch_size, shuffle=False)


def split_validation(train_iter, valid_size=10000, train_size=None, seed=0):
    """Split a loader from ``load_data_fashion_mnist`` into ``(train_iter, valid_iter)``.

    Not in the book. The two hold disjoint examples drawn at random (by ``seed``, without
    touching the global generator): ``valid_size`` for validation and ``train_size`` (by
    default all the rest) for training. Hyperparameters are chosen on the validation
    split, so that the test set is used once, at the end. The training loader shuffles,
    the validation loader does not; both keep the batch size and ``resize``.
    """
    if not isinstance(train_iter, InMemoryLoader):
        raise TypeError(f"split_validation(): train_iter is {type(train_iter).__name__}; pass "
                        "the training loader returned by d2l.load_data_fashion_mnist")
    n = len(train_iter.dataset)
    valid_size = positive_int(valid_size, "split_validation(): valid_size", 10000)
    if train_size is None:
        if valid_size >= n:
            raise ValueError(f"split_validation(): valid_size={valid_size} leaves nothing to "
                             f"train on: train_iter holds {n} examples; use a valid_size "
                             f"below {n}, e.g. {n // 6}")
        train_size = n - valid_size
    train_size = positive_int(train_size, "split_validation(): train_size", 12000)
    if valid_size + train_size > n:
        raise ValueError(f"split_validation(): valid_size={valid_size} + train_size="
                         f"{train_size} is more than the {n} examples of train_iter")
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    dataset = train_iter.dataset

    def part(index, shuffle):
        subset = InMemoryDataset(dataset.images[index], dataset.labels[index], dataset.resize)
        return InMemoryLoader(subset, train_iter.batch_size, shuffle=shuffle)

    return part(order[valid_size:valid_size + train_size], True), part(order[:valid_size], False)


def data_source(root=None):
    """Describe, without downloading anything, where Fashion-MNIST will come from."""
    root = _data_root(root)
    setting = _source_setting()
    if setting == "standin":
        return "Fashion-MNIST: offline stand-in (D2L_FASHION_MNIST=standin)"
    if _real_files_ok(root):
        return f"Fashion-MNIST: real data (D2L_FASHION_MNIST={setting})"
    return (f"Fashion-MNIST: real data, downloaded on first use (D2L_FASHION_MNIST={setting}"
            + (", else the offline stand-in)" if setting == "auto" else ")"))
