"""Batch normalization from scratch (7.5). 批量规范化。"""
import torch
from torch import Tensor, nn
from torch.nn import functional as F


def batch_norm(X, gamma, beta, moving_mean, moving_var, eps: float, momentum: float,
               training: bool) -> tuple[Tensor, Tensor, Tensor]:
    """Batch normalization of ``X``; returns ``(Y, moving_mean, moving_var)``.

    ``X`` is either (N, C) (after a fully connected layer), with ``gamma``, ``beta``,
    ``moving_mean`` and ``moving_var`` of shape (1, C), or (N, C, H, W) (after a
    convolution), with those of shape (1, C, 1, 1).

    - ``training=True``: the batch mean and the **biased** variance (divide by the number of
      values, not by that number − 1) per channel, over dim 0 for 2-D ``X`` and over dims
      (0, 2, 3) for 4-D ``X``, kept in the parameters' shape. ``Y = gamma * (X − mean) /
      sqrt(var + eps) + beta``. The moving statistics are updated with the book's (zh)
      convention, where ``momentum`` weights the *old* value: ``new_moving = momentum *
      moving + (1 − momentum) * batch_stat`` (the book uses momentum 0.9; PyTorch's and the
      English edition's ``momentum`` is ``1 − momentum`` here). PyTorch's ``running_var``
      stores the unbiased variance; the kit keeps the biased one, as the book does.
    - ``training=False``: normalize with ``moving_mean`` and ``moving_var`` and return them
      unchanged.

    The kit passes the mode explicitly in ``training`` (the book guesses it from
    ``torch.is_grad_enabled()``). Do not modify the arguments in place; return new moving
    statistics, detached from the autograd graph. ``Y`` has the dtype and shape of ``X``.

    对 ``X`` 做批量规范化，返回 ``(Y, moving_mean, moving_var)``。

    ``X`` 的形状为 (N, C)（全连接层之后），此时 ``gamma``、``beta``、``moving_mean``、
    ``moving_var`` 的形状为 (1, C)；或者为 (N, C, H, W)（卷积层之后），此时它们的形状为
    (1, C, 1, 1)。

    - ``training=True``：按通道计算小批量的均值和**有偏**方差（除以元素个数，而不是个数减一），
      二维 ``X`` 在第 0 维上计算，四维 ``X`` 在第 0、2、3 维上计算，并保持参数的形状。
      ``Y = gamma * (X − mean) / sqrt(var + eps) + beta``。移动平均按书中（中文版）的约定更新，
      ``momentum`` 是*旧值*的权重：``new_moving = momentum * moving + (1 − momentum) *
      batch_stat``（书中取 0.9；PyTorch 和英文版的 ``momentum`` 相当于这里的
      ``1 − momentum``）。PyTorch 的 ``running_var`` 保存的是无偏方差，本套件与书中一样使用有偏方差。
    - ``training=False``：用 ``moving_mean`` 和 ``moving_var`` 做规范化，并原样返回它们。

    本套件用参数 ``training`` 显式指定模式（书中用 ``torch.is_grad_enabled()`` 来猜测）。
    不要原地修改参数；返回新的移动平均值，并从自动微分的计算图中分离（detach）。
    ``Y`` 的数据类型和形状与 ``X`` 相同。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.nn.functional.batch_norm, torch.batch_norm, torch.native_batch_norm,
        torch.nn.BatchNorm1d, torch.nn.BatchNorm2d, torch.nn.BatchNorm3d,
        torch.nn.functional.layer_norm, torch.nn.functional.group_norm,
        torch.nn.functional.instance_norm
    """
    raise NotImplementedError


class BatchNorm(nn.Module):
    """A batch normalization layer built on your ``batch_norm``.

    ``num_dims`` is 2 (after a fully connected layer; shapes (1, C)) or 4 (after a
    convolution; shapes (1, C, 1, 1)), with C = ``num_features``. Parameters ``gamma``
    (initialized to 1) and ``beta`` (initialized to 0); **buffers** ``moving_mean`` (0) and
    ``moving_var`` (1) registered with ``register_buffer``, so that they appear in the
    ``state_dict`` and move with ``.to()`` (a kit deviation: the book keeps them as plain
    attributes). ``eps = 1e-5``, ``momentum = 0.9`` (zh convention). ``forward`` takes the
    mode from ``self.training`` (not from ``torch.is_grad_enabled()``) and stores the updated
    moving statistics back into the buffers.

    基于你的 ``batch_norm`` 实现的批量规范化层。``num_dims`` 为 2（全连接层之后，形状 (1, C)）
    或 4（卷积层之后，形状 (1, C, 1, 1)），其中 C = ``num_features``。参数 ``gamma``（初始化为 1）
    和 ``beta``（初始化为 0）；用 ``register_buffer`` 注册的**缓冲区** ``moving_mean``（0）和
    ``moving_var``（1），这样它们会出现在 ``state_dict`` 中，并随 ``.to()`` 移动（这是本套件与
    书中的不同：书中把它们当作普通属性）。``eps = 1e-5``，``momentum = 0.9``（中文版约定）。
    ``forward`` 根据 ``self.training`` 判断模式（而不是 ``torch.is_grad_enabled()``），并把更新后的
    移动平均值存回缓冲区。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.nn.functional.batch_norm, torch.batch_norm, torch.native_batch_norm,
        torch.nn.BatchNorm1d, torch.nn.BatchNorm2d, torch.nn.BatchNorm3d,
        torch.nn.functional.layer_norm, torch.nn.functional.group_norm,
        torch.nn.functional.instance_norm
    """

    def __init__(self, num_features: int, num_dims: int):
        super().__init__()
        raise NotImplementedError

    def forward(self, X):
        raise NotImplementedError


def conv_bn_train(X, weight, bias, gamma, beta, eps: float = 1e-5) -> Tensor:
    """(Stretch, 7.5 exercise 1.) A convolution followed by batch normalization in training
    mode, to see that the convolution's bias has no effect there.

    Compute ``torch.nn.functional.conv2d(X, weight, bias, padding=weight.shape[-1] // 2)``
    (``bias`` can be ``None``, which must work too), then normalize it with **your**
    ``batch_norm`` in training mode (``gamma`` and ``beta`` of shape (1, C, 1, 1); start the
    moving statistics at 0 and 1, any momentum) and return ``Y``. The batch mean absorbs any
    per-channel constant, so the result is the same for every ``bias``: that is why
    convolutions before batch normalization are usually built with ``bias=False``.

    （拓展，7.5 练习 1。）卷积层之后接训练模式下的批量规范化，观察卷积层的偏置在这里不起作用。
    先计算 ``torch.nn.functional.conv2d(X, weight, bias, padding=weight.shape[-1] // 2)``
    （``bias`` 可以是 ``None``，这时也必须能正确运行），再用**你自己的** ``batch_norm``
    在训练模式下做规范化（``gamma`` 和 ``beta`` 的形状为 (1, C, 1, 1)；移动平均从 0 和 1 开始，
    momentum 任意），返回 ``Y``。小批量均值会吸收任何按通道的常数，因此无论 ``bias`` 取何值
    结果都相同：这就是批量规范化之前的卷积层通常设置 ``bias=False`` 的原因。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.nn.functional.batch_norm, torch.batch_norm, torch.native_batch_norm,
        torch.nn.BatchNorm1d, torch.nn.BatchNorm2d, torch.nn.BatchNorm3d,
        torch.nn.functional.layer_norm, torch.nn.functional.group_norm,
        torch.nn.functional.instance_norm
    """
    raise NotImplementedError
