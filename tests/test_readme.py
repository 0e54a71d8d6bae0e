"""The READMEs list every lesson, link only to files that exist, and keep the sections the
lessons quote."""
import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
LESSON_INDEX = ROOT / "notebooks" / "README.md"
LESSONS = sorted((ROOT / "notebooks").glob("*.ipynb"))
_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def _headings(text):
    return [line.lstrip("#").strip() for line in text.splitlines() if line.startswith("#")]


@pytest.mark.parametrize("readme", [README, LESSON_INDEX], ids=["README", "notebooks-README"])
def test_every_lesson_is_listed_and_every_local_link_exists(readme):
    text = readme.read_text(encoding="utf-8")
    links = [link for link in _LINK.findall(text) if "://" not in link]
    missing = [link for link in links if not (readme.parent / link).exists()]
    assert not missing, f"{readme.name} links to files that do not exist: {missing}"
    linked = {(readme.parent / link).resolve() for link in links}
    unlisted = [lesson.name for lesson in LESSONS if lesson.resolve() not in linked]
    assert not unlisted, f"{readme.name} does not list {unlisted}"


def test_sections_that_the_lessons_and_messages_point_to_exist():
    headings = _headings(README.read_text(encoding="utf-8"))
    quoted = {"Getting the real Fashion-MNIST",
              "多台机器一起搜索超参数 · Sharing one hyperparameter search across machines"}
    for title in quoted:
        assert any(title in heading for heading in headings), title
    lab5 = next((ROOT / "notebooks").glob("05_*.ipynb")).read_text(encoding="utf-8")
    assert "多台机器一起搜索超参数 · Sharing one hyperparameter search across machines" in lab5


def test_the_multi_machine_worker_script_is_complete_and_avoids_lab_5s_two_mistakes():
    """Copyable as is, no delete_study, no fixed sampler seed; a killed worker's trial is retried
    (heartbeat + RetryFailedTrialCallback), TPE's constant liar is on, and the offline dry run
    with the stand-in is named where the script insists on the real data."""
    text = README.read_text(encoding="utf-8")
    start = text.index('"""One worker of a hyperparameter search')
    block = text[text.rindex("```python", 0, start):text.index("```", start)]
    source = "\n".join(line[3:] if line.startswith("   ") else line
                       for line in block.splitlines()[1:])
    tree = ast.parse(source)
    defined = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
    assert {"objective", "make_mlp"} <= defined  # copyable as is: nothing comes from the lab
    assert "load_if_exists=True" in source
    assert "delete_study" not in source
    sampler_args = source.split("TPESampler(", 1)[1].split(")", 1)[0]
    assert "seed=" not in sampler_args
    assert "constant_liar=True" in sampler_args           # parallel workers: no duplicate proposals
    assert "test_iter" not in source                      # the search never sees the test set
    storage_args = source.split("RDBStorage(", 1)[1].split("\n\n", 1)[0]
    assert "heartbeat_interval=" in storage_args  # a killed worker's trial does not stay RUNNING
    assert "RetryFailedTrialCallback(" in storage_args
    assert "D2L_FASHION_MNIST=standin" in source          # how to dry-run offline, where it fails
    section = text[text.index("Sharing one hyperparameter search across machines"):start]
    assert "JournalStorage" in section                    # several processes on one host
