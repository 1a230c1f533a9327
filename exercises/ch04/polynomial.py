"""Model selection, underfitting and overfitting: polynomial regression (4.4.4).
模型选择、欠拟合和过拟合：多项式回归。"""
import math

import torch
from torch import Tensor


def poly_features(x: Tensor, max_degree: int) -> Tensor:
    """Polynomial features of 4.4.4.1: column i is x**i / i! for i = 0, ..., max_degree - 1.

    x has shape (n,) or (n, 1). Returns shape (n, max_degree) in x's dtype and device; column 0
    is all ones (x**0 / 0! = 1, also for x = 0). Dividing by i! = gamma(i + 1) keeps the large
    powers from blowing up (for |x| ≈ 3 and i = 19, x**19 is about 1e9).

    4.4.4.1 节的多项式特征：第 i 列是 x**i / i!，i = 0, ..., max_degree - 1。
    x 的形状为 (n,) 或 (n, 1)。返回形状为 (n, max_degree) 的张量，数据类型和设备与 x 相同；
    第 0 列全为 1（x**0 / 0! = 1，x = 0 时也一样）。除以 i! = gamma(i + 1) 可以避免高次幂
    的值过大（|x| ≈ 3、i = 19 时，x**19 约为 1e9）。
    """
    raise NotImplementedError


def fit_polynomial(x: Tensor, y: Tensor, degree: int) -> Tensor:
    """Exercise 1 of 4.4: the exact least-squares polynomial fit, by the normal equations.

    Features are the book's x**i / i! for i = 0, ..., degree (degree + 1 columns, as
    poly_features(x, degree + 1)). Solve the normal equations (ΦᵀΦ) w = Φᵀ y and return w, of
    shape (degree + 1,), in x's dtype and device. x and y have shape (n,) with n > degree.
    On the book's data y = 5 + 1.2x − 3.4x²/2! + 5.6x³/3! + noise, degree 3 recovers
    [5, 1.2, −3.4, 5.6] within the noise. Do not use lstsq or a pseudo-inverse
    (torch.linalg.lstsq, torch.linalg.pinv, torch.pinverse, numpy.linalg.lstsq/pinv);
    torch.linalg.solve is allowed.

    4.4 节练习 1：用正规方程求多项式回归的精确（最小二乘）解。
    特征是书中的 x**i / i!，i = 0, ..., degree（共 degree + 1 列，与 poly_features(x, degree + 1)
    相同）。解正规方程 (ΦᵀΦ) w = Φᵀ y，返回形状为 (degree + 1,) 的 w，数据类型和设备与 x 相同。
    x 和 y 的形状都是 (n,)，且 n > degree。在书中的数据
    y = 5 + 1.2x − 3.4x²/2! + 5.6x³/3! + 噪声 上，degree = 3 时应在噪声范围内恢复出
    [5, 1.2, −3.4, 5.6]。不能使用 lstsq 或伪逆（torch.linalg.lstsq、torch.linalg.pinv、
    torch.pinverse、numpy.linalg.lstsq/pinv）；可以使用 torch.linalg.solve。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.linalg.lstsq, torch.linalg.pinv, torch.pinverse, torch.Tensor.pinverse,
        numpy.linalg.lstsq, numpy.linalg.pinv
    """
    raise NotImplementedError
