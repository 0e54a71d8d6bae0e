"""Which cells of a lesson belong to its exercises (read from their cell metadata).

Used by tools/fill_solutions.py, tools/run_notebooks.py and the notebook tests.
"""
import importlib
import json
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def exercise_for(cell):
    """The Exercise a starter cell belongs to, or None for any other cell."""
    ref = cell.get("metadata", {}).get("d2l", {}).get("exercise")
    if not ref:
        return None
    module_name, name = ref.split(".")
    module = importlib.import_module(f"d2l_helpers.exercises.{module_name}")
    return module.exercises.exercises[name]


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


def starter_cells(folder=NOTEBOOKS):
    """``{'lesson1.q1': source of its starter cell, ...}`` over every lesson in ``folder``.

    The starter (with its ``____``) lives only in the notebook; the module holds the
    solution.
    """
    found = {}
    for path in sorted(Path(folder).glob("[0-9]*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            ref = cell.get("metadata", {}).get("d2l", {}).get("exercise")
            if ref:
                found[ref] = "".join(cell["source"])
    return found
