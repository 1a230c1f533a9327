"""Pooling (6.5): maximum and average pooling, with and without padding and stride.

汇聚层（6.5）：最大汇聚和平均汇聚，以及带填充和步幅的汇聚。
"""
import torch
from torch import Tensor


def _pair(v) -> tuple[int, int]:
    """(v, v) for an int, the pair itself otherwise. 把 int 变成 (v, v)。"""
    return (v, v) if isinstance(v, int) else tuple(v)


def pool2d(X: Tensor, pool_size: tuple[int, int], mode: str = 'max') -> Tensor:
    """The book's pool2d (6.5.1): a pooling window that slides ONE step at a time, no padding.

    X has shape (h, w); pool_size is (ph, pw) (an int means a square window). Output shape
    (h - ph + 1, w - pw + 1): the window moves with stride 1, as in the book. Beware: PyTorch's
    nn.MaxPool2d(k) / F.max_pool2d default to stride = kernel size, so nn.MaxPool2d(3) on a 4×4
    input gives 1×1 while this function gives 2×2. mode is 'max' (largest value in the window)
    or 'avg' (mean of the window); anything else raises ValueError. Output dtype and device are
    X's (pass dtype=X.dtype to torch.zeros). No pooling functions or modules, no unfold.

    书中的 pool2d（6.5.1）：汇聚窗口每次只滑动一步，没有填充。
    X 的形状为 (h, w)；pool_size 为 (ph, pw)（int 表示正方形窗口）。输出形状为
    (h - ph + 1, w - pw + 1)：与书中一样，窗口的步幅为 1。注意：PyTorch 的 nn.MaxPool2d(k) 和
    F.max_pool2d 默认步幅等于窗口大小，所以 nn.MaxPool2d(3) 作用在 4×4 输入上得到 1×1，而本函数得到
    2×2。mode 为 'max'（窗口内的最大值）或 'avg'（窗口内的平均值），其他取值抛出 ValueError。
    输出的 dtype 和设备与 X 相同（给 torch.zeros 传入 dtype=X.dtype）。不能使用汇聚函数或汇聚层，
    也不能用 unfold。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.nn.*Pool*, torch.nn.functional.*pool*, torch.*pool*, torch.nn.functional.unfold,
        torch.nn.Unfold, torch.Tensor.unfold
    """
    raise NotImplementedError


def pool2d_pad_stride(X: Tensor, pool_size: int | tuple[int, int],
                      stride: int | tuple[int, int] | None = None,
                      padding: int | tuple[int, int] = 0, mode: str = 'max') -> Tensor:
    """Pooling with padding and stride, with PyTorch's semantics (6.5.2).

    X has shape (h, w). pool_size, stride and padding are an int or an (h, w) pair.
    - stride=None means stride = pool_size (PyTorch's default, NOT the book's pool2d's 1);
    - padding p adds p rows at the top and the bottom and p columns at the left and the right;
      raise ValueError if p > pool_size / 2 in either dimension (PyTorch: "pad should be at
      most half of effective kernel size");
    - 'max' pads with −inf, so padding never wins a maximum (zeros would beat negative inputs);
    - 'avg' pads with 0 and always divides by the FULL window size ph * pw, padded cells
      included (F.avg_pool2d's count_include_pad=True);
    - any other mode raises ValueError.
    Output shape per dimension ⌊(n + 2p − k) / s⌋ + 1; dtype and device of X.
    No pooling functions or modules, no unfold (F.pad is allowed).

    带填充和步幅的汇聚，语义与 PyTorch 相同（6.5.2）。
    X 的形状为 (h, w)。pool_size、stride 和 padding 可以是 int 或 (高, 宽) 二元组。
    - stride=None 表示步幅等于 pool_size（PyTorch 的默认值，不是书中 pool2d 的 1）；
    - 填充 p 表示上下各填充 p 行、左右各填充 p 列；若某个维度 p > pool_size / 2，抛出 ValueError
      （PyTorch 的报错是 "pad should be at most half of effective kernel size"）；
    - 'max' 用 −inf 填充，使填充值永远不会成为最大值（用 0 填充会胜过负数输入）；
    - 'avg' 用 0 填充，并且总是除以完整的窗口大小 ph * pw（包括填充的位置，
      即 F.avg_pool2d 的 count_include_pad=True）；
    - mode 取其他值时抛出 ValueError。
    每个维度的输出大小为 ⌊(n + 2p − k) / s⌋ + 1；dtype 和设备与 X 相同。
    不能使用汇聚函数或汇聚层，也不能用 unfold（可以用 F.pad）。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.nn.*Pool*, torch.nn.functional.*pool*, torch.*pool*, torch.nn.functional.unfold,
        torch.nn.Unfold, torch.Tensor.unfold
    """
    raise NotImplementedError


def avg_pool_via_conv(X: Tensor, pool_size: int | tuple[int, int],
                      stride: int | tuple[int, int] | None = None,
                      padding: int | tuple[int, int] = 0) -> Tensor:
    """Stretch (6.5, exercise 1): average pooling as a convolution.

    X has shape (h, w). Same result as F.avg_pool2d(X[None, None], pool_size, stride, padding)
    [0, 0] (count_include_pad=True; stride=None means pool_size): use F.conv2d (or your own
    cross-correlation) with a kernel of ones / (ph * pw). Output dtype and device of X.
    No pooling functions or modules.

    拓展（6.5 练习 1）：把平均汇聚实现为一个卷积。
    X 的形状为 (h, w)。结果与 F.avg_pool2d(X[None, None], pool_size, stride, padding)[0, 0] 相同
    （count_include_pad=True；stride=None 表示步幅等于 pool_size）：用 F.conv2d（或你自己的互相关
    运算）配合全为 1 / (ph * pw) 的卷积核。输出的 dtype 和设备与 X 相同。不能使用汇聚函数或汇聚层。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.nn.*Pool*, torch.nn.functional.*pool*, torch.*pool*
    """
    raise NotImplementedError


def min_pool2d(X: Tensor, pool_size: int | tuple[int, int],
               stride: int | tuple[int, int] | None = None,
               padding: int | tuple[int, int] = 0) -> Tensor:
    """Stretch (6.5, exercise 5): minimum pooling from maximum pooling.

    X has shape (h, w). The smallest value of every window, with PyTorch's conventions
    (stride=None means pool_size; padding never wins, i.e. pads with +inf). Hint: the minimum is
    −max(−x), so F.max_pool2d is allowed here. Output dtype and device of X.

    拓展（6.5 练习 5）：用最大汇聚实现最小汇聚。
    X 的形状为 (h, w)。返回每个窗口中的最小值，约定与 PyTorch 相同（stride=None 表示步幅等于
    pool_size；填充值永远不会成为最小值，即用 +inf 填充）。提示：最小值等于 −max(−x)，所以这里可以
    使用 F.max_pool2d。输出的 dtype 和设备与 X 相同。
    """
    raise NotImplementedError


def logsumexp_pool2d(X: Tensor, pool_size: int | tuple[int, int]) -> Tensor:
    """Stretch (6.5, exercise 6): LogSumExp ("softmax") pooling, a smooth maximum.

    X has shape (h, w). Like the book's pool2d (stride 1, no padding), the output has shape
    (h − ph + 1, w − pw + 1) and Y[i, j] = log Σ exp(window), the log of the sum of the
    exponentials of the ph×pw window at (i, j). It must be stable: finite and exact for inputs
    of ±1000 and for windows whose values differ by thousands (shift each window by its own
    maximum: log Σ exp(x) = m + log Σ exp(x − m)). Output dtype and device of X.
    Do not use torch.logsumexp (nor Tensor.logsumexp, torch.special.logsumexp).

    拓展（6.5 练习 6）：LogSumExp（“softmax”）汇聚，一种平滑的最大值。
    X 的形状为 (h, w)。与书中的 pool2d 一样（步幅 1，不填充），输出形状为
    (h − ph + 1, w − pw + 1)，Y[i, j] = log Σ exp(窗口)，即位于 (i, j) 的 ph×pw 窗口中各元素
    指数之和的对数。必须数值稳定：输入为 ±1000、或同一输入中不同窗口的值相差上千时，结果都要
    有限且准确（每个窗口减去它自己的最大值：log Σ exp(x) = m + log Σ exp(x − m)）。
    输出的 dtype 和设备与 X 相同。不能使用 torch.logsumexp（以及 Tensor.logsumexp、
    torch.special.logsumexp）。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.logsumexp, torch.Tensor.logsumexp, torch.special.logsumexp, torch.logcumsumexp,
        torch.Tensor.logcumsumexp
        (and 2 private aliases of these / 以及它们的 2 个内部别名)
    """
    raise NotImplementedError
