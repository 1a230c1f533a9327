"""Convolutions for images (6.2): cross-correlation and learning a kernel.

图像卷积（6.2）：互相关运算，以及从数据中学习卷积核。
"""
import math

import torch
from torch import Tensor


def corr2d(X: Tensor, K: Tensor) -> Tensor:
    """2-D cross-correlation of one matrix X with one kernel K (6.2.1).

    X has shape (h, w) and K has shape (kh, kw). The result has shape (h - kh + 1, w - kw + 1)
    and Y[i, j] = sum(X[i:i + kh, j:j + kw] * K). This is what deep learning calls a
    "convolution": do NOT flip the kernel. The output has X's dtype and device (the book's
    `torch.zeros(...)` without `dtype=` returns float32 even for a float64 X: pass
    `dtype=X.dtype, device=X.device`). Gradients must flow back to K, because the book's
    `Conv2D` layer trains its weight through this function. Do not use any convolution or
    unfold function: write the two loops over output positions.

    对一个矩阵 X（形状 (h, w)）和一个卷积核 K（形状 (kh, kw)）做二维互相关运算（6.2.1）。
    输出形状为 (h - kh + 1, w - kw + 1)，且 Y[i, j] = sum(X[i:i + kh, j:j + kw] * K)。
    深度学习里的“卷积”就是互相关：不要翻转卷积核。输出张量的 dtype 和设备与 X 相同（书中
    `torch.zeros(...)` 不写 `dtype=` 时，即使 X 是 float64 也会得到 float32，请传入
    `dtype=X.dtype, device=X.device`）。梯度必须能反向传播到 K，因为书中的 `Conv2D` 层正是
    通过这个函数训练权重的。不要调用任何卷积或 unfold 函数：用两重循环遍历输出位置。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.nn.functional.conv*, torch.conv*, torch.nn.Conv*, torch.nn.LazyConv*,
        torch.nn.functional.unfold, torch.nn.functional.fold, torch.nn.Unfold, torch.nn.Fold,
        torch.Tensor.unfold, scipy.signal
    """
    raise NotImplementedError


def learn_kernel(X: Tensor, Y: Tensor, kernel_size: tuple[int, int], lr: float = 3e-2,
                 num_iters: int = 10, generator: torch.Generator | None = None) -> Tensor:
    """Learn a bias-free kernel K such that corr2d(X, K) ≈ Y, by plain gradient descent (6.2.4).

    X is an (h, w) image and Y the (h - kh + 1, w - kw + 1) target. Start from a random kernel
    of shape `kernel_size`, uniform in [-1/sqrt(kh*kw), 1/sqrt(kh*kw)] (nn.Conv2d's default
    range), drawn from `generator` only, with X's dtype and device. Then repeat
    `num_iters` times: loss = sum((corr2d(X, K) - Y) ** 2) (a SUM, as in the book, not a mean),
    backward, K ← K - lr * K.grad, and zero the gradient before the next iteration. Return the
    learned kernel as a plain tensor (detached). With num_iters=0 the initial kernel is returned.
    Use your own `corr2d`; no optimizer from torch.optim.

    用普通的梯度下降学习一个不带偏置的卷积核 K，使 corr2d(X, K) ≈ Y（6.2.4）。
    X 是形状为 (h, w) 的图像，Y 是形状为 (h - kh + 1, w - kw + 1) 的目标。先随机初始化形状为
    `kernel_size` 的卷积核：在 [-1/sqrt(kh*kw), 1/sqrt(kh*kw)] 上均匀采样（nn.Conv2d 默认的范围），
    随机数只能来自 `generator`，dtype 和设备与 X 相同。然后迭代
    `num_iters` 次：损失 = sum((corr2d(X, K) - Y) ** 2)（与书中一样是求和，不是求平均），
    反向传播，K ← K - lr * K.grad，并在下一次迭代前把梯度清零。返回学到的卷积核（普通张量，
    detach 之后）。num_iters=0 时返回初始卷积核。请使用你自己的 `corr2d`，不要用 torch.optim
    中的优化器。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.optim
    """
    raise NotImplementedError


def corr2d_as_matmul(X: Tensor, K: Tensor) -> Tensor:
    """Stretch (6.2, exercise 3): corr2d as ONE matrix–vector product (im2col or Toeplitz).

    Same input, output and dtype as corr2d: X (h, w), K (kh, kw) → (h − kh + 1, w − kw + 1).
    Rearrange the input so that the whole cross-correlation is a single `@`: for example build
    the (oh * ow, kh * kw) matrix whose row r holds the window of output position r (loop over
    the kh * kw kernel offsets, not over output positions), then multiply by K.reshape(-1).
    Or build the (oh * ow, h * w) Toeplitz matrix of K and multiply by X.reshape(-1).
    Not allowed: corr2d, convolution functions, unfold.

    拓展（6.2 练习 3）：用一次矩阵（向量）乘法实现 corr2d（im2col 或 Toeplitz 矩阵）。
    输入、输出和 dtype 与 corr2d 相同：X (h, w)，K (kh, kw) → (h − kh + 1, w − kw + 1)。
    把输入重新排列，使整个互相关运算只需一次 `@`：例如构造 (oh * ow, kh * kw) 的矩阵，
    第 r 行是输出位置 r 对应的窗口（对 kh * kw 个卷积核偏移做循环，而不是对输出位置循环），
    再乘以 K.reshape(-1)；或者构造 K 的 (oh * ow, h * w) Toeplitz 矩阵，再乘以 X.reshape(-1)。
    不能使用 corr2d、卷积函数或 unfold。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        corr2d, torch.nn.functional.conv*, torch.conv*, torch.nn.Conv*, torch.nn.LazyConv*,
        torch.nn.functional.unfold, torch.nn.functional.fold, torch.nn.Unfold, torch.nn.Fold,
        torch.Tensor.unfold, torch.Tensor.as_strided, torch.as_strided, scipy.signal
    """
    raise NotImplementedError


def diagonal_edge_responses(n: int = 6, dtype: torch.dtype = torch.float32
                            ) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Stretch (6.2, exercise 1): an image with a diagonal edge, seen by K and by Kᵀ.

    Build the n×n image X with X[i, j] = 1 where j <= i (the lower triangle, diagonal
    included) and 0 elsewhere, in `dtype` on the CPU; take the book's edge kernel
    K = [[1, −1]] (shape (1, 2), same dtype). Return (X, corr2d(X, K), corr2d(Xᵀ, K),
    corr2d(X, Kᵀ)), of shapes (n, n), (n, n − 1), (n, n − 1) and (n − 1, n). Your corr2d
    above may be used. (What do the three responses look like? Each is a single diagonal.)

    拓展（6.2 练习 1）：具有对角线边缘的图像，分别用 K 和 Kᵀ 检测。
    构造 n×n 的图像 X：j <= i 处（下三角，含对角线）X[i, j] = 1，其余为 0，数据类型为 `dtype`，
    放在 CPU 上；卷积核取书中的边缘检测核 K = [[1, −1]]（形状 (1, 2)，数据类型相同）。
    返回 (X, corr2d(X, K), corr2d(Xᵀ, K), corr2d(X, Kᵀ))，形状分别为 (n, n)、(n, n − 1)、
    (n, n − 1) 和 (n − 1, n)。可以使用你在上面写的 corr2d。（这三个响应是什么样子？每个都只有一条对角线。）
    """
    raise NotImplementedError


def second_derivative_kernel(dtype: torch.dtype = torch.float32) -> Tensor:
    """Stretch (6.2, exercise 4): the kernel of a (discrete) second derivative.

    Return the (1, 3) kernel K in `dtype` on the CPU such that corr2d(X, K)[i, j] =
    X[i, j] − 2·X[i, j + 1] + X[i, j + 2], the second difference along the width: on a row
    x_j = j² it gives 2 everywhere.

    拓展（6.2 练习 4）：（离散）二阶导数的卷积核。
    返回形状为 (1, 3)、数据类型为 `dtype`、在 CPU 上的卷积核 K，使
    corr2d(X, K)[i, j] = X[i, j] − 2·X[i, j + 1] + X[i, j + 2]，即沿宽度方向的二阶差分：
    对于 x_j = j² 的一行，结果处处为 2。
    """
    raise NotImplementedError


def derivative_kernel_size(d: int) -> int:
    """Stretch (6.2, exercise 4): the smallest kernel width for a d-th derivative.

    The d-th finite difference of a row needs d + 1 neighbouring values (the kernel holds the
    binomial coefficients with alternating signs: [1, −1], [1, −2, 1], [1, −3, 3, −1], …).
    Return that width as a Python int for any d >= 0 (d = 0 is the identity, width 1).

    拓展（6.2 练习 4）：d 阶导数所需的最小卷积核宽度。
    一行的 d 阶差分需要 d + 1 个相邻的值（卷积核是符号交替的二项式系数：[1, −1]、[1, −2, 1]、
    [1, −3, 3, −1]……）。对任意 d >= 0 以 Python int 返回这个宽度（d = 0 是恒等变换，宽度为 1）。
    """
    raise NotImplementedError
