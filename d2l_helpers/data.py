"""Fashion-MNIST that always loads (book section 3.5): real files or an offline stand-in.

Where the files live: ``root=``, else ``$D2L_DATA_DIR``, else the repository's
git-ignored ``data/`` folder. Which files: ``$D2L_FASHION_MNIST`` = ``auto``
(default: the real data, downloaded through torchvision's own mirrors and checksums,
else the stand-in), ``real`` (fail if it cannot be had) or ``standin``.
Each split is decoded once into a uint8 tensor; batches are cut from memory.
"""
import functools
import math
import os
import shutil
import socket
from pathlib import Path

import torch
from torchvision.datasets import FashionMNIST
from torchvision.datasets.utils import check_integrity, download_url
from torchvision.transforms import functional as F

from d2l_helpers import standin
from d2l_helpers.devices import _resolve_device
from d2l_helpers.idx import DataFileError, read_idx_gz, write_idx_gz

TEXT_LABELS = ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt",
               "sneaker", "bag", "ankle boot"]
SOURCES = ("auto", "real", "standin")
STANDIN_FOLDER = "FashionMNIST-standin"
_FILES = {True: ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
          False: ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")}
_STANDIN_SPLITS = {True: (6000, 20231), False: (1000, 20232)}  # per class, seed
_notices_shown = set()  # the stand-in notice is printed once per process, not on every load
_failed_downloads = {}  # root -> reason: a network that times out is not asked again on every load
_HOW_TO_GET_REAL = ("To get the real data, set D2L_FASHION_MNIST_MIRROR to a mirror URL or put "
                    "the four official .gz files into {folder} (README: 'Getting the real "
                    "Fashion-MNIST')")


def get_fashion_mnist_labels(labels):
    """Return the text labels for numeric Fashion-MNIST labels (book section 3.5)."""
    return [TEXT_LABELS[int(i)] for i in labels]


def get_dataloader_workers(default=4):
    """Worker processes for a ``torch.utils.data.DataLoader`` (book 3.5 hard-codes 4).

    ``$D2L_NUM_WORKERS`` overrides; never more than the CPUs here. Our own
    loader needs none: it cuts batches from memory.
    """
    setting = os.environ.get("D2L_NUM_WORKERS", default)
    try:
        wanted = int(setting)
    except ValueError:
        raise ValueError(f"D2L_NUM_WORKERS={setting!r} is not a whole number") from None
    return max(0, min(wanted, os.cpu_count() or 1))


def default_data_dir():
    """``$D2L_DATA_DIR`` if set, else ``data/`` in the repository this package sits in."""
    if os.environ.get("D2L_DATA_DIR"):
        return Path(os.environ["D2L_DATA_DIR"]).expanduser()
    return Path(__file__).resolve().parent.parent / "data"


def _source_setting():
    value = os.environ.get("D2L_FASHION_MNIST", "auto").strip().lower() or "auto"
    if value not in SOURCES:
        raise ValueError(f"D2L_FASHION_MNIST={value!r} is not one of {', '.join(SOURCES)}")
    return value


def _real_folder(root):
    return Path(root) / "FashionMNIST" / "raw"


def _real_files_ok(root):
    folder = _real_folder(root)
    return all(check_integrity(folder / name, md5) for name, md5 in FashionMNIST.resources)


def _download_real(root, timeout):
    """Fetch the missing real files with torchvision's mirrors and md5 checks.

    Each file lands under its real name only once complete and verified.
    """
    folder = _real_folder(root)
    mirrors = list(FashionMNIST.mirrors)
    if os.environ.get("D2L_FASHION_MNIST_MIRROR"):
        mirrors.insert(0, os.environ["D2L_FASHION_MNIST_MIRROR"].rstrip("/") + "/")
    staging = folder / ".partial"
    previous_timeout = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)  # torchvision's urlopen has none; a dead network would hang
    try:
        for name, md5 in FashionMNIST.resources:
            if check_integrity(folder / name, md5):
                continue
            errors = [f"{folder / name} fails its checksum (truncated or corrupt): delete it "
                      "and run again"] if (folder / name).exists() else []
            for mirror in mirrors:
                try:
                    download_url(mirror + name, str(staging), name, md5)
                    os.replace(staging / name, folder / name)
                    break
                except Exception as err:  # refused, timed out, cut off half-way, bad checksum
                    errors.append(f"{mirror}{name}: {err}")
            else:
                raise RuntimeError("; ".join(errors))
    finally:
        socket.setdefaulttimeout(previous_timeout)
        shutil.rmtree(staging, ignore_errors=True)


def _write_standin(folder):
    for train, (per_class, seed) in _STANDIN_SPLITS.items():
        images_name, labels_name = _FILES[train]
        if (folder / images_name).exists() and (folder / labels_name).exists():
            continue
        images, labels = standin.generate(per_class, seed)
        write_idx_gz(folder / images_name, images)
        write_idx_gz(folder / labels_name, labels)


def _writable_folder(folder):
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise PermissionError(f"cannot create the data folder {folder} ({err}); pass root= "
                              "or set D2L_DATA_DIR to a folder you can write") from None
    if not os.access(folder, os.W_OK):
        raise PermissionError(f"the data folder {folder} is not writable; pass root= or set "
                              "D2L_DATA_DIR to a folder you can write")
    return folder


def fashion_mnist_files(root=None, timeout=30):
    """Make sure the four data files exist; return ``(folder, kind, notice)``.

    ``kind`` is ``'real'`` or ``'standin'``; ``notice`` is the one line to show
    when the stand-in is used (else ``None``). In ``auto`` mode a failed download is
    not tried again in the same process (restart the kernel to retry).
    """
    root = Path(root).expanduser() if root is not None else default_data_dir()
    setting = _source_setting()
    if setting != "standin":
        if _real_files_ok(root):
            return _real_folder(root), "real", None
        if setting == "auto" and str(root) in _failed_downloads:
            return _standin(root, _failed_downloads[str(root)])
        try:
            _writable_folder(_real_folder(root))
            _download_real(root, timeout)
            return _real_folder(root), "real", None
        except PermissionError:
            raise
        except Exception as err:  # any failure to fetch: offline, proxy, bad mirror ...
            if setting == "real":
                raise RuntimeError(
                    f"D2L_FASHION_MNIST=real, but the real Fashion-MNIST could not be had: "
                    f"{err}. {_HOW_TO_GET_REAL.format(folder=_real_folder(root))}") from None
            reason = f"the download failed ({str(err).splitlines()[0][:160]})"
            _failed_downloads[str(root)] = reason
            return _standin(root, reason)
    return _standin(root, "D2L_FASHION_MNIST=standin")


def _standin(root, reason):
    """Generate the stand-in if needed; return ``(folder, 'standin', notice)``."""
    folder = _writable_folder(root / STANDIN_FOLDER / "raw")
    _write_standin(folder)
    how = _HOW_TO_GET_REAL.format(folder="<data dir>/FashionMNIST/raw")
    notice = (f"Fashion-MNIST: using the offline stand-in (generated look-alike garments, "
              f"离线替身数据) because {reason}. {how}.")
    return folder, "standin", notice


def _load_split(folder, train):
    """Decode one split; cached while the files stay the same (sweeps reload often)."""
    names = _FILES[train]
    stamp = tuple((os.stat(folder / name).st_mtime_ns, os.stat(folder / name).st_size)
                  if (folder / name).exists() else None for name in names)
    return _decode_split(str(folder), train, stamp)


@functools.lru_cache(maxsize=4)
def _decode_split(folder, train, stamp):
    folder = Path(folder)
    images_name, labels_name = _FILES[train]
    images = torch.from_numpy(read_idx_gz(folder / images_name, 3).copy())
    labels = torch.from_numpy(read_idx_gz(folder / labels_name, 1).astype("int64"))
    if len(images) != len(labels):
        raise DataFileError(f"{folder / images_name} has {len(images)} images but "
                            f"{folder / labels_name} has {len(labels)} labels; delete both "
                            "and run again")
    return images, labels


def _check_resize(resize):
    if resize is None:
        return None
    size = [resize] if isinstance(resize, int) else list(resize) if isinstance(
        resize, (tuple, list)) else None
    if not size or len(size) > 2 or any(isinstance(s, bool) or not isinstance(s, int)
                                        or s < 1 for s in size):
        raise ValueError(f"resize={resize!r}: use None, a positive int, or (height, width)")
    return size


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
    return X.float().div(255)


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
        for start in range(0, n, self.batch_size):
            index = order[start:start + self.batch_size] if self.shuffle else slice(
                start, start + self.batch_size)
            yield (_to_float(self.dataset.images[index], self.dataset.resize),
                   self.dataset.labels[index])


def _check_batch_size(batch_size):
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size={batch_size!r}: use a positive int such as 256")


def load_data_fashion_mnist(batch_size, resize=None, root=None, device=None):
    """Return ``(train_iter, test_iter)`` over Fashion-MNIST (book section 3.5).

    Same signature and batches as the book (``X`` float32 in [0, 1] shaped
    ``(B, 1, 28, 28)`` or resized, ``y`` int64; training data shuffled), but decoded
    once and cut from memory: no PIL, no worker processes. Offline it falls back to a
    generated stand-in and prints a one-line notice saying so (once per process). ``resize`` is done on
    tensors (bilinear, antialiased), so it can differ from PIL by one grey level.
    ``device`` (not in the book; None, 'auto' or a device) holds both decoded splits on
    that device, so batches are cut there with no host-to-device copy per batch.
    """
    device = _resolve_device(device)
    _check_batch_size(batch_size)
    size = _check_resize(resize)
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
    train_size = n - valid_size if train_size is None else train_size
    for name, size in (("valid_size", valid_size), ("train_size", train_size)):
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f"split_validation(): {name}={size!r}; use a positive int")
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
    root = Path(root).expanduser() if root is not None else default_data_dir()
    setting = _source_setting()
    if setting == "standin":
        return "Fashion-MNIST: offline stand-in (D2L_FASHION_MNIST=standin)"
    if _real_files_ok(root):
        return f"Fashion-MNIST: real data (D2L_FASHION_MNIST={setting})"
    return (f"Fashion-MNIST: real data, downloaded on first use (D2L_FASHION_MNIST={setting}"
            + (", else the offline stand-in)" if setting == "auto" else ")"))
