"""LeNet (6.6): the network, and the shape of every layer's output.

卷积神经网络（LeNet）（6.6）：网络本身，以及每一层输出的形状。
"""
import torch
from torch import nn


def lenet() -> nn.Sequential:
    """The book's LeNet-5 for 28×28 Fashion-MNIST images (6.6.1), as one nn.Sequential.

    Exactly these 12 modules, in this order (indices 0…11, so that state_dict keys are
    0.weight, 0.bias, 3.*, 7.*, 9.*, 11.*):
    Conv2d(1, 6, kernel_size=5, padding=2), Sigmoid, AvgPool2d(kernel_size=2, stride=2),
    Conv2d(6, 16, kernel_size=5), Sigmoid, AvgPool2d(kernel_size=2, stride=2), Flatten,
    Linear(16 * 5 * 5, 120), Sigmoid, Linear(120, 84), Sigmoid, Linear(84, 10).
    Input (batch, 1, 28, 28) → output (batch, 10); 61,706 parameters. Keep the original
    sigmoid + average pooling (not the "modern" ReLU + max pooling).

    书中用于 28×28 Fashion-MNIST 图像的 LeNet-5（6.6.1），用一个 nn.Sequential 表示。
    必须恰好是下面 12 个模块，顺序相同（下标 0…11，这样 state_dict 的键才是
    0.weight、0.bias、3.*、7.*、9.*、11.*）：
    Conv2d(1, 6, kernel_size=5, padding=2)、Sigmoid、AvgPool2d(kernel_size=2, stride=2)、
    Conv2d(6, 16, kernel_size=5)、Sigmoid、AvgPool2d(kernel_size=2, stride=2)、Flatten、
    Linear(16 * 5 * 5, 120)、Sigmoid、Linear(120, 84)、Sigmoid、Linear(84, 10)。
    输入 (batch, 1, 28, 28) → 输出 (batch, 10)；共 61,706 个参数。保留原始的 sigmoid 激活函数和
    平均汇聚层（不要换成“现代”的 ReLU 和最大汇聚层）。
    """
    raise NotImplementedError


def lenet_shapes(batch_size: int = 1, height: int = 28,
                 width: int = 28) -> list[tuple[str, tuple[int, ...]]]:
    """The output shape after each of LeNet's 12 layers, computed by arithmetic only (6.6.1).

    Return a list of 12 pairs (layer class name, output shape as a tuple of ints) for an input
    of shape (batch_size, 1, height, width), in the order of lenet():
    [('Conv2d', (b, 6, H1, W1)), ('Sigmoid', …), ('AvgPool2d', …), ('Conv2d', …), ('Sigmoid', …),
     ('AvgPool2d', (b, 16, H4, W4)), ('Flatten', (b, 16 * H4 * W4)), ('Linear', (b, 120)),
     ('Sigmoid', (b, 120)), ('Linear', (b, 84)), ('Sigmoid', (b, 84)), ('Linear', (b, 10))].
    The first convolution pads 2 on each side (28×28 stays 28×28); each conv: n + 2p − 5 + 1;
    each pool (kernel 2, stride 2): ⌊(n − 2) / 2⌋ + 1. Raise ValueError if a layer's input is
    smaller than its kernel, or if the flattened size is not 400 = 16 * 5 * 5 (the first
    Linear layer would fail; e.g. 32×32 gives 576). 28×28 and 29×29 both work. Do not build or
    run the network (do not call lenet(), nn.Conv2d, nn.AvgPool2d, …).

    只用算术计算 LeNet 中 12 层每一层输出的形状（6.6.1）。
    对形状为 (batch_size, 1, height, width) 的输入，按 lenet() 中的顺序返回 12 个二元组
    （层的类名, 由 int 组成的输出形状元组）：
    [('Conv2d', (b, 6, H1, W1)), ('Sigmoid', …), ('AvgPool2d', …), ('Conv2d', …), ('Sigmoid', …),
     ('AvgPool2d', (b, 16, H4, W4)), ('Flatten', (b, 16 * H4 * W4)), ('Linear', (b, 120)),
     ('Sigmoid', (b, 120)), ('Linear', (b, 84)), ('Sigmoid', (b, 84)), ('Linear', (b, 10))]。
    第一个卷积层每侧填充 2（28×28 仍是 28×28）；每个卷积层：n + 2p − 5 + 1；每个汇聚层
    （窗口 2，步幅 2）：⌊(n − 2) / 2⌋ + 1。若某层的输入小于它的窗口，或展平后的大小不是
    400 = 16 * 5 * 5（第一个全连接层会出错，例如 32×32 得到 576），抛出 ValueError。
    28×28 和 29×29 都可以。不要构建或运行网络（不要调用 lenet()、nn.Conv2d、nn.AvgPool2d 等）。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        lenet, torch.nn.Conv*, torch.nn.*Pool*, torch.nn.Linear, torch.nn.Sequential,
        torch.nn.functional.conv*, torch.nn.functional.*pool*, torch.conv*, torch.*pool*
    """
    raise NotImplementedError
