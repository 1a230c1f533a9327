"""VGG (7.2). 使用块的网络（VGG）。"""
from typing import Sequence

import torch
from torch import nn


def vgg_block(num_convs: int, in_channels: int, out_channels: int) -> nn.Sequential:
    """One VGG block: ``num_convs`` times (3×3 convolution with padding 1, ReLU), then a 2×2
    max-pooling layer with stride 2.

    The first convolution maps ``in_channels`` to ``out_channels``; every later one maps
    ``out_channels`` to ``out_channels``. The layers sit flat in one ``nn.Sequential`` (the
    convolutions at indices 0, 2, 4, …, the pooling layer last), so for ``num_convs=2`` the
    ``state_dict`` keys are ``['0.weight', '0.bias', '2.weight', '2.bias']``. The block keeps
    the height and width through the convolutions and halves them (rounding down) in the pool.

    一个 VGG 块：``num_convs`` 次（3×3 卷积层，填充为 1，接 ReLU），最后是一个 2×2、步幅为 2 的
    最大汇聚层。第一个卷积层把 ``in_channels`` 个通道变为 ``out_channels`` 个，之后的卷积层都是
    ``out_channels`` 到 ``out_channels``。所有层平铺在一个 ``nn.Sequential`` 里（卷积层位于下标
    0, 2, 4, …，汇聚层在最后），因此 ``num_convs=2`` 时 ``state_dict`` 的键为
    ``['0.weight', '0.bias', '2.weight', '2.bias']``。卷积层保持高和宽不变，汇聚层把高和宽减半
    （向下取整）。
    """
    raise NotImplementedError


def vgg_fc_in_features(conv_arch: Sequence[tuple[int, int]], input_size: int = 224) -> int:
    """Number of input features of VGG's first fully connected layer.

    ``conv_arch`` lists ``(num_convs, out_channels)`` for each VGG block; every block halves
    the height and width (rounding down), and the square ``input_size`` × ``input_size`` image
    is flattened after the last block. Return a Python ``int``; compute it with arithmetic, no
    forward pass is needed. For the book's VGG-11 at 224×224 this is 512·7·7 = 25088.

    VGG 第一个全连接层的输入特征数。``conv_arch`` 依次给出每个 VGG 块的
    ``(卷积层数, 输出通道数)``；每个块把高和宽减半（向下取整），最后一个块的输出被展平。
    输入是 ``input_size`` × ``input_size`` 的正方形图像。返回 Python 的 ``int``，用算术计算即可，
    不需要前向传播。书中的 VGG-11 在 224×224 输入下为 512·7·7 = 25088。
    """
    raise NotImplementedError
