"""Layers and blocks (5.1). 层和块。"""
from typing import Callable

import torch
from torch import nn


class MySequential(nn.Module):
    """A hand-written ``nn.Sequential``: run the given blocks one after another.

    Register every block as a child module named ``'0'``, ``'1'``, ``'2'``, … (in the order given),
    for example with ``self._modules[str(i)] = block`` or ``self.add_module(str(i), block)``, so that
    ``parameters()`` finds their parameters and ``state_dict()`` has exactly the keys of
    ``nn.Sequential`` (``'0.weight'``, ``'0.bias'``, ``'2.weight'``, …). A plain Python list or an
    attribute such as ``self.layers`` is not enough. ``forward(X)`` feeds ``X`` through the
    children in order and returns the last output. Do not use ``nn.Sequential``,
    ``nn.ModuleList`` or ``nn.ModuleDict``.

    手写一个 ``nn.Sequential``：按顺序依次运行传入的块。把每个块注册为名为 ``'0'``、``'1'``、
    ``'2'``……的子模块（按传入的顺序），例如 ``self._modules[str(i)] = block`` 或
    ``self.add_module(str(i), block)``，这样 ``parameters()`` 才能找到它们的参数，``state_dict()``
    的键也与 ``nn.Sequential`` 完全相同（``'0.weight'``、``'0.bias'``、``'2.weight'``……）。
    普通的 Python 列表或 ``self.layers`` 这样的属性都不行。``forward(X)`` 让 ``X`` 依次经过各个
    子模块并返回最后的输出。不能使用 ``nn.Sequential``、``nn.ModuleList`` 或 ``nn.ModuleDict``。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.nn.Sequential, torch.nn.ModuleList, torch.nn.ModuleDict
    """

    def __init__(self, *args):
        super().__init__()
        raise NotImplementedError

    def forward(self, X):
        raise NotImplementedError


class ParallelBlock(nn.Module):
    """Run two networks on the same input and concatenate their outputs.

    Keep the two networks as the attributes ``net1`` and ``net2`` (so the state_dict keys are
    ``net1.…`` and ``net2.…`` and the parameter count is the sum of both), and the concatenation
    dimension as ``dim``. ``forward(X)`` returns ``torch.cat((net1(X), net2(X)), dim)``.

    在同一个输入上运行两个网络，并把它们的输出连结起来。把两个网络保存为属性 ``net1`` 和
    ``net2``（于是 state_dict 的键是 ``net1.…`` 和 ``net2.…``，参数个数是两者之和），连结的维度
    保存为 ``dim``。``forward(X)`` 返回 ``torch.cat((net1(X), net2(X)), dim)``。
    """

    def __init__(self, net1: nn.Module, net2: nn.Module, dim: int = -1):
        super().__init__()
        raise NotImplementedError

    def forward(self, X):
        raise NotImplementedError


def repeat_block(block_factory: Callable[[], nn.Module], n: int) -> nn.Sequential:
    """An ``nn.Sequential`` of ``n`` independent blocks, each made by calling ``block_factory()``.

    The n blocks must be n different instances with their own parameters: the parameter count of
    the result is n times that of one block. ``n = 0`` gives an empty ``nn.Sequential``.

    返回由 ``n`` 个相互独立的块组成的 ``nn.Sequential``，每个块都通过调用 ``block_factory()``
    得到。这 n 个块必须是 n 个不同的实例，各有自己的参数：结果的参数个数是一个块的 n 倍。
    ``n = 0`` 时返回空的 ``nn.Sequential``。
    """
    raise NotImplementedError
