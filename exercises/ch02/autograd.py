"""Automatic differentiation (2.5): non-scalar outputs and control flow.

自动微分（2.5）：非标量变量的反向传播与 Python 控制流。
"""
from typing import Callable

import torch
from torch import Tensor


def grad_of_sum(f: Callable[[Tensor], Tensor], x: Tensor) -> Tensor:
    """Gradient of ``f(x).sum()`` with respect to ``x``, computed with autograd.

    ``f`` maps a float tensor to a tensor of any shape (not necessarily a scalar). Return
    ``d(f(x).sum())/dx``, detached, with ``x``'s shape and dtype. No side effects: do not
    change ``x.requires_grad`` or ``x.grad``, and calling twice must give the same result
    (gradients accumulate in ``.grad``!). Do not differentiate numerically or with
    ``torch.func``.

    用自动微分计算 ``f(x).sum()`` 关于 ``x`` 的梯度。``f`` 把浮点张量映射为任意形状的张量
    （不一定是标量）。返回 ``d(f(x).sum())/dx``，要求已分离（detach），形状和数据类型与
    ``x`` 相同。不能有副作用：不要改变 ``x.requires_grad`` 或 ``x.grad``，连续调用两次必须
    得到相同的结果（梯度会在 ``.grad`` 中累积！）。不要用数值微分或 ``torch.func``。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.func, functorch, numerical_grad
    """
    raise NotImplementedError


def control_flow_grad(a: Tensor) -> tuple[Tensor, Tensor]:
    """The book's function with Python control flow, and its gradient.

    Compute ``d = f(a)`` where ``f`` is the book's function: ``b = a * 2``; while
    ``b.norm() < 1000``: ``b = b * 2``; then ``c = b`` if ``b.sum() > 0`` else ``c = 100 * b``;
    ``d = c``. ``a`` is a float tensor of any shape (a scalar in the book, a vector in
    exercise 3) with nonzero norm. Return ``(d, grad)``, both detached with ``a``'s shape and
    dtype, where ``grad = d(d.sum())/da``. (Since ``d = k * a`` for a constant ``k``, the
    gradient equals ``d / a``.) Do not change ``a``.

    书中带 Python 控制流的函数及其梯度。计算 ``d = f(a)``，其中 ``f`` 是书中的函数：
    ``b = a * 2``；当 ``b.norm() < 1000`` 时反复执行 ``b = b * 2``；然后若 ``b.sum() > 0``
    则 ``c = b``，否则 ``c = 100 * b``；``d = c``。``a`` 是任意形状、范数不为零的浮点张量
    （书中是标量，练习 3 中是向量）。返回 ``(d, grad)``，两者都已分离（detach），形状和
    数据类型与 ``a`` 相同，其中 ``grad = d(d.sum())/da``。（由于 ``d = k * a``，``k`` 为常数，
    梯度等于 ``d / a``。）不要修改 ``a``。
    """
    raise NotImplementedError
