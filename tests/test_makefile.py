"""`make test` splits the suite into two pytest processes run side by side; together they are the
whole suite, each test in exactly one of them."""
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def _dry_run(*targets, **variables):
    command = ["make", "-n", "--no-print-directory", *targets,
               *(f"{k}={v}" for k, v in variables.items())]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout


def _pytest_lines(text):
    return [line for line in text.splitlines() if " -m pytest" in line]


def test_make_test_runs_the_browser_test_and_the_rest_side_by_side():
    text = _dry_run("test")
    assert re.search(r"make .*-j2 .*test-browser test-rest", text), text
    both = _pytest_lines(_dry_run("test-browser", "test-rest", TEST_THREADS=3))
    assert len(both) == 2, both
    browser, rest = both
    assert browser.endswith("-m browser tests/test_browser.py"), browser
    assert rest.endswith('-m "not browser"'), rest
    for line in both:  # threads as told, and the stand-in data, in both halves
        assert "OMP_NUM_THREADS=3" in line and "D2L_FASHION_MNIST=standin" in line, line


def test_half_the_cores_each():
    threads = re.search(r"\((\d+) thread", _dry_run("test")).group(1)
    cores = int(subprocess.run(["nproc"], capture_output=True, text=True).stdout or 2)
    assert int(threads) == max(1, cores // 2)


def test_every_browser_test_is_in_the_browser_half():
    # the browser half runs tests/test_browser.py only: a browser test elsewhere would run in neither
    marked = sorted(path.name for path in (ROOT / "tests").glob("*.py")
                    if re.search(r"mark\.browser|\"browser\"", path.read_text(encoding="utf-8"))
                    and path.name != "test_makefile.py")
    assert marked == ["test_browser.py"], marked
