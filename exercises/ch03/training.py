"""The training workflow of softmax regression (3.6): evaluating a classifier on a data set,
training it for one epoch, and for several.
softmax回归的训练流程（3.6 节）：在数据集上评估分类器的精度，训练一个迭代周期，以及训练多个迭代周期。

`net` is either an `nn.Module` or a plain Python function of a minibatch X (the scratch model of
3.6, `net(X)`), returning one row of class scores per example; a data iterator yields `(X, y)`
minibatches with int64 labels y of shape (batch,), and the last minibatch may be smaller than the
others. Do not import or call anything from d2l.

`net` 可以是 `nn.Module`，也可以是一个普通的 Python 函数（3.6 节从零实现的模型 `net(X)`），对每个样本
返回一行类别分数；数据迭代器产出 `(X, y)` 小批量，标签 y 是形状为 (batch,) 的 int64 张量，最后一个小批量
可能比其他的小。不要导入或调用 d2l 中的任何东西。
"""
import torch


def evaluate_accuracy(net, data_iter) -> float:
    """The accuracy of `net` on the whole of `data_iter` (3.6.5), as a Python float in [0, 1].

    If `net` is an `nn.Module`, put it in evaluation mode first (`net.eval()`: dropout off,
    batch norm uses its running statistics); a plain function has no mode. Compute the predictions
    without recording a graph (`with torch.no_grad():`). The predicted class of an example is the
    index of its largest score (argmax over dim 1). Return (number of correct predictions over all
    minibatches) / (number of examples) — not the mean of the per-minibatch accuracies, which
    weighs the smaller last minibatch as much as a full one.

    在整个 `data_iter` 上计算 `net` 的精度（3.6.5 节），返回 [0, 1] 中的 Python float。
    如果 `net` 是 `nn.Module`，先把它设为评估模式（`net.eval()`：关闭暂退法，批量规范化使用
    移动平均的统计量）；普通函数没有模式。计算预测时不要记录计算图（`with torch.no_grad():`）。
    每个样本的预测类别是其最大分数的下标（在 dim 1 上取 argmax）。返回（所有小批量中预测正确的总数）/
    （样本总数）——而不是各个小批量精度的平均值，那样会让较小的最后一个小批量与完整的小批量同等加权。
    """
    raise NotImplementedError


def train_epoch_ch3(net, train_iter, loss, updater) -> tuple[float, float]:
    """Train `net` for one epoch over `train_iter` (3.6.6); return (mean loss, accuracy) over the
    epoch's examples, as Python floats.

    If `net` is an `nn.Module`, put it in training mode first (`net.train()`: it may have been
    left in evaluation mode by the last evaluation). `loss(y_hat, y)` returns one loss per example
    (reduction 'none'). For each minibatch (X, y): `l = loss(net(X), y)`, then
    - if `updater` is a `torch.optim.Optimizer`: `updater.zero_grad()`, `l.mean().backward()`,
      `updater.step()`, in this order;
    - otherwise it is the book's own updater (3.6's `lambda batch_size: sgd([W, b], lr,
      batch_size)`, which divides by the batch size and zeroes the gradients itself):
      `l.sum().backward()`, then `updater(X.shape[0])`.
    Return (sum of all per-example losses / number of examples, number of correct predictions /
    number of examples) — the predicted class is the argmax over dim 1 of net(X), taken from the
    same forward pass. The last minibatch may be smaller: weigh every example once, not every
    minibatch.

    在 `train_iter` 上把 `net` 训练一个迭代周期（3.6.6 节）；返回这个周期中所有样本上的
    （平均损失, 精度），均为 Python float。如果 `net` 是 `nn.Module`，先把它设为训练模式
    （`net.train()`：上一次评估可能把它留在了评估模式）。`loss(y_hat, y)` 对每个样本返回一个损失
    （reduction 为 'none'）。对每个小批量 (X, y)：`l = loss(net(X), y)`，然后
    - 如果 `updater` 是 `torch.optim.Optimizer`：依次执行 `updater.zero_grad()`、`l.mean().backward()`、
      `updater.step()`；
    - 否则它是书中自己的更新函数（3.6 节的 `lambda batch_size: sgd([W, b], lr, batch_size)`，
      它会除以批量大小并自己把梯度清零）：先 `l.sum().backward()`，再 `updater(X.shape[0])`。
    返回（所有样本损失之和 / 样本数, 预测正确的个数 / 样本数）——预测类别取同一次前向计算得到的
    net(X) 在 dim 1 上的 argmax。最后一个小批量可能较小：每个样本只计一次，而不是每个小批量计一次。
    """
    raise NotImplementedError


def train_ch3(net, train_iter, test_iter, loss, num_epochs: int, updater) -> list:
    """Train `net` for `num_epochs` epochs (3.6.7), as the book's train_ch3: each epoch is one
    `train_epoch_ch3(net, train_iter, loss, updater)` (yours, above) followed by
    `evaluate_accuracy(net, test_iter)` (yours, above) on the TEST set. Return the history, one
    `(train loss, train accuracy, test accuracy)` tuple per epoch, in order (the book plots it with
    its Animator; here it is returned).

    训练 `net` 共 `num_epochs` 个迭代周期（3.6.7 节），与书中的 train_ch3 相同：每个周期先调用一次
    `train_epoch_ch3(net, train_iter, loss, updater)`（上面你自己的实现），再在【测试集】上调用
    `evaluate_accuracy(net, test_iter)`（上面你自己的实现）。按顺序返回训练过程，每个周期一个
    `(训练损失, 训练精度, 测试精度)` 元组（书中用 Animator 画出来；这里把它返回）。
    """
    raise NotImplementedError
