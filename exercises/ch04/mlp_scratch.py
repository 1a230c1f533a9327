"""Implementation of multilayer perceptrons from scratch (4.2). 多层感知机的从零开始实现。"""
import torch
from torch import Tensor


def mlp_forward(X: Tensor, params: list[Tensor]) -> Tensor:
    """Forward pass of a one-hidden-layer MLP, as the book's `net(X)` in 4.2.3.

    `params = [W1, b1, W2, b2]` with W1 of shape (d, h), b1 (h,), W2 (h, q), b2 (q,)
    (the book uses d = 784, h = 256, q = 10). X is reshaped to (-1, d) with d read from W1
    (never hard-code 784). Returns the logits relu(X W1 + b1) W2 + b2 of shape (n, q):
    no softmax (CrossEntropyLoss takes logits) and no ReLU on the output layer.
    Do not use nn.Linear, F.linear or PyTorch's ReLUs; write the ReLU yourself.

    单隐藏层多层感知机的前向传播，对应书中 4.2.3 节的 `net(X)`。
    `params = [W1, b1, W2, b2]`，其中 W1 形状为 (d, h)，b1 为 (h,)，W2 为 (h, q)，b2 为 (q,)
    （书中 d = 784，h = 256，q = 10）。先把 X 变形为 (-1, d)，d 要从 W1 的形状读出
    （不要写死 784）。返回形状为 (n, q) 的未规范化预测（logits）relu(X W1 + b1) W2 + b2：
    不做 softmax（CrossEntropyLoss 接受的就是 logits），输出层也不加 ReLU。
    不能使用 nn.Linear、F.linear 或 PyTorch 自带的 ReLU，ReLU 请自己写。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.nn.Linear, torch.nn.functional.linear, torch.relu, torch.Tensor.relu,
        torch.nn.functional.relu, torch.nn.ReLU
    """
    raise NotImplementedError
