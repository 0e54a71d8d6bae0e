"""The data layer: where files come from, what batches look like, and every failure."""
import gzip
import hashlib
import math
import os
import re
import shutil
import stat
import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch
from torchvision.datasets import FashionMNIST
from torchvision.transforms import ToTensor

import d2l_helpers as d2l
from d2l_helpers import data, datafiles
from d2l_helpers.idx import DataFileError, write_idx_gz


@pytest.fixture
def standin_raw(standin_dir):
    return standin_dir / data.STANDIN_FOLDER / "raw"


@pytest.fixture
def loaders(standin_dir):
    return d2l.load_data_fashion_mnist(256, root=standin_dir)


# --- batches ------------------------------------------------------------------------

def test_batches_look_like_the_books_dataloader(loaders):
    train_iter, test_iter = loaders
    assert (len(train_iter), len(test_iter)) == (math.ceil(60000 / 256), math.ceil(10000 / 256))
    X, y = next(iter(train_iter))
    assert X.shape == (256, 1, 28, 28) and X.dtype == torch.float32
    assert y.shape == (256,) and y.dtype == torch.int64
    assert 0.0 <= float(X.min()) and float(X.max()) <= 1.0
    sizes = [len(y) for _, y in test_iter]
    assert sizes[:-1] == [256] * 39 and sizes[-1] == 10000 - 39 * 256
    assert len(train_iter.dataset) == 60000 and len(test_iter.dataset) == 10000


@pytest.fixture
def torchvision_copy(standin_raw, tmp_path):
    """The same files, extracted where torchvision's own FashionMNIST reads them."""
    raw = tmp_path / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for path in standin_raw.glob("*.gz"):
        (raw / path.stem).write_bytes(gzip.decompress(path.read_bytes()))
    return tmp_path


def test_batches_equal_torchvision_totensor_pixel_for_pixel(loaders, torchvision_copy):
    train_iter, test_iter = loaders
    reference = FashionMNIST(torchvision_copy, train=False, transform=ToTensor())
    book_batches = torch.utils.data.DataLoader(reference, 256, shuffle=False)
    for (X, y), (X_book, y_book) in zip(test_iter, book_batches, strict=True):
        assert torch.equal(X, X_book) and torch.equal(y, y_book)
    train_reference = FashionMNIST(torchvision_copy, train=True, transform=ToTensor())
    torch.manual_seed(5)
    order = torch.randperm(60000)[:256]
    torch.manual_seed(5)
    X, y = next(iter(train_iter))
    assert torch.equal(X, torch.stack([train_reference[int(i)][0] for i in order]))
    assert y.tolist() == [train_reference[int(i)][1] for i in order]
    assert torch.equal(train_iter.dataset[7][0], train_reference[7][0])


def test_shuffling_is_reproducible_and_fresh_each_epoch(loaders):
    train_iter, _ = loaders
    torch.manual_seed(0)
    first, second = next(iter(train_iter))[1], next(iter(train_iter))[1]
    torch.manual_seed(0)
    assert torch.equal(next(iter(train_iter))[1], first)
    assert not torch.equal(first, second)


@pytest.mark.parametrize("resize, shape", [(64, (64, 64)), ((32, 40), (32, 40))])
def test_resize(standin_dir, resize, shape):
    _, test_iter = d2l.load_data_fashion_mnist(10, resize=resize, root=standin_dir)
    X, _ = next(iter(test_iter))
    assert X.shape == (10, 1, *shape) and 0 <= float(X.min()) and float(X.max()) <= 1


@pytest.mark.parametrize("batch_size, error, words", [
    (0, ValueError, "use a positive whole number such as 256"),
    (-5, ValueError, "use a positive whole number such as 256"),
    (2.5, TypeError, "is a float, not a whole number"),
    (256.0, TypeError, "is a float, not a whole number"),
    (True, TypeError, "is a bool"),
    ("256", TypeError, "is a str, not a whole number"),
    (None, TypeError, "is a NoneType, not a whole number"),
    (torch.tensor(2.5), TypeError, "tensor of dtype torch.float32 and shape ()"),
    (torch.tensor(True), TypeError, "is a bool"),
])
def test_bad_batch_size(standin_dir, batch_size, error, words):
    expected = re.escape(f"batch_size={batch_size!r}") + ".*" + re.escape(words)
    with pytest.raises(error, match=expected):
        d2l.load_data_fashion_mnist(batch_size, root=standin_dir)


@pytest.mark.parametrize("batch_size", [np.int64(100), np.int32(100), torch.tensor(100)])
def test_integral_batch_sizes_of_numpy_and_torch_are_accepted(standin_dir, batch_size):
    train_iter, test_iter = d2l.load_data_fashion_mnist(batch_size, root=standin_dir)
    assert type(train_iter.batch_size) is int and len(test_iter) == 100
    assert next(iter(test_iter))[0].shape == (100, 1, 28, 28)


@pytest.mark.parametrize("resize, error", [(0, ValueError), (-1, ValueError),
                                           ((28, 28, 3), ValueError),
                                           ((), ValueError), ("64", TypeError), (2.0, TypeError),
                                           ((10, False), TypeError)])
def test_bad_resize(standin_dir, resize, error):
    expected = re.escape(f"resize={resize!r}: use None, a positive whole number")
    with pytest.raises(error, match=expected):
        d2l.load_data_fashion_mnist(8, resize=resize, root=standin_dir)


def test_resize_accepts_numpy_ints(standin_dir):
    _, test_iter = d2l.load_data_fashion_mnist(4, resize=(np.int64(14), 12), root=standin_dir)
    assert next(iter(test_iter))[0].shape == (4, 1, 14, 12)


def test_resize_too_big_for_memory_is_refused_before_loading(standin_dir, monkeypatch):
    monkeypatch.setattr(data, "_memory_bytes", lambda: 24 * 2**30)
    monkeypatch.setattr(data, "_load_split", lambda *a: pytest.fail("loaded data"))
    with pytest.raises(ValueError) as info:
        d2l.load_data_fashion_mnist(256, resize=20000, root=standin_dir)
    message = str(info.value)
    assert "resize=20000 with batch_size=256" in message
    assert "256 x 1 x 20000 x 20000 float32 values = 409.6 GB" in message
    assert "a quarter of this machine's 25.8 GB" in message and "(6.4 GB)" in message
    assert "use a smaller resize (the book uses 64 or 224) or a smaller batch_size" in message


def test_book_resizes_fit(standin_dir, monkeypatch):
    monkeypatch.setattr(data, "_memory_bytes", lambda: 4 * 2**30)  # a small laptop
    for batch_size, resize in [(32, 64), (128, 224), (256, (224, 224))]:
        data._check_batch_memory(batch_size, data._check_resize(resize), resize)


def test_each_split_is_decoded_once(standin_dir, monkeypatch):
    d2l.load_data_fashion_mnist(8, root=standin_dir)
    calls = []
    original = datafiles.read_idx_gz
    monkeypatch.setattr(datafiles, "read_idx_gz", lambda *a: calls.append(a) or original(*a))
    d2l.load_data_fashion_mnist(64, root=standin_dir)
    assert calls == []


# --- where the files come from ------------------------------------------------------

def test_root_argument_then_environment_then_repository(monkeypatch, tmp_path):
    monkeypatch.delenv("D2L_DATA_DIR", raising=False)
    assert data.default_data_dir() == Path(datafiles.__file__).resolve().parent.parent / "data"
    monkeypatch.setenv("D2L_DATA_DIR", str(tmp_path / "env"))
    assert data.default_data_dir() == tmp_path / "env"
    folder, kind, _ = data.fashion_mnist_files(tmp_path / "arg")
    assert folder == tmp_path / "arg" / data.STANDIN_FOLDER / "raw" and kind == "standin"
    assert not (tmp_path / "env").exists()


def test_an_installed_copy_keeps_its_data_out_of_site_packages(monkeypatch, tmp_path):
    monkeypatch.delenv("D2L_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    installed = tmp_path / "lib" / "python3.11" / "site-packages" / "d2l_helpers"
    installed.mkdir(parents=True)
    where = data.default_data_dir(installed)
    assert where == tmp_path / "cache" / "d2l-helpers" / "data"
    assert "site-packages" not in str(where)


def test_standin_notice_says_why_and_how_to_get_the_real_data(standin_dir, capsys, monkeypatch):
    monkeypatch.setattr(data, "_notices_shown", set())
    d2l.load_data_fashion_mnist(8, root=standin_dir)
    d2l.load_data_fashion_mnist(16, root=standin_dir)
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1  # once, not on every load
    assert "offline stand-in" in out[0] and "because D2L_FASHION_MNIST=standin" in out[0]
    assert "D2L_FASHION_MNIST_MIRROR" in out[0] and "FashionMNIST/raw" in out[0]


def test_unknown_source_setting(monkeypatch, tmp_path):
    monkeypatch.setenv("D2L_FASHION_MNIST", "fake")
    with pytest.raises(ValueError, match="D2L_FASHION_MNIST='fake'"):
        data.fashion_mnist_files(tmp_path)


def test_unwritable_data_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("D2L_FASHION_MNIST", "standin")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(PermissionError, match="cannot create the data folder .*D2L_DATA_DIR"):
        data.fashion_mnist_files(blocker / "data")


@pytest.fixture(autouse=True)
def fresh_download_memory(monkeypatch):
    monkeypatch.setattr(datafiles, "_failed_downloads", {})


@pytest.fixture
def real_files(standin_raw, monkeypatch):
    """Pretend the stand-in files are the real ones: torchvision's checksums for them, and
    official mirrors that refuse connections (as offline)."""
    files = {path.name: path.read_bytes() for path in standin_raw.glob("*.gz")}

    class OfflineFashionMNIST(FashionMNIST):
        mirrors = ["http://127.0.0.1:9/"]  # the discard port: refused
        resources = [(name, hashlib.md5(files[name]).hexdigest())
                     for name, _ in FashionMNIST.resources]

    monkeypatch.setattr(datafiles, "FashionMNIST", OfflineFashionMNIST)
    monkeypatch.delenv("D2L_FASHION_MNIST_MIRROR", raising=False)
    return files


@pytest.fixture
def mirror(real_files, serve):
    """A Fashion-MNIST mirror on 127.0.0.1 (conftest's LocalServer), optionally cut off."""
    return lambda cut_off=False: serve(real_files, cut_off)


def test_auto_offline_falls_back_with_the_download_error(real_files, tmp_path, monkeypatch):
    monkeypatch.setenv("D2L_FASHION_MNIST", "auto")
    folder, kind, notice = data.fashion_mnist_files(tmp_path, timeout=5)
    assert kind == "standin" and folder.parent.name == data.STANDIN_FOLDER
    assert "because the download failed (" in notice and "127.0.0.1:9" in notice
    assert not any((tmp_path / "FashionMNIST" / "raw").iterdir())


def test_auto_does_not_retry_a_failed_download_in_the_same_process(real_files, mirror, tmp_path,
                                                                  monkeypatch):
    server = mirror(cut_off=True)
    monkeypatch.setenv("D2L_FASHION_MNIST", "auto")
    monkeypatch.setenv("D2L_FASHION_MNIST_MIRROR", server.url)
    first = data.fashion_mnist_files(tmp_path, timeout=5)
    asked = len(server.requests)
    second = data.fashion_mnist_files(tmp_path, timeout=5)
    assert asked >= 1 and len(server.requests) == asked  # not asked again
    assert first == second and second[1] == "standin"
    monkeypatch.setenv("D2L_FASHION_MNIST", "real")  # 'real' always tries, and fails clearly
    with pytest.raises(RuntimeError, match="D2L_FASHION_MNIST=real"):
        data.fashion_mnist_files(tmp_path, timeout=5)
    assert len(server.requests) > asked


def test_real_mode_fails_clearly_when_offline(real_files, tmp_path, monkeypatch):
    monkeypatch.setenv("D2L_FASHION_MNIST", "real")
    with pytest.raises(RuntimeError, match=r"D2L_FASHION_MNIST=real.*FashionMNIST/raw"):
        data.fashion_mnist_files(tmp_path, timeout=5)
    assert not (tmp_path / data.STANDIN_FOLDER).exists()


def test_download_from_a_mirror_with_checksums(real_files, mirror, tmp_path, monkeypatch, capsys):
    server = mirror()
    monkeypatch.setenv("D2L_FASHION_MNIST", "real")
    monkeypatch.setenv("D2L_FASHION_MNIST_MIRROR", server.url)
    train_iter, _ = d2l.load_data_fashion_mnist(16, root=tmp_path)
    raw = tmp_path / "FashionMNIST" / "raw"
    assert sorted(p.name for p in raw.iterdir()) == sorted(real_files)
    assert capsys.readouterr().out == ""  # the real data needs no notice
    assert len(train_iter.dataset) == 60000
    server.requests.clear()
    assert data.fashion_mnist_files(tmp_path)[1] == "real" and server.requests == []


def test_interrupted_download_leaves_nothing_that_loads(real_files, mirror, tmp_path,
                                                         monkeypatch):
    server = mirror(cut_off=True)
    monkeypatch.setenv("D2L_FASHION_MNIST", "auto")
    monkeypatch.setenv("D2L_FASHION_MNIST_MIRROR", server.url)
    folder, kind, notice = data.fashion_mnist_files(tmp_path, timeout=5)
    assert server.requests and kind == "standin" and "download failed" in notice
    assert list((tmp_path / "FashionMNIST" / "raw").iterdir()) == []  # no partial file, no staging


def test_files_dropped_in_by_hand_are_used_offline(real_files, tmp_path, monkeypatch):
    raw = tmp_path / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for name, body in real_files.items():
        (raw / name).write_bytes(body)
    monkeypatch.setenv("D2L_FASHION_MNIST", "real")
    assert data.fashion_mnist_files(tmp_path, timeout=5) == (raw, "real", None)
    assert data.data_source(tmp_path) == "Fashion-MNIST: real data (D2L_FASHION_MNIST=real)"


def test_corrupt_real_file_is_named_with_the_fix(real_files, tmp_path, monkeypatch):
    raw = tmp_path / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for name, body in real_files.items():
        (raw / name).write_bytes(body)
    (raw / "t10k-labels-idx1-ubyte.gz").write_bytes(b"\x1f\x8b truncated")
    monkeypatch.setenv("D2L_FASHION_MNIST", "real")
    with pytest.raises(RuntimeError, match=r"t10k-labels-idx1-ubyte.gz fails its checksum.*delete"):
        data.fashion_mnist_files(tmp_path, timeout=5)


def test_truncated_standin_file_is_named_with_the_fix(standin_raw, tmp_path, monkeypatch):
    copy = tmp_path / data.STANDIN_FOLDER / "raw"
    shutil.copytree(standin_raw, copy)
    target = copy / "t10k-images-idx3-ubyte.gz"
    target.write_bytes(target.read_bytes()[:5000])
    monkeypatch.setenv("D2L_FASHION_MNIST", "standin")
    with pytest.raises(DataFileError, match=r"t10k-images-idx3-ubyte.gz is truncated.*delete"):
        d2l.load_data_fashion_mnist(8, root=tmp_path)


def test_data_source_describes_without_downloading(tmp_path, monkeypatch):
    monkeypatch.setenv("D2L_FASHION_MNIST", "standin")
    expected = "Fashion-MNIST: offline stand-in (D2L_FASHION_MNIST=standin)"
    assert data.data_source(tmp_path) == expected
    monkeypatch.setenv("D2L_FASHION_MNIST", "auto")
    assert "downloaded on first use" in data.data_source(tmp_path)
    assert "else the offline stand-in" in data.data_source(tmp_path)
    assert not any(tmp_path.iterdir())


# --- small helpers ------------------------------------------------------------------

def test_text_labels():
    assert d2l.get_fashion_mnist_labels(torch.tensor([0, 9, 6])) == ["t-shirt", "ankle boot",
                                                                      "shirt"]


def test_dataloader_workers_is_a_setting_capped_by_cpus(monkeypatch):
    monkeypatch.setattr(data.os, "cpu_count", lambda: 2)
    monkeypatch.delenv("D2L_NUM_WORKERS", raising=False)
    assert d2l.get_dataloader_workers() == 2
    monkeypatch.setenv("D2L_NUM_WORKERS", "0")
    assert d2l.get_dataloader_workers() == 0


# --- files that are wrong, shared or read-only ---------------------------------------

@pytest.fixture
def standin_copy(standin_raw, tmp_path, monkeypatch):
    """A private copy of the stand-in files: (root, raw folder)."""
    monkeypatch.setenv("D2L_FASHION_MNIST", "standin")
    raw = tmp_path / data.STANDIN_FOLDER / "raw"
    shutil.copytree(standin_raw, raw)
    return tmp_path, raw


def test_standin_files_swapped_train_and_test_are_named_with_the_fix(standin_copy):
    root, raw = standin_copy
    for kind in ("images-idx3", "labels-idx1"):
        train, test = raw / f"train-{kind}-ubyte.gz", raw / f"t10k-{kind}-ubyte.gz"
        train.rename(raw / "swap")
        test.rename(train)
        (raw / "swap").rename(test)
    with pytest.raises(DataFileError, match=r"train-images-idx3-ubyte.gz is not the generated "
                       r"stand-in file .*7840016 bytes.*delete it and run again"):
        d2l.load_data_fashion_mnist(64, root=root)


@pytest.mark.parametrize("label", [200, 0])
def test_standin_label_file_of_valid_format_but_wrong_labels(standin_copy, label):
    root, raw = standin_copy
    write_idx_gz(raw / "train-labels-idx1-ubyte.gz", np.full(60000, label, dtype=np.uint8))
    with pytest.raises(DataFileError, match=r"train-labels-idx1-ubyte.gz is not the generated "
                       r"stand-in file.*delete it and run again"):
        d2l.load_data_fashion_mnist(64, root=root)


def test_a_fixed_file_loads_again_without_restarting(standin_copy):
    root, raw = standin_copy
    good = (raw / "t10k-labels-idx1-ubyte.gz").read_bytes()
    write_idx_gz(raw / "t10k-labels-idx1-ubyte.gz", np.zeros(10000, dtype=np.uint8))
    with pytest.raises(DataFileError):
        d2l.load_data_fashion_mnist(64, root=root)
    (raw / "t10k-labels-idx1-ubyte.gz").unlink()  # the fix the message gives
    d2l.load_data_fashion_mnist(64, root=root)
    assert (raw / "t10k-labels-idx1-ubyte.gz").read_bytes() == good


@pytest.fixture
def other_data(standin_raw, tmp_path):
    """Files in the place of the real data (checked by count and labels, not by bytes)."""
    raw = tmp_path / "FashionMNIST" / "raw"
    shutil.copytree(standin_raw, raw)
    return raw


@pytest.mark.parametrize("labels, words", [
    (np.full(10000, 200), "has a label 200, but Fashion-MNIST's labels are 0-9"),
    (np.zeros(10000), "has no example of class 1, but Fashion-MNIST's labels are 0-9"),
])
def test_any_data_needs_labels_0_to_9(other_data, labels, words):
    write_idx_gz(other_data / "t10k-labels-idx1-ubyte.gz", labels.astype(np.uint8))
    with pytest.raises(DataFileError, match=rf"t10k-labels-idx1-ubyte.gz {words}.*delete it"):
        data._load_split(other_data, False)


def test_any_data_needs_the_splits_number_of_examples(other_data):
    for kind in ("images-idx3", "labels-idx1"):  # the test split's files under the train names
        shutil.copy(other_data / f"t10k-{kind}-ubyte.gz", other_data / f"train-{kind}-ubyte.gz")
    with pytest.raises(DataFileError, match=r"train-labels-idx1-ubyte.gz holds 10000 examples, "
                       r"but Fashion-MNIST's training split has 60000.*delete .*and run again"):
        data._load_split(other_data, True)


def test_recorded_fingerprints_are_those_of_freshly_generated_files(standin_raw):
    for name, (crc, size) in datafiles._STANDIN_FINGERPRINTS.items():
        content = gzip.decompress((standin_raw / name).read_bytes())
        assert (zlib.crc32(content), len(content)) == (crc, size), name


@pytest.fixture
def read_only(standin_copy, monkeypatch):
    """The stand-in's folder made read-only; every way of writing into it fails the test.

    (chmod alone does not stop root, so the writes are intercepted too.)"""
    root, raw = standin_copy
    monkeypatch.setattr(datafiles.os, "access", lambda path, mode: mode != os.W_OK)
    monkeypatch.setattr(datafiles, "write_idx_gz", lambda *a: pytest.fail("wrote a data file"))
    monkeypatch.setattr(datafiles.tempfile, "mkdtemp", lambda **k: pytest.fail("made a folder"))
    for path in [*raw.iterdir(), raw, raw.parent, root]:
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    yield root
    for path in [root, raw.parent, raw, *raw.iterdir()]:
        path.chmod(path.stat().st_mode | stat.S_IWUSR)


def test_read_only_folder_with_complete_standin_loads(read_only, monkeypatch):
    before = {p: p.stat().st_mtime_ns for p in read_only.rglob("*")}
    train_iter, test_iter = d2l.load_data_fashion_mnist(256, root=read_only)
    assert len(train_iter.dataset) == 60000 and len(test_iter.dataset) == 10000
    monkeypatch.setenv("D2L_FASHION_MNIST", "auto")  # the default: the real data cannot come
    folder, kind, notice = data.fashion_mnist_files(read_only)
    assert kind == "standin" and "the real data cannot be downloaded here" in notice
    assert "not writable" in notice
    assert {p: p.stat().st_mtime_ns for p in read_only.rglob("*") if p.name != "FashionMNIST"
            and p.parent.name != "FashionMNIST"} == before


def test_read_only_folder_without_the_data_still_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("D2L_FASHION_MNIST", "standin")
    monkeypatch.setattr(datafiles.os, "access", lambda path, mode: mode != os.W_OK)
    with pytest.raises(PermissionError, match="is not writable; pass root= or set D2L_DATA_DIR"):
        data.fashion_mnist_files(tmp_path)


@pytest.mark.parametrize("root", ["", "  "])
def test_empty_root_is_refused_and_writes_nothing(root, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("D2L_FASHION_MNIST", "standin")
    for call in (lambda: d2l.load_data_fashion_mnist(256, root=root),
                 lambda: data.data_source(root)):
        with pytest.raises(ValueError, match=rf"root={root!r} would put the data files .*into "
                           r"the current folder; leave root out .*root='\.\./data'"):
            call()
    assert list(tmp_path.iterdir()) == []


CONCURRENT_WRITER = """
import os, sys, time
from pathlib import Path
from d2l_helpers import datafiles, idx
root, me = Path(sys.argv[1]), sys.argv[2]
datafiles._STANDIN_SPLITS = {True: (30, 20231), False: (5, 20232)}  # small files, same code path
real_replace = os.replace

def replace_once_both_have_written(src, dst):  # the race made certain: rename together
    name = Path(dst).name
    (root / f"ready-{me}-{name}").touch()
    deadline = time.time() + 30
    while len(list(root.glob(f"ready-*-{name}"))) < 2 and time.time() < deadline:
        time.sleep(0.01)
    real_replace(src, dst)

idx.os.replace = replace_once_both_have_written
print(datafiles.fashion_mnist_files(root)[1])
"""


def test_two_processes_generating_the_standin_at_once_both_succeed(tmp_path):
    env = {**os.environ, "D2L_FASHION_MNIST": "standin"}
    processes = [subprocess.Popen([sys.executable, "-c", CONCURRENT_WRITER, str(tmp_path), me],
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for me in ("a", "b")]
    results = [p.communicate(timeout=240) + (p.returncode,) for p in processes]
    for out, err, code in results:
        assert code == 0 and out.strip() == "standin", err[-2000:]
    ready = sorted(p.name for p in tmp_path.glob("ready-*"))
    assert len(ready) == 8  # both processes wrote all four files, and met before renaming
    raw = tmp_path / data.STANDIN_FOLDER / "raw"
    assert sorted(p.name for p in raw.iterdir()) == sorted(datafiles._STANDIN_FINGERPRINTS)
    images, labels = datafiles.standin.generate(30, 20231)
    assert np.array_equal(datafiles.read_idx_gz(raw / "train-images-idx3-ubyte.gz", 3), images)
    assert np.array_equal(datafiles.read_idx_gz(raw / "train-labels-idx1-ubyte.gz", 1), labels)


def test_leftovers_of_long_dead_writers_are_removed(tmp_path, monkeypatch):
    monkeypatch.setattr(datafiles, "_STANDIN_SPLITS", {True: (3, 1), False: (1, 2)})
    monkeypatch.setenv("D2L_FASHION_MNIST", "standin")
    raw = tmp_path / data.STANDIN_FOLDER / "raw"
    raw.mkdir(parents=True)
    old = raw / "train-images-idx3-ubyte.gz.x1.part"
    fresh = raw / "t10k-images-idx3-ubyte.gz.x2.part"
    old.write_bytes(b"killed an hour ago")
    fresh.write_bytes(b"another process, writing now")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    data.fashion_mnist_files(tmp_path)
    assert not old.exists() and fresh.exists()


def test_what_a_killed_kernel_left_while_writing_is_removed_at_once(tmp_path, monkeypatch):
    """A kernel killed while writing leaves a .part file named after its process id."""
    import subprocess
    import sys

    monkeypatch.setattr(datafiles, "_STANDIN_SPLITS", {True: (3, 1), False: (1, 2)})
    monkeypatch.setenv("D2L_FASHION_MNIST", "standin")
    raw = tmp_path / data.STANDIN_FOLDER / "raw"
    raw.mkdir(parents=True)
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)
    dead = raw / f"train-images-idx3-ubyte.gz.{finished.stdout.strip()}.abc123.part"
    alive = raw / f"t10k-images-idx3-ubyte.gz.{os.getpid()}.def456.part"
    dead.write_bytes(b"")  # an empty file: the kernel died right after creating it
    alive.write_bytes(b"this process, writing now")
    data.fashion_mnist_files(tmp_path)
    assert not dead.exists() and alive.exists()


# --- labels and workers --------------------------------------------------------------

@pytest.mark.parametrize("labels, error, words", [
    ([-1], ValueError, "label 0 is -1; Fashion-MNIST's classes are the whole numbers 0"),
    ([2.7], ValueError, "label 0 is 2.7; .*y_hat.argmax"),
    (torch.tensor([3, 10]), ValueError, "label 1 is 10;"),
    (np.array([0.5]), ValueError, "label 0 is 0.5;"),
    ([True], TypeError, "label 0 is True, not a number"),
    (["3"], TypeError, "label 0 is '3', not a number"),
    (torch.zeros(2, 3, dtype=torch.long), TypeError,
     r"label 0 is \[0, 0, 0\], not a number; pass a 1-D"),
    (torch.tensor(3), TypeError, r"labels=tensor\(3\) is a single value; pass a sequence"),
    (7, TypeError, r"labels=7 is a single value; pass a sequence of labels, e.g. \[3\]"),
])
def test_text_labels_refuse_what_is_not_a_class_number(labels, error, words):
    with pytest.raises(error, match=words):
        d2l.get_fashion_mnist_labels(labels)


def test_text_labels_of_every_kind_of_sequence():
    expected = ["pullover", "ankle boot"]
    for labels in ([2, 9], (2, 9), np.array([2, 9]), torch.tensor([2.0, 9.0]), [np.int64(2), 9],
                   [torch.tensor(2), torch.tensor(9)], iter([2, 9])):
        assert d2l.get_fashion_mnist_labels(labels) == expected


@pytest.mark.parametrize("setting, words", [
    ("-3", "D2L_NUM_WORKERS=-3: use 0 or a positive whole number"),
    ("four", "D2L_NUM_WORKERS='four' is not a whole number; use 0"),
    ("", "D2L_NUM_WORKERS='' is not a whole number"),
])
def test_bad_worker_setting_is_named(setting, words, monkeypatch):
    monkeypatch.setenv("D2L_NUM_WORKERS", setting)
    with pytest.raises(ValueError, match=re.escape(words)):
        d2l.get_dataloader_workers()


def test_bad_default_worker_count_is_named(monkeypatch):
    monkeypatch.delenv("D2L_NUM_WORKERS", raising=False)
    with pytest.raises(ValueError, match="default=-1: use 0"):
        d2l.get_dataloader_workers(-1)


@pytest.mark.parametrize("root", [5, ["data"], b"data"])
def test_a_root_that_is_not_a_path_is_a_type_error(root):
    with pytest.raises(TypeError, match="not a folder: pass a path such as '../data'"):
        d2l.load_data_fashion_mnist(256, root=root)
