"""Densely connected networks (7.7). 稠密连接网络（DenseNet）。"""
import torch
from torch import nn


def conv_block(input_channels, num_channels) -> nn.Sequential:
    """DenseNet's convolution block, in the "batch normalization, activation, convolution"
    order: ``nn.BatchNorm2d(input_channels)``, ``nn.ReLU()``, then a 3×3 convolution
    ``input_channels → num_channels`` with padding 1. Height and width are kept.

    DenseNet 的卷积块，顺序为“批量规范化、激活、卷积”：``nn.BatchNorm2d(input_channels)``、
    ``nn.ReLU()``，然后是 3×3 卷积层 ``input_channels → num_channels``，填充 1。高和宽保持不变。
    """
    ### BEGIN SOLUTION
    return nn.Sequential(
        nn.BatchNorm2d(input_channels),
        nn.ReLU(),
        nn.Conv2d(input_channels, num_channels, kernel_size=3, padding=1),
    )
    ### END SOLUTION


class DenseBlock(nn.Module):
    """A dense block of ``num_convs`` convolution blocks.

    Attribute ``net`` = ``nn.Sequential`` of ``conv_block``s, where block i (from 0) takes
    ``num_channels * i + input_channels`` channels and outputs ``num_channels``. ``forward``
    feeds each block the concatenation of everything so far: ``Y = blk(X)``, then ``X =
    cat((X, Y), dim=1)`` (input first, new channels after). The output has ``input_channels +
    num_convs * num_channels`` channels, e.g. ``DenseBlock(2, 3, 10)`` maps (4, 3, 8, 8) to
    (4, 23, 8, 8).

    由 ``num_convs`` 个卷积块组成的稠密块。属性 ``net`` 是由 ``conv_block`` 组成的
    ``nn.Sequential``，其中第 i 个卷积块（从 0 开始）的输入通道数为
    ``num_channels * i + input_channels``，输出通道数为 ``num_channels``。``forward`` 把此前所有
    输出的连结送入每个卷积块：``Y = blk(X)``，然后 ``X = cat((X, Y), dim=1)``（输入在前，新通道
    在后）。输出的通道数为 ``input_channels + num_convs * num_channels``，例如
    ``DenseBlock(2, 3, 10)`` 把 (4, 3, 8, 8) 变为 (4, 23, 8, 8)。
    """

    def __init__(self, num_convs, input_channels, num_channels):
        super().__init__()
        ### BEGIN SOLUTION
        layers = []
        for i in range(num_convs):
            layers.append(conv_block(num_channels * i + input_channels, num_channels))
        self.net = nn.Sequential(*layers)
        ### END SOLUTION

    def forward(self, X):
        ### BEGIN SOLUTION
        for blk in self.net:
            Y = blk(X)
            X = torch.cat((X, Y), dim=1)
        return X
        ### END SOLUTION


def transition_block(input_channels, num_channels) -> nn.Sequential:
    """DenseNet's transition layer: ``nn.BatchNorm2d(input_channels)``, ``nn.ReLU()``, a 1×1
    convolution ``input_channels → num_channels``, then 2×2 **average** pooling with stride 2.
    It reduces the channels and halves the height and width, e.g. (4, 23, 8, 8) → (4, 10, 4, 4).

    DenseNet 的过渡层：``nn.BatchNorm2d(input_channels)``、``nn.ReLU()``、1×1 卷积层
    ``input_channels → num_channels``，然后是 2×2、步幅为 2 的**平均**汇聚层。它减少通道数，
    并把高和宽减半，例如 (4, 23, 8, 8) → (4, 10, 4, 4)。
    """
    ### BEGIN SOLUTION
    return nn.Sequential(
        nn.BatchNorm2d(input_channels),
        nn.ReLU(),
        nn.Conv2d(input_channels, num_channels, kernel_size=1),
        nn.AvgPool2d(kernel_size=2, stride=2),
    )
    ### END SOLUTION
