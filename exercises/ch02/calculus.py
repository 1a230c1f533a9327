"""Calculus (2.4): numerical differentiation.

微积分（2.4）：数值微分。
"""
from typing import Callable

import torch
from torch import Tensor


def numerical_grad(f: Callable[[Tensor], Tensor], x: Tensor, h: float = 1e-5) -> Tensor:
    """Gradient of the scalar function ``f`` at ``x`` by central differences.

    ``f`` maps a tensor shaped like ``x`` to a 0-d tensor. Return a tensor of ``x``'s shape and
    dtype with ``g_i = (f(x + h e_i) - f(x - h e_i)) / (2h)``, where ``e_i`` is the i-th unit
    tensor. The book's ``numerical_lim`` uses a forward difference; the kit requires the
    central one, which is accurate to O(h^2). ``x`` must be unchanged afterwards (perturb a
    copy). Do not use autograd (``torch.autograd``, ``backward``, ``torch.func``).
    In float32 the rounding error at h=1e-5 is about 1e-2, so work in x's dtype and expect
    float64 inputs for accurate results.

    用中心差分计算标量函数 ``f`` 在 ``x`` 处的梯度。``f`` 把与 ``x`` 形状相同的张量映射为
    0 维张量。返回与 ``x`` 形状和数据类型都相同的张量，其中
    ``g_i = (f(x + h e_i) - f(x - h e_i)) / (2h)``，``e_i`` 是第 i 个单位张量。书中的
    ``numerical_lim`` 用的是前向差分；本练习要求中心差分，其误差为 O(h^2)。调用结束后 ``x``
    必须保持不变（请在副本上加扰动）。不要使用自动微分（``torch.autograd``、``backward``、
    ``torch.func``）。在 float32 下 h=1e-5 的舍入误差约为 1e-2，所以请在 ``x`` 的数据类型
    下计算，需要精确结果时使用 float64 输入。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.autograd.grad, torch.autograd.backward, torch.autograd.functional,
        torch.Tensor.backward, torch.func
    """
    raise NotImplementedError
