"""The course as a learner who does every exercise meets it: each lesson run from JupyterLab's
UI in headless Chromium, with every exercise's starter filled in from its solution.

JupyterLab runs from this environment on 127.0.0.1 with a random port and token, rooted
at a temporary copy of the lessons in which each starter cell holds its solution (nbval
runs the lessons as shipped, starters untouched, against their stored outputs: between
the two, each lesson executes twice per `make test`). For each lesson, in a fresh
workspace: restart the kernel and run all cells, wait for the kernel, save, then judge
the notebook as JupyterLab saved it (JupyterLab 4 leaves off-screen cells out of the
page): errors only where tagged, every stored figure drawn again, the stand-in notice on
screen, and every exercise's check saying "正确". A screenshot of each lesson goes to
build/screenshots/.
"""
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from exercise_cells import exercise_for, prediction_experiment_cells  # noqa: E402
from fill_solutions import fill  # noqa: E402

LESSONS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
CHROMIUM = os.environ.get("D2L_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]
LESSON_TIMEOUT_S = 420  # a lesson that runs longer is stuck: the test names the cell
STANDIN_NOTICE = "using the offline stand-in"


def _missing_browser_reason():
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} not found (apt-get install chromium fonts-noto-cjk)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (make test installs the test extra)"
    return None


@pytest.fixture(scope="module")
def browser():
    reason = _missing_browser_reason()
    if reason:
        if os.environ.get("D2L_REQUIRE_BROWSER"):  # CI: a missing browser is a failure
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory, browser):
    """JupyterLab on a copy of the lessons; yields (base_url, token, folder)."""
    folder = tmp_path_factory.mktemp("lab") / "notebooks"
    shutil.copytree(ROOT / "notebooks", folder)
    for lesson in folder.glob("[0-9]*.ipynb"):  # the learner who does every exercise
        notebook = nbformat.read(lesson, as_version=4)
        if fill(notebook):
            nbformat.write(notebook, lesson)
    state = tmp_path_factory.mktemp("lab-state")
    port, token = _free_port(), secrets.token_hex(16)
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    settings = state / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(  # no news pop-up over the page
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    env.update(D2L_FASHION_MNIST="standin", JUPYTERLAB_WORKSPACES_DIR=str(state / "workspaces"),
               JUPYTERLAB_SETTINGS_DIR=str(state / "settings"),
               JUPYTER_RUNTIME_DIR=str(state / "runtime"))
    env.setdefault("D2L_DATA_DIR", str(ROOT / "data"))
    log = open(state / "jupyterlab.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", f"--IdentityProvider.token={token}",
         f"--ServerApp.root_dir={folder}", "--LabApp.expose_app_in_browser=True",
         "--ServerApp.port_retries=0"] + (["--allow-root"] if os.geteuid() == 0 else []),
        env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("JupyterLab did not start: "
                                       + (state / "jupyterlab.log").read_text()[-2000:]) from None
                time.sleep(0.5)
        yield base, token, folder
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


_NOTEBOOK_STATE = """() => {
  const widget = window.jupyterapp.shell.currentWidget;
  if (!widget || !widget.content || !widget.content.model || !widget.sessionContext) return null;
  const kernel = widget.sessionContext.session && widget.sessionContext.session.kernel;
  const cells = [];
  const model = widget.content.model;
  for (let i = 0; i < model.cells.length; i++) {
    const cell = model.cells.get(i);
    if (cell.type === 'code') {
      cells.push({index: i, count: cell.executionCount, source: cell.sharedModel.getSource()});
    }
  }
  return {path: widget.context.path, kernel: kernel ? kernel.status : null,
          dirty: widget.context.model.dirty, cells: cells};
}"""


_COLLAPSED_CELLS = """() => {
  const notebook = window.jupyterapp.shell.currentWidget.content;
  return notebook.widgets.map((cell, index) => ({
    index, discussion: Boolean((cell.model.getMetadata('d2l') || {}).discussion),
    inputHidden: cell.inputHidden,
    outputHidden: cell.model.type === 'code' ? cell.outputHidden : true}));
}"""


def _prediction_experiments(lesson):
    return prediction_experiment_cells(nbformat.read(lesson, as_version=4))


def _exercises(lesson):
    """The exercises whose starters the lesson holds."""
    notebook = nbformat.read(lesson, as_version=4)
    return [e for e in map(exercise_for, notebook.cells) if e is not None]


def _wait(page, predicate, timeout_s, what):
    deadline = time.monotonic() + timeout_s
    state = None
    while time.monotonic() < deadline:
        state = page.evaluate(_NOTEBOOK_STATE)
        if state and predicate(state):
            return state
        page.wait_for_timeout(500)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}; last state: "
                         f"{_describe_stuck(state)}")


def _describe_stuck(state):
    if not state:
        return "no notebook open"
    pending = [c for c in state["cells"] if c["source"].strip() and c["count"] is None]
    if not pending:
        return f"kernel {state['kernel']}"
    first = pending[0]
    line = first["source"].strip().splitlines()[0][:80]
    return (f"kernel {state['kernel']}, stuck at cell {first['index']} ({line!r}); "
            f"{len(pending)} code cells not run")


def _outputs(path):
    notebook = json.loads(Path(path).read_text(encoding="utf-8"))
    return [c for c in notebook["cells"] if c["cell_type"] == "code"]


def _has_figure(cell):
    return any("image/png" in o.get("data", {}) for o in cell["outputs"])


def _text(cell):
    return "".join("".join(o.get("text", "")) for o in cell["outputs"])


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.name)
def test_lesson_runs_from_the_jupyterlab_ui(lab, browser, lesson):
    base, token, folder = lab
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        workspace = f"test-{lesson.stem}"  # a fresh workspace: no other lesson's tab left current
        page.goto(f"{base}/lab/workspaces/{workspace}/tree/{lesson.name}?reset&token={token}")
        page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                               " && window.jupyterapp.shell.currentWidget.context", timeout=90_000)
        state = _wait(page, lambda s: s["path"] == lesson.name and s["kernel"] == "idle", 120,
                      f"{lesson.name} to open with an idle kernel")

        # Exercise discussions open closed: JupyterLab collapses them from their metadata.
        opened = page.evaluate(_COLLAPSED_CELLS)
        discussions = [c for c in opened if c["discussion"]]
        expected = [i for i, c in enumerate(json.loads(lesson.read_text(encoding="utf-8"))["cells"])
                    if "discussion" in c.get("metadata", {}).get("d2l", {})]
        assert [c["index"] for c in discussions] == expected
        open_ones = [c["index"] for c in discussions
                     if not (c["inputHidden"] and c["outputHidden"])]
        assert not open_ones, f"{lesson.name}: discussion cells shown open: {open_ones}"
        # A prediction's experiment opens with its stored answer collapsed ...
        experiments = _prediction_experiments(lesson)
        assert all(opened[i]["outputHidden"] for i in experiments), (
            f"{lesson.name}: prediction experiments shown open: {experiments}")

        # Clear the stored outputs first, so "every cell has run" cannot be true beforehand.
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
        page.evaluate("() => { window.jupyterapp.commands.execute('notebook:restart-run-all'); }")
        page.locator(".jp-Dialog .jp-mod-accept").click(timeout=30_000)  # "Restart" confirmation
        n_code = len([c for c in state["cells"] if c["source"].strip()])
        every_cell = list(range(1, n_code + 1))
        _wait(page, lambda s: s["kernel"] == "idle" and sorted(
            c["count"] or 0 for c in s["cells"] if c["source"].strip()) == every_cell,
            LESSON_TIMEOUT_S, f"all {n_code} code cells of {lesson.name} to run")

        # ... and shows its output once the learner runs it.
        ran = page.evaluate(_COLLAPSED_CELLS)
        still_hidden = [i for i in experiments if ran[i]["outputHidden"]]
        assert not still_hidden, f"{lesson.name}: run, but output still collapsed: {still_hidden}"

        page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
        _wait(page, lambda s: not s["dirty"], 60, f"{lesson.name} to be saved")

        saved, stored = _outputs(folder / lesson.name), _outputs(lesson)
        standin_cells = [i for i, cell in enumerate(saved) if STANDIN_NOTICE in _text(cell)]
        if standin_cells:  # show the notice on screen too, not only in the file
            notice_index = [c["index"] for c in state["cells"]][standin_cells[0]]
            page.evaluate(f"() => window.jupyterapp.shell.currentWidget.content"
                          f".scrollToItem({notice_index}, 'center')")
            page.get_by_text(STANDIN_NOTICE).first.wait_for(state="visible", timeout=30_000)
        figures = [i for i, cell in enumerate(saved) if _has_figure(cell)]
        if figures:  # the screenshot shows the lesson's first figure
            figure_index = [c["index"] for c in state["cells"]][figures[0]]
            page.evaluate(f"() => window.jupyterapp.shell.currentWidget.content"
                          f".scrollToItem({figure_index}, 'start')")
            page.wait_for_timeout(1000)
        shots = ROOT / "build" / "screenshots"
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / f"{lesson.stem}.png"))
    finally:
        page.close()

    assert len(saved) == len(stored)
    for i, (now, before) in enumerate(zip(saved, stored)):
        tagged = "raises-exception" in now.get("metadata", {}).get("tags", [])
        errors = [o for o in now["outputs"] if o["output_type"] == "error"]
        assert not errors or tagged, (
            f"{lesson.name} code cell {i + 1} raised {errors[0]['ename']}: {errors[0]['evalue']}")
        assert bool(errors) == tagged, (
            f"{lesson.name} code cell {i + 1} is tagged but did not raise")
        assert _has_figure(now) or not _has_figure(before), (
            f"{lesson.name} code cell {i + 1} stored a figure but showed none in the browser")
    uses_data = any("load_data_fashion_mnist" in "".join(c["source"]) for c in stored)
    assert bool(standin_cells) == uses_data, f"stand-in notice in {lesson.name}: {standin_cells}"
    # Every exercise, done as its solution does it, is judged right.
    printed = "\n".join(_text(cell) for cell in saved)
    exercises = _exercises(lesson)
    assert "尚未作答" not in printed.replace("尚未作答 0", ""), printed[-2000:]
    assert "还不对" not in printed.replace("还不对 0", ""), printed[-2000:]
    assert "检查程序自己出错了" not in printed, printed[-2000:]
    assert printed.count("✓ 正确") >= len(exercises), (lesson.name, printed.count("✓ 正确"))
