"""The package's layering, checked by import-linter's contracts in pyproject.toml.

`make test` runs `lint-imports` on the package; these tests show that the contracts
bite: a copy of the package with one forbidden arrow added breaks them.
"""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from d2l_helpers import plotting, training

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint(tmp_path, edit=None):
    """Run the project's contracts on a copy of the package, changed by ``edit(folder)``."""
    shutil.copytree(ROOT / "d2l_helpers", tmp_path / "d2l_helpers",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    if edit:
        edit(tmp_path / "d2l_helpers")
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=tmp_path, capture_output=True,
                          text=True, env={"PYTHONPATH": str(tmp_path), "PATH": ""})


def add_line(path, line):
    path.write_text(path.read_text() + "\n" + line + "\n")


pytestmark = pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter not installed")


def test_the_package_keeps_its_contracts(tmp_path):
    result = lint(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


@pytest.mark.parametrize("module, line, broken", [
    ("training.py", "from d2l_helpers import plotting", "Only the plotting module"),
    ("passes.py", "import matplotlib.pyplot", "Only the plotting module"),
    ("passes.py", "from d2l_helpers import training", "Layers"),
    ("checks.py", "from d2l_helpers import metrics", "No import circle"),
])
def test_one_forbidden_arrow_breaks_a_contract(tmp_path, module, line, broken):
    result = lint(tmp_path, lambda folder: add_line(folder / module, line))
    assert result.returncode != 0
    assert f"{broken}" in result.stdout and "BROKEN" in result.stdout, result.stdout


def test_the_default_live_plot_is_wired_at_the_package_top():
    assert training._default_animator_class is plotting.Animator
    animator = training._default_animator(5)
    assert isinstance(animator, plotting.Animator)
    assert animator.legend == ["train loss", "train acc", "test acc"]


def test_every_module_but_plotting_is_kept_from_matplotlib():
    import tomllib
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    forbidden = next(c for c in contracts["contracts"] if c["type"] == "forbidden")
    modules = {f"d2l_helpers.{p.stem}" for p in (ROOT / "d2l_helpers").glob("*.py")}
    modules -= {"d2l_helpers.__init__", "d2l_helpers.plotting"}
    assert modules | {"d2l_helpers.exercises"} == set(forbidden["source_modules"])
