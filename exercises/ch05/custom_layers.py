"""Custom layers (5.4). 自定义层。"""
import math

import torch
from torch import Tensor, nn
from torch.nn import functional as F


class CenteredLayer(nn.Module):
    """A layer without parameters: ``forward(X) = X - X.mean()``.

    Subtract the mean of *all* entries of ``X`` (the global mean, as in the book), not a per-row
    mean. The output has the shape and dtype of ``X`` and its mean is (numerically) zero.

    不带参数的层：``forward(X) = X - X.mean()``。减去 ``X`` *所有*元素的均值（与书中一样是
    全局均值），而不是每一行的均值。输出的形状和 dtype 与 ``X`` 相同，其均值（在数值上）为零。
    """

    def __init__(self):
        super().__init__()

    def forward(self, X):
        raise NotImplementedError


class MyLinear(nn.Module):
    """A fully connected layer with ReLU, built from its own parameters.

    ``weight`` has shape ``(in_units, units)`` and ``bias`` shape ``(units,)``, both
    ``nn.Parameter`` (initialise them with ``torch.randn`` as the book does). ``forward(X)``
    returns ``relu(X @ weight + bias)`` for ``X`` of shape ``(n, in_units)``. Use the parameters
    themselves in ``forward``: the book's ``self.weight.data`` cuts the graph, so no gradient
    would ever reach ``weight``.

    带 ReLU 的全连接层，用自己定义的参数实现。``weight`` 的形状是 ``(in_units, units)``，
    ``bias`` 的形状是 ``(units,)``，两者都是 ``nn.Parameter``（像书中一样用 ``torch.randn``
    初始化）。对形状为 ``(n, in_units)`` 的 ``X``，``forward(X)`` 返回
    ``relu(X @ weight + bias)``。``forward`` 中要直接使用参数本身：书中的 ``self.weight.data``
    会切断计算图，梯度就永远到不了 ``weight``。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.nn.Linear, torch.nn.LazyLinear, torch.nn.functional.linear, torch.addmm,
        torch.Tensor.addmm
    """

    def __init__(self, in_units: int, units: int):
        super().__init__()
        raise NotImplementedError

    def forward(self, X):
        raise NotImplementedError


class QuadraticReduction(nn.Module):
    """A layer that returns a quadratic form of its input: y_k = sum_{i,j} W[i, j, k] x_i x_j.

    ``weight`` is an ``nn.Parameter`` of shape ``(in_features, in_features, out_features)``
    (initialise it with ``torch.randn``); ``forward(X)`` maps ``X`` of shape
    ``(n, in_features)`` to ``(n, out_features)``. No bias. Do not use ``nn.Bilinear`` or
    ``F.bilinear``; ``torch.einsum`` or broadcasting and ``sum`` are fine.

    返回输入的二次型的层：y_k = sum_{i,j} W[i, j, k] x_i x_j。``weight`` 是形状为
    ``(in_features, in_features, out_features)`` 的 ``nn.Parameter``（用 ``torch.randn``
    初始化）；``forward(X)`` 把形状为 ``(n, in_features)`` 的 ``X`` 映射为
    ``(n, out_features)``。没有偏置。不能使用 ``nn.Bilinear`` 或 ``F.bilinear``；可以用
    ``torch.einsum``，或者广播机制加 ``sum``。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.nn.Bilinear, torch.nn.functional.bilinear, torch.bilinear
    """

    def __init__(self, in_features: int, out_features: int):
        super().__init__()
        raise NotImplementedError

    def forward(self, X):
        raise NotImplementedError


def fourier_first_half(X: Tensor) -> Tensor:
    """The first half of the discrete Fourier coefficients of the last axis of a real ``X``.

    For ``X`` of shape ``(..., n)`` return the complex tensor of shape ``(..., n // 2)`` with
    c_k = sum_t x_t * exp(-2*pi*i*k*t/n) for k = 0, 1, ..., n//2 - 1: minus sign in the exponent,
    no 1/n normalisation, exactly ``n // 2`` terms (not the ``n // 2 + 1`` of ``rfft``). The dtype
    is ``complex64`` for ``float32`` input and ``complex128`` for ``float64`` input; the device is
    ``X``'s. Do not use ``torch.fft`` (or ``numpy.fft``); build the cos/sin terms yourself.

    实数 ``X`` 最后一维的离散傅里叶系数的前一半。对形状为 ``(..., n)`` 的 ``X``，返回形状为
    ``(..., n // 2)`` 的复数张量，其中 c_k = sum_t x_t * exp(-2*pi*i*k*t/n)，
    k = 0, 1, ..., n//2 - 1：指数取负号，不做 1/n 归一化，恰好 ``n // 2`` 项（不是 ``rfft`` 的
    ``n // 2 + 1`` 项）。``float32`` 输入得到 ``complex64``，``float64`` 输入得到
    ``complex128``；设备与 ``X`` 相同。不能使用 ``torch.fft``（或 ``numpy.fft``），要自己构造
    cos/sin 项。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.fft.*, numpy.fft.*, scipy.fft.*, torch.stft
    """
    raise NotImplementedError
