"""Network in Network (7.3). 网络中的网络（NiN）。"""
import torch
from torch import nn


def nin_block(in_channels, out_channels, kernel_size, strides, padding) -> nn.Sequential:
    """One NiN block: a convolution with the given ``kernel_size``, ``strides`` and
    ``padding`` (PyTorch's per-side padding), then two 1×1 convolutions, each convolution
    followed by a ReLU.

    All convolutions output ``out_channels`` channels and have a bias. The six layers sit
    flat in one ``nn.Sequential`` (Conv, ReLU, Conv1×1, ReLU, Conv1×1, ReLU), so the
    ``state_dict`` keys are ``0.*``, ``2.*`` and ``4.*``.

    一个 NiN 块：一个卷积层（卷积核大小 ``kernel_size``、步幅 ``strides``、填充 ``padding``，
    填充按 PyTorch 的约定是每一侧的填充量），后接两个 1×1 卷积层，每个卷积层后面都跟一个 ReLU。
    所有卷积层的输出通道数都是 ``out_channels``，且都带偏置。六个层平铺在一个
    ``nn.Sequential`` 中（卷积、ReLU、1×1 卷积、ReLU、1×1 卷积、ReLU），因此 ``state_dict``
    的键为 ``0.*``、``2.*`` 和 ``4.*``。
    """
    ### BEGIN SOLUTION
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, strides, padding),
        nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1),
        nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1),
        nn.ReLU(),
    )
    ### END SOLUTION
