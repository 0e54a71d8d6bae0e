"""Fashion-MNIST that always loads (book section 3.5): real files or an offline stand-in.

Where the files live: ``root=``, else ``$D2L_DATA_DIR``, else the repository's
git-ignored ``data/`` folder. Which files: ``$D2L_FASHION_MNIST`` = ``auto``
(default: the real data, downloaded through torchvision's own mirrors and checksums,
else the stand-in), ``real`` (fail if it cannot be had) or ``standin``.
Each split is decoded and checked once into a uint8 tensor; batches are cut from memory.
A folder that holds all the files is only read; generating the stand-in is safe while
another process (a second notebook) does the same.
"""
import functools
import math
import os
import shutil
import socket
import struct
import tempfile
import time
from pathlib import Path

import torch
from torchvision.datasets import FashionMNIST
from torchvision.datasets.utils import check_integrity, download_url
from torchvision.transforms import functional as F

from d2l_helpers import standin
from d2l_helpers.checks import non_negative_int, positive_int
from d2l_helpers.devices import _resolve_device
from d2l_helpers.idx import DataFileError, read_idx_gz, write_idx_gz

TEXT_LABELS = ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt",
               "sneaker", "bag", "ankle boot"]
SOURCES = ("auto", "real", "standin")
STANDIN_FOLDER = "FashionMNIST-standin"
_FILES = {True: ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
          False: ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")}
_STANDIN_SPLITS = {True: (6000, 20231), False: (1000, 20232)}  # per class, seed
_EXAMPLES = {True: 60000, False: 10000}  # in each split of Fashion-MNIST and of the stand-in
# The stand-in is the same bytes everywhere: (CRC-32, length) of each file's decoded content,
# as its gzip trailer records them (gzip itself checks the trailer against the content).
_STANDIN_FINGERPRINTS = {
    "train-images-idx3-ubyte.gz": (0x183B81AF, 47040016),
    "train-labels-idx1-ubyte.gz": (0x737061CF, 60008),
    "t10k-images-idx3-ubyte.gz": (0xCD9FA16F, 7840016),
    "t10k-labels-idx1-ubyte.gz": (0x3825B3ED, 10008),
}
_notices_shown = set()  # the stand-in notice is printed once per process, not on every load
_failed_downloads = {}  # root -> reason: a network that times out is not asked again on every load
_HOW_TO_GET_REAL = ("To get the real data, set D2L_FASHION_MNIST_MIRROR to a mirror URL or put "
                    "the four official .gz files into {folder} (README: 'Getting the real "
                    "Fashion-MNIST')")


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


def default_data_dir():
    """``$D2L_DATA_DIR`` if set, else ``data/`` in the repository this package sits in."""
    if os.environ.get("D2L_DATA_DIR"):
        return Path(os.environ["D2L_DATA_DIR"]).expanduser()
    return Path(__file__).resolve().parent.parent / "data"


def _data_root(root):
    """``root`` as a Path; ``None`` means :func:`default_data_dir`."""
    if root is None:
        return default_data_dir()
    if not str(root).strip():
        raise ValueError(f"root={root!r} would put the data files (20-30 MB) into the "
                         f"current folder; leave root out for the default data folder "
                         f"({default_data_dir()}) or name a folder, e.g. root='../data' "
                         "(root='.' if you really mean the current folder)")
    return Path(root).expanduser()


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
    staging = Path(tempfile.mkdtemp(prefix=".partial-", dir=folder))  # one per process
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
    """Generate the missing stand-in files; safe while another process does the same.

    Each file is written under a name of its own and renamed into place (equal bytes,
    whoever comes last); leftovers of processes killed long ago are removed.
    """
    for leftover in folder.glob("*.part"):
        try:
            if time.time() - leftover.stat().st_mtime > 3600:
                leftover.unlink()
        except OSError:
            pass  # another process removed it first
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
    root = _data_root(root)
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
        except PermissionError as err:
            if setting == "real" or not _standin_complete(root):
                raise
            return _standin(root, f"the real data cannot be downloaded here ({err})")
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
    """Generate the stand-in if needed; return ``(folder, 'standin', notice)``.

    A folder that already holds all four files is only read (it may be read-only).
    """
    folder = root / STANDIN_FOLDER / "raw"
    if not _standin_complete(root):
        _write_standin(_writable_folder(folder))
    how = _HOW_TO_GET_REAL.format(folder="<data dir>/FashionMNIST/raw")
    notice = (f"Fashion-MNIST: using the offline stand-in (generated look-alike garments, "
              f"离线替身数据) because {reason}. {how}.")
    return folder, "standin", notice


def _standin_complete(root):
    folder = root / STANDIN_FOLDER / "raw"
    return all((folder / name).is_file() for name in _STANDIN_FINGERPRINTS)


def _load_split(folder, train):
    """Decode one split; cached while the files stay the same (sweeps reload often)."""
    names = _FILES[train]
    stamp = tuple((os.stat(folder / name).st_mtime_ns, os.stat(folder / name).st_size)
                  if (folder / name).exists() else None for name in names)
    return _decode_split(str(folder), train, stamp)


@functools.lru_cache(maxsize=4)
def _decode_split(folder, train, stamp):
    """Decode and check one split: so once per process and state of the files."""
    folder = Path(folder)
    images_name, labels_name = _FILES[train]
    images = torch.from_numpy(read_idx_gz(folder / images_name, 3).copy())
    labels = torch.from_numpy(read_idx_gz(folder / labels_name, 1).astype("int64"))
    if folder.parent.name == STANDIN_FOLDER:  # after decoding: gzip has checked the trailer
        for name in _FILES[train]:
            _check_standin_fingerprint(folder / name)
    if len(images) != len(labels):
        raise DataFileError(f"{folder / images_name} has {len(images)} images but "
                            f"{folder / labels_name} has {len(labels)} labels; delete both "
                            "and run again")
    split = "training" if train else "test"
    if len(labels) != _EXAMPLES[train]:
        raise DataFileError(f"{folder / labels_name} holds {len(labels)} examples, but "
                            f"Fashion-MNIST's {split} split has {_EXAMPLES[train]} (files of "
                            f"the other split, or of another data set?); delete "
                            f"{folder / images_name} and {folder / labels_name} and run again")
    counts = torch.bincount(labels, minlength=10)
    if len(counts) > 10 or (counts == 0).any():
        bad = (f"a label {len(counts) - 1}" if len(counts) > 10 else
               f"no example of class {int((counts == 0).nonzero()[0])}")
        raise DataFileError(f"{folder / labels_name} has {bad}, but Fashion-MNIST's labels "
                            f"are 0-9, each class present; delete it and run again")
    return images, labels


def _check_standin_fingerprint(path):
    """The stand-in's files are known exactly: compare the gzip trailer (8 bytes)."""
    with open(path, "rb") as f:
        f.seek(-8, os.SEEK_END)
        found = struct.unpack("<II", f.read(8))
    expected = _STANDIN_FINGERPRINTS[path.name]
    if found != expected:
        raise DataFileError(
            f"{path} is not the generated stand-in file of that name (its content is "
            f"{found[1]} bytes with CRC-32 {found[0]:08x}, not {expected[1]} bytes with "
            f"{expected[0]:08x}): swapped with another file or edited; delete it and run "
            "again to generate it anew")


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
        for start in range(0, n, self.batch_size):
            index = order[start:start + self.batch_size] if self.shuffle else slice(
                start, start + self.batch_size)
            yield (_to_float(self.dataset.images[index], self.dataset.resize),
                   self.dataset.labels[index])


def _check_batch_size(batch_size):
    """Return ``batch_size`` as an int: numpy ints and 0-d integer tensors are accepted."""
    return positive_int(batch_size, "batch_size", 256)


def load_data_fashion_mnist(batch_size, resize=None, root=None, device=None):
    """Return ``(train_iter, test_iter)`` over Fashion-MNIST (book section 3.5).

    Same signature and batches as the book (``X`` float32 in [0, 1] shaped
    ``(B, 1, 28, 28)`` or resized, ``y`` int64; training data shuffled), but decoded
    once and cut from memory: no PIL, no worker processes. Offline it falls back to a
    generated stand-in and prints a one-line notice saying so (once per process). ``resize`` is done on
    tensors (bilinear, antialiased), so it can differ from PIL by one grey level.
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
    root = _data_root(root)
    setting = _source_setting()
    if setting == "standin":
        return "Fashion-MNIST: offline stand-in (D2L_FASHION_MNIST=standin)"
    if _real_files_ok(root):
        return f"Fashion-MNIST: real data (D2L_FASHION_MNIST={setting})"
    return (f"Fashion-MNIST: real data, downloaded on first use (D2L_FASHION_MNIST={setting}"
            + (", else the offline stand-in)" if setting == "auto" else ")"))
