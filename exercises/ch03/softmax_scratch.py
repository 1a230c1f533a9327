"""Softmax regression from scratch (3.6). softmax回归的从零开始实现。"""
import torch
from torch import Tensor


def softmax(X: Tensor) -> Tensor:
    """Row-wise softmax of a matrix (3.6.2).

    X has shape (n, q); return a tensor of the same shape and dtype whose row i is
    exp(X[i]) / Σ_j exp(X[i, j]), so that every row sums to 1. Unlike the book's version it must
    stay finite for |X| ≤ 1e4 in float32: exp overflows above about 88.7, so subtract each row's
    maximum first (softmax does not change when a constant is added to a row).

    按行计算矩阵的 softmax（3.6.2 节）。X 的形状为 (n, q)；返回形状和数据类型相同的张量，其第 i 行为
    exp(X[i]) / Σ_j exp(X[i, j])，因此每一行的和为 1。与书中的版本不同，在 float32 中当 |X| ≤ 1e4 时
    结果必须保持有限：exp 的参数超过约 88.7 就会上溢，所以要先减去每一行的最大值
    （给一行加上同一个常数不会改变 softmax 的结果）。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.softmax, torch.nn.functional.softmax, torch.Tensor.softmax, torch.nn.Softmax,
        torch.nn.functional.log_softmax, torch.log_softmax, torch.Tensor.log_softmax,
        torch.logsumexp, torch.Tensor.logsumexp, torch.special.softmax, torch.special.log_softmax,
        torch.special.logsumexp, torch.logcumsumexp, torch.Tensor.logcumsumexp
        (and 14 private aliases of these / 以及它们的 14 个内部别名)
    """
    raise NotImplementedError


def cross_entropy(y_hat: Tensor, y: Tensor) -> Tensor:
    """Cross-entropy loss from predicted probabilities (3.6.4).

    y_hat has shape (n, q) and holds probabilities (rows sum to 1); y has shape (n,) and holds
    int64 class labels. Return the per-example losses −log y_hat[i, y[i]], shape (n,), in y_hat's
    dtype, with no reduction. Pair row i with label y[i] (y_hat[range(n), y]), not every row with
    every label.

    由预测概率计算交叉熵损失（3.6.4 节）。y_hat 的形状为 (n, q)，存放概率（每行和为 1）；
    y 的形状为 (n,)，存放 int64 类别标签。返回每个样本的损失 −log y_hat[i, y[i]]，形状为 (n,)，
    数据类型与 y_hat 相同，不做汇总。要把第 i 行与标签 y[i] 配对（y_hat[range(n), y]），
    而不是把每一行与所有标签配对。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.nn.functional.cross_entropy, torch.nn.CrossEntropyLoss, torch.nn.functional.nll_loss,
        torch.nn.NLLLoss
        (and 6 private aliases of these / 以及它们的 6 个内部别名)
    """
    raise NotImplementedError


def accuracy(y_hat: Tensor, y: Tensor) -> float:
    """Number of correct predictions, as a Python float (3.6.5).

    y_hat is either (n, q) scores, whose predicted class is the argmax of each row (dim 1), or
    (n,) predicted labels; y is (n,) int64 labels. Like the book's d2l.accuracy, return the COUNT
    of correct predictions as a float (e.g. 1.0 for one hit out of two), not the fraction; the
    book divides by the number of examples later.

    预测正确的数量，返回 Python float（3.6.5 节）。y_hat 可以是形状为 (n, q) 的分数
    （预测类别为每一行的 argmax，即 dim 1），也可以是形状为 (n,) 的预测标签；y 是形状为 (n,) 的 int64 标签。
    与书中的 d2l.accuracy 一样，返回预测正确的【数量】（浮点数，例如两个样本中对了一个就返回 1.0），
    而不是比例；书中之后才除以样本总数。
    """
    raise NotImplementedError
