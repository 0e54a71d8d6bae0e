"""Lesson 1 exercises (book section 4.1): ``from d2l_helpers.exercises import lesson1 as ex``.

The book's four: q1 the derivative of pReLU, q2 where a ReLU unit bends (the step that
makes a ReLU network continuous and piecewise linear; ``reference_kinks`` carries the
lesson on until the learner's passes), q3 tanh from sigmoid, q4 a nonlinearity over the
whole minibatch (predict first, then measure).
"""
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
        if torch.allclose(got, torch.ones_like(got)):
            raise Incorrect("你给出的导数处处是 1，那是 y = x 的导数：x < 0 时 pReLU 的斜率是多少？")
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


# --- exercise 2: where a ReLU unit bends ------------------------------------------------

def reference_kinks(layer):
    """Where each unit of ``layer`` (nn.Linear(1, N), then ReLU) bends: x = -b / w, shape (N,)."""
    return (-layer.bias / layer.weight[:, 0]).detach()


def _layers_for_kinks():
    """nn.Linear(1, N) layers with known weights (both signs, none near 0)."""
    generator = torch.Generator().manual_seed(4)
    layers = []
    for n in (5, 16):
        layer = torch.nn.Linear(1, n)
        with torch.no_grad():
            magnitude = 0.5 + torch.rand(n, 1, generator=generator)
            sign = torch.where(torch.rand(n, 1, generator=generator) < 0.5, -1.0, 1.0)
            layer.weight.copy_(magnitude * sign)
            layer.bias.copy_(torch.randn(n, generator=generator))
        layers.append(layer)
    return layers


def _check_kinks(kinks):
    for layer in _layers_for_kinks():
        n = layer.out_features
        w, b = layer.weight.detach()[:, 0], layer.bias.detach()
        got = kinks(layer)
        need_tensor(got, "kinks(layer) 的结果")
        got = got.detach().float()
        if got.numel() == n and got.shape != (n,):
            if torch.allclose(got.flatten(), -b / w, atol=1e-5):
                raise Incorrect(f"数值对了，但形状是 {tuple(got.shape)}，应当是 ({n},)："
                                "layer.weight 的形状是 (N, 1)，取它的第 0 列 layer.weight[:, 0]。")
        if got.shape == (n, n):
            raise Incorrect(f"结果的形状是 ({n}, {n})：layer.weight 的形状是 (N, 1)，(N,) 的 b 除以它会"
                            "广播成 N×N。用起始代码里的 w = layer.weight[:, 0]。")
        if got.numel() < n:
            raise Incorrect(f"这一层有 {n} 个隐藏单元，你只返回了 {got.numel()} 个位置：每个单元都有"
                            "一个拐点（哪怕在画图范围之外），不要筛选。")
        need_tensor(got, "kinks(layer) 的结果", (n,))
        for wrong, why in ((b / w, "符号反了：单元在 w·x + b = 0 处拐弯，解这个方程，x 等于多少？"),
                           (-w / b, "分子分母颠倒了：从 w·x + b = 0 解出 x。"),
                           (w / b, "分子分母颠倒了，符号也不对：从 w·x + b = 0 解出 x。"),
                           (-b, "少除了一个 w：只有 w = 1 时拐点才在 -b。"),
                           (b, "少除了一个 w，符号也不对：从 w·x + b = 0 解出 x。")):
            if torch.allclose(got, wrong, atol=1e-5):
                raise Incorrect(why)
        need_close(got, -b / w, "kinks(layer)")
    return ("ReLU(w·x + b) 在 w·x + b = 0，即 x = -b/w 处拐弯；两边各是一条直线。"
            "N 个单元的加权和只在这 N 个点处改变斜率。")


q2 = exercises.add(
    "q2", "练习 2（ReLU 网络的拐点）", _check_kinks,
    hints=["一个隐藏单元算的是 ReLU(w·x + b)。ReLU(z) 在 z = 0 处从“恒为 0”变成“等于 z”。",
           "所以单元在 w·x + b = 0 处拐弯：对每个单元解出 x。w 和 b 都是形状 (N,) 的张量，"
           "可以一次对所有单元算。",
           "x = -b / w（逐元素相除）。"],
    starter='''def kinks(layer):
    """layer 是 nn.Linear(1, N)，后面接 ReLU。返回形状 (N,) 的张量：第 i 个单元拐弯处的 x。"""
    w = layer.weight[:, 0]   # 形状 (N,)：每个单元的权重
    b = layer.bias           # 形状 (N,)：每个单元的偏置
    return ____

ex.q2.check(kinks)''',
    solution_code='''def kinks(layer):
    """layer 是 nn.Linear(1, N)，后面接 ReLU。返回形状 (N,) 的张量：第 i 个单元拐弯处的 x。"""
    w = layer.weight[:, 0]   # 形状 (N,)：每个单元的权重
    b = layer.bias           # 形状 (N,)：每个单元的偏置
    return -b / w

ex.q2.check(kinks)''',
    explanation="第 i 个单元输出 ReLU(w_i·x + b_i)。w_i·x + b_i < 0 的一侧它恒为 0，另一侧它等于 "
                "w_i·x + b_i：两段都是直线，只在 w_i·x + b_i = 0，即 x = -b_i/w_i 处拐弯，而且是连续地"
                "拐（两段在拐点处的值都是 0）。输出层把这些单元加权求和再加偏置：连续分段线性函数的"
                "和仍是连续分段线性函数，斜率只可能在这 N 个点处改变。所以一个隐藏层、N 个 ReLU 单元"
                "给出的函数最多有 N 个拐点。多叠几层也一样：仿射函数与连续分段线性函数复合，结果仍是"
                "连续分段线性的（只是拐点可以更多）。pReLU 同理：它也是两段直线。",
)


# --- exercise 3: tanh from sigmoid ------------------------------------------------------

class _NoTanh:
    """While active, torch.tanh and Tensor.tanh raise: the exercise asks for sigmoid only."""

    def __enter__(self):
        self.saved = torch.tanh, torch.Tensor.__dict__.get("tanh")

        def refuse(*args, **kwargs):
            raise Incorrect("这道题要用 sigmoid 表示 tanh：函数里不能调用 tanh 本身。")

        torch.tanh = refuse
        torch.Tensor.tanh = refuse

    def __exit__(self, *exc):
        torch.tanh, own_method = self.saved
        if own_method is None:  # inherited from the C base class: remove the cover again
            del torch.Tensor.tanh
        else:
            torch.Tensor.tanh = own_method
        return False


def _check_tanh_from_sigmoid(tanh_from_sigmoid):
    if tanh_from_sigmoid is torch.tanh or tanh_from_sigmoid is torch.Tensor.tanh:
        raise Incorrect("这道题要用 sigmoid 表示 tanh：不能直接交 tanh 本身。")
    x = torch.linspace(-5, 5, 101)
    with _NoTanh():
        got = tanh_from_sigmoid(x.clone())
    need_tensor(got, "tanh_from_sigmoid(x) 的结果", x.shape)
    got = got.detach().float()
    expected = torch.tanh(x)
    s = torch.sigmoid
    for wrong, why in ((2 * s(x) - 1, "在 x = 1 处你的值是 tanh(0.5)：sigmoid 里面应当是 2x，不是 x。"),
                       (2 * s(2 * x), "整条曲线高了 1：看 x = 0 处，tanh(0) = 0，你的函数给出 1。"),
                       (s(2 * x) - 1, "外面的系数不对：x 很大时 tanh(x) → 1，你的函数趋于 0。"),
                       (2 * s(2 * x) + 1, "常数项的符号反了：tanh(0) = 0，你的函数在 x = 0 处是 2。"),
                       (s(2 * x), "还差一步：这是 (tanh(x) + 1) / 2。从等式里把 tanh(x) 解出来。")):
        if torch.allclose(got, wrong, atol=1e-5):
            raise Incorrect(why)
    need_close(got, expected, "tanh_from_sigmoid(x)", atol=1e-5)
    return "tanh(x) = 2·sigmoid(2x) - 1：tanh 就是把 sigmoid 横向压缩一半、纵向拉伸到 (-1, 1)。"


q3 = exercises.add(
    "q3", "练习 3（tanh 与 sigmoid）", _check_tanh_from_sigmoid,
    hints=["把两边都写成 exp(-2x) 的式子：tanh(x) = (1 - e^{-2x}) / (1 + e^{-2x})，"
           "sigmoid(2x) = 1 / (1 + e^{-2x})。",
           "tanh(x) + 1 通分后分子是 2：(1 - e^{-2x} + 1 + e^{-2x}) / (1 + e^{-2x})。",
           "所以 tanh(x) = 2·sigmoid(2x) - 1。代码里用 torch.sigmoid(2 * x)。"],
    starter='''def tanh_from_sigmoid(x):
    """只用 torch.sigmoid（不用 tanh）算出 tanh(x)。"""
    return ____

ex.q3.check(tanh_from_sigmoid)''',
    solution_code='''def tanh_from_sigmoid(x):
    """只用 torch.sigmoid（不用 tanh）算出 tanh(x)。"""
    return 2 * torch.sigmoid(2 * x) - 1

ex.q3.check(tanh_from_sigmoid)''',
    explanation="2·sigmoid(2x) = 2 / (1 + e^{-2x})；tanh(x) + 1 = (1 - e^{-2x}) / (1 + e^{-2x}) + "
                "(1 + e^{-2x}) / (1 + e^{-2x}) = 2 / (1 + e^{-2x})。两边相等，所以 tanh(x) = "
                "2·sigmoid(2x) - 1：tanh 是 sigmoid 横向压缩一半、纵向拉伸到 (-1, 1) 的版本。它以 0 为"
                "中心，这是它常比 sigmoid 好训练的原因之一；它的导数 1 - tanh² 在 0 处是 1，而 sigmoid "
                "的导数最大 0.25。",
)


# --- exercise 4: a nonlinearity over the whole minibatch (predict first) ---------------------

_Q4_CHOICES = ("A", "B", "C")
_Q4_MEANING = {"A": "和它在训练批量里时一样", "B": "和训练时不同，但仍随图片变化",
               "C": "变成与图片无关的常数"}


def _check_q4(prediction, measured):
    if measured not in _Q4_CHOICES:
        raise Incorrect(f"实验给出的结果应当是 'A'、'B' 或 'C' 之一，收到的是 {measured!r}："
                        "重新运行上面的实验格。")
    if prediction == measured:
        return f"实验测得 {measured!r}：{_Q4_MEANING[measured]}。"
    why = {"A": "你把它当成了逐元素的激活函数（像 ReLU）。softmax(h, dim=0) 却是在批量维上归一化："
                "每个输出都除以同一批所有样本的和，所以它取决于同批还有谁。",
           "B": "输出取决于同批的其他样本，这一点你想对了。再看批量只有 1 个样本时："
                "除以“所有样本之和”就是除以它自己。",
           "C": "批量为 1 时，softmax 在批量维上归一化，分母就是分子自己。"}[prediction]
    raise Incorrect(f"你预测 {prediction!r}（{_Q4_MEANING[prediction]}），实验测得 {measured!r}"
                    f"（{_Q4_MEANING[measured]}）。{why}")


q4 = exercises.add(
    "q4", "练习 4（作用于整个小批量的非线性）", _check_q4,
    hints=["ReLU 对每个数单独计算。softmax(h, dim=0) 沿第 0 维（批量维）归一化：每一列除以这一列"
           "在整批上的指数和。",
           "批量只有 1 行时，每一列只有一个数 e^{h}，它除以的和也只有 e^{h}。",
           "e^{h} / e^{h} = 1：不管输入是什么。"],
    starter='''# 你的预测：'A'、'B' 还是 'C'？
prediction = ____
ex.q4.predict(prediction)''',
    solution_code='''# 你的预测：'A'、'B' 还是 'C'？
prediction = 'C'
ex.q4.predict(prediction)''',
    explanation="softmax(h, dim=0) 把同一批样本放在一起归一化：样本 i 的输出是 e^{h_i} / Σ_j e^{h_j}，"
                "分母里有同批的所有样本。批量为 1 时分母就是 e^{h_1}，输出恒为 1，与图片无关，网络在"
                "预测时什么也分辨不了（C）。批量大于 1 时，同一张图片的输出取决于同批还有谁，"
                "训练和预测的行为也就不一致。逐元素的激活函数没有这个问题，还可以把一批切开并行计算。",
    predict=True, choices=_Q4_CHOICES,
)
