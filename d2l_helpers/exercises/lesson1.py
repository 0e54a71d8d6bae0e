"""Lesson 1 exercises (book section 4.1): ``from d2l_helpers.exercises import lesson1 as ex``.

The book's four: q1 the derivative of pReLU, q2 where a ReLU unit bends (the step that
makes a ReLU network continuous and piecewise linear; ``reference_kinks`` carries the
lesson on until the learner's passes), q3 tanh from sigmoid, q4 a nonlinearity over the
whole minibatch (predict first, then measure).
"""
import torch

from d2l_helpers.exercises.core import ExerciseSet, Incorrect, need_close, need_tensor, reject_known

exercises = ExerciseSet("第 1 课", __name__)
progress = exercises.progress


@exercises.code()
def q1(prelu_grad):
    x = torch.linspace(-3, 3, 600)  # an even count: no point is exactly 0
    for alpha in (0.25, 0.1):
        got = need_tensor(prelu_grad(x, alpha), f"prelu_grad(x, alpha={alpha}) 的结果", x.shape)
        got = got.detach().float()
        ones, alphas = torch.ones_like(x), torch.full_like(x, alpha)
        reject_known(got, [
            (torch.where(x > 0, ones, 0 * x), "x < 0 时你的导数是 0，那是 ReLU 的导数：pReLU 在负半轴"
                                              "还有一个小斜率。看看 pReLU(x) = max(0, x) + α·min(0, x) "
                                              "在 x < 0 时等于什么。"),
            (ones, "你给出的导数处处是 1，那是 y = x 的导数：x < 0 时 pReLU 的斜率是多少？"),
            (torch.where(x > 0, x, alpha * x), "你返回的是 pReLU 的函数值，不是导数（斜率）。"),
            (torch.where(x > 0, alphas, ones), "正负两半弄反了：x > 0 时 pReLU(x) = x，斜率是多少？"),
            *([(torch.where(x > 0, ones, torch.full_like(x, 0.1)),
                f"alpha={alpha} 时你在 x < 0 处给出的还是 0.1：用参数 alpha，不要写死 0.1。")]
              if alpha != 0.1 else []),
        ])
        need_close(got, torch.where(x > 0, ones, alphas), f"prelu_grad(x, alpha={alpha})")
    return "x > 0 时斜率 1，x < 0 时斜率 α；x = 0 处左右斜率不等，不可导。"


# --- exercise 2: where a ReLU unit bends ------------------------------------------------

def reference_kinks(layer):
    """Where each unit of ``layer`` (nn.Linear(1, N), then ReLU) bends: x = -b / w, shape (N,)."""
    return (-layer.bias / layer.weight[:, 0]).detach()


def _layers_for_kinks():
    """nn.Linear(1, N) layers with known weights (both signs, none near 0); the last one's
    biases are large, so that some kinks lie far outside the plotted [-3, 3]."""
    generator = torch.Generator().manual_seed(4)
    layers = []
    for n, bias_scale in ((5, 1.0), (16, 1.0), (12, 6.0)):
        layer = torch.nn.Linear(1, n)
        with torch.no_grad():
            magnitude = 0.5 + torch.rand(n, 1, generator=generator)
            sign = torch.where(torch.rand(n, 1, generator=generator) < 0.5, -1.0, 1.0)
            layer.weight.copy_(magnitude * sign)
            layer.bias.copy_(torch.randn(n, generator=generator) * bias_scale)
        layers.append(layer)
    return layers


@exercises.code()
def q2(kinks):
    for layer in _layers_for_kinks():
        n = layer.out_features
        w, b = layer.weight.detach()[:, 0], layer.bias.detach()
        got = need_tensor(kinks(layer), "kinks(layer) 的结果").detach().float()
        if got.numel() == n and got.shape != (n,) and torch.allclose(got.flatten(), -b / w,
                                                                      atol=1e-5):
            raise Incorrect(f"数值对了，但形状是 {tuple(got.shape)}，应当是 ({n},)："
                            "layer.weight 的形状是 (N, 1)，取它的第 0 列 layer.weight[:, 0]。")
        if got.shape == (n, n):
            raise Incorrect(f"结果的形状是 ({n}, {n})：layer.weight 的形状是 (N, 1)，(N,) 的 b 除以它会"
                            "广播成 N×N。用起始代码里的 w = layer.weight[:, 0]。")
        if got.numel() < n:
            raise Incorrect(f"这一层有 {n} 个隐藏单元，你只返回了 {got.numel()} 个位置：每个单元都有"
                            "一个拐点（哪怕在画图范围之外，比如 x = 8），不要筛选。")
        need_tensor(got, "kinks(layer) 的结果", (n,))
        reject_known(got, [(b / w, "符号反了：单元在 w·x + b = 0 处拐弯，解这个方程，x 等于多少？"),
                           (-w / b, "分子分母颠倒了：从 w·x + b = 0 解出 x。"),
                           (w / b, "分子分母颠倒了，符号也不对：从 w·x + b = 0 解出 x。"),
                           (-b, "少除了一个 w：只有 w = 1 时拐点才在 -b。"),
                           (b, "少除了一个 w，符号也不对：从 w·x + b = 0 解出 x。")])
        need_close(got, -b / w, "kinks(layer)")
    return ("ReLU(w·x + b) 在 w·x + b = 0，即 x = -b/w 处拐弯；两边各是一条直线。"
            "N 个单元的加权和只在这 N 个点处改变斜率。")


# --- exercise 3: tanh from sigmoid ------------------------------------------------------

class _Refused:
    """While active, the named torch functions and tensor methods raise :class:`Incorrect`:
    the exercise asks for tanh from ``torch.sigmoid`` alone."""

    _NAMES = ("tanh", "exp", "sinh", "cosh", "expm1")

    def __enter__(self):
        self.saved = {name: (getattr(torch, name), torch.Tensor.__dict__.get(name))
                      for name in self._NAMES}
        for name in self._NAMES:
            def refuse(*args, _name=name, **kwargs):
                if _name == "tanh":
                    raise Incorrect("这道题要用 sigmoid 表示 tanh：函数里不能调用 tanh 本身。")
                raise Incorrect(f"这道题只许用 torch.sigmoid：函数里调用了 {_name}。用 exp 写出"
                                "的 tanh 公式数学上没错，却绕开了题目要找的关系（而且 x 很大时 "
                                "exp(x) 会上溢成 inf）：把 tanh 写成 sigmoid(某个数) 的式子。")

            setattr(torch, name, refuse)
            setattr(torch.Tensor, name, refuse)

    def __exit__(self, *exc):
        for name, (function, own_method) in self.saved.items():
            setattr(torch, name, function)
            if own_method is None:  # inherited from the C base class: remove the cover again
                delattr(torch.Tensor, name)
            else:
                setattr(torch.Tensor, name, own_method)
        return False


@exercises.code()
def q3(tanh_from_sigmoid):
    if tanh_from_sigmoid is torch.tanh or tanh_from_sigmoid is torch.Tensor.tanh:
        raise Incorrect("这道题要用 sigmoid 表示 tanh：不能直接交 tanh 本身。")
    x = torch.cat([torch.linspace(-5, 5, 101), torch.tensor([-100.0, -30.0, 30.0, 100.0])])
    expected, s = torch.tanh(x), torch.sigmoid
    with _Refused():
        got = tanh_from_sigmoid(x.clone())
    got = need_tensor(got, "tanh_from_sigmoid(x) 的结果", x.shape).detach().float()
    reject_known(got, [
        (2 * s(x) - 1, "在 x = 1 处你的值是 tanh(0.5)：sigmoid 里面应当是 2x，不是 x。"),
        (2 * s(2 * x), "整条曲线高了 1：看 x = 0 处，tanh(0) = 0，你的函数给出 1。"),
        (s(2 * x) - 1, "外面的系数不对：x 很大时 tanh(x) → 1，你的函数趋于 0。"),
        (2 * s(2 * x) + 1, "常数项的符号反了：tanh(0) = 0，你的函数在 x = 0 处是 2。"),
        (s(2 * x), "还差一步：这是 (tanh(x) + 1) / 2。从等式里把 tanh(x) 解出来。")])
    need_close(got, expected, "tanh_from_sigmoid(x)", atol=1e-5)
    return "tanh(x) = 2·sigmoid(2x) - 1：tanh 就是把 sigmoid 横向压缩一半、纵向拉伸到 (-1, 1)。"


# --- exercise 4: a nonlinearity over the whole minibatch (predict first) ---------------------

_Q4_MEANING = {"A": "和它在训练批量里时一样", "B": "和训练时不同，但仍随图片变化",
               "C": "变成与图片无关的常数"}


@exercises.prediction(choices=tuple(_Q4_MEANING))
def q4(prediction, measured):
    if measured not in _Q4_MEANING:
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
