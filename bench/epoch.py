"""Seconds per training epoch of the book's scratch MLP (section 4.2), three ways, same files.

(a) the book's pipeline: torchvision FashionMNIST + ToTensor + DataLoader with workers
(b) ours: d2l_helpers.load_data_fashion_mnist (decoded once, batches cut from memory)
(c) pure compute: the same training loop over batches built before the clock starts

Prints each time and the ratios a/b (goal: at least 5) and b/c (goal: at most 1.2).
Run: `make bench`, or `python bench/epoch.py --epochs 3`.
"""
import argparse
import gzip
import statistics
import tempfile
import time
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import DataLoader
from torchvision.datasets import FashionMNIST
from torchvision.transforms import ToTensor

import d2l_helpers as d2l
from d2l_helpers.data import fashion_mnist_files


def scratch_mlp():
    torch.manual_seed(0)
    W1 = nn.Parameter(torch.randn(784, 256) * 0.01)
    b1 = nn.Parameter(torch.zeros(256))
    W2 = nn.Parameter(torch.randn(256, 10) * 0.01)
    b2 = nn.Parameter(torch.zeros(10))
    params = [W1, b1, W2, b2]
    return (lambda X: torch.relu(X.reshape(-1, 784) @ W1 + b1) @ W2 + b2), params


def seconds_per_epoch(batches, epochs):
    """Median wall time of one training epoch over ``batches`` (after one warm-up epoch)."""
    net, params = scratch_mlp()
    loss = nn.CrossEntropyLoss(reduction="none")
    updater = torch.optim.SGD(params, lr=0.1)
    times = []
    for epoch in range(epochs + 1):
        started = time.perf_counter()
        d2l.train_epoch_ch3(net, batches, loss, updater)
        if epoch:  # the first epoch starts worker processes and warms caches
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def books_loader(folder, batch_size, workers):
    """The book's load_data_fashion_mnist, reading the same files through torchvision."""
    root = Path(tempfile.mkdtemp(prefix="d2l-bench-"))
    raw = root / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for path in Path(folder).glob("*.gz"):  # torchvision reads the extracted files
        (raw / path.stem).write_bytes(gzip.decompress(path.read_bytes()))
    dataset = FashionMNIST(root, train=True, transform=ToTensor())
    return DataLoader(dataset, batch_size, shuffle=True, num_workers=workers,
                      persistent_workers=workers > 0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs per pipeline")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--workers", type=int, default=4, help="the book's DataLoader workers")
    args = parser.parse_args()

    folder, kind, _ = fashion_mnist_files()
    print(f"data: {kind} files in {folder}; torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads; batch {args.batch_size}; "
          f"median of {args.epochs} epochs after one warm-up")
    ours, _ = d2l.load_data_fashion_mnist(args.batch_size)
    prebuilt = list(ours)
    results = {
        "(a) book: torchvision + ToTensor + DataLoader": seconds_per_epoch(
            books_loader(folder, args.batch_size, args.workers), args.epochs),
        "(b) ours: d2l_helpers in-memory batches": seconds_per_epoch(ours, args.epochs),
        "(c) pure compute over pre-built batches": seconds_per_epoch(prebuilt, args.epochs),
    }
    for name, seconds in results.items():
        print(f"{name:<48} {seconds:7.2f} s/epoch")
    a, b, c = results.values()
    print(f"a/b = {a / b:.1f}x faster than the book (goal >= 5)")
    print(f"b/c = {b / c:.2f} of pure compute (goal <= 1.2)")


if __name__ == "__main__":
    main()
