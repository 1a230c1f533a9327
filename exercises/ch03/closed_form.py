"""The analytic solution of linear regression (3.1.1.3). 线性回归的解析解。"""
import torch
from torch import Tensor


def linreg_closed_form(X: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    """Least-squares weights and bias in closed form (3.1.1.3, 3.1 exercise 2).

    X has shape (n, d) with full column rank and y has shape (n, 1) or (n,). Return (w, b) with
    w of shape (d, 1) and b of shape (1,), in X's dtype, minimising ‖Xw + b − y‖². Fold the bias
    into the weights by appending a column of ones to X, then solve the normal equations
    (XᵀX) θ = Xᵀy, a (d+1)×(d+1) system (torch.linalg.solve is allowed; lstsq and pinv are not).

    用解析解求最小二乘的权重和偏置（3.1.1.3 节，3.1 节练习 2）。X 的形状为 (n, d) 且列满秩，
    y 的形状为 (n, 1) 或 (n,)。返回 (w, b)：w 的形状为 (d, 1)，b 的形状为 (1,)，数据类型与 X 相同，
    使 ‖Xw + b − y‖² 最小。把偏置并入权重（在 X 后面追加一列全 1），然后求解正规方程
    (XᵀX) θ = Xᵀy，这是一个 (d+1)×(d+1) 的方程组（可以用 torch.linalg.solve，不能用 lstsq 和 pinv）。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.linalg.lstsq, torch.linalg.pinv, torch.pinverse, torch.Tensor.pinverse,
        numpy.linalg.lstsq, numpy.linalg.pinv, sklearn
    """
    raise NotImplementedError
