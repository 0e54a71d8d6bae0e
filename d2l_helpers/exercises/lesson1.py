"""Lesson 1 exercises (book section 4.1): ``from d2l_helpers.exercises import lesson1 as ex``."""
import torch

from d2l_helpers.exercises.core import ExerciseSet, Incorrect, need_close, need_tensor

exercises = ExerciseSet("第 1 课")
progress = exercises.progress


def _check_prelu_grad(prelu_grad):
    x = torch.linspace(-3, 3, 600)  # an even count: no point is exactly 0
    for alpha in (0.25, 0.1):
        got = need_tensor(prelu_grad(x, alpha), f"prelu_grad(x, alpha={alpha}) 的结果", x.shape)
        got = got.detach().float()
        negative, positive = got[x < 0], got[x > 0]
        if torch.allclose(negative, torch.zeros_like(negative)):
            raise Incorrect("x < 0 时你的导数是 0，那是 ReLU 的导数：pReLU 在负半轴还有一个"
                            "小斜率。看看 pReLU(x) = max(0, x) + α·min(0, x) 在 x < 0 时等于什么。")
        if torch.allclose(got, torch.where(x > 0, x, alpha * x)):
            raise Incorrect("你返回的是 pReLU 的函数值，不是导数（斜率）。")
        if torch.allclose(negative, torch.ones_like(negative)) and torch.allclose(
                positive, torch.full_like(positive, alpha)):
            raise Incorrect("正负两半弄反了：x > 0 时 pReLU(x) = x，斜率是多少？")
        if alpha != 0.1 and torch.allclose(negative, torch.full_like(negative, 0.1)):
            raise Incorrect(f"alpha={alpha} 时你在 x < 0 处给出的还是 0.1：用参数 alpha，"
                            "不要写死 0.1。")
        need_close(got, torch.where(x > 0, torch.ones_like(x), torch.full_like(x, alpha)),
                   f"prelu_grad(x, alpha={alpha})")
    return "x > 0 时斜率 1，x < 0 时斜率 α；x = 0 处左右斜率不等，不可导。"


q1 = exercises.add(
    "q1", "练习 1（pReLU 的导数）", _check_prelu_grad,
    hints=["pReLU 是分段线性的：分别看 x > 0 和 x < 0 两段，每段都是一条直线，导数就是它的斜率。",
           "x > 0 时 pReLU(x) = x；x < 0 时 pReLU(x) = α·x。",
           "torch.where(x > 0, a, b) 按条件逐元素地从 a 或 b 里取值；torch.full_like(x, alpha) "
           "得到与 x 同形状、全是 alpha 的张量。"],
    starter='''def prelu_grad(x, alpha=0.1):
    """pReLU(x) = max(0, x) + alpha * min(0, x) 在 x 处的导数（x 里没有 0）。"""
    return ____

ex.q1.check(prelu_grad)''',
    solution_code='''def prelu_grad(x, alpha=0.1):
    """pReLU(x) = max(0, x) + alpha * min(0, x) 在 x 处的导数（x 里没有 0）。"""
    return torch.where(x > 0, torch.ones_like(x), torch.full_like(x, alpha))

ex.q1.check(prelu_grad)''',
    explanation="x > 0 时 pReLU(x) = x，斜率 1；x < 0 时 pReLU(x) = αx，斜率 α。x = 0 处左边斜率 α、"
                "右边斜率 1，α ≠ 1 时不相等，所以不可导（PyTorch 在那里取其中一边的值）。"
                "常见错误是把负半轴的导数写成 0：那是 ReLU，pReLU 正是为了让负输入也传回一点梯度。",
)
