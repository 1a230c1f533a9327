"""Linear algebra (2.3): norms and sums that keep dimensions.

线性代数（2.3）：范数与非降维求和。
"""
import torch
from torch import Tensor


def vector_norm(x: Tensor, p: float = 2.0) -> Tensor:
    """The L_p norm of ``x``, treated as a flat vector.

    ``x`` is a float tensor of any shape; ``p`` is a number >= 1 or ``float('inf')``.
    Return a 0-d tensor of ``x``'s dtype: ``(sum_i |x_i|^p)^(1/p)``, or ``max_i |x_i|`` for
    ``p = inf``. Do not use ``torch.norm``, ``torch.linalg.*norm*``, ``Tensor.norm`` and the like.

    把 ``x`` 视为展平的向量，计算它的 L_p 范数。``x`` 是任意形状的浮点张量；``p`` 是不小于 1
    的数或 ``float('inf')``。返回与 ``x`` 数据类型相同的 0 维张量：``(sum_i |x_i|^p)^(1/p)``，
    当 ``p = inf`` 时为 ``max_i |x_i|``。不要使用 ``torch.norm``、``torch.linalg.*norm*``、
    ``Tensor.norm`` 等现成的范数函数。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.norm, torch.linalg.*norm*, torch.Tensor.norm, torch.dist, torch.cdist,
        torch.nn.functional.normalize
    """
    raise NotImplementedError


def frobenius_norm(X: Tensor) -> Tensor:
    """The Frobenius norm of the matrix ``X``: the square root of the sum of squared entries.

    ``X`` has shape (m, n). Return a 0-d tensor of ``X``'s dtype. The book's example:
    ``frobenius_norm(torch.ones((4, 9)))`` is 6. Do not use the built-in norm functions.

    计算矩阵 ``X`` 的 Frobenius 范数：所有元素平方和的平方根。``X`` 的形状为 (m, n)。
    返回与 ``X`` 数据类型相同的 0 维张量。书中的例子：``frobenius_norm(torch.ones((4, 9)))``
    等于 6。不要使用现成的范数函数。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.norm, torch.linalg.*norm*, torch.Tensor.norm, torch.dist, torch.cdist,
        torch.nn.functional.normalize
    """
    raise NotImplementedError


def row_normalize(A: Tensor) -> Tensor:
    """Divide each row of ``A`` by its sum, so that every row sums to 1.

    ``A`` is an (m, n) float tensor whose row sums are nonzero. Return a new tensor of the same
    shape and dtype whose row i is row i of ``A`` divided by the sum of row i. This must work
    for square and non-square ``A`` alike (2.3 exercise 6). ``A`` must not change.

    把 ``A`` 的每一行除以该行的和，使每一行的和都为 1。``A`` 是形状为 (m, n) 的浮点张量，
    每行的和都不为零。返回形状和数据类型都相同的新张量，其第 i 行等于 ``A`` 的第 i 行除以
    第 i 行的和。方阵和非方阵都要正确（2.3 节练习 6）。不得修改 ``A``。
    """
    raise NotImplementedError
