"""Fill every exercise starter cell of a lesson with its worked solution.

Usage: python tools/fill_solutions.py notebooks/01_....ipynb OUT.ipynb [--execute]

A starter cell carries the cell metadata {"d2l": {"exercise": "lesson1.q1"}}; its
source is replaced by that exercise's ``solution_code``. With --execute the filled copy
is run top to bottom (offline stand-in), so every check in it should say "正确".
"""
import importlib
import sys
from pathlib import Path

import nbformat


def exercise_for(cell):
    """The Exercise a starter cell belongs to, or None for any other cell."""
    ref = cell.get("metadata", {}).get("d2l", {}).get("exercise")
    if not ref:
        return None
    module_name, name = ref.split(".")
    module = importlib.import_module(f"d2l_helpers.exercises.{module_name}")
    return module.exercises.exercises[name]


def fill(notebook):
    """Replace each starter's source with its solution, in place; return how many."""
    filled = 0
    for cell in notebook.cells:
        exercise = exercise_for(cell)
        if exercise is not None:
            cell.source = exercise.solution_code
            filled += 1
    return filled


def prediction_experiment_cells(notebook):
    """Indices of the code cells between a prediction starter and its ``check`` cell.

    Their stored outputs give the measured answer away, so they are stored collapsed
    (JupyterLab shows them again when the learner runs them).
    """
    indices, pending = [], None
    for index, cell in enumerate(notebook.cells):
        exercise = exercise_for(cell)
        if exercise is not None:
            pending = exercise.name if exercise.is_prediction else None
            continue
        if pending is None or cell.cell_type != "code":
            continue
        if f"ex.{pending}.check(" in cell.source:
            pending = None
        else:
            indices.append(index)
    return indices


def collapse_prediction_outputs(notebook):
    """Mark every prediction-experiment cell's output collapsed, in place; return how many."""
    indices = prediction_experiment_cells(notebook)
    for index in indices:
        notebook.cells[index].metadata.setdefault("jupyter", {})["outputs_hidden"] = True
    return len(indices)


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    source, target = Path(argv[0]), Path(argv[1])
    notebook = nbformat.read(source, as_version=4)
    print(f"{source.name}: {fill(notebook)} starter cells filled")
    nbformat.write(notebook, target)
    if "--execute" in argv:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from run_notebooks import run
        print(f"{target.name}: executed in {run(target.resolve()):.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
