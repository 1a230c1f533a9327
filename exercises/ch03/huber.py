"""Huber's robust loss (3.3 exercise 2). Huber 损失（3.3 节练习 2）。"""
import torch
from torch import Tensor


def huber_loss(y_hat: Tensor, y: Tensor, sigma: float = 1.0) -> Tensor:
    """The book's Huber loss, elementwise, no reduction (3.3 exercise 2).

    With d = y_hat − y.reshape(y_hat.shape), return |d| − σ/2 where |d| > σ, and d² / (2σ)
    elsewhere, a tensor of y_hat's shape and dtype. The two branches meet at |d| = σ (both give
    σ/2). This is PyTorch's smooth_l1_loss with beta=σ; note that F.huber_loss(delta=σ) is σ times
    this.

    书中的 Huber 损失，逐元素计算，不做汇总（3.3 节练习 2）。令 d = y_hat − y.reshape(y_hat.shape)，
    当 |d| > σ 时取 |d| − σ/2，否则取 d² / (2σ)；返回形状和数据类型与 y_hat 相同的张量。
    两个分支在 |d| = σ 处相接（都等于 σ/2）。这就是 PyTorch 中 beta=σ 的 smooth_l1_loss；
    注意 F.huber_loss(delta=σ) 是它的 σ 倍。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.nn.functional.smooth_l1_loss, torch.nn.functional.huber_loss, torch.nn.SmoothL1Loss,
        torch.nn.HuberLoss
    """
    raise NotImplementedError
