"""Fill every exercise starter cell of a lesson with its worked solution.

Usage: python tools/fill_solutions.py notebooks/01_....ipynb OUT.ipynb [--execute]

A starter cell carries the cell metadata {"d2l": {"exercise": "lesson1.q1"}}; its
source is replaced by that exercise's ``solution_code``. With --execute the filled copy
is run top to bottom (offline stand-in), so every check in it should say "正确".
"""
import sys
from pathlib import Path

import nbformat
from exercise_cells import exercise_for


def fill(notebook):
    """Replace each starter's source with its solution, in place; return how many."""
    filled = 0
    for cell in notebook.cells:
        exercise = exercise_for(cell)
        if exercise is not None:
            cell.source = exercise.solution_code
            filled += 1
    return filled


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
