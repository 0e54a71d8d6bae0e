"""Seconds per training epoch of the book's scratch MLP (section 4.2), three ways, same files.

(a) the book's pipeline: torchvision FashionMNIST + ToTensor + DataLoader with workers
(b) ours: d2l_helpers.load_data_fashion_mnist (decoded once, batches cut from memory)
(c) pure compute: the same training loop over batches built before the clock starts

Prints each time and the ratios a/b (goal: at least 5) and b/c (goal: at most 1.15).

Where CUDA is present, a GPU column follows, same net, same batches, same run:
(d) GPU through the trainer: train_ch3(..., device='cuda') on loader (b), which copies the
    split to the GPU once; its per-epoch ``train_seconds`` (evaluation excluded)
(e) sync-free floor: forward, loss, backward, step over batches already on the GPU, no
    metrics, one torch.cuda.synchronize() per epoch
and the ratios d/e (goal: at most 1.2) and b/d (goal: above 1, the GPU beats this CPU).
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


def gpu_seconds_per_epoch(train_iter, test_iter, epochs):
    """Median ``train_seconds`` of ``train_ch3(..., device='cuda')`` after one warm-up epoch."""
    net, params = scratch_mlp()
    result = d2l.train_ch3(net, train_iter, test_iter, nn.CrossEntropyLoss(reduction="none"),
                           epochs + 1, torch.optim.SGD(params, lr=0.1), device="cuda",
                           animator=None)
    return statistics.median(h["train_seconds"] for h in result.history[1:])


def gpu_floor_seconds_per_epoch(batches, epochs):
    """Median epoch of the bare loop over batches already on the GPU, synced once per epoch."""
    device = torch.device("cuda")
    batches = [(X.to(device), y.to(device)) for X, y in batches]
    net, params = scratch_mlp()
    with torch.no_grad():
        for p in params:
            p.data = p.data.to(device)
    loss = nn.CrossEntropyLoss(reduction="none")
    updater = torch.optim.SGD(params, lr=0.1)
    times = []
    for epoch in range(epochs + 1):
        torch.cuda.synchronize()
        started = time.perf_counter()
        for X, y in batches:
            updater.zero_grad()
            loss(net(X), y).mean().backward()
            updater.step()
        torch.cuda.synchronize()
        if epoch:
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
    parser.add_argument("--no-book", action="store_true",
                        help="skip (a), the book's pipeline (slow; for a quick GPU run)")
    args = parser.parse_args()

    folder, kind, _ = fashion_mnist_files()
    print(f"data: {kind} files in {folder}; torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads; batch {args.batch_size}; "
          f"median of {args.epochs} epochs after one warm-up")
    ours, ours_test = d2l.load_data_fashion_mnist(args.batch_size)
    prebuilt = list(ours)
    results = {}
    if not args.no_book:
        results["(a) book: torchvision + ToTensor + DataLoader"] = seconds_per_epoch(
            books_loader(folder, args.batch_size, args.workers), args.epochs)
    results["(b) ours: d2l_helpers in-memory batches"] = seconds_per_epoch(ours, args.epochs)
    results["(c) pure compute over pre-built batches"] = seconds_per_epoch(prebuilt, args.epochs)
    for name, seconds in results.items():
        print(f"{name:<48} {seconds:7.3f} s/epoch")
    b = results["(b) ours: d2l_helpers in-memory batches"]
    c = results["(c) pure compute over pre-built batches"]
    if not args.no_book:
        a = results["(a) book: torchvision + ToTensor + DataLoader"]
        print(f"a/b = {a / b:.1f}x faster than the book (goal >= 5)")
    print(f"b/c = {b / c:.2f} of pure compute (goal <= 1.15)")
    if not torch.cuda.is_available():
        print("GPU: no CUDA device here, no GPU column")
        return
    print(f"GPU: {torch.cuda.get_device_name()}, same net and batches")
    gpu = {
        "(d) GPU: train_ch3(device='cuda') on loader (b)":
            gpu_seconds_per_epoch(ours, ours_test, args.epochs),
        "(e) GPU sync-free floor, batches already on the GPU":
            gpu_floor_seconds_per_epoch(prebuilt, args.epochs),
    }
    for name, seconds in gpu.items():
        print(f"{name:<48} {seconds:7.3f} s/epoch")
    d, e = gpu.values()
    print(f"d/e = {d / e:.2f} of the sync-free floor (goal <= 1.2)")
    print(f"b/d = {b / d:.2f}x: the GPU against this CPU (goal > 1)")


if __name__ == "__main__":
    main()
