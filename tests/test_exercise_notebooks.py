"""Exercises as the lessons ship them: starters untouched, solutions closed (the browser test
runs every lesson with its starters filled in from the solutions and wants every check correct)."""
import importlib
import json
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from exercise_cells import exercise_for, prediction_experiment_cells  # noqa: E402
from fill_solutions import fill  # noqa: E402

# The lessons with exercises (the labs 5-6 have none); each must exist, see the test below.
EXERCISE_LESSONS = (1, 2, 3, 4, 7, 8, 9, 10, 11, 12, 13)
LESSONS = {f"lesson{n}": path for n in EXERCISE_LESSONS
           for path in sorted((ROOT / "notebooks").glob(f"{n:02d}_*.ipynb"))[:1]}


def test_every_lesson_with_exercises_has_its_notebook():
    assert sorted(LESSONS) == sorted(f"lesson{n}" for n in EXERCISE_LESSONS)


def cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def text_of(cell):
    return "".join("".join(o.get("text", "")) + "".join(o.get("data", {}).get("text/plain", ""))
                   for o in cell.get("outputs", []))


def starters(path):
    return [(i, c) for i, c in enumerate(cells(path)) if c.get("metadata", {}).get("d2l", {})
            .get("exercise")]


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_exercise_has_exactly_one_starter_as_shipped(lesson):
    module = importlib.import_module(f"d2l_helpers.exercises.{lesson}")
    refs = [c["metadata"]["d2l"]["exercise"] for _, c in starters(LESSONS[lesson])]
    assert sorted(refs) == sorted(f"{lesson}.{name}" for name in module.exercises.exercises)
    for _, cell in starters(LESSONS[lesson]):
        exercise = exercise_for(cell)
        source = "".join(cell["source"])
        assert "____" in source, f"{exercise.ref}: a starter has blanks to fill"
        # the starter's last line is the solution's: the same check (or predict) call
        assert source.rstrip().splitlines()[-1] == exercise.solution_code.rstrip().splitlines()[-1]
        assert "尚未作答" in text_of(cell), f"{exercise.ref}: the stored starter output"


@pytest.mark.parametrize("lesson", LESSONS)
def test_each_starter_is_the_first_code_cell_of_its_section(lesson):
    all_cells = cells(LESSONS[lesson])
    for index, cell in starters(LESSONS[lesson]):
        for previous in reversed(all_cells[:index]):
            assert previous["cell_type"] == "markdown", (
                f"cell {index} ({cell['metadata']['d2l']['exercise']}): a code cell comes between "
                "its heading and the starter")
            if "".join(previous["source"]).lstrip().startswith("#"):
                break


@pytest.mark.parametrize("lesson", LESSONS)
def test_discussions_are_collapsed_until_opened(lesson):
    for index, cell in enumerate(cells(LESSONS[lesson])):
        if "discussion" in cell.get("metadata", {}).get("d2l", {}):
            hidden = cell["metadata"].get("jupyter", {})
            assert hidden.get("source_hidden") is True, f"cell {index} is a discussion shown open"
            if cell["cell_type"] == "code":
                assert hidden.get("outputs_hidden") is True, f"cell {index}"


@pytest.mark.parametrize("lesson", LESSONS)
def test_prediction_experiments_open_with_their_outputs_collapsed(lesson):
    notebook = nbformat.read(LESSONS[lesson], as_version=4)
    module = importlib.import_module(f"d2l_helpers.exercises.{lesson}")
    experiments = prediction_experiment_cells(notebook)
    if any(e.is_prediction for e in module.exercises.exercises.values()):
        assert experiments, "a prediction exercise without an experiment cell before its check"
    for index in experiments:
        hidden = notebook.cells[index].metadata.get("jupyter", {}).get("outputs_hidden")
        assert hidden is True, f"cell {index}: run tools/run_notebooks.py to collapse it"


@pytest.mark.parametrize("lesson", LESSONS)
def test_filling_in_puts_each_solution_where_its_starter_was(lesson):
    """What the browser test runs: the lesson with every starter replaced by its solution."""
    notebook = nbformat.read(LESSONS[lesson], as_version=4)
    assert fill(notebook) == len(starters(LESSONS[lesson]))
    for cell in notebook.cells:
        exercise = exercise_for(cell)
        if exercise is not None:
            assert cell.source == exercise.solution_code and "____" not in cell.source
