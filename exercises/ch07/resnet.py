"""Residual networks (7.6). 残差网络（ResNet）。"""
import torch
from torch import nn
from torch.nn import functional as F


class Residual(nn.Module):
    """The residual block.

    Attributes (names as in the book, so that ``state_dict``s load):
    ``conv1`` = 3×3 convolution ``input_channels → num_channels`` with padding 1 and stride
    ``strides``; ``conv2`` = 3×3 convolution ``num_channels → num_channels`` with padding 1
    (stride 1); ``conv3`` = 1×1 convolution ``input_channels → num_channels`` with stride
    ``strides`` if ``use_1x1conv``, else ``None``; ``bn1`` and ``bn2`` = ``nn.BatchNorm2d(
    num_channels)``.

    ``forward``: ``Y = relu(bn1(conv1(X)))``, ``Y = bn2(conv2(Y))``, the shortcut is
    ``conv3(X)`` if there is a ``conv3`` else ``X``; return ``relu(Y + shortcut)`` (ReLU after
    the addition).

    残差块。属性（名称与书中一致，以便加载 ``state_dict``）：``conv1`` 为 3×3 卷积层
    ``input_channels → num_channels``，填充 1，步幅 ``strides``；``conv2`` 为 3×3 卷积层
    ``num_channels → num_channels``，填充 1（步幅 1）；若 ``use_1x1conv`` 为真，``conv3`` 为
    1×1 卷积层 ``input_channels → num_channels``，步幅 ``strides``，否则为 ``None``；``bn1`` 和
    ``bn2`` 为 ``nn.BatchNorm2d(num_channels)``。

    ``forward``：``Y = relu(bn1(conv1(X)))``，``Y = bn2(conv2(Y))``；若有 ``conv3``，捷径为
    ``conv3(X)``，否则为 ``X``；返回 ``relu(Y + 捷径)``（先相加，再 ReLU）。
    """

    def __init__(self, input_channels, num_channels, use_1x1conv=False, strides=1):
        super().__init__()
        raise NotImplementedError

    def forward(self, X):
        raise NotImplementedError


def resnet_block(input_channels, num_channels, num_residuals, first_block=False) -> list[nn.Module]:
    """A ResNet stage: a Python ``list`` of ``num_residuals`` ``Residual`` blocks.

    Unless ``first_block`` is true, the first block changes the channels and halves the
    height and width: ``Residual(input_channels, num_channels, use_1x1conv=True,
    strides=2)``. Every other block is ``Residual(num_channels, num_channels)`` (no 1×1
    convolution, stride 1). The book uses ``first_block=True`` for its first stage, whose
    input already has ``num_channels`` channels after the max-pooling layer.

    ResNet 的一个模块：由 ``num_residuals`` 个 ``Residual`` 组成的 Python ``list``。除非
    ``first_block`` 为真，第一个残差块改变通道数并把高和宽减半：``Residual(input_channels,
    num_channels, use_1x1conv=True, strides=2)``。其余残差块都是 ``Residual(num_channels,
    num_channels)``（没有 1×1 卷积，步幅为 1）。书中的第一个模块使用 ``first_block=True``，
    因为最大汇聚层之后的输入通道数已经是 ``num_channels``。
    """
    raise NotImplementedError


class BottleneckResidual(nn.Module):
    """(Stretch, 7.6 exercise 3.) The bottleneck residual block of the deeper ResNets.

    Attributes, created in this order (so the ``state_dict`` keys come in this order too):

    - ``conv1`` = 1×1 convolution ``in_channels → mid_channels`` (stride 1), ``bn1`` =
      ``nn.BatchNorm2d(mid_channels)``;
    - ``conv2`` = 3×3 convolution ``mid_channels → mid_channels`` with padding 1 and stride
      ``strides`` (the stride sits on the 3×3 convolution, as in torchvision's ResNet),
      ``bn2`` = ``nn.BatchNorm2d(mid_channels)``;
    - ``conv3`` = 1×1 convolution ``mid_channels → out_channels`` (stride 1), ``bn3`` =
      ``nn.BatchNorm2d(out_channels)``;
    - ``shortcut`` = 1×1 convolution ``in_channels → out_channels`` with stride ``strides``
      when the shape changes (``strides != 1`` or ``in_channels != out_channels``), else
      ``None``.

    All convolutions have a bias. ``forward``: ``Y = relu(bn1(conv1(X)))``,
    ``Y = relu(bn2(conv2(Y)))``, ``Y = bn3(conv3(Y))``; the shortcut is ``shortcut(X)`` if
    there is one, else ``X``; return ``relu(Y + shortcut)`` (ReLU after the addition). The
    output has ``out_channels`` channels and the height and width of ``conv2``'s output.

    （拓展，7.6 练习 3。）更深的 ResNet 所用的“瓶颈”残差块。属性按以下顺序创建（因此
    ``state_dict`` 的键也按此顺序）：

    - ``conv1`` 为 1×1 卷积层 ``in_channels → mid_channels``（步幅 1），``bn1`` 为
      ``nn.BatchNorm2d(mid_channels)``；
    - ``conv2`` 为 3×3 卷积层 ``mid_channels → mid_channels``，填充 1，步幅 ``strides``
      （步幅放在 3×3 卷积层上，与 torchvision 的 ResNet 相同），``bn2`` 为
      ``nn.BatchNorm2d(mid_channels)``；
    - ``conv3`` 为 1×1 卷积层 ``mid_channels → out_channels``（步幅 1），``bn3`` 为
      ``nn.BatchNorm2d(out_channels)``；
    - 当形状改变时（``strides != 1`` 或 ``in_channels != out_channels``），``shortcut`` 为 1×1
      卷积层 ``in_channels → out_channels``，步幅 ``strides``；否则为 ``None``。

    所有卷积层都带偏置。``forward``：``Y = relu(bn1(conv1(X)))``，``Y = relu(bn2(conv2(Y)))``，
    ``Y = bn3(conv3(Y))``；若有 ``shortcut``，捷径为 ``shortcut(X)``，否则为 ``X``；返回
    ``relu(Y + 捷径)``（先相加，再 ReLU）。输出有 ``out_channels`` 个通道，高和宽与 ``conv2``
    的输出相同。
    """

    def __init__(self, in_channels, mid_channels, out_channels, strides=1):
        super().__init__()
        raise NotImplementedError

    def forward(self, X):
        raise NotImplementedError


class PreActResidual(nn.Module):
    """(Stretch, 7.6 exercise 4.) The pre-activation residual block: "batch normalization,
    activation, convolution" instead of "convolution, batch normalization, activation".

    Attributes, created in this order (the book's ``Residual`` names, so the ``state_dict``
    keys come in this order): ``conv1`` = 3×3 convolution ``input_channels → num_channels``
    with padding 1 and stride ``strides``; ``conv2`` = 3×3 convolution ``num_channels →
    num_channels`` with padding 1 (stride 1); ``conv3`` = 1×1 convolution ``input_channels →
    num_channels`` with stride ``strides`` if ``use_1x1conv``, else ``None``; ``bn1`` =
    ``nn.BatchNorm2d(input_channels)`` (it normalizes the block's input); ``bn2`` =
    ``nn.BatchNorm2d(num_channels)``.

    ``forward``: ``Y = conv1(relu(bn1(X)))``, ``Y = conv2(relu(bn2(Y)))``; the shortcut is
    ``conv3(X)`` (of the raw input X) if there is a ``conv3``, else ``X``; return
    ``Y + shortcut`` with **no** ReLU after the addition, so the output may be negative.

    （拓展，7.6 练习 4。）预激活残差块：把“卷积层、批量规范化层、激活层”改为“批量规范化层、
    激活层、卷积层”。属性按以下顺序创建（沿用书中 ``Residual`` 的名称，``state_dict`` 的键也按
    此顺序）：``conv1`` 为 3×3 卷积层 ``input_channels → num_channels``，填充 1，步幅
    ``strides``；``conv2`` 为 3×3 卷积层 ``num_channels → num_channels``，填充 1（步幅 1）；若
    ``use_1x1conv`` 为真，``conv3`` 为 1×1 卷积层 ``input_channels → num_channels``，步幅
    ``strides``，否则为 ``None``；``bn1`` 为 ``nn.BatchNorm2d(input_channels)``（它规范化的是
    块的输入）；``bn2`` 为 ``nn.BatchNorm2d(num_channels)``。

    ``forward``：``Y = conv1(relu(bn1(X)))``，``Y = conv2(relu(bn2(Y)))``；若有 ``conv3``，捷径为
    ``conv3(X)``（作用于原始输入 X），否则为 ``X``；返回 ``Y + 捷径``，相加之后**没有** ReLU，
    因此输出可以是负数。
    """

    def __init__(self, input_channels, num_channels, use_1x1conv=False, strides=1):
        super().__init__()
        raise NotImplementedError

    def forward(self, X):
        raise NotImplementedError
