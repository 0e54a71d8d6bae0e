"""Lesson 2's exercises: each typical mistake gets its diagnosis; predictions meet measurements."""
import pytest
import torch
from torch.nn import functional as F

from d2l_helpers.exercises import CORRECT, INCORRECT, NOT_ATTEMPTED, ____
from d2l_helpers.exercises import lesson2 as ex
from d2l_helpers.repeats import Runs, compare


def outcome(exercise, *answers):
    return exercise.evaluate(*answers)


def assert_diagnosis(result, *words):
    assert result.status == INCORRECT, result.message
    for word in words:
        assert word in result.message, result.message


# --- the references ------------------------------------------------------------------

def test_references_match_torch_and_survive_huge_and_far_apart_logits():
    O = torch.tensor([[1000.0, 999.0, 998.0], [0.0, -200.0, 3.0], [-1000.0, -1001.0, -999.0]])
    assert torch.allclose(ex.reference_softmax(O), torch.softmax(O, dim=1))
    assert torch.allclose(ex.reference_log_softmax(O), F.log_softmax(O, dim=1))
    assert torch.isfinite(ex.reference_log_softmax(O)).all()
    assert float(ex.reference_log_softmax(O)[1, 1]) == pytest.approx(-203.0486, abs=1e-3)


def shifted_softmax(shift):
    """The stable softmax with another constant than each row's maximum subtracted."""
    def softmax(O):
        E = torch.exp(O - shift(O))
        return E / E.sum(dim=1, keepdim=True)
    return softmax


ROW_MIN = shifted_softmax(lambda O: O.min(dim=1, keepdim=True).values)
ROW_MEAN = shifted_softmax(lambda O: O.mean(dim=1, keepdim=True))
GLOBAL_MAX = shifted_softmax(lambda O: O.max())


def test_test_inputs_really_overflow_and_underflow_the_wrong_versions():
    cases = ex._logits()
    naive = torch.exp(cases["huge"]) / torch.exp(cases["huge"]).sum(dim=1, keepdim=True)
    assert torch.isnan(naive).all()
    assert (torch.log(ex.reference_softmax(cases["far_apart"])) == float("-inf")).any()
    global_max = torch.exp(cases["mixed_rows"] - cases["mixed_rows"].max())
    assert (global_max.sum(dim=1) == 0).any()  # a whole row underflows
    assert torch.isnan(ROW_MIN(cases["low_outlier"])).any()
    assert torch.isfinite(ROW_MEAN(cases["low_outlier"])).all()
    assert torch.isnan(ROW_MEAN(cases["wide_rows"])).any()
    assert torch.isfinite(ex.reference_softmax(cases["wide_rows"])).all()
    for name in ("ordinary", "huge"):  # the mutants agree with the reference on easy inputs
        for mutant in (ROW_MIN, ROW_MEAN, GLOBAL_MAX):
            assert torch.allclose(mutant(cases[name]), ex.reference_softmax(cases[name]),
                                  atol=1e-5)
    assert cases["ordinary"].shape == (4, 10) and torch.isfinite(cases["ordinary"]).all()


# --- q1: softmax ----------------------------------------------------------------------

def softmax_naive(O):
    E = torch.exp(O)
    return E / E.sum(dim=1, keepdim=True)


def test_q1_correct_answers():
    def amax(O):  # an equivalent way to write the row maximum
        E = torch.exp(O - torch.amax(O, dim=1, keepdim=True))
        return E / E.sum(dim=1, keepdim=True)

    for answer in (ex.reference_softmax, lambda O: torch.softmax(O, dim=1), amax,
                   lambda O: torch.exp(O - torch.logsumexp(O, dim=1, keepdim=True))):
        result = outcome(ex.q1, answer)
        assert result.status == CORRECT and "exp(0) = 1" in result.message


@pytest.mark.parametrize("mutant, words", [
    (ROW_MIN, ["每一行的最小值", "上溢"]),
    (ROW_MEAN, ["每一行的平均值", "[1000, 0, -1000]"]),
    (GLOBAL_MAX, ["整个张量的最大值", "0/0"]),
    (shifted_softmax(lambda O: O.min()), ["整个张量的最小值"]),
], ids=["row-min", "row-mean", "global-max", "global-min"])
def test_q1_shifts_right_on_easy_logits_are_rejected_on_hard_ones(mutant, words):
    assert_diagnosis(outcome(ex.q1, mutant), *words)


def test_q1_forgetting_values_is_explained_in_words():
    def no_values(O):
        E = torch.exp(O - O.max(dim=1, keepdim=True))
        return E / E.sum(dim=1, keepdim=True)

    result = outcome(ex.q1, no_values)
    assert_diagnosis(result, ".values", "(values, indices)")
    assert "Traceback" not in result.message


def test_q1_untouched_starter_is_not_attempted():
    def softmax_stable(O):
        return ____

    assert outcome(ex.q1, softmax_stable).status == NOT_ATTEMPTED


def test_q1_naive_softmax_gives_nan_on_huge_logits():
    assert_diagnosis(outcome(ex.q1, softmax_naive), "1000", "nan", "上溢")


def test_q1_softmax_over_the_batch_dimension():
    assert_diagnosis(outcome(ex.q1, lambda O: torch.softmax(O, dim=0)), "dim=0", "每一列的和为 1")

    def max_right_sum_wrong(O):
        E = torch.exp(O - O.max(dim=1, keepdim=True).values)
        return E / E.sum(dim=0, keepdim=True)

    assert_diagnosis(outcome(ex.q1, max_right_sum_wrong), "批量维度")


def test_q1_subtracting_the_maximum_over_the_wrong_dimension():
    def column_max(O):
        E = torch.exp(O - O.max(dim=0, keepdim=True).values)
        return E / E.sum(dim=1, keepdim=True)

    assert_diagnosis(outcome(ex.q1, column_max), "每一列（dim=0）的最大值")


def test_q1_log_probabilities_instead_of_probabilities():
    assert_diagnosis(outcome(ex.q1, lambda O: F.log_softmax(O, dim=1)), "log 概率")


def test_q1_forgetting_keepdim_names_the_shape_problem():
    def no_keepdim(O):
        E = torch.exp(O - O.max(dim=1).values)
        return E / E.sum(dim=1, keepdim=True)

    assert_diagnosis(outcome(ex.q1, no_keepdim), "keepdim=True", "形状")


def test_q1_other_slips_each_get_their_own_diagnosis():
    def whole_sum(O):
        E = torch.exp(O - O.max(dim=1, keepdim=True).values)
        return E / E.sum()

    def unnormalised(O):
        return torch.exp(O - O.max(dim=1, keepdim=True).values)

    def in_place(O):
        O -= O.max(dim=1, keepdim=True).values
        E = torch.exp(O)
        return E / E.sum(dim=1, keepdim=True)

    assert_diagnosis(outcome(ex.q1, whole_sum), "所有数的总和")
    assert_diagnosis(outcome(ex.q1, unnormalised), "还没有除以每一行的和")
    assert_diagnosis(outcome(ex.q1, in_place), "改动了传进来的 O")
    assert_diagnosis(outcome(ex.q1, lambda O: O.tolist()), "应当是一个张量")
    assert_diagnosis(outcome(ex.q1, lambda O: O[:, :3]), "形状应当是 (4, 10)")


def test_q1_a_crash_is_reported_not_raised():
    def crashes(O):
        return O @ torch.ones(3)

    assert_diagnosis(outcome(ex.q1, crashes), "运行你的代码时出错")


# --- q2: log_softmax ------------------------------------------------------------------

def test_q2_correct_answers():
    for answer in (ex.reference_log_softmax, lambda O: F.log_softmax(O, dim=1),
                   lambda O: O - torch.logsumexp(O, dim=1, keepdim=True)):
        result = outcome(ex.q2, answer)
        assert result.status == CORRECT, result.message


def shifted_log_softmax(shift):
    def log_softmax(O):
        c = shift(O)
        return O - c - torch.log(torch.exp(O - c).sum(dim=1, keepdim=True))
    return log_softmax


@pytest.mark.parametrize("shift, words", [
    (lambda O: O.max(), ["整个张量的最大值"]),
    (lambda O: O.min(dim=1, keepdim=True).values, ["每一行的最小值"]),
    (lambda O: O.mean(dim=1, keepdim=True), ["每一行的平均值"]),
], ids=["global-max", "row-min", "row-mean"])
def test_q2_other_shifts_are_rejected_with_their_own_cause(shift, words):
    result = outcome(ex.q2, shifted_log_softmax(shift))
    assert_diagnosis(result, *words)
    assert "先算出了概率再取 log" not in result.message


def test_q2_log_of_the_stable_softmax_underflows_to_minus_inf():
    assert_diagnosis(outcome(ex.q2, lambda O: torch.log(ex.reference_softmax(O))),
                     "-inf", "先算出了概率再取 log")


def test_q2_without_the_maximum_overflows():
    assert_diagnosis(outcome(ex.q2, lambda O: torch.log(softmax_naive(O))), "1000", "上溢")
    assert_diagnosis(outcome(ex.q2, lambda O: O - torch.log(torch.exp(O).sum(dim=1, keepdim=True))),
                     "1000", "上溢")


def test_q2_probabilities_instead_of_log_probabilities():
    assert_diagnosis(outcome(ex.q2, ex.reference_softmax), "你返回的是概率")


def test_q2_over_the_batch_dimension():
    assert_diagnosis(outcome(ex.q2, lambda O: F.log_softmax(O, dim=0)), "dim=0")


def test_q2_maximum_over_the_wrong_dimension():
    def column_max(O):
        c = O.max(dim=0, keepdim=True).values
        return O - c - torch.log(torch.exp(O - c).sum(dim=1, keepdim=True))

    assert_diagnosis(outcome(ex.q2, column_max), "每一列（dim=0）的最大值")


def test_q2_c_subtracted_once_too_few_or_too_many():
    def forgot_c(O):
        c = O.max(dim=1, keepdim=True).values
        return O - torch.log(torch.exp(O - c).sum(dim=1, keepdim=True))

    def c_twice(O):
        c = O.max(dim=1, keepdim=True).values
        return O - 2 * c - torch.log(torch.exp(O - c).sum(dim=1, keepdim=True))

    assert_diagnosis(outcome(ex.q2, forgot_c), "同一个常数", "漏减")
    assert_diagnosis(outcome(ex.q2, c_twice), "同一个常数", "减了两次")


# --- q3 and q4: predictions against constructed measurements ---------------------------

def runs_of(metric, values):
    """A Runs whose last epoch holds ``metric`` = each of ``values`` (one per seed)."""
    return Runs(range(len(values)), [[{"epoch": 3, metric: v}] for v in values])


def sweep(acc32, acc256, acc2048):
    return {32: runs_of("valid_acc", acc32), 256: runs_of("valid_acc", acc256),
            2048: runs_of("valid_acc", acc2048)}


CLEAR = sweep([0.73, 0.74, 0.72, 0.75, 0.73], [0.66, 0.67, 0.66, 0.68, 0.67],
              [0.52, 0.53, 0.52, 0.51, 0.53])
TIED = sweep([0.73, 0.75, 0.71, 0.74, 0.72], [0.72, 0.74, 0.73, 0.75, 0.71],
             [0.52, 0.53, 0.52, 0.51, 0.53])


def predicted(exercise, prediction, *measured):
    exercise.predict(prediction)
    try:
        return exercise.evaluate(*measured)
    finally:
        exercise.prediction = None


def test_q3_right_prediction_is_correct_and_quotes_the_verdict(capsys):
    result = predicted(ex.q3, 32, CLEAR)
    assert result.status == CORRECT and "最高的正是 批量 32" in result.message


def test_q3_wrong_prediction_reports_the_measurement(capsys):
    result = predicted(ex.q3, 2048, CLEAR)
    assert_diagnosis(result, "最高的是 批量 32", "批量 2048 的验证精度比 批量 32 低",
                     "更新了多少次")


def test_q3_a_prediction_tied_with_the_best_within_noise_counts(capsys):
    best = max(TIED, key=lambda bs: TIED[bs].final("valid_acc").mean)
    other = 256 if best == 32 else 32
    result = predicted(ex.q3, other, TIED)
    assert result.status == CORRECT and "也算对" in result.message
    assert predicted(ex.q3, 2048, TIED).status == INCORRECT


def test_q3_needs_a_prediction_and_a_sweep(capsys):
    ex.q3.prediction = None
    assert outcome(ex.q3, CLEAR).status == NOT_ATTEMPTED
    ex.q3.predict(64)  # not one of the choices: refused, still not attempted
    assert "32, 256, 2048 之一" in capsys.readouterr().out and ex.q3.prediction is None
    assert_diagnosis(predicted(ex.q3, 32, [0.7, 0.6]), "一个字典")
    assert_diagnosis(predicted(ex.q3, 32, {32: 0.7, 256: 0.6}), "d2l.repeat")


def verdicts(loss_last, loss_stopped, acc_last, acc_stopped):
    """The two comparisons the lesson makes: last epoch vs the early-stopping epoch."""
    return (compare(runs_of("valid_loss", loss_last), runs_of("valid_loss", loss_stopped),
                    "valid_loss", names=("最后一轮", "早停选中的一轮"), label="验证损失"),
            compare(runs_of("valid_acc", acc_last), runs_of("valid_acc", acc_stopped),
                    "valid_acc", names=("最后一轮", "早停选中的一轮"), label="验证精度"))


LOSS_UP = ([1.70, 1.62, 1.75, 1.66, 1.68], [1.35, 1.30, 1.40, 1.33, 1.36])
LOSS_FLAT = ([1.36, 1.31, 1.41, 1.32, 1.35], [1.35, 1.30, 1.40, 1.33, 1.36])
ACC_FLAT = ([0.600, 0.585, 0.610, 0.590, 0.598], [0.603, 0.588, 0.606, 0.596, 0.601])
ACC_DOWN = ([0.55, 0.54, 0.56, 0.55, 0.54], [0.60, 0.59, 0.61, 0.60, 0.60])
ACC_UP = ([0.62, 0.63, 0.62, 0.63, 0.62], [0.60, 0.59, 0.61, 0.60, 0.60])


@pytest.mark.parametrize("loss, acc, letter", [
    (LOSS_UP, ACC_FLAT, "B"), (LOSS_UP, ACC_DOWN, "C"), (LOSS_FLAT, ACC_FLAT, "A"),
    (LOSS_FLAT, ACC_DOWN, "D"), (LOSS_UP, ACC_UP, "B"),  # accuracy up is "not clearly worse"
])
def test_q4_each_measurement_matches_exactly_one_prediction(loss, acc, letter, capsys):
    measured = verdicts(*loss, *acc)
    for choice in "ABCD":
        result = predicted(ex.q4, choice, *measured)
        if choice == letter:
            assert result.status == CORRECT and f"也就是 {letter}" in result.message
        else:
            assert_diagnosis(result, f"你预测的是 {choice}", f"也就是 {letter}")


def test_q4_the_diagnosis_quotes_both_verdicts(capsys):
    result = predicted(ex.q4, "C", *verdicts(*LOSS_UP, *ACC_FLAT))
    assert_diagnosis(result, "最后一轮 的验证损失比 早停选中的一轮 高", "验证精度之差",
                     "差别不显著", "训练精度到 1 以后")


def test_q4_needs_two_comparisons(capsys):
    loss_verdict, _ = verdicts(*LOSS_UP, *ACC_FLAT)
    assert_diagnosis(predicted(ex.q4, "B", loss_verdict, 0.6), "d2l.compare", "验证精度那一项")
    ex.q4.prediction = None
    assert outcome(ex.q4, loss_verdict, loss_verdict).status == NOT_ATTEMPTED


def test_q3_runs_that_still_call_validation_accuracy_test_acc_are_the_learners_to_rename(capsys):
    old_names = {bs: runs.renamed(valid_acc="test_acc") for bs, runs in CLEAR.items()}
    result = predicted(ex.q3, 32, old_names)
    assert_diagnosis(result, "test_acc", '.renamed(test_acc="valid_acc")')
    assert "检查程序自己出错了" not in result.message


def test_q4_verdicts_swapped_or_compared_the_wrong_way_round_are_named(capsys):
    loss_verdict, acc_verdict = verdicts(*LOSS_UP, *ACC_FLAT)
    assert_diagnosis(predicted(ex.q4, "B", acc_verdict, loss_verdict), "顺序反了")
    reversed_loss = compare(runs_of("valid_loss", LOSS_UP[1]), runs_of("valid_loss", LOSS_UP[0]),
                            "valid_loss", names=("早停选中的一轮", "最后一轮"), label="验证损失")
    reversed_acc = compare(runs_of("valid_acc", ACC_FLAT[1]), runs_of("valid_acc", ACC_FLAT[0]),
                           "valid_acc", names=("早停选中的一轮", "最后一轮"), label="验证精度")
    assert_diagnosis(predicted(ex.q4, "B", reversed_loss, reversed_acc), "反着比", "最后一轮在前")
    assert_diagnosis(predicted(ex.q4, "B", loss_verdict, reversed_acc), "不是同样的两组")
    assert_diagnosis(predicted(ex.q4, "B", loss_verdict, loss_verdict), "验证精度的判断")


def test_q4_a_loss_verdict_that_is_no_comparison_or_one_that_diverged_is_named(capsys):
    loss_verdict, acc_verdict = verdicts(*LOSS_UP, *ACC_FLAT)
    assert_diagnosis(predicted(ex.q4, "B", 1.7, acc_verdict), "d2l.compare", "验证损失那一项")
    nan_last = [float("nan"), *LOSS_UP[0][1:]]
    diverged = verdicts(nan_last, LOSS_UP[1], *ACC_FLAT)
    assert diverged[0].outcome == "diverged"
    assert_diagnosis(predicted(ex.q4, "B", *diverged), "发散")


# --- where a softmax goes wrong, when no known mistake explains it ------------------------

@pytest.mark.parametrize("case", list(ex._logits()))
@pytest.mark.parametrize("exercise, reference", [(ex.q1, ex.reference_softmax),
                                                 (ex.q2, ex.reference_log_softmax)],
                         ids=["softmax", "log-softmax"])
def test_an_answer_wrong_on_one_kind_of_logits_is_told_which_kind(exercise, reference, case):
    target = ex._logits()[case]

    def right_but_there(O):  # right on every input but ``case``, where its rows come reversed
        return reference(O).flip(1) if torch.equal(O, target) else reference(O)

    assert_diagnosis(outcome(exercise, right_but_there), ex.say(f"where_{case}"))


def test_an_answer_with_nan_where_no_known_mistake_explains_it_is_told_so():
    def shifted_by_500(O):  # exp underflows to 0 on every row near 0: 0 / 0
        E = torch.exp(O - 500)
        return E / E.sum(dim=1, keepdim=True)

    assert_diagnosis(outcome(ex.q1, shifted_by_500), ex.say("where_ordinary"), "nan 或 ±inf")
