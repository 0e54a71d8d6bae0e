"""Lesson 2 exercises (book sections 3.6-3.7): ``from d2l_helpers.exercises import lesson2 as ex``.

q1 and q2 are the lesson's own: a numerically stable softmax and log-softmax, checked on
ordinary logits and on hard ones (huge, far apart, rows at +1000 and -1000, one low
outlier, rows spread over ±1000), on which every shift but the row maximum fails. q3
and q4 are the book's two exercises of section 3.7, asked predict-first and judged
against what the lesson's experiment measured over seeds.
"""
import torch

from d2l_helpers.exercises.core import (
    ExerciseSet,
    Incorrect,
    judge_best,
    need_close,
    need_tensor,
    reject_mistakes,
)
from d2l_helpers.repeats import Comparison, Runs

exercises = ExerciseSet("第 2 课", __name__)
progress = exercises.progress


def reference_softmax(O):
    """Row-wise softmax of ``O`` (batch, classes), with each row's maximum subtracted first."""
    E = torch.exp(O - O.max(dim=1, keepdim=True).values)
    return E / E.sum(dim=1, keepdim=True)


def reference_log_softmax(O):
    """Row-wise log-softmax of ``O`` (batch, classes) by the LogSumExp trick."""
    c = O.max(dim=1, keepdim=True).values
    return O - c - torch.log(torch.exp(O - c).sum(dim=1, keepdim=True))


def _logits():
    """The test inputs, each of shape (4, 10), easy first: ``{name: O}``.

    ``huge``: rows near 1000 (exp overflows); ``far_apart``: entries 100-300 below the
    row's maximum (exp underflows); ``mixed_rows``: rows near +1000 and near -1000 (one
    constant for the whole tensor cannot serve both); ``low_outlier``: one entry 100
    below the rest (the row minimum as the shift overflows); ``wide_rows``: rows
    spread over ±1000 like the lesson's [1000, 0, -1000] (the row mean overflows).
    """
    g = torch.Generator().manual_seed(2)
    ordinary = torch.randn(4, 10, generator=g) * 3
    huge = 1000 + torch.randn(4, 10, generator=g) * 5
    far_apart = torch.randn(4, 10, generator=g)
    far_apart[:, 1::3] -= torch.tensor([100.0, 200.0, 300.0])
    mixed_rows = torch.randn(4, 10, generator=g) + torch.tensor([[1000.0], [-1000.0], [0.0],
                                                                 [500.0]])
    low_outlier = torch.randn(4, 10, generator=g)
    low_outlier[:, 7] -= 100.0
    wide_rows = torch.linspace(1000.0, -1000.0, 10).repeat(4, 1) + torch.randn(4, 10, generator=g)
    return {"ordinary": ordinary, "huge": huge, "far_apart": far_apart,
            "mixed_rows": mixed_rows, "low_outlier": low_outlier, "wide_rows": wide_rows}


_WHERE = {"ordinary": "普通 logits 上", "huge": "logits 都在 1000 附近时",
          "far_apart": "有的 logit 比这一行的最大值小 100 以上时",
          "mixed_rows": "有的行在 +1000 附近、有的行在 -1000 附近时",
          "low_outlier": "一行里有一个 logit 比其他的小 100 时",
          "wide_rows": "一行的 logits 从 1000 铺到 -1000 时（比如 [1000, 0, -1000]）"}


def _call(f, O, name):
    """Run the learner's ``f`` on a copy of ``O``; diagnose shape errors and in-place edits."""
    given = O.clone()
    out = f(given)
    if not torch.equal(given, O):
        raise Incorrect(f"{name}(O) 改动了传进来的 O（比如用了 O -= ... 这样的原地操作）："
                        "调用者的 logits 被悄悄改掉了。用 O - ... 生成新张量。")
    return need_tensor(out, f"{name}(O) 的结果", O.shape).detach().float()


def _normalised(E):
    return E / E.sum(dim=1, keepdim=True)


def _rowmax(O):
    return O.max(dim=1, keepdim=True).values


_OVERFLOW = ("logits 在 1000 附近时，exp 的结果在 float32 里上溢成 inf，inf/inf = nan。取指数之前"
             "先让每一行减去一个常数（用哪个数？回到上面的推导）。")
_SHIFTS = (  # a constant per row (or for all) that is not the row maximum, and why it fails
    (lambda O: O.max(), "你减的是整个张量的最大值（O.max()）：离它很远的那一行整行下溢成 0，"
                        "0/0 = nan。每一行要减去自己的最大值 O.max(dim=1, keepdim=True).values。"),
    (lambda O: O.min(), "你减的是整个张量的最小值：最大的那一行减完还在 +2000 附近，exp 上溢成 inf。"
                        "每一行要减去自己的最大值 O.max(dim=1, keepdim=True).values。"),
    (lambda O: O.min(dim=1, keepdim=True).values,
     "你减的是每一行的最小值：只要一行里的数相差超过 88，最大的那一项减完仍大于 88，exp 在 "
     "float32 里上溢成 inf（inf/inf = nan）。减去每一行的最大值，最大的一项才是 exp(0) = 1。"),
    (lambda O: O.mean(dim=1, keepdim=True),
     "你减的是每一行的平均值：在 [1000, 0, -1000] 这样的一行里，最大的一项减完还是 1000，"
     "exp(1000) 上溢成 inf。减去每一行的最大值，最大的一项才是 exp(0) = 1。"),
)

# Known wrong softmaxes (a function of O) and their diagnoses, most specific first.
_SOFTMAX_MISTAKES = (
    (lambda O: torch.log_softmax(O, dim=1), "你返回的是 log 概率（log_softmax），这里要的是概率"
                                            "本身：每个数在 0 和 1 之间，每一行的和为 1。"),
    (lambda O: torch.softmax(O, dim=0), "你的结果每一列的和为 1，每一行却不是：你在批量维度"
                                        "（dim=0）上做了归一化。O 的每一行是一个样本，softmax 要在"
                                        "每一行的 10 个类别之间归一化（dim=1）。"),
    (lambda O: torch.exp(O - _rowmax(O)) / torch.exp(O - _rowmax(O)).sum(dim=0, keepdim=True),
     "你的结果每一列的和为 1，每一行却不是：求和用了批量维度（dim=0）。每一行要除以这一行自己的和"
     "（sum(dim=1, keepdim=True)）。"),
    (lambda O: torch.exp(O - _rowmax(O)) / torch.exp(O - _rowmax(O)).sum(),
     "整个结果加起来是 1，但每一行不是：你除以的是所有数的总和。每一行要除以这一行自己的和"
     "（sum(dim=1, keepdim=True)）。"),
    (lambda O: torch.exp(O - _rowmax(O)),
     "你算出了 exp(O - 最大值)，但还没有除以每一行的和，所以每一行的和不是 1。"),
    (lambda O: _normalised(torch.exp(O - O.max(dim=0, keepdim=True).values)),
     "每一行的和是 1，数值却不对：你减的是每一列（dim=0）的最大值。同一行里不同的类别减去了"
     "不同的数，softmax 就变了；只有整行减去同一个数才不改变结果。"),
    *((lambda O, shift=shift: _normalised(torch.exp(O - shift(O))), why) for shift, why in _SHIFTS),
    (lambda O: _normalised(torch.exp(O)), _OVERFLOW),
)


def _log_softmax_shifted(O, c):
    return O - c - torch.log(torch.exp(O - c).sum(dim=1, keepdim=True))


_LSE = "对照公式 o_j - c - log Σ exp(o_k - c)"
_LOG_SOFTMAX_MISTAKES = (
    (lambda O: reference_softmax(O), "你返回的是概率（softmax），这里要的是它的对数：log 概率都 "
                                     "≤ 0，exp 之后每一行的和为 1。"),
    (lambda O: torch.log_softmax(O, dim=0), "exp(你的结果) 每一列的和为 1，每一行却不是：你在批量"
                                            "维度（dim=0）上求了最大值/求和。每一行是一个样本，"
                                            "LogSumExp 要沿着类别（dim=1）算。"),
    (lambda O: _log_softmax_shifted(O, _rowmax(O)) + _rowmax(O),
     f"每一行都和正确结果差了同一个常数 c（这一行的最大值），exp 之后每一行的和就不是 1 了。"
     f"{_LSE}：c 漏减了一次。"),
    (lambda O: _log_softmax_shifted(O, _rowmax(O)) - _rowmax(O),
     f"每一行都和正确结果差了同一个常数 c（这一行的最大值）。{_LSE}：c 减了两次。"),
    (lambda O: _log_softmax_shifted(O, O.max(dim=0, keepdim=True).values),
     "exp(你的结果) 每一行的和是 1，数值却不对：你减的是每一列（dim=0）的最大值。"
     "同一行里的类别必须减去同一个数 c = 这一行的最大值。"),
    (lambda O: torch.log(reference_softmax(O)),
     "比这一行的最大值小 100 以上的 logit，你的结果是 -inf，应当是一个有限的负数（大约 -100、"
     "-200、-300）：你先算出了概率再取 log，exp(-200) 下溢成 0，log 0 = -inf。用 log 和 exp "
     "相互抵消后的公式，那一项直接就是 o_j - c，根本不用取指数。"),
    *((lambda O, shift=shift: _log_softmax_shifted(O, shift(O)), why) for shift, why in _SHIFTS),
    (lambda O: torch.log(_normalised(torch.exp(O))), "exp(1000) 上溢成 inf。先减去每一行的最大值"
                                                    " c，再取指数。"),
    (lambda O: O - torch.log(torch.exp(O).sum(dim=1, keepdim=True)),
     "exp(1000) 上溢成 inf。先减去每一行的最大值 c，再取指数。"),
)


def _check_rows(f, name, reference, mistakes, atol):
    """Run ``f`` on every test input; name the known mistake whose outputs it reproduces on
    all of them, else say on which input it first goes wrong."""
    cases = _logits()
    got = {case: _call(f, O, name) for case, O in cases.items()}
    expected = {case: reference(O) for case, O in cases.items()}
    wrong = [case for case in cases
             if not torch.allclose(got[case], expected[case], atol=atol, rtol=1e-4)]
    if not wrong:
        return
    reject_mistakes(got, cases, mistakes)
    case = wrong[0]
    if not torch.isfinite(got[case]).all():
        raise Incorrect(f"{_WHERE[case]}你的结果里出现了 nan 或 ±inf（正确结果都是有限的数）。"
                        "减去的常数必须是每一行自己的最大值：只有它保证最大的一项是 "
                        "exp(0) = 1，既不上溢也不会整行下溢成 0。")
    need_close(got[case], expected[case], f"{name}(O) {_WHERE[case]}", atol=atol)


@exercises.code()
def q1(softmax_stable):
    _check_rows(softmax_stable, "softmax_stable", reference_softmax, _SOFTMAX_MISTAKES, 1e-5)
    return ("每一行减去这一行的最大值再取指数：最大的一项是 exp(0) = 1，不会上溢；"
            "结果和 torch.softmax(O, dim=1) 一致，在 [1000, 0, -1000] 这样的行上也是。")


@exercises.code()
def q2(log_softmax_stable):
    _check_rows(log_softmax_stable, "log_softmax_stable", reference_log_softmax,
                _LOG_SOFTMAX_MISTAKES, 1e-3)
    return ("log 概率 = o_j - c - log Σ exp(o_k - c)：第一项不用取指数，所以不会下溢成 -inf；"
            "求和里最大的一项是 exp(0) = 1，不会上溢。结果和 F.log_softmax(O, dim=1) 一致。")


def _batch(size):
    return f"批量 {size}"


def _need_valid_acc(measured):
    """Runs that record validation accuracy as ``test_acc`` (train_ch3's name for its third
    loader) are the learner's to rename, not the checker's to fail on."""
    for key, runs in (measured.items() if isinstance(measured, dict) else ()):
        if isinstance(runs, Runs) and "valid_acc" not in runs.metrics() and "test_acc" in runs.metrics():
            raise Incorrect(f"{_batch(key)} 的运行里没有 valid_acc，只有 test_acc：train_ch3 把第三个 "
                            "loader 的精度叫 test_acc，这里传进去的是验证集。像上面的 softmax_run 那样，"
                            "对 d2l.repeat 的结果调用 .renamed(test_acc=\"valid_acc\")，再运行实验和检查。")


@exercises.prediction(choices=(32, 256, 2048))
def q3(prediction, measured):
    _need_valid_acc(measured)
    return judge_best(prediction, measured, "valid_acc", describe=_batch, why=lambda p, best: (
        "想一想：轮数固定时，每种批量在这几轮里一共更新了多少次参数？（ex.q3.hint()）"))


OVERFIT_CHOICES = {
    "A": "验证损失和验证精度都没有明显变差",
    "B": "验证损失明显变差，验证精度没有明显变差",
    "C": "验证损失和验证精度都明显变差",
    "D": "验证精度明显变差，验证损失没有明显变差",
}


def _worse(verdict, what):
    """Whether ``verdict`` (last epoch vs the early-stopping epoch) says 'clearly worse'."""
    if not isinstance(verdict, Comparison):
        raise Incorrect(f"ex.q4.check 需要两个 d2l.compare(...) 的结果（先损失、后精度），"
                        f"{what}给出的是 {type(verdict).__name__}。")
    if verdict.outcome == "diverged":
        raise Incorrect(f"{what}的比较里有种子发散了：{verdict}。")
    return verdict.outcome == ("higher" if "loss" in verdict.metric else "lower")


def _in_order(loss_verdict, acc_verdict):
    """The two verdicts as the lesson makes them: the loss first, the accuracy second, both
    ``compare(last epoch, early-stopping epoch)``; a swapped or reversed pair is named."""
    for verdict, what in ((loss_verdict, "验证损失那一项"), (acc_verdict, "验证精度那一项")):
        if not isinstance(verdict, Comparison):
            raise Incorrect(f"ex.q4.check 需要两个 d2l.compare(...) 的结果（先损失、后精度），"
                            f"{what}给出的是 {type(verdict).__name__}。")
    if "loss" not in loss_verdict.metric and "loss" in acc_verdict.metric:
        raise Incorrect("两个判断的顺序反了：写成 ex.q4.check(loss_verdict, acc_verdict)，先验证损失、"
                        "后验证精度。")
    if "loss" not in loss_verdict.metric or "acc" not in acc_verdict.metric:
        raise Incorrect(f"ex.q4.check 需要一个验证损失的判断和一个验证精度的判断，收到的是 "
                        f"{loss_verdict.metric!r} 和 {acc_verdict.metric!r} 的判断。")
    if loss_verdict.outcome != "diverged" and loss_verdict.difference < 0:
        # the early-stopping epoch has the lowest validation loss of each seed by construction
        raise Incorrect("验证损失的判断是反着比的：验证损失最低的那一轮不可能比最后一轮的验证损失高。"
                        "写成 d2l.compare(最后一轮, 验证损失最低的一轮, ...)，最后一轮在前。")
    if loss_verdict.names != acc_verdict.names:
        raise Incorrect(f"两个判断比的不是同样的两组：{loss_verdict.names} 和 {acc_verdict.names}。"
                        "两个都写成 d2l.compare(最后一轮, 验证损失最低的一轮, ...)。")


@exercises.prediction(choices=tuple(OVERFIT_CHOICES))
def q4(prediction, loss_verdict, acc_verdict):
    """Verdicts compare the last epoch (first) with the early-stopping epoch (second)."""
    _in_order(loss_verdict, acc_verdict)
    loss_worse = _worse(loss_verdict, "验证损失那一项")
    acc_worse = _worse(acc_verdict, "验证精度那一项")
    measured = {(False, False): "A", (True, False): "B", (True, True): "C",
                (False, True): "D"}[loss_worse, acc_worse]
    found = f"实验测得：{loss_verdict}；{acc_verdict}。也就是 {measured}：{OVERFIT_CHOICES[measured]}。"
    if prediction != measured:
        raise Incorrect(f"你预测的是 {prediction}（{OVERFIT_CHOICES[prediction]}）。{found}"
                        "想一想：训练精度到 1 以后，模型还在改变什么？（ex.q4.hint()）")
    return found
