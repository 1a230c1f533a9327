"""Numerical stability and model initialization: Xavier initialization (4.8.2.2).
数值稳定性和模型初始化：Xavier初始化。"""
import math

import torch
from torch import Tensor


def fan_in_fan_out(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of this shape, in PyTorch's layout.

    A Linear weight is (out_features, in_features); a conv weight is
    (out_channels, in_channels, kh, kw, ...). With r = the product of shape[2:] (the receptive
    field, 1 for a matrix): fan_in = shape[1] * r and fan_out = shape[0] * r, returned as two
    Python ints. A shape with fewer than 2 dimensions raises ValueError.

    按 PyTorch 的权重布局计算 (fan_in, fan_out)，即输入数和输出数。
    全连接层的权重形状是 (out_features, in_features)；卷积层的权重形状是
    (out_channels, in_channels, kh, kw, ...)。记 r 为 shape[2:] 各维的乘积（感受野大小，
    矩阵时为 1），则 fan_in = shape[1] * r，fan_out = shape[0] * r，以两个 Python 整数返回。
    维数少于 2 的形状要抛出 ValueError。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.nn.init.xavier_uniform_, torch.nn.init.xavier_uniform, torch.nn.init.xavier_normal_,
        torch.nn.init.xavier_normal, torch.nn.init.kaiming_uniform_, torch.nn.init.kaiming_uniform,
        torch.nn.init.kaiming_normal_, torch.nn.init.kaiming_normal, torch.nn.init.uniform_,
        torch.nn.init.uniform, torch.nn.init.normal_, torch.nn.init.normal,
        torch.nn.init.trunc_normal_, torch.nn.init.orthogonal_, torch.nn.init.sparse_
        (and 2 private aliases of these / 以及它们的 2 个内部别名)
    """
    raise NotImplementedError


def xavier_uniform(shape: tuple[int, ...], gain: float = 1.0,
                   generator: torch.Generator | None = None) -> Tensor:
    """Xavier (Glorot) uniform initialization of a weight of this shape.

    Samples U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)), fans from `fan_in_fan_out`,
    so that the variance is gain² · 2 / (fan_in + fan_out) as in the book. Returns a new tensor
    of the given shape in the default dtype (float32), drawn with `generator` (on the generator's
    device when one is given): the same seed gives the same tensor.
    Do not use torch.nn.init (xavier_uniform_, uniform_, ...).

    Xavier（Glorot）均匀分布初始化。
    从 U(-a, a) 中采样，a = gain * sqrt(6 / (fan_in + fan_out))，fan_in、fan_out 由
    `fan_in_fan_out` 计算，这样方差就是书中的 gain² · 2 / (fan_in + fan_out)。
    返回给定形状的新张量，数据类型为默认的 float32，用 `generator` 采样（给了 generator 时放在
    它所在的设备上）：相同的种子给出相同的张量。不能使用 torch.nn.init（xavier_uniform_、
    uniform_ 等）。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.nn.init.xavier_uniform_, torch.nn.init.xavier_uniform, torch.nn.init.xavier_normal_,
        torch.nn.init.xavier_normal, torch.nn.init.kaiming_uniform_, torch.nn.init.kaiming_uniform,
        torch.nn.init.kaiming_normal_, torch.nn.init.kaiming_normal, torch.nn.init.uniform_,
        torch.nn.init.uniform, torch.nn.init.normal_, torch.nn.init.normal,
        torch.nn.init.trunc_normal_, torch.nn.init.orthogonal_, torch.nn.init.sparse_
        (and 2 private aliases of these / 以及它们的 2 个内部别名)
    """
    raise NotImplementedError
