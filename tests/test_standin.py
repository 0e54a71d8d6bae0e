"""The offline stand-in: deterministic, balanced, and calibrated to the chapter's lessons."""
import hashlib

import numpy as np
import pytest
import torch
from torch import nn

import d2l_helpers as d2l
from d2l_helpers import datafiles, standin
from d2l_helpers.datafiles import _STANDIN_SPLITS, STANDIN_FOLDER

# sha256 of the decoded images and labels of each split: the same on every machine.
EXPECTED = {
    True: ("370bc4b355d30f80ab521f6388a1750b8d4c6b53dcab1e9c593c33a349d7cae2",
           "a4222badd554e8862601ab665060c1a6e583f0aaccc0cfed1e2c3320701f04b6"),
    False: ("df1663ff3d525da4d77d33ebe4224535d07cc1577ec70510723d6affaed2bf4b",
            "1808dc53d39ce23478a34ea0ea047515275d9a05434c015c6876dee6c5c21b2a"),
}
TOPS = {0, 2, 4, 6}  # t-shirt, pullover, coat, shirt


def test_generate_is_deterministic_and_balanced():
    a_images, a_labels = standin.generate(50, seed=7)
    b_images, b_labels = standin.generate(50, seed=7)
    assert np.array_equal(a_images, b_images) and np.array_equal(a_labels, b_labels)
    assert a_images.shape == (500, 28, 28) and a_images.dtype == np.uint8
    assert np.bincount(a_labels).tolist() == [50] * 10
    assert a_labels[:20].tolist() != sorted(a_labels[:20].tolist())  # shuffled, not by class
    c_images, _ = standin.generate(50, seed=8)
    assert not np.array_equal(a_images, c_images)


@pytest.mark.parametrize("train", [True, False])
def test_full_split_matches_recorded_bytes(standin_dir, train):
    per_class, _ = _STANDIN_SPLITS[train]
    images, labels = datafiles._load_split(standin_dir / STANDIN_FOLDER / "raw", train)
    assert len(labels) == 10 * per_class
    assert (hashlib.sha256(images.numpy().tobytes()).hexdigest(),
            hashlib.sha256(labels.numpy().astype(np.uint8).tobytes()).hexdigest()
            ) == EXPECTED[train]


def test_files_are_byte_identical_when_generated_again(standin_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("D2L_FASHION_MNIST", "standin")
    datafiles.fashion_mnist_files(tmp_path)
    for path in sorted((standin_dir / STANDIN_FOLDER / "raw").glob("*.gz")):
        assert (tmp_path / STANDIN_FOLDER / "raw" / path.name).read_bytes() == path.read_bytes()


def test_images_vary_in_position_size_and_brightness():
    images, labels = standin.generate(200, seed=3)
    trousers = images[labels == 1].astype(np.float32)
    columns = (trousers > 40).any(axis=1)  # (n, 28) which columns the garment covers
    left = columns.argmax(axis=1)
    width = columns.sum(axis=1)
    assert np.ptp(left) >= 4 and np.ptp(width) >= 3
    brightness = trousers.max(axis=(1, 2))
    assert brightness.min() < 120 and brightness.max() > 200


def test_generate_rejects_bad_sizes():
    with pytest.raises(ValueError, match="per_class"):
        standin.generate(0, seed=1)


def _book_scratch_mlp():
    W1 = nn.Parameter(torch.randn(784, 256, requires_grad=True) * 0.01)
    b1 = nn.Parameter(torch.zeros(256, requires_grad=True))
    W2 = nn.Parameter(torch.randn(256, 10, requires_grad=True) * 0.01)
    b2 = nn.Parameter(torch.zeros(10, requires_grad=True))

    def net(X):
        H = torch.relu(X.reshape((-1, 784)) @ W1 + b1)
        return H @ W2 + b2

    return net, [W1, b1, W2, b2]


def test_calibrated_so_the_chapters_lessons_hold(standin_dir):
    """Book 4.2: scratch MLP, 256 hidden, lr 0.1, 10 epochs, batch 256 vs softmax regression."""
    train_iter, test_iter = d2l.load_data_fashion_mnist(256, root=standin_dir)
    loss = nn.CrossEntropyLoss(reduction="none")
    torch.manual_seed(0)
    net, params = _book_scratch_mlp()
    mlp = d2l.train_ch3(net, train_iter, test_iter, loss, 10,
                        torch.optim.SGD(params, lr=0.1), animator=None)
    torch.manual_seed(0)
    softmax = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    nn.init.normal_(softmax[1].weight, std=0.01)
    linear = d2l.train_ch3(softmax, train_iter, test_iter, loss, 10,
                           torch.optim.SGD(softmax.parameters(), lr=0.1), animator=None)
    assert 0.80 <= mlp.test_acc <= 0.90
    assert linear.test_acc <= mlp.test_acc - 0.03

    confusion = torch.zeros(10, 10, dtype=torch.long)
    with torch.no_grad():
        for X, y in test_iter:
            confusion += torch.bincount(y * 10 + net(X).argmax(dim=1), minlength=100).view(10, 10)
    mixed = confusion + confusion.T
    pairs = sorted(((int(mixed[i, j]), i, j) for i in range(10) for j in range(i + 1, 10)),
                   reverse=True)
    assert all({i, j} <= TOPS for _, i, j in pairs[:3]), pairs[:3]
