"""AlexNet (7.1). 深度卷积神经网络（AlexNet）。"""
import torch
from torch import nn


def alexnet() -> nn.Sequential:
    """(Stretch, 7.1.) The book's AlexNet for Fashion-MNIST resized to 1×224×224, as one flat
    ``nn.Sequential`` of 21 layers (the indices are the ``state_dict`` key prefixes):

    - 0 ``Conv2d(1, 96, kernel_size=11, stride=4, padding=1)``, 1 ``ReLU``,
      2 ``MaxPool2d(kernel_size=3, stride=2)``;
    - 3 ``Conv2d(96, 256, kernel_size=5, padding=2)``, 4 ``ReLU``, 5 ``MaxPool2d(3, stride=2)``;
    - 6 ``Conv2d(256, 384, 3, padding=1)``, 7 ``ReLU``, 8 ``Conv2d(384, 384, 3, padding=1)``,
      9 ``ReLU``, 10 ``Conv2d(384, 256, 3, padding=1)``, 11 ``ReLU``,
      12 ``MaxPool2d(3, stride=2)``;
    - 13 ``Flatten``, 14 ``Linear(6400, 4096)``, 15 ``ReLU``, 16 ``Dropout(p=0.5)``,
      17 ``Linear(4096, 4096)``, 18 ``ReLU``, 19 ``Dropout(p=0.5)``, 20 ``Linear(4096, 10)``.

    A (N, 1, 224, 224) input gives (N, 10) logits; the last pooling layer leaves 256×5×5 = 6400
    features. The network has 46,764,746 parameters, and ``Linear(6400, 4096)`` alone holds
    26,218,496 of them.

    （拓展，7.1。）书中用于 Fashion-MNIST（放大到 1×224×224）的 AlexNet，是一个平铺的、共 21 层的
    ``nn.Sequential``（下标就是 ``state_dict`` 键的前缀）：

    - 0 ``Conv2d(1, 96, kernel_size=11, stride=4, padding=1)``，1 ``ReLU``，
      2 ``MaxPool2d(kernel_size=3, stride=2)``；
    - 3 ``Conv2d(96, 256, kernel_size=5, padding=2)``，4 ``ReLU``，5 ``MaxPool2d(3, stride=2)``；
    - 6 ``Conv2d(256, 384, 3, padding=1)``，7 ``ReLU``，8 ``Conv2d(384, 384, 3, padding=1)``，
      9 ``ReLU``，10 ``Conv2d(384, 256, 3, padding=1)``，11 ``ReLU``，
      12 ``MaxPool2d(3, stride=2)``；
    - 13 ``Flatten``，14 ``Linear(6400, 4096)``，15 ``ReLU``，16 ``Dropout(p=0.5)``，
      17 ``Linear(4096, 4096)``，18 ``ReLU``，19 ``Dropout(p=0.5)``，20 ``Linear(4096, 10)``。

    形状为 (N, 1, 224, 224) 的输入得到 (N, 10) 的输出；最后一个汇聚层之后剩下 256×5×5 = 6400 个
    特征。整个网络有 46,764,746 个参数，仅 ``Linear(6400, 4096)`` 就占 26,218,496 个。
    """
    raise NotImplementedError
