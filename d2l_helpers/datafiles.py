"""Fashion-MNIST's four files: where they come from, and whether they are right.

Where the files live: ``root=``, else ``$D2L_DATA_DIR``, else the repository's
git-ignored ``data/`` folder. Which files: ``$D2L_FASHION_MNIST`` = ``auto``
(default: the real data, downloaded through torchvision's own mirrors and checksums,
else the stand-in), ``real`` (fail if it cannot be had) or ``standin``.
A folder that holds all the files is only read; generating the stand-in is safe while
another process (a second notebook) does the same. Each split is decoded and checked
once per state of its files: 60000/10000 examples with labels 0-9, and the stand-in's
files byte for byte. The loaders built on them are in :mod:`d2l_helpers.data`.
"""
import functools
import os
import shutil
import socket
import struct
import tempfile
from pathlib import Path

import torch
from torchvision.datasets import FashionMNIST
from torchvision.datasets.utils import check_integrity, download_url

from d2l_helpers import standin
from d2l_helpers.idx import DataFileError, read_idx_gz, stale_parts, write_idx_gz

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
_failed_downloads = {}  # root -> reason: a network that times out is not asked again on every load
_HOW_TO_GET_REAL = ("To get the real data, set D2L_FASHION_MNIST_MIRROR to a mirror URL or put "
                    "the four official .gz files into {folder} (README: 'Getting the real "
                    "Fashion-MNIST')")


def _checkout_of(package_dir):
    """The course's checkout that holds ``package_dir``, or None (an installed copy)."""
    parent = Path(package_dir).resolve().parent
    if (parent / "pyproject.toml").is_file() and (parent / "notebooks").is_dir():
        return parent
    return None


def _user_cache_dir():
    """Where a user's downloads go when the package is installed (not a checkout)."""
    if os.name == "nt" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "d2l-helpers" / "data"
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache).expanduser() / "d2l-helpers" / "data"


def default_data_dir(package_dir=None):
    """Where the data lives when no ``root`` is given: ``$D2L_DATA_DIR`` if set, else the
    ``data/`` folder of the course's checkout this package sits in, else (an installed
    copy, e.g. in site-packages, which must hold no data) the user's cache folder
    (``~/.cache/d2l-helpers/data``, ``%LOCALAPPDATA%\\d2l-helpers\\data`` on Windows)."""
    if os.environ.get("D2L_DATA_DIR"):
        return Path(os.environ["D2L_DATA_DIR"]).expanduser()
    checkout = _checkout_of(package_dir or Path(__file__).resolve().parent)
    return checkout / "data" if checkout is not None else _user_cache_dir()


def _data_root(root):
    """``root`` as a Path; ``None`` means :func:`default_data_dir`."""
    if root is None:
        return default_data_dir()
    if not isinstance(root, (str, os.PathLike)):
        raise TypeError(f"root={root!r} is a {type(root).__name__}, not a folder: pass a path such "
                        f"as '../data' (a str or pathlib.Path), or leave root out for the default "
                        f"data folder ({default_data_dir()})")
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
                except Exception as err:  # noqa: BLE001 - refused, timed out, cut off, bad checksum
                    errors.append(f"{mirror}{name}: {err}")
            else:
                raise RuntimeError("; ".join(errors))
    finally:
        socket.setdefaulttimeout(previous_timeout)
        shutil.rmtree(staging, ignore_errors=True)


def _write_standin(folder):
    """Generate the missing stand-in files; safe while another process does the same.

    Each file is written under a name of its own and renamed into place (equal bytes,
    whoever comes last); what a killed writer left behind is removed first.
    """
    for leftover in stale_parts(folder):
        leftover.unlink(missing_ok=True)
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
        except Exception as err:  # noqa: BLE001 - any failure to fetch: offline, proxy, mirror
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
