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


def vgg16_arch() -> tuple[tuple[int, int], ...]:
    """(Stretch, 7.2 exercise 4.) The ``conv_arch`` of VGG-16: five blocks with 2, 2, 3, 3, 3
    convolutions and 64, 128, 256, 512, 512 output channels, as a tuple of
    ``(num_convs, out_channels)`` tuples.

    （拓展，7.2 练习 4。）VGG-16 的 ``conv_arch``：五个块，卷积层数分别为 2、2、3、3、3，
    输出通道数分别为 64、128、256、512、512，以 ``(卷积层数, 输出通道数)`` 元组组成的元组表示。
    """
    raise NotImplementedError


def vgg_num_params(conv_arch, in_channels: int = 3, num_classes: int = 1000,
                   input_size: int = 224) -> int:
    """(Stretch.) Number of parameters of the book's VGG built from ``conv_arch``: the VGG
    blocks (3×3 convolutions with bias), then ``Linear(fc_in, 4096)``, ``Linear(4096, 4096)``
    and ``Linear(4096, num_classes)``, where ``fc_in`` is ``vgg_fc_in_features(conv_arch,
    input_size)``. Count with arithmetic; do not build the network (VGG-16 has 138,357,544
    parameters, over half a gigabyte in float32).

    （拓展。）由 ``conv_arch`` 构造的书中 VGG 的参数个数：若干 VGG 块（带偏置的 3×3 卷积层），
    然后是 ``Linear(fc_in, 4096)``、``Linear(4096, 4096)`` 和 ``Linear(4096, num_classes)``，
    其中 ``fc_in`` 为 ``vgg_fc_in_features(conv_arch, input_size)``。请用算术计算，不要构造网络
    （VGG-16 有 138,357,544 个参数，float32 下超过半个 GB）。
    """
    raise NotImplementedError
