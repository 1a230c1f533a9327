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
