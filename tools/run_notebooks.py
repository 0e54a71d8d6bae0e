"""Execute lessons top to bottom in a fresh kernel and store their outputs in place.

Usage: python tools/run_notebooks.py [notebooks/01_....ipynb ...]   (default: all lessons)
Runs with the offline stand-in (D2L_FASHION_MNIST=standin), as CI does, so the stored
outputs are the ones nbval compares against. Cells tagged raises-exception may fail.
"""
import os
import sys
import time
from pathlib import Path

import nbformat
from exercise_cells import collapse_prediction_outputs
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def run(path):
    notebook = nbformat.read(path, as_version=4)
    collapse_prediction_outputs(notebook)  # a prediction's experiment opens with its answer hidden
    client = NotebookClient(notebook, timeout=600, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(path.parent)}})
    started = time.perf_counter()
    client.execute()
    nbformat.write(notebook, path)
    return time.perf_counter() - started


def main(argv):
    os.environ["D2L_FASHION_MNIST"] = "standin"
    os.environ.pop("MPLBACKEND", None)  # Agg here would remove the inline figures
    paths = [Path(p).resolve() for p in argv] or sorted(NOTEBOOKS.glob("[0-9]*.ipynb"))
    for path in paths:
        print(f"{path.name}: {run(path):.1f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
