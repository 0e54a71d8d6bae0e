"""Every lesson is stored as one clean top-to-bottom run (nbval then compares the outputs)."""
import json
from pathlib import Path

import pytest

LESSONS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("[0-9]*.ipynb"))


def code_cells(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [c for c in cells if c["cell_type"] == "code" and "".join(c["source"]).strip()]


def test_there_are_lessons():
    assert len(LESSONS) >= 4, [p.name for p in LESSONS]


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_outputs_are_one_fresh_run(path):
    counts = [c["execution_count"] for c in code_cells(path)]
    assert counts == list(range(1, len(counts) + 1)), (
        "re-run: python tools/run_notebooks.py " + path.name)


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_errors_only_where_tagged_and_tagged_cells_raise(path):
    for i, cell in enumerate(code_cells(path)):
        tagged = "raises-exception" in cell.get("metadata", {}).get("tags", [])
        errors = [o for o in cell["outputs"] if o["output_type"] == "error"]
        assert bool(errors) == tagged, f"code cell {i + 1}: error={bool(errors)}, tagged={tagged}"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_first_code_cell_prints_versions_and_data_source(path):
    text = "".join("".join(o.get("text", "")) for o in code_cells(path)[0]["outputs"])
    # the data source: Fashion-MNIST (real or stand-in), or lesson 13's house prices
    assert "torch" in text and ("Fashion-MNIST" in text or "House prices:" in text)


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_no_svg_figures_and_no_stderr_warnings(path):
    for i, cell in enumerate(code_cells(path)):
        for output in cell["outputs"]:
            assert "image/svg+xml" not in output.get("data", {}), f"code cell {i + 1}"
            if output.get("name") == "stderr":
                tags = cell.get("metadata", {}).get("tags", [])
                assert "nbval-ignore-output" in tags or "raises-exception" in tags, (
                    f"code cell {i + 1} writes to stderr: {''.join(output['text'])[:200]}")
