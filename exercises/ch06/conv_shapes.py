"""Padding and stride (6.3): output shapes, and cross-correlation with padding and stride.

填充和步幅（6.3）：卷积的输出形状，以及带填充和步幅的互相关运算。
"""
import torch
from torch import Tensor


def _pair(v) -> tuple[int, int]:
    """(v, v) for an int, the pair itself otherwise. 把 int 变成 (v, v)。"""
    return (v, v) if isinstance(v, int) else tuple(v)


def conv_output_shape(input_hw: int | tuple[int, int], kernel_size: int | tuple[int, int],
                      padding: int | tuple[int, int] = 0,
                      stride: int | tuple[int, int] = 1) -> tuple[int, int]:
    """Output (height, width) of a 2-D convolution, by arithmetic only (6.3).

    Every argument is an int (the same for height and width) or a (height, width) pair.
    `padding` follows PyTorch's convention: p rows of zeros on EACH side (nn.Conv2d(padding=p)).
    Per dimension the answer is ⌊(n + 2p − k) / s⌋ + 1. The book writes
    ⌊(n_h − k_h + p_h + s_h) / s_h⌋ with p_h the TOTAL padding of both sides, so p_h = 2p here.
    Return a tuple of two Python ints (use `//`, not `/`). Raise ValueError if n + 2p < k in
    either dimension (the kernel does not fit). Do not build or run any convolution or pooling.

    只用算术计算二维卷积输出的 (高, 宽)（6.3）。
    每个参数可以是 int（高和宽相同），也可以是 (高, 宽) 二元组。`padding` 采用 PyTorch 的约定：
    每一侧各填充 p 行（nn.Conv2d(padding=p)）。每个维度的答案是 ⌊(n + 2p − k) / s⌋ + 1。
    书中的公式 ⌊(n_h − k_h + p_h + s_h) / s_h⌋ 里的 p_h 是两侧填充的总和，所以这里 p_h = 2p。
    返回由两个 Python int 组成的元组（用 `//`，不要用 `/`）。若某个维度 n + 2p < k（卷积核放不下），
    抛出 ValueError。不要创建或运行任何卷积层或汇聚层。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.nn.Conv*, torch.nn.LazyConv*, torch.nn.functional.conv*, torch.conv*, torch.nn.*Pool*,
        torch.nn.functional.*pool*, torch.*pool*
    """
    raise NotImplementedError


def corr2d_pad_stride(X: Tensor, K: Tensor, padding: int | tuple[int, int] = 0,
                      stride: int | tuple[int, int] = 1) -> Tensor:
    """2-D cross-correlation with symmetric zero padding and a stride (6.3.1, 6.3.2).

    X is (h, w), K is (kh, kw); padding and stride are an int or an (h, w) pair, with PyTorch's
    per-side padding: pad ph rows of zeros at the top AND at the bottom, pw columns at the left
    AND at the right. The window of output (i, j) starts at row i * sh and column j * sw of the
    padded input. Output shape: conv_output_shape((h, w), (kh, kw), padding, stride); dtype and
    device of X. F.pad is allowed; convolution and unfold functions are not.

    带对称零填充和步幅的二维互相关运算（6.3.1、6.3.2）。
    X 的形状为 (h, w)，K 的形状为 (kh, kw)；padding 和 stride 可以是 int 或 (高, 宽) 二元组，
    填充按 PyTorch 的约定：上下各填充 ph 行 0，左右各填充 pw 列 0。输出位置 (i, j) 的窗口从填充后
    输入的第 i * sh 行、第 j * sw 列开始。输出形状为
    conv_output_shape((h, w), (kh, kw), padding, stride)，dtype 和设备与 X 相同。
    可以用 F.pad，但不能用卷积函数或 unfold。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.nn.functional.conv*, torch.conv*, torch.nn.Conv*, torch.nn.LazyConv*,
        torch.nn.functional.unfold, torch.nn.functional.fold, torch.nn.Unfold, torch.nn.Fold,
        torch.Tensor.unfold, scipy.signal
    """
    raise NotImplementedError
