"""Training a convolutional network (6.6.2): train_ch6, with Xavier initialisation.
训练卷积神经网络（6.6.2 节）：train_ch6，使用 Xavier 初始化。

`net` is an `nn.Module` classifier of (batch, 1, h, w) images (LeNet, or any small CNN); a data
iterator yields `(X, y)` minibatches with int64 labels y of shape (batch,), the last one possibly
smaller. Do not import or call anything from d2l.

`net` 是对 (batch, 1, h, w) 图像分类的 `nn.Module`（LeNet 或任何小型卷积网络）；数据迭代器产出
`(X, y)` 小批量，标签 y 是形状为 (batch,) 的 int64 张量，最后一个小批量可能较小。
不要导入或调用 d2l 中的任何东西。
"""
import torch
from torch import nn


def train_ch6(net, train_iter, test_iter, num_epochs: int, lr: float, device):
    """Train `net` as the book's train_ch6 does (6.6.2); return (train loss, train accuracy,
    test accuracy) of the last epoch, as Python floats.

    First initialise the weight of every nn.Linear and nn.Conv2d of net with
    `nn.init.xavier_uniform_` (biases unchanged), walking the modules as `net.apply(init_weights)`
    does; make the optimizer `torch.optim.SGD(net.parameters(), lr=lr)` and the loss
    `nn.CrossEntropyLoss()`. (The book also moves net and every minibatch to `device`; here they
    are on `device` already, and moving them again changes nothing.) Then for each epoch:
    - `net.train()` (the last epoch's evaluation left it in eval mode); for each minibatch:
      `optimizer.zero_grad()`, `l = loss(net(X), y)`, `l.backward()`,
      `optimizer.step()`; add up `l * X.shape[0]`, the correct predictions (argmax over dim 1 of
      the same forward pass) and the examples;
    - the test accuracy: `net.eval()`, under `torch.no_grad()`, correct predictions over all test
      examples / their number.
    The train loss and accuracy are the sums over the epoch divided by its number of examples.

    按书中 train_ch6 的方式训练 `net`（6.6.2 节）；以 Python float 返回最后一个迭代周期的
    （训练损失, 训练精度, 测试精度）。
    先用 `nn.init.xavier_uniform_` 初始化 net 中每个 nn.Linear 和 nn.Conv2d 的权重（偏置不变），
    遍历模块的顺序与 `net.apply(init_weights)` 相同；优化器为 `torch.optim.SGD(net.parameters(), lr=lr)`，
    损失为 `nn.CrossEntropyLoss()`。（书中还会把 net 和每个小批量移到 `device` 上；这里它们已经在
    `device` 上了，再移动一次也不会改变什么。）然后对每个迭代周期：
    - `net.train()`（上一个周期的评估把它留在了评估模式）；对每个小批量：
      `optimizer.zero_grad()`、`l = loss(net(X), y)`、`l.backward()`、`optimizer.step()`；
      累计 `l * X.shape[0]`、预测正确的个数（取同一次前向计算在 dim 1 上的 argmax）和样本数；
    - 测试精度：`net.eval()`，在 `torch.no_grad()` 中，所有测试样本中预测正确的个数 / 测试样本数。
    训练损失和训练精度是这个周期的累计值除以其样本数。
    """
    raise NotImplementedError
