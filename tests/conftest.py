"""Shared fixtures. The suite never touches the network: data comes from the stand-in."""
import os

import matplotlib
import pytest
import torch

matplotlib.use("Agg")  # this process draws off-screen; notebook kernels keep their inline backend


@pytest.fixture
def blobs():
    """Four well-separated Gaussian blobs in 2-D: (train batches, test batches).

    Lists of (X, y) batches work as data iterators for every helper, and the
    book's train_ch3 assertions hold on them after a couple of epochs.
    """
    generator = torch.Generator().manual_seed(0)
    centers = torch.tensor([[3.0, 3.0], [-3.0, 3.0], [3.0, -3.0], [-3.0, -3.0]])

    def batches(n_batches, batch_size):
        out = []
        for _ in range(n_batches):
            y = torch.randint(0, 4, (batch_size,), generator=generator)
            X = centers[y] + torch.randn(batch_size, 2, generator=generator)
            out.append((X, y))
        return out

    return batches(8, 32), batches(2, 50)


@pytest.fixture(scope="session")
def standin_dir(tmp_path_factory):
    """A data folder holding the full stand-in, generated once per test session."""
    from d2l_helpers.data import fashion_mnist_files

    root = tmp_path_factory.getbasetemp() / "standin-data"
    previous = os.environ.get("D2L_FASHION_MNIST")
    os.environ["D2L_FASHION_MNIST"] = "standin"
    try:
        fashion_mnist_files(root)
    finally:
        if previous is None:
            del os.environ["D2L_FASHION_MNIST"]
        else:
            os.environ["D2L_FASHION_MNIST"] = previous
    return root
