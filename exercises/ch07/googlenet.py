"""GoogLeNet (7.4). 含并行连结的网络（GoogLeNet）。"""
import torch
from torch import nn
from torch.nn import functional as F


class Inception(nn.Module):
    """The Inception block: four parallel paths whose outputs are concatenated on the
    channel dimension.

    - path 1: ``p1_1`` = 1×1 convolution to ``c1`` channels;
    - path 2: ``p2_1`` = 1×1 convolution to ``c2[0]``, then ``p2_2`` = 3×3 convolution
      (padding 1) to ``c2[1]``;
    - path 3: ``p3_1`` = 1×1 convolution to ``c3[0]``, then ``p3_2`` = 5×5 convolution
      (padding 2) to ``c3[1]``;
    - path 4: ``p4_1`` = 3×3 max pooling (stride 1, padding 1), then ``p4_2`` = 1×1
      convolution to ``c4``.

    Every convolution (the 1×1 reductions included) is followed by a ReLU. ``forward``
    returns ``cat((p1, p2, p3, p4), dim=1)`` with ``c1 + c2[1] + c3[1] + c4`` channels and the
    input's height and width. Attribute names follow the book so that ``state_dict``s load.

    Inception 块：四条并行路径，输出在通道维上连结。

    - 路径 1：``p1_1`` 为 1×1 卷积层，输出 ``c1`` 个通道；
    - 路径 2：``p2_1`` 为 1×1 卷积层，输出 ``c2[0]`` 个通道，再接 ``p2_2``：3×3 卷积层（填充 1），
      输出 ``c2[1]`` 个通道；
    - 路径 3：``p3_1`` 为 1×1 卷积层，输出 ``c3[0]`` 个通道，再接 ``p3_2``：5×5 卷积层（填充 2），
      输出 ``c3[1]`` 个通道；
    - 路径 4：``p4_1`` 为 3×3 最大汇聚层（步幅 1，填充 1），再接 ``p4_2``：1×1 卷积层，输出
      ``c4`` 个通道。

    每个卷积层（包括用于减少通道数的 1×1 卷积层）后面都跟一个 ReLU。``forward`` 返回
    ``cat((p1, p2, p3, p4), dim=1)``，共 ``c1 + c2[1] + c3[1] + c4`` 个通道，高和宽与输入相同。
    属性名与书中一致，以便加载 ``state_dict``。
    """

    def __init__(self, in_channels, c1, c2, c3, c4):
        super().__init__()
        raise NotImplementedError

    def forward(self, x):
        raise NotImplementedError


def googlenet() -> nn.Sequential:
    """(Stretch, 7.4 exercise 2.) The book's GoogLeNet for 1-channel images and 10 classes:
    ``nn.Sequential(b1, b2, b3, b4, b5, nn.Linear(1024, 10))``, where each stage is itself an
    ``nn.Sequential`` (so the ``state_dict`` keys start with ``0.`` … ``5.``):

    - ``b1``: ``Conv2d(1, 64, kernel_size=7, stride=2, padding=3)``, ``ReLU``,
      ``MaxPool2d(kernel_size=3, stride=2, padding=1)``;
    - ``b2``: ``Conv2d(64, 64, kernel_size=1)``, ``ReLU``, ``Conv2d(64, 192, kernel_size=3,
      padding=1)``, ``ReLU``, ``MaxPool2d(3, stride=2, padding=1)``;
    - ``b3``: ``Inception(192, 64, (96, 128), (16, 32), 32)``,
      ``Inception(256, 128, (128, 192), (32, 96), 64)``, ``MaxPool2d(3, stride=2, padding=1)``;
    - ``b4``: ``Inception(480, 192, (96, 208), (16, 48), 64)``,
      ``Inception(512, 160, (112, 224), (24, 64), 64)``,
      ``Inception(512, 128, (128, 256), (24, 64), 64)``,
      ``Inception(512, 112, (144, 288), (32, 64), 64)``,
      ``Inception(528, 256, (160, 320), (32, 128), 128)``, ``MaxPool2d(3, stride=2, padding=1)``;
    - ``b5``: ``Inception(832, 256, (160, 320), (32, 128), 128)``,
      ``Inception(832, 384, (192, 384), (48, 128), 128)``, ``AdaptiveAvgPool2d((1, 1))``,
      ``Flatten()``.

    Build it from your ``Inception``. It has 5,977,530 parameters, and because every
    pooling layer is padded it runs on any input size down to 1×1: (N, 1, H, W) gives (N, 10).

    （拓展，7.4 练习 2。）书中用于单通道图像、10 个类别的 GoogLeNet：
    ``nn.Sequential(b1, b2, b3, b4, b5, nn.Linear(1024, 10))``，其中每个模块本身也是一个
    ``nn.Sequential``（因此 ``state_dict`` 的键以 ``0.`` … ``5.`` 开头）：

    - ``b1``：``Conv2d(1, 64, kernel_size=7, stride=2, padding=3)``、``ReLU``、
      ``MaxPool2d(kernel_size=3, stride=2, padding=1)``；
    - ``b2``：``Conv2d(64, 64, kernel_size=1)``、``ReLU``、``Conv2d(64, 192, kernel_size=3,
      padding=1)``、``ReLU``、``MaxPool2d(3, stride=2, padding=1)``；
    - ``b3``：``Inception(192, 64, (96, 128), (16, 32), 32)``、
      ``Inception(256, 128, (128, 192), (32, 96), 64)``、``MaxPool2d(3, stride=2, padding=1)``；
    - ``b4``：``Inception(480, 192, (96, 208), (16, 48), 64)``、
      ``Inception(512, 160, (112, 224), (24, 64), 64)``、
      ``Inception(512, 128, (128, 256), (24, 64), 64)``、
      ``Inception(512, 112, (144, 288), (32, 64), 64)``、
      ``Inception(528, 256, (160, 320), (32, 128), 128)``、``MaxPool2d(3, stride=2, padding=1)``；
    - ``b5``：``Inception(832, 256, (160, 320), (32, 128), 128)``、
      ``Inception(832, 384, (192, 384), (48, 128), 128)``、``AdaptiveAvgPool2d((1, 1))``、
      ``Flatten()``。

    请用你自己的 ``Inception`` 构造。它有 5,977,530 个参数；由于每个汇聚层都有填充，它可以处理
    小到 1×1 的任意输入尺寸：(N, 1, H, W) 得到 (N, 10)。
    """
    raise NotImplementedError
