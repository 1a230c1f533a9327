"""Multiple input and multiple output channels (6.4).

多输入多输出通道（6.4）。这里的函数建立在你自己在 conv_basics.py 中写的 corr2d 之上。
"""
import torch
from torch import Tensor

from .conv_basics import corr2d


def corr2d_multi_in(X: Tensor, K: Tensor) -> Tensor:
    """Cross-correlation with several input channels (6.4.1).

    X has shape (c_i, h, w) and K has shape (c_i, kh, kw). Cross-correlate each input channel
    with its own kernel slice (use your `corr2d`) and SUM the c_i results (not their mean, and
    do not stack them). Output shape (h - kh + 1, w - kw + 1), dtype and device of X.

    多输入通道的互相关运算（6.4.1）。
    X 的形状为 (c_i, h, w)，K 的形状为 (c_i, kh, kw)。对每个输入通道用对应的卷积核切片做互相关
    （使用你的 `corr2d`），再把 c_i 个结果相加（不是求平均，也不是堆叠）。输出形状为
    (h - kh + 1, w - kw + 1)，dtype 和设备与 X 相同。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.nn.functional.conv*, torch.conv*, torch.nn.Conv*, torch.nn.LazyConv*
    """
    raise NotImplementedError


def corr2d_multi_in_out(X: Tensor, K: Tensor) -> Tensor:
    """Cross-correlation with several input and output channels (6.4.2).

    X has shape (c_i, h, w) and K has shape (c_o, c_i, kh, kw). Output channel o is
    corr2d_multi_in(X, K[o]); stack the c_o results along a new first axis, giving
    (c_o, h - kh + 1, w - kw + 1) with X's dtype and device.

    多输入多输出通道的互相关运算（6.4.2）。
    X 的形状为 (c_i, h, w)，K 的形状为 (c_o, c_i, kh, kw)。第 o 个输出通道是
    corr2d_multi_in(X, K[o])；把 c_o 个结果沿新的第 0 维堆叠起来，得到形状
    (c_o, h - kh + 1, w - kw + 1)，dtype 和设备与 X 相同。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.nn.functional.conv*, torch.conv*, torch.nn.Conv*, torch.nn.LazyConv*
    """
    raise NotImplementedError


def corr2d_multi_in_out_1x1(X: Tensor, K: Tensor) -> Tensor:
    """A 1×1 convolution as ONE matrix multiplication (6.4.3).

    X has shape (c_i, h, w) and K has shape (c_o, c_i, 1, 1). A 1×1 convolution is a
    fully connected layer applied at every pixel: reshape X to (c_i, h * w) (channels stay the
    leading axis), K to (c_o, c_i), multiply once, and reshape the product to (c_o, h, w).
    Do not call corr2d, corr2d_multi_in, corr2d_multi_in_out or any convolution function.

    用一次矩阵乘法实现 1×1 卷积（6.4.3）。
    X 的形状为 (c_i, h, w)，K 的形状为 (c_o, c_i, 1, 1)。1×1 卷积相当于在每个像素位置上应用的
    全连接层：把 X 变形为 (c_i, h * w)（通道仍是第 0 维），把 K 变形为 (c_o, c_i)，做一次矩阵乘法，
    再把结果变形为 (c_o, h, w)。不要调用 corr2d、corr2d_multi_in、corr2d_multi_in_out 或任何卷积函数。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        corr2d, corr2d_multi_in, corr2d_multi_in_out, torch.nn.functional.conv*, torch.conv*,
        torch.nn.Conv*, torch.nn.LazyConv*, torch.nn.functional.unfold, torch.Tensor.unfold
    """
    raise NotImplementedError


def compose_kernels(K1: Tensor, K2: Tensor) -> Tensor:
    """Stretch (6.4, exercise 1): one kernel K equal to two stacked convolutions.

    Two convolutions without a nonlinearity in between are one convolution: return K of shape
    (k1h + k2h − 1, k1w + k2w − 1) with corr2d(corr2d(X, K1), K2) == corr2d(X, K) for every X.
    (A 3×3 kernel followed by a 2×4 kernel is one 4×6 kernel.) K has K1's dtype and device.
    No convolution functions: add shifted copies of K1 weighted by the entries of K2.

    拓展（6.4 练习 1）：用一个卷积核 K 表示两个连续的卷积。
    中间没有非线性的两个卷积等价于一个卷积：返回形状为 (k1h + k2h − 1, k1w + k2w − 1) 的 K，使得
    对任意 X 都有 corr2d(corr2d(X, K1), K2) == corr2d(X, K)。（3×3 的卷积核后接 2×4 的卷积核等价于
    一个 4×6 的卷积核。）K 的 dtype 和设备与 K1 相同。不能用卷积函数：把 K1 平移后的副本按 K2 的
    元素加权求和。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.nn.functional.conv*, torch.conv*, torch.nn.Conv*, torch.nn.LazyConv*
    """
    raise NotImplementedError


def conv2d_flops(c_i: int, c_o: int, h: int, w: int, k_h: int, k_w: int, p: int = 0,
                 s: int = 1) -> int:
    """Stretch (6.4, exercise 2): multiply–accumulate operations (MACs) of one convolution layer.

    A layer with c_i input channels, c_o output channels and a k_h×k_w kernel, applied to an
    h×w input with PyTorch's per-side padding p and stride s (ints, the same for both
    dimensions), does c_o · c_i · k_h · k_w MACs per output position, i.e.
    c_o · c_i · k_h · k_w · o_h · o_w in all, where o = ⌊(n + 2p − k) / s⌋ + 1. Return a
    Python int (biases not counted).

    拓展（6.4 练习 2）：一个卷积层的乘加运算（MAC）次数。
    输入通道数 c_i、输出通道数 c_o、卷积核 k_h×k_w 的卷积层，作用在 h×w 的输入上，填充按 PyTorch
    的约定为每侧 p、步幅为 s（都是 int，高和宽相同）。每个输出位置需要 c_o · c_i · k_h · k_w 次乘加，
    总数为 c_o · c_i · k_h · k_w · o_h · o_w，其中 o = ⌊(n + 2p − k) / s⌋ + 1。返回 Python int
    （不计偏置）。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.nn.Conv*, torch.nn.functional.conv*, torch.conv*
    """
    raise NotImplementedError
