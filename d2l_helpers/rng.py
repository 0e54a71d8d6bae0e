"""Seeding without side effects: every random generator a seed touches is put back.

``torch.manual_seed`` seeds the CPU generator *and every CUDA generator*; restoring
only the CPU one (``torch.random.fork_rng(devices=[])``) leaves the GPU's streams
moved, so later cells on a GPU machine draw other numbers than they would have.
:func:`seeded` forks the CPU generator, each CUDA device's and Python's ``random``,
seeds them all, and restores them all on the way out. Not in the book.
"""
import contextlib
import random

import torch


def _cuda_devices():
    """The CUDA devices whose generators ``torch.manual_seed`` reseeds (none without CUDA)."""
    return list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []


@contextlib.contextmanager
def seeded(seed):
    """Run the block with torch (CPU and CUDA) and ``random`` seeded with ``seed``;
    restore all their states afterwards, even when the block raises."""
    python_state = random.getstate()
    with torch.random.fork_rng(devices=_cuda_devices()):
        try:
            torch.manual_seed(seed)
            random.seed(seed)
            yield
        finally:
            random.setstate(python_state)
