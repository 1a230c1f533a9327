"""Activation functions (4.1.2). 激活函数。"""
import torch
from torch import Tensor


def relu(X: Tensor) -> Tensor:
    """ReLU, elementwise max(x, 0), written from scratch.

    Returns a tensor of X's shape, dtype and device. At exactly x = 0 the gradient must be 0,
    the derivative on the left, as the book says ("when the input is 0 ... we use the derivative
    on the left, 0"), or 0.5 (what `torch.maximum(X, torch.zeros_like(X))` gives); it must not
    be 1. Do not use torch.relu, F.relu, nn.ReLU, clamp/clip, F.threshold or F.hardtanh.

    从零实现 ReLU 函数：逐元素计算 max(x, 0)。返回与 X 形状、数据类型和设备都相同的张量。
    输入恰好为 0 时导数必须为 0，即左侧的导数（书中说“当输入为0时……默认使用左侧的导数，即0”），
    或者为 0.5（`torch.maximum(X, torch.zeros_like(X))` 给出的值）；不能是 1。
    不能使用 torch.relu、F.relu、nn.ReLU、clamp/clip、F.threshold 或 F.hardtanh。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.relu, torch.relu_, torch.Tensor.relu, torch.Tensor.relu_, torch.nn.functional.relu,
        torch.nn.functional.relu_, torch.nn.ReLU, torch.clamp, torch.clamp_min, torch.clip,
        torch.Tensor.clamp, torch.Tensor.clamp_min, torch.Tensor.clip,
        torch.nn.functional.threshold, torch.nn.functional.hardtanh
    """
    raise NotImplementedError


def sigmoid(X: Tensor) -> Tensor:
    """Sigmoid 1 / (1 + exp(-x)), elementwise, written from scratch.

    Same shape, dtype and device as X. It must stay finite (no nan) for |x| up to 1e4 in
    float32 and float64: sigmoid(-1000) = 0 and sigmoid(1000) = 1.
    Do not use torch.sigmoid, Tensor.sigmoid, F.sigmoid, nn.Sigmoid or torch.special.expit.

    从零实现 sigmoid 函数 1 / (1 + exp(-x))，逐元素计算。输出与 X 的形状、数据类型和设备相同。
    在 float32 和 float64 下，|x| 不超过 1e4 时结果都必须有限（不能出现 nan）：
    sigmoid(-1000) = 0，sigmoid(1000) = 1。
    不能使用 torch.sigmoid、Tensor.sigmoid、F.sigmoid、nn.Sigmoid 或 torch.special.expit。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.sigmoid, torch.Tensor.sigmoid, torch.nn.functional.sigmoid, torch.nn.Sigmoid,
        torch.special.expit
    """
    raise NotImplementedError


def tanh(X: Tensor) -> Tensor:
    """Hyperbolic tangent (1 - exp(-2x)) / (1 + exp(-2x)), elementwise, written from scratch.

    Same shape, dtype and device as X; finite for large |x| (tanh(±1000) = ±1).
    Do not use torch.tanh, Tensor.tanh, F.tanh, nn.Tanh, nor PyTorch's sigmoid; calling your
    own `sigmoid` above is fine (exercise 3 of 4.1: tanh(x) = 2·sigmoid(2x) − 1).

    从零实现双曲正切函数 tanh，逐元素计算。输出与 X 的形状、数据类型和设备相同；
    |x| 很大时结果也必须有限（tanh(±1000) = ±1）。
    不能使用 torch.tanh、Tensor.tanh、F.tanh、nn.Tanh，也不能用 PyTorch 的 sigmoid；
    可以调用你自己在上面写的 `sigmoid`（4.1 节练习 3：tanh(x) = 2·sigmoid(2x) − 1）。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.tanh, torch.Tensor.tanh, torch.nn.functional.tanh, torch.nn.Tanh, torch.sigmoid,
        torch.Tensor.sigmoid, torch.nn.functional.sigmoid, torch.special.expit
    """
    raise NotImplementedError


def prelu(X: Tensor, alpha: Tensor) -> Tensor:
    """Parametrized ReLU (exercise 1 of 4.1): max(0, x) + alpha · min(0, x).

    `alpha` is a 0-d tensor or a tensor of shape (C,) where C = X.shape[1] (one slope per
    channel, as F.prelu). The result must match F.prelu, and autograd must give the right
    gradients with respect to X and alpha. Do not use F.prelu, nn.PReLU, torch.prelu or the
    built-in ReLUs.

    带参数的 ReLU（4.1 节练习 1）：max(0, x) + alpha · min(0, x)。`alpha` 是 0 维张量，
    或形状为 (C,) 的张量，其中 C = X.shape[1]（每个通道一个斜率，与 F.prelu 相同）。
    结果必须与 F.prelu 一致，自动微分对 X 和 alpha 的梯度也要正确。
    不能使用 F.prelu、nn.PReLU、torch.prelu 或内置的 ReLU。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.nn.functional.prelu, torch.prelu, torch.Tensor.prelu, torch.nn.PReLU, torch.relu,
        torch.Tensor.relu, torch.nn.functional.relu, torch.nn.ReLU, torch.nn.functional.leaky_relu
    """
    raise NotImplementedError


def tanh_via_sigmoid(X: Tensor) -> Tensor:
    """Exercise 3 of 4.1: tanh through the identity tanh(x) + 1 = 2·sigmoid(2x).

    Return tanh(X) computed as 2·sigmoid(2X) − 1, writing the sigmoid with torch.exp and
    arithmetic only (sigmoid(t) = 1 / (1 + exp(−t))). Same shape, dtype and device as X; the
    result must equal torch.tanh(X) and stay finite for |x| up to 1e4 (tanh(±1000) = ±1).
    Do not use torch.tanh, torch.sigmoid (or any built-in tanh/sigmoid), nor your own `tanh`.

    4.1 节练习 3：利用恒等式 tanh(x) + 1 = 2·sigmoid(2x) 计算 tanh。
    返回按 2·sigmoid(2X) − 1 计算的 tanh(X)，其中 sigmoid 只能用 torch.exp 和四则运算写出
    （sigmoid(t) = 1 / (1 + exp(−t))）。输出与 X 的形状、数据类型和设备相同；结果必须等于
    torch.tanh(X)，并且 |x| 不超过 1e4 时结果有限（tanh(±1000) = ±1）。
    不能使用 torch.tanh、torch.sigmoid（以及任何内置的 tanh/sigmoid），也不能调用你自己的 `tanh`。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        tanh, torch.tanh, torch.Tensor.tanh, torch.nn.functional.tanh, torch.nn.Tanh, torch.sigmoid,
        torch.Tensor.sigmoid, torch.nn.functional.sigmoid, torch.nn.Sigmoid, torch.special.expit
    """
    raise NotImplementedError
