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
    """
    ### BEGIN SOLUTION
    return sum(corr2d(x, k) for x, k in zip(X, K))
    ### END SOLUTION


def corr2d_multi_in_out(X: Tensor, K: Tensor) -> Tensor:
    """Cross-correlation with several input and output channels (6.4.2).

    X has shape (c_i, h, w) and K has shape (c_o, c_i, kh, kw). Output channel o is
    corr2d_multi_in(X, K[o]); stack the c_o results along a new first axis, giving
    (c_o, h - kh + 1, w - kw + 1) with X's dtype and device.

    多输入多输出通道的互相关运算（6.4.2）。
    X 的形状为 (c_i, h, w)，K 的形状为 (c_o, c_i, kh, kw)。第 o 个输出通道是
    corr2d_multi_in(X, K[o])；把 c_o 个结果沿新的第 0 维堆叠起来，得到形状
    (c_o, h - kh + 1, w - kw + 1)，dtype 和设备与 X 相同。
    """
    ### BEGIN SOLUTION
    return torch.stack([corr2d_multi_in(X, k) for k in K], 0)
    ### END SOLUTION


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
    """
    ### BEGIN SOLUTION
    c_i, h, w = X.shape
    c_o = K.shape[0]
    Y = K.reshape(c_o, c_i) @ X.reshape(c_i, h * w)
    return Y.reshape(c_o, h, w)
    ### END SOLUTION
