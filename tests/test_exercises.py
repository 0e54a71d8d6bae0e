"""The exercise machinery, and every exercise's starter and solution run as a learner would."""
import ast
import contextlib
import importlib
import io
import math
import pkgutil
import re
import string
import sys
from pathlib import Path

import pytest
import torch
from torch import nn
from torch.nn import functional as F

import d2l_helpers as d2l
import d2l_helpers.exercises as exercises_package
from d2l_helpers.exercises import (
    CHECKER_ERROR,
    CORRECT,
    INCORRECT,
    NOT_ATTEMPTED,
    ExerciseSet,
    Incorrect,
    ____,
    judge_best,
    need_close,
    need_runs,
    reject_known,
    uses_blank,
)
from d2l_helpers.repeats import Runs

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
from exercise_cells import starter_cells  # noqa: E402

LESSON_MODULES = sorted(m.name for m in pkgutil.iter_modules(exercises_package.__path__)
                        if m.name.startswith("lesson"))
ALL_EXERCISES = [(name, e) for name in LESSON_MODULES
                 for e in importlib.import_module(f"d2l_helpers.exercises.{name}")
                 .exercises.exercises.values()]
STARTERS = starter_cells()


def run_cell(code, exercise, module):
    """Execute a starter or solution cell as the notebook would; return what it printed."""
    exercise.last, exercise.prediction = exercise.last._replace(status=NOT_ATTEMPTED), None
    namespace = {"torch": torch, "nn": nn, "F": F, "math": math, "d2l": d2l, "ex": module,
                 "____": ____}
    if exercise.context is not None:
        namespace.update(exercise.context())
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, f"<{exercise.ref}>", "exec"), namespace)
    return printed.getvalue()


# --- the machinery -------------------------------------------------------------------

def make_set():
    lesson = ExerciseSet("第 9 课")

    @lesson.code("练习 1（加倍）", hints=["乘 2。", "x * 2"],
                 solution="def f(x):\n    return x * 2", explanation="就是乘 2。")
    def q1(f):
        value = f(torch.tensor([1.0, -2.0]))
        reject_known(value, [(torch.tensor([1.0, -2.0]), "你原样返回了输入。")])
        need_close(value, torch.tensor([2.0, -4.0]), "f(x)")
        return "加倍。"

    return lesson, q1


def test_blank_is_detected_in_values_functions_and_nested_code():
    def untouched(x):
        return x * ____

    def nested(x):
        return (lambda y: y + ____)(x)

    def done(x):
        return x * 2

    assert uses_blank(____) and uses_blank(untouched) and uses_blank(nested)
    assert uses_blank([1, ____])
    assert not uses_blank(done) and not uses_blank(0) and not uses_blank(torch.zeros(2))

    class Untouched(torch.nn.Module):  # a class the learner completes (lesson 9's Net)
        def forward(self, X):
            return X * ____

    class Done(torch.nn.Module):
        def forward(self, X):
            return X * 2

    assert uses_blank(Untouched) and not uses_blank(Done) and not uses_blank(torch.nn.Linear)


def test_blank_survives_arithmetic_so_starters_run():
    assert (2 * ____) is ____ and (torch.ones(2) * ____) is ____ and (____ @ torch.ones(2)) is ____
    assert (____ + 1) is ____ and (-____) is ____ and repr(____) == "____"


def test_three_outcomes_with_diagnosis_and_progress(capsys):
    lesson, q = make_set()
    assert q.evaluate(lambda x: x * ____).status == NOT_ATTEMPTED
    wrong = q.evaluate(lambda x: x)
    assert wrong.status == INCORRECT and "原样返回" in wrong.message
    assert "q1.hint()" in wrong.message
    off = q.evaluate(lambda x: x * 3)
    assert off.status == INCORRECT and "第 1 个元素是 -6，应当是 -4" in off.message
    crash = q.evaluate(lambda x: x.reshape(7, 13))  # a shape error inside the learner's code
    assert crash.status == INCORRECT and "运行你的代码时出错" in crash.message
    assert "Traceback" not in crash.message
    right = q.evaluate(lambda x: x * 2)
    assert right.status == CORRECT and "加倍" in right.message
    assert q.last.status == NOT_ATTEMPTED  # evaluate records nothing
    q.check(lambda x: x * 2)
    assert "✓ 正确" in capsys.readouterr().out and q.last.status == CORRECT
    lesson.progress()
    out = capsys.readouterr().out
    assert "正确 1，还不对 0，尚未作答 0" in out and "练习 1（加倍）" in out


def test_hints_are_progressive_and_bounded(capsys):
    _, q = make_set()
    q.hint()
    q.hint()
    q.hint()  # no third hint: the last one again
    out = capsys.readouterr().out
    assert out.count("提示 1/2") == 1 and out.count("提示 2/2") == 2
    with pytest.raises(ValueError, match="hints 1 to 2"):
        q.hint(3)


def test_solution_prints_the_code_and_the_reasoning(capsys):
    _, q = make_set()
    q.solution()
    out = capsys.readouterr().out
    assert "    return x * 2" in out and "就是乘 2" in out


def test_prediction_first_then_check_against_the_measurement(capsys):
    lesson = ExerciseSet("第 9 课")

    @lesson.prediction(("A", "B"), title="练习 2（预测）", hints=["想一想。"], solution="p = 'A'",
                       explanation="A。")
    def q2(prediction, measured):
        if prediction != measured:
            raise Incorrect(f"实验测得 {measured}。")

    q = q2
    assert q.evaluate("A").status == NOT_ATTEMPTED  # nothing predicted yet
    q.predict(____)
    assert "尚未作答" in capsys.readouterr().out and q.prediction is None
    q.predict("C")
    assert "'A', 'B' 之一" in capsys.readouterr().out and q.prediction is None
    q.predict("B")
    assert "已记下你的预测 'B'" in capsys.readouterr().out
    outcome = q.evaluate("A")
    assert outcome.status == INCORRECT and "实验测得 A" in outcome.message
    assert q.evaluate("B").status == CORRECT
    with pytest.raises(TypeError, match="is not a prediction"):
        make_set()[1].predict(1)


def test_use_takes_the_learners_code_only_once_it_passes(capsys):
    _, q = make_set()

    def mine(x):
        return x * 2

    def reference(x):
        return x + x

    assert q.use(mine, reference) is reference
    assert "参考实现" in capsys.readouterr().out
    q.check(mine)
    assert q.use(mine, reference) is mine
    assert "你自己的实现" in capsys.readouterr().out


def test_an_exercise_name_is_defined_once_and_needs_all_its_texts():
    lesson, _ = make_set()
    with pytest.raises(ValueError, match="defined twice"):
        @lesson.code("again", hints=[], solution="", explanation="")
        def q1(f):
            pass
    with pytest.raises(ValueError, match="has no hints, solution"):
        @lesson.code("no texts")
        def q2(f):
            pass


def test_every_lesson_text_table_belongs_to_an_exercise_and_says_everything():
    for name in LESSON_MODULES:
        module = importlib.import_module(f"d2l_helpers.exercises.{name}")
        assert set(module.exercises.texts) - {"says"} == set(module.exercises.exercises), name
        for exercise in module.exercises.exercises.values():
            assert exercise.title.startswith("练习") and len(exercise.hints) >= 2, exercise.ref
            assert f"{exercise.ref}." in exercise.solution_code and exercise.explanation
            table = module.exercises.texts.get(exercise.name, {})
            assert set(table) <= {"title", "hints", "solution", "explanation", "says"}, \
                (exercise.ref, set(table))


def _keys_said(module):
    """The string constants of a lesson module (the keys it passes to say() and need() among
    them), and its f-strings as patterns (``f"q4.branch_{kind}"`` matches ``q4.branch_.+``)."""
    tree = ast.parse(Path(module.__file__).read_text())
    parts = {id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)
             for v in node.values}
    literal = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)
               and isinstance(node.value, str) and id(node) not in parts}
    patterns = [re.compile("".join(re.escape(v.value) if isinstance(v, ast.Constant) else ".+"
                                   for v in node.values))
                for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)]
    return literal, patterns


@pytest.mark.parametrize("name", LESSON_MODULES)
def test_every_text_a_lesson_says_is_in_its_toml_and_every_text_there_is_said(name):
    module = importlib.import_module(f"d2l_helpers.exercises.{name}")
    literal, patterns = _keys_said(module)
    says = module.exercises.says
    key_like = {k for k in literal if re.fullmatch(r"q\d+[a-z]?\.\w+", k)}
    assert key_like <= set(says), f"said but not in {name}.toml: {sorted(key_like - set(says))}"
    unused = [key for key in says
              if key not in literal and not any(p.fullmatch(key) for p in patterns)]
    assert not unused, f"in {name}.toml but never said: {unused}"
    for key, text in says.items():  # each text formats (no stray braces) once given its fields
        fields = {f for _, f, _, _ in string.Formatter().parse(text) if f}
        assert all(f.isidentifier() for f in fields), (key, fields)


def test_say_fills_a_text_from_the_lessons_toml_and_a_missing_one_is_the_checkers_bug(tmp_path,
                                                                                    monkeypatch):
    (tmp_path / "lesson_say.py").write_text("")
    (tmp_path / "lesson_say.toml").write_text(
        '[says]\nshared = "共用"\n[q1]\ntitle = "练习 1"\nhints = ["a", "b"]\n'
        'solution = "ex.q1.check(f)"\nexplanation = "e"\n'
        '[q1.says]\nwrong = "{name} 的形状是 {shape}，{x!r:.5}"\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.import_module("lesson_say")
    lesson = ExerciseSet("第 99 课", "lesson_say")
    assert lesson.say("q1.wrong", name="W1", shape=(2, 3), x="abcdefgh") == \
        "W1 的形状是 (2, 3)，'abcd"
    assert lesson.say("shared") == "共用"

    @lesson.code()
    def q1(f):
        f(1)
        raise Incorrect(lesson.say("q1.missing"))

    outcome = q1.evaluate(lambda x: x)
    assert outcome.status == CHECKER_ERROR and "q1.missing" in outcome.message
    assert q1.title == "练习 1"
    (tmp_path / "lesson_bad.py").write_text("")
    (tmp_path / "lesson_bad.toml").write_text('[q1.says]\nwrong = 3\n')
    importlib.import_module("lesson_bad")
    with pytest.raises(TypeError, match="q1.wrong"):
        ExerciseSet("第 98 课", "lesson_bad")


# --- whose mistake is it ---------------------------------------------------------------

def test_a_bug_in_the_checker_is_never_the_learners_mistake():
    lesson = ExerciseSet("第 9 课")

    @lesson.code("练习 1（有 bug 的检查）", hints=["a", "b"], solution="", explanation="")
    def q1(f):
        f(torch.ones(2))
        return torch.ones(2) @ torch.ones(3)  # the checker's own shape error

    outcome = q1.evaluate(lambda x: x * 2)
    assert outcome.status == CHECKER_ERROR
    assert "检查程序自己出错了，这不是你的代码的问题" in outcome.message
    assert "运行你的代码时出错" not in outcome.message and "还不对" not in outcome.message


def test_an_error_in_the_learners_code_is_theirs_with_a_diagnosis_in_words():
    _, q = make_set()

    def forgot_values(x):
        return x - x.max(dim=0, keepdim=True)

    def batch_of_256(x):
        return x.reshape((256, 784))

    first = q.evaluate(forgot_values)
    assert first.status == INCORRECT and ".values" in first.message
    second = q.evaluate(batch_of_256)
    assert second.status == INCORRECT and "写死了批量大小" in second.message
    assert "-1" in second.message


def test_check_with_a_missing_argument_or_a_value_instead_of_the_function():
    _, q = make_set()
    outcome = q.evaluate(lambda x: x * 2, "extra")
    assert outcome.status == INCORRECT and "check 需要 1 个参数" in outcome.message
    for value, words in ((torch.ones(3), "形状为 (3,) 的张量"), ((x for x in "ab"), "生成器")):
        outcome = q.evaluate(value)
        assert outcome.status == INCORRECT and "把函数本身交给 check" in outcome.message
        assert words in outcome.message
    lesson3 = importlib.import_module("d2l_helpers.exercises.lesson3")
    net = lesson3.reference_net(lesson3.reference_init_params(784, 8, 10))
    missing = lesson3.q3.evaluate(net)
    assert missing.status == INCORRECT and "ex.q3.check(net, params)" in missing.message


def test_judge_best_counts_the_best_and_what_is_not_significantly_below_it():
    def runs(*values):
        return Runs(range(len(values)), [[{"acc": v}] for v in values])

    measured = {"a": runs(0.80, 0.81, 0.79, 0.80, 0.82), "b": runs(0.795, 0.815, 0.80, 0.79, 0.81),
                "c": runs(0.60, 0.61, 0.59, 0.60, 0.62)}
    assert "正是 a" in judge_best("a", measured, "acc")
    assert "也算对" in judge_best("b", measured, "acc")
    with pytest.raises(Incorrect, match="最高的是 a"):
        judge_best("c", measured, "acc")
    with pytest.raises(Incorrect, match="没有测 d"):
        judge_best("d", measured, "acc")


# --- every exercise of every lesson ---------------------------------------------------

@pytest.mark.parametrize("module_name, exercise", ALL_EXERCISES,
                         ids=[e.ref.replace("ex", m) for m, e in ALL_EXERCISES])
def test_untouched_starter_runs_and_says_not_attempted(module_name, exercise):
    module = importlib.import_module(f"d2l_helpers.exercises.{module_name}")
    starter = STARTERS[f"{module_name}.{exercise.name}"]
    printed = run_cell(starter, exercise, module)
    assert "____" in starter
    assert "尚未作答" in printed and exercise.last.status == NOT_ATTEMPTED


@pytest.mark.parametrize("module_name, exercise", ALL_EXERCISES,
                         ids=[e.ref.replace("ex", m) for m, e in ALL_EXERCISES])
def test_solution_is_correct(module_name, exercise):
    module = importlib.import_module(f"d2l_helpers.exercises.{module_name}")
    printed = run_cell(exercise.solution_code, exercise, module)
    assert "____" not in exercise.solution_code
    if exercise.is_prediction:  # judged against the experiment later in the lesson
        assert exercise.prediction is not None and "已记下你的预测" in printed
    else:
        assert exercise.last.status == CORRECT, printed
    assert len(exercise.hints) >= 2 and exercise.explanation


def test_need_runs_wants_a_dict_of_repeat_results_and_says_so_in_the_learners_words():
    runs = d2l.repeat(lambda seed: d2l.TrainResult(0.5, 0.8, 0.7, [
        {"epoch": 1, "train_loss": 0.5, "train_acc": 0.8, "test_acc": 0.7}]), seeds=5)
    measured = {"a": runs, "b": runs}
    assert need_runs(measured, "measured", at_least=2) is measured
    for wrong in ([runs, runs], {"a": runs}, {"a": runs, "b": 0.7}, None):
        with pytest.raises(Incorrect, match="d2l.repeat 的结果"):
            need_runs(wrong, "measured", at_least=2)



def test_judge_best_names_a_missing_metric_too_few_seeds_and_a_diverged_setting():
    def runs(*values, metric="acc"):
        return Runs(range(len(values)), [[{metric: v}] for v in values])

    good = runs(0.80, 0.81, 0.79, 0.80, 0.82)
    with pytest.raises(Incorrect, match="renamed"):
        judge_best("a", {"a": good, "b": runs(0.7, 0.7, 0.7, 0.7, 0.7, metric="test_acc")}, "acc")
    with pytest.raises(Incorrect, match="只跑了 3 个种子"):
        judge_best("a", {"a": good, "b": runs(0.7, 0.71, 0.69)}, "acc")
    diverged = runs(0.9, float("nan"), 0.9, 0.9, 0.9)
    with pytest.raises(Incorrect, match="发散"):
        judge_best("b", {"a": good, "b": diverged}, "acc")
    assert "正是 a" in judge_best("a", {"a": good, "b": diverged, "c": runs(*[0.5] * 5)}, "acc")


def test_reject_mistakes_compares_a_mistake_only_where_it_is_defined():
    from d2l_helpers.exercises.core import Incorrect, reject_mistakes

    inputs = {"square": torch.ones(2, 2), "wide": torch.ones(2, 3)}
    got = {"square": inputs["square"].T * 2, "wide": torch.zeros(2, 3)}
    transposed = [(lambda x: x.T * 2 if x.shape[0] == x.shape[1] else None, "transposed")]
    with pytest.raises(Incorrect, match="transposed"):  # defined on one case, matched there
        reject_mistakes(got, inputs, transposed)
    reject_mistakes(got, inputs, [(lambda x: None, "never")])  # defined nowhere: no match
    got["square"] = torch.zeros(2, 2)
    reject_mistakes(got, inputs, transposed)  # differs where defined: no match
