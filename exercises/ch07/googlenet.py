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
