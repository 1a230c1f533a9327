"""Backpropagation through time (8.7): powers of a matrix. 通过时间反向传播：矩阵的幂。"""
import torch
from torch import Tensor


def power_iteration(M: Tensor, k: int, generator: torch.Generator | None = None) -> Tensor:
    """Power iteration: the direction that k multiplications by M amplify most (8.7, exercise 1;
    stretch).

    ``M`` is a square (n, n) matrix. Start from a random vector drawn with
    ``torch.randn(n, generator=generator, dtype=M.dtype, device=M.device)``, then repeat k
    times ``v = M @ v; v = v / ||v||``. Return v, a unit vector of shape (n,), dtype and device of
    M. For a symmetric M whose largest |eigenvalue| is unique, v lines up (up to sign) with that
    eigenvector: this is why long products of the same matrix in BPTT explode or vanish along it.
    The same generator seed gives the same result.

    幂迭代：找出被 M 连乘 k 次放大得最多的方向（8.7 练习 1；拓展题）。``M`` 是 (n, n) 的方阵。
    先用 ``torch.randn(n, generator=generator, dtype=M.dtype, device=M.device)`` 抽取随机初始向量，
    然后重复 k 次 ``v = M @ v; v = v / ||v||``。返回形状为 (n,) 的单位向量 v，数据类型和
    设备与 M 相同。若 M 对称且绝对值最大的特征值唯一，v 会（在相差一个符号的意义下）与对应的特征向量
    对齐：这正是通过时间反向传播中同一矩阵的长乘积沿该方向爆炸或消失的原因。相同的生成器种子给出相同的结果。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.linalg.eig, torch.linalg.eigh, torch.linalg.eigvals, torch.linalg.eigvalsh,
        torch.linalg.svd, torch.svd, torch.linalg.matrix_power, torch.matrix_power,
        torch.Tensor.matrix_power
    """
    raise NotImplementedError
