"""Lesson 2 exercises (book sections 3.6-3.7): ``from d2l_helpers.exercises import lesson2 as ex``.

q1 and q2 are the lesson's own: a numerically stable softmax and log-softmax, checked on
ordinary and huge logits. q3 and q4 are the book's two exercises of section 3.7, asked
predict-first and judged against what the lesson's experiment measured over seeds.
"""
import torch

from d2l_helpers.exercises.core import ExerciseSet, Incorrect, need_close, need_tensor
from d2l_helpers.repeats import Comparison, Runs, compare

exercises = ExerciseSet("第 2 课")
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
    """Test inputs: (name, O) pairs, each of shape (4, 10): 4 examples, 10 classes.

    ``ordinary`` are everyday logits; ``huge`` rows all sit near 1000 (exp overflows);
    ``far_apart`` has entries 100-300 below their row's maximum (exp underflows);
    ``mixed_rows`` has rows near +1000 and near -1000 (one constant cannot serve both).
    """
    g = torch.Generator().manual_seed(2)
    ordinary = torch.randn(4, 10, generator=g) * 3
    huge = 1000 + torch.randn(4, 10, generator=g) * 5
    far_apart = torch.randn(4, 10, generator=g)
    far_apart[:, 1::3] -= torch.tensor([100.0, 200.0, 300.0])
    mixed_rows = torch.randn(4, 10, generator=g) + torch.tensor([[1000.0], [-1000.0], [0.0],
                                                                 [500.0]])
    return ordinary, huge, far_apart, mixed_rows


def _call(f, O, name):
    """Run the learner's ``f`` on a copy of ``O``; diagnose shape errors and in-place edits."""
    given = O.clone()
    try:
        out = f(given)
    except RuntimeError as err:
        if "must match the size" in str(err):
            raise Incorrect(f"{name}(O) 报形状错误：{err}。按行求最大值或求和后，结果的形状是 "
                            "(批量,)，不能和 (批量, 类别) 的 O 逐行相减/相除：加上 "
                            "keepdim=True，让它保持 (批量, 1)。") from None
        raise
    if not torch.equal(given, O):
        raise Incorrect(f"{name}(O) 改动了传进来的 O（比如用了 O -= ... 这样的原地操作）："
                        "调用者的 logits 被悄悄改掉了。用 O - ... 生成新张量。")
    return need_tensor(out, f"{name}(O) 的结果", O.shape).detach().float()


def _rows_sum_to_one(P):
    return torch.allclose(P.sum(dim=1), torch.ones(P.shape[0]), atol=1e-4)


def _columns_sum_to_one(P):
    return torch.allclose(P.sum(dim=0), torch.ones(P.shape[1]), atol=1e-4)


def _shifted_by_column_max(O):
    """The softmax a learner gets by subtracting each column's maximum (dim=0)."""
    E = torch.exp(O - O.max(dim=0, keepdim=True).values)
    return E / E.sum(dim=1, keepdim=True)


_GLOBAL_MAX_NOTE = ("另外注意：你的函数在“有的行在 +1000 附近、有的行在 -1000 附近”的输入上得到了 "
                    "{bad}。看起来你减的是整个张量的最大值：数学上没错，这里的检查也算你对；"
                    "但离这个最大值很远的那一行会整行下溢成 0，0/0 = nan。每一行减去自己的最大值"
                    "（max(dim=1, keepdim=True)）就没有这个问题。")


def _check_softmax(softmax_stable):
    ordinary, huge, _, mixed_rows = _logits()
    P = _call(softmax_stable, ordinary, "softmax_stable")
    expected = reference_softmax(ordinary)
    if torch.allclose(P, torch.log_softmax(ordinary, dim=1), atol=1e-4):
        raise Incorrect("你返回的是 log 概率（log_softmax），这里要的是概率本身：每个数在 0 和 1 "
                        "之间，每一行的和为 1。")
    if _columns_sum_to_one(P) and not _rows_sum_to_one(P):
        raise Incorrect("你的结果每一列的和为 1，每一行却不是：你在批量维度（dim=0）上做了归一化。"
                        "O 的每一行是一个样本，softmax 要在每一行的 10 个类别之间归一化（dim=1）。")
    if abs(float(P.sum()) - 1) < 1e-4 and not _rows_sum_to_one(P):
        raise Incorrect("整个结果加起来是 1，但每一行不是：你除以的是所有数的总和。"
                        "每一行要除以这一行自己的和（sum(dim=1, keepdim=True)）。")
    if torch.allclose(P, torch.exp(ordinary - ordinary.max(dim=1, keepdim=True).values),
                      atol=1e-5):
        raise Incorrect("你算出了 exp(O - 最大值)，但还没有除以每一行的和，所以每一行的和不是 1。")
    if torch.allclose(P, _shifted_by_column_max(ordinary), atol=1e-5):
        raise Incorrect("每一行的和是 1，数值却不对：你减的是每一列（dim=0）的最大值。同一行里"
                        "不同的类别减去了不同的数，softmax 就变了；只有整行减去同一个数才不改变结果。")
    need_close(P, expected, "softmax_stable(O) 在普通 logits 上")
    P = _call(softmax_stable, huge, "softmax_stable")
    if not torch.isfinite(P).all():
        raise Incorrect("普通 logits 上结果正确，但 logits 都在 1000 附近时出现了 nan/inf："
                        "exp(1000) 在 float32 里上溢成 inf，inf/inf = nan。取指数之前先让每个数"
                        "减去一个常数（用哪个数？回到上面的推导）。")
    need_close(P, reference_softmax(huge), "softmax_stable(O) 在很大的 logits 上")
    P = _call(softmax_stable, mixed_rows, "softmax_stable")
    note = ("每一行减去这一行的最大值再取指数：最大的一项是 exp(0) = 1，不会上溢；"
            "结果和 torch.softmax(O, dim=1) 一致。")
    if not torch.isfinite(P).all():
        return note + _GLOBAL_MAX_NOTE.format(bad="nan")
    need_close(P, reference_softmax(mixed_rows), "softmax_stable(O) 在各行大小悬殊的 logits 上")
    return note


def _check_log_softmax(log_softmax_stable):
    ordinary, huge, far_apart, mixed_rows = _logits()
    L = _call(log_softmax_stable, ordinary, "log_softmax_stable")
    expected = reference_log_softmax(ordinary)
    if torch.allclose(L, reference_softmax(ordinary), atol=1e-5):
        raise Incorrect("你返回的是概率（softmax），这里要的是它的对数：log 概率都 ≤ 0，"
                        "exp 之后每一行的和为 1。")
    if torch.isfinite(L).all() and _columns_sum_to_one(torch.exp(L)) and not _rows_sum_to_one(
            torch.exp(L)):
        raise Incorrect("exp(你的结果) 每一列的和为 1，每一行却不是：你在批量维度（dim=0）上"
                        "求了最大值/求和。每一行是一个样本，LogSumExp 要沿着类别（dim=1）算。")
    offset = L - expected
    if torch.isfinite(offset).all() and torch.allclose(offset, offset[:, :1].expand_as(L),
                                                         atol=1e-4) and offset.abs().max() > 1e-3:
        raise Incorrect(f"每一行都和正确结果差了同一个常数（第 1 行差 {float(offset[0, 0]):.3g}）："
                        "exp 之后每一行的和就不是 1 了。对照公式 o_j - c - log Σ exp(o_k - c)，"
                        "看看 c 是不是漏减了一次，或者减了两次。")
    if torch.allclose(L, torch.log(_shifted_by_column_max(ordinary)), atol=1e-4):
        raise Incorrect("exp(你的结果) 每一行的和是 1，数值却不对：你减的是每一列（dim=0）的最大值。"
                        "同一行里的类别必须减去同一个数 c = 这一行的最大值。")
    need_close(L, expected, "log_softmax_stable(O) 在普通 logits 上")
    L = _call(log_softmax_stable, huge, "log_softmax_stable")
    if not torch.isfinite(L).all():
        raise Incorrect("普通 logits 上结果正确，但 logits 都在 1000 附近时出现了 nan 或 ±inf："
                        "exp(1000) 上溢成 inf。先减去每一行的最大值 c，再取指数。")
    need_close(L, reference_log_softmax(huge), "log_softmax_stable(O) 在很大的 logits 上",
               atol=1e-3)
    L = _call(log_softmax_stable, far_apart, "log_softmax_stable")
    if (L == float("-inf")).any():
        raise Incorrect("有的 logit 比这一行的最大值小 100 以上，你的结果在那里是 -inf，应当是"
                        "一个有限的负数（大约 -100、-200、-300）：你先算出了概率再取 log，"
                        "exp(-200) 下溢成 0，log 0 = -inf。用 log 和 exp 相互抵消后的公式，"
                        "那一项直接就是 o_j - c，根本不用取指数。")
    need_close(L, reference_log_softmax(far_apart), "log_softmax_stable(O) 在相差很大的 logits 上",
               atol=1e-3)
    L = _call(log_softmax_stable, mixed_rows, "log_softmax_stable")
    note = ("log 概率 = o_j - c - log Σ exp(o_k - c)：第一项不用取指数，所以不会下溢成 -inf；"
            "求和里最大的一项是 exp(0) = 1，不会上溢。结果和 F.log_softmax(O, dim=1) 一致。")
    if not torch.isfinite(L).all():
        return note + _GLOBAL_MAX_NOTE.format(bad="inf 或 nan")
    need_close(L, reference_log_softmax(mixed_rows), "log_softmax_stable(O) 在各行大小悬殊的 logits 上",
               atol=1e-3)
    return note


q1 = exercises.add(
    "q1", "练习 1（数值稳定的 softmax）", _check_softmax,
    hints=["上面的推导说：每一行的所有 logits 减去同一个常数，softmax 不变。选哪个常数，"
           "才能让 exp 的结果最大也只有 1？",
           "O 的形状是 (批量, 类别)：每一行是一个样本。每一行的最大值是 "
           "O.max(dim=1, keepdim=True).values，形状 (批量, 1)，能和 O 逐行相减。",
           "E = torch.exp(O - 每一行的最大值)；再让每一行除以这一行的和："
           "E / E.sum(dim=1, keepdim=True)。"],
    starter='''def softmax_stable(O):
    """O 的形状是 (批量大小, 类别数)，每一行是一个样本的 logits。
    返回同形状的概率：每一行非负、和为 1；logits 很大（比如 1000）时也不能出现 inf 或 nan。"""
    return ____

ex.q1.check(softmax_stable)''',
    solution_code='''def softmax_stable(O):
    """O 的形状是 (批量大小, 类别数)，每一行是一个样本的 logits。
    返回同形状的概率：每一行非负、和为 1；logits 很大（比如 1000）时也不能出现 inf 或 nan。"""
    E = torch.exp(O - O.max(dim=1, keepdim=True).values)
    return E / E.sum(dim=1, keepdim=True)

ex.q1.check(softmax_stable)''',
    explanation="每一行减去这一行的最大值之后，最大的指数是 exp(0) = 1，分母至少是 1，既不会上溢"
                "也不会出现 0/0；又因为整行减去的是同一个数，softmax 的值不变。两处都按 dim=1 "
                "（类别）计算并 keepdim=True，形状 (批量, 1) 才能和 (批量, 类别) 逐行广播。"
                "常见错误：忘了减最大值（大 logits 上 inf/inf = nan）；按 dim=0 归一化（那是在"
                "批量里的样本之间分概率）；减去每一列的最大值（同一行减了不同的数，结果就变了）。",
)

q2 = exercises.add(
    "q2", "练习 2（数值稳定的 log_softmax）", _check_log_softmax,
    hints=["不要先算概率再取 log：概率一旦下溢成 0，log 0 = -inf 就再也救不回来。"
           "把 log 和 exp 抵消掉，写成不需要对每一项取指数的形式。",
           "log ŷ_j = o_j - c - log Σ_k exp(o_k - c)，其中 c 是这一行的最大值。"
           "第一项根本不用取指数。",
           "c = O.max(dim=1, keepdim=True).values；"
           "返回 O - c - torch.log(torch.exp(O - c).sum(dim=1, keepdim=True))。"],
    starter='''def log_softmax_stable(O):
    """O 的形状是 (批量大小, 类别数)。返回同形状的 log 概率 log(softmax(O))，按行计算；
    即使某个概率小到在 float32 里下溢成 0，它的 log 也要是一个有限的负数，而不是 -inf。"""
    return ____

ex.q2.check(log_softmax_stable)''',
    solution_code='''def log_softmax_stable(O):
    """O 的形状是 (批量大小, 类别数)。返回同形状的 log 概率 log(softmax(O))，按行计算；
    即使某个概率小到在 float32 里下溢成 0，它的 log 也要是一个有限的负数，而不是 -inf。"""
    c = O.max(dim=1, keepdim=True).values
    return O - c - torch.log(torch.exp(O - c).sum(dim=1, keepdim=True))

ex.q2.check(log_softmax_stable)''',
    explanation="log softmax(o)_j = o_j - c - log Σ_k exp(o_k - c)，c 取这一行的最大值。第一项 "
                "o_j - c 不经过 exp，所以比最大值小 200 的 logit 得到的是 -200 而不是 log 0 = -inf；"
                "求和里最大的一项是 exp(0) = 1，和至少是 1，log 不会是 -inf，也不会上溢。"
                "c + log Σ exp(o_k - c) 就是 LogSumExp，torch.logsumexp 算的正是它，所以也可以写 "
                "O - torch.logsumexp(O, dim=1, keepdim=True)。",
)


def _batch_runs(measured):
    if not isinstance(measured, dict) or not measured:
        raise Incorrect(f"ex.q3.check 需要一个字典 {{批量大小: d2l.repeat 的结果}}，"
                        f"你给出的是 {type(measured).__name__}。")
    for key, runs in measured.items():
        if not isinstance(runs, Runs) or len(runs) < 2:
            raise Incorrect(f"批量 {key} 对应的应当是 d2l.repeat(..., seeds=...) 的结果"
                            "（至少 2 个种子），你给出的是 "
                            f"{type(runs).__name__}。")
    return measured


def _check_batch_prediction(prediction, measured, metric="test_acc"):
    """``measured``: {batch size: Runs}; ``metric`` is the validation accuracy in the history."""
    runs = _batch_runs(measured)
    if prediction not in runs:
        raise Incorrect(f"实验里没有批量 {prediction!r}：实验比较的是 {sorted(runs)}。")
    best = max(runs, key=lambda key: runs[key].final(metric).mean)
    if prediction == best:
        others = [key for key in runs if key != best]
        closest = max(others, key=lambda key: runs[key].final(metric).mean)
        verdict = compare(runs[best], runs[closest], metric,
                          names=(f"批量 {best}", f"批量 {closest}"), label="验证精度")
        if verdict.outcome == "noise":
            return f"批量 {best} 的平均验证精度最高，不过{verdict}。"
        return f"实验测得批量 {best} 的验证精度最高：{verdict}。"
    verdict = compare(runs[best], runs[prediction], metric,
                      names=(f"批量 {best}", f"批量 {prediction}"), label="验证精度")
    if verdict.outcome == "noise":
        return (f"批量 {best} 的平均验证精度最高，但 {verdict}：你的预测和它分不出高下，算你对。")
    raise Incorrect(f"你预测批量 {prediction} 最好，实验测得：{verdict}。想一想：轮数固定时，"
                    "每种批量在这几轮里一共更新了多少次参数？（ex.q3.hint()）")


q3 = exercises.add(
    "q3", "练习 3（批量大小、学习率、轮数）", _check_batch_prediction,
    hints=["先数一数：1.2 万张训练图、训练 3 轮，批量 32 / 256 / 2048 各更新参数多少次？",
           "批量 32 每轮更新 375 次，批量 2048 每轮只有 6 次。每次更新的方向，"
           "大批量更准一些，但学习率相同时每一步走的距离差不多。",
           "轮数很少、学习率相同的时候，更新次数多的那个走得更远；批量很小的代价是"
           "每轮更慢、每一步更吵（看看它的误差带）。"],
    starter='''# 学习率 0.1、训练 3 轮，批量大小取 32、256、2048：哪一个的验证精度最高？
prediction = ____   # 32、256 或 2048
ex.q3.predict(prediction)''',
    solution_code='''# 学习率 0.1、训练 3 轮，批量大小取 32、256、2048：哪一个的验证精度最高？
prediction = 32   # 32、256 或 2048
ex.q3.predict(prediction)''',
    explanation="轮数固定时，批量越小，每轮更新参数的次数越多：1.2 万张图上，批量 32 每轮更新 375 次，"
                "批量 2048 只有 6 次。学习率相同、只训练几轮的时候，更新次数多的走得更远，所以批量 32 "
                "的验证精度最高。代价是每轮要算更多次、每一步的梯度更吵；给大批量更多轮或更大的"
                "学习率，差距会缩小。学习率也是一样的道理：太小（0.01）几轮里走不了多远，太大"
                "（1.0）每一步都跨过头，训练损失降不下去。这些都要在验证集上比，并且比多个种子。",
    predict=True, choices=(32, 256, 2048),
)

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
    worse = "higher" if "loss" in verdict.metric else "lower"
    return verdict.outcome == worse


def _check_overfit_prediction(prediction, loss_verdict, acc_verdict):
    """Verdicts compare the last epoch (first) with the early-stopping epoch (second)."""
    loss_worse = _worse(loss_verdict, "验证损失那一项")
    acc_worse = _worse(acc_verdict, "验证精度那一项")
    measured = {(False, False): "A", (True, False): "B", (True, True): "C",
                (False, True): "D"}[loss_worse, acc_worse]
    found = f"实验测得：{loss_verdict}；{acc_verdict}。也就是 {measured}：{OVERFIT_CHOICES[measured]}。"
    if prediction != measured:
        raise Incorrect(f"你预测的是 {prediction}（{OVERFIT_CHOICES[prediction]}）。{found}"
                        "想一想：训练精度到 1 以后，模型还在改变什么？（ex.q4.hint()）")
    return found


q4 = exercises.add(
    "q4", "练习 4（轮数多了为什么会变差，怎么办）", _check_overfit_prediction,
    hints=["200 张训练图、7850 个参数：训练集很快就能全部分对。之后每一步还在做什么？"
           "交叉熵还能怎样继续变小？",
           "训练集全对以后，交叉熵还能靠“更有把握”继续下降：权重越来越大，softmax 越来越尖。"
           "对验证集上分错的那些图，它也越来越有把握地错。",
           "精度只看 argmax 对不对，对“有多大把握”不敏感；损失对过度自信的错误惩罚很重。"
           "所以两者不一定同时变差：看上面两条判断分别说了什么。"],
    starter='''# 只用 200 张训练图，训练 200 轮。和验证损失最低的那一轮相比，
# 最后一轮在验证集上会怎样？（“明显”= 超过 2 倍标准误差）
#   'A' 验证损失和验证精度都没有明显变差
#   'B' 验证损失明显变差，验证精度没有明显变差
#   'C' 验证损失和验证精度都明显变差
#   'D' 验证精度明显变差，验证损失没有明显变差
prediction = ____   # 'A'、'B'、'C' 或 'D'
ex.q4.predict(prediction)''',
    solution_code='''# 只用 200 张训练图，训练 200 轮。和验证损失最低的那一轮相比，
# 最后一轮在验证集上会怎样？（“明显”= 超过 2 倍标准误差）
#   'A' 验证损失和验证精度都没有明显变差
#   'B' 验证损失明显变差，验证精度没有明显变差
#   'C' 验证损失和验证精度都明显变差
#   'D' 验证精度明显变差，验证损失没有明显变差
prediction = 'B'   # 'A'、'B'、'C' 或 'D'
ex.q4.predict(prediction)''',
    explanation="200 张图很快就被全部分对；之后交叉熵只能靠“更有把握”继续下降，权重越长越大，"
                "模型对验证集上分错的图也越来越自信，于是验证损失在最低点之后回升——这就是过拟合，"
                "在损失上最先、最清楚地看到。精度只看 argmax，在替身数据上它的变化在噪声以内"
                "（书中在真实数据上说的“测试精度下降”，在这里小到测不出）。解决办法：早停——"
                "每轮在验证集上评估，保留验证损失最低那一轮的参数（轮数在验证集上选，测试集最后只看"
                "一次）；更多训练数据；正则化（权重衰减，第 4.5 节；暂退法，第 4.6 节）。",
    predict=True, choices=tuple(OVERFIT_CHOICES),
)
