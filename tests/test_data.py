"""The data layer: where files come from, what batches look like, and every failure."""
import gzip
import hashlib
import http.server
import math
import shutil
import threading

import pytest
import torch
from torchvision.datasets import FashionMNIST
from torchvision.transforms import ToTensor

import d2l_helpers as d2l
from d2l_helpers import data
from d2l_helpers.idx import DataFileError


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


@pytest.mark.parametrize("batch_size", [0, -5, 2.5, True, "256", None])
def test_bad_batch_size(standin_dir, batch_size):
    with pytest.raises(ValueError, match=f"batch_size={batch_size!r}"):
        d2l.load_data_fashion_mnist(batch_size, root=standin_dir)


@pytest.mark.parametrize("resize", [0, -1, (28, 28, 3), (), "64", 2.0, (10, False)])
def test_bad_resize(standin_dir, resize):
    with pytest.raises(ValueError, match="resize="):
        d2l.load_data_fashion_mnist(8, resize=resize, root=standin_dir)


def test_each_split_is_decoded_once(standin_dir, monkeypatch):
    d2l.load_data_fashion_mnist(8, root=standin_dir)
    calls = []
    original = data.read_idx_gz
    monkeypatch.setattr(data, "read_idx_gz", lambda *a: calls.append(a) or original(*a))
    d2l.load_data_fashion_mnist(64, root=standin_dir)
    assert calls == []


# --- where the files come from ------------------------------------------------------

def test_root_argument_then_environment_then_repository(monkeypatch, tmp_path):
    monkeypatch.delenv("D2L_DATA_DIR", raising=False)
    assert data.default_data_dir() == data.Path(data.__file__).resolve().parent.parent / "data"
    monkeypatch.setenv("D2L_DATA_DIR", str(tmp_path / "env"))
    assert data.default_data_dir() == tmp_path / "env"
    folder, kind, _ = data.fashion_mnist_files(tmp_path / "arg")
    assert folder == tmp_path / "arg" / data.STANDIN_FOLDER / "raw" and kind == "standin"
    assert not (tmp_path / "env").exists()


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


class Mirror:
    """A Fashion-MNIST mirror on 127.0.0.1 serving given files, optionally cut off half-way."""

    def __init__(self, files, cut_off=False):
        mirror = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                name = self.path.rsplit("/", 1)[-1]
                body = files.get(name)
                mirror.requests.append(name)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[:len(body) // 2] if cut_off else body)

            def log_message(self, *args):
                pass

        self.requests = []
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(autouse=True)
def fresh_download_memory(monkeypatch):
    monkeypatch.setattr(data, "_failed_downloads", {})


@pytest.fixture
def real_files(standin_raw, monkeypatch):
    """Pretend the stand-in files are the real ones: torchvision's checksums for them, and
    official mirrors that refuse connections (as offline)."""
    files = {path.name: path.read_bytes() for path in standin_raw.glob("*.gz")}

    class OfflineFashionMNIST(FashionMNIST):
        mirrors = ["http://127.0.0.1:9/"]  # the discard port: refused
        resources = [(name, hashlib.md5(files[name]).hexdigest())
                     for name, _ in FashionMNIST.resources]

    monkeypatch.setattr(data, "FashionMNIST", OfflineFashionMNIST)
    monkeypatch.delenv("D2L_FASHION_MNIST_MIRROR", raising=False)
    return files


@pytest.fixture
def mirror(real_files):
    servers = []

    def start(cut_off=False):
        servers.append(Mirror(real_files, cut_off))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


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
    assert data.data_source(tmp_path) == "Fashion-MNIST: offline stand-in (D2L_FASHION_MNIST=standin)"
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
