"""Data manipulation (2.1): broadcasting and saving memory.

数据操作（2.1）：广播机制与节省内存。
"""
from typing import Sequence

import torch
from torch import Tensor


def broadcast_shape(shape_a: Sequence[int], shape_b: Sequence[int]) -> tuple[int, ...]:
    """Shape of the result of broadcasting two tensors of shapes ``shape_a`` and ``shape_b``.

    Align the two shapes on their *trailing* dimensions and pad the shorter one with leading
    1s. In each aligned pair the sizes must be equal, or one of them must be 1; the result takes
    the other size (so a 0-length dim broadcasts with 1: ``(0,)`` and ``(1,)`` give ``(0,)``).
    ``()`` is the identity. Return a tuple of ints. Raise ``ValueError`` when the shapes are
    incompatible (PyTorch raises RuntimeError; the kit wants ValueError). Work on the shapes
    only: do not build tensors, and do not call ``torch.broadcast_shapes`` and friends.

    计算形状分别为 ``shape_a`` 和 ``shape_b`` 的两个张量按广播机制运算后结果的形状。
    先让两个形状按*末尾*的维度对齐，较短的形状在前面补 1。对齐后的每一对维度必须相等，
    或者其中之一为 1，结果取另一个值（因此长度为 0 的维度可以和 1 广播：``(0,)`` 与
    ``(1,)`` 得到 ``(0,)``）。``()`` 不改变另一个形状。返回由 int 组成的元组。形状不兼容时
    抛出 ``ValueError``（PyTorch 抛出的是 RuntimeError，本练习要求 ValueError）。只对形状
    做计算：不要构造张量，也不要调用 ``torch.broadcast_shapes`` 等函数。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.broadcast_shapes, torch.broadcast_tensors, torch.broadcast_to, torch.Tensor.expand*,
        numpy.broadcast_to, numpy.broadcast_arrays, numpy.broadcast_shapes, torch.zeros, torch.ones,
        torch.empty, torch.rand, torch.randn, torch.full, torch.tensor, numpy.zeros, numpy.ones,
        numpy.empty
    """
    raise NotImplementedError


def add_into_(Z: Tensor, X: Tensor, Y: Tensor) -> Tensor:
    """Write ``X + Y`` (with broadcasting) into ``Z``'s existing memory and return ``Z`` itself.

    ``Z`` already has the broadcast shape of ``X`` and ``Y`` and the same dtype. After the call
    ``Z`` holds ``X + Y``, still lives at the same address (``Z.data_ptr()`` unchanged), and the
    returned object *is* ``Z`` (``ret is Z``). ``X`` and ``Y`` must not change.

    把 ``X + Y``（按广播机制）写入 ``Z`` 已有的内存，并返回 ``Z`` 本身。``Z`` 的形状已经是
    ``X`` 和 ``Y`` 广播后的形状，数据类型也相同。调用之后 ``Z`` 中存放的是 ``X + Y``，
    内存地址不变（``Z.data_ptr()`` 不变），返回的对象*就是* ``Z``（``ret is Z``）。
    不得修改 ``X`` 和 ``Y``。
    """
    raise NotImplementedError
