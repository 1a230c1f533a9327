"""Weight decay (4.5). 权重衰减。"""
import torch
from torch import Tensor


def l2_penalty(w: Tensor) -> Tensor:
    """The book's L2 norm penalty (4.5.3.2): the sum of the squares of w, divided by 2.

    Returns a 0-d tensor of w's dtype, so that its gradient is exactly w. Not the norm itself
    (no square root) and not a mean. Do not use torch.norm or torch.linalg.

    书中的 L2 范数惩罚（4.5.3.2 节）：w 所有元素的平方和除以 2。
    返回与 w 数据类型相同的 0 维张量，这样它的梯度恰好是 w。不是范数本身（不开平方），
    也不是平均值。不能使用 torch.norm 或 torch.linalg。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.norm, torch.Tensor.norm, torch.linalg.*
    """
    raise NotImplementedError


def sgd_weight_decay_step(params: list[Tensor], lr: float,
                          weight_decay: float | list[float]) -> None:
    """One SGD step with weight decay, in place, as
    `torch.optim.SGD(..., weight_decay=wd).step()`.

    For every parameter p (a leaf tensor whose `.grad` is set):
    p <- p - lr * (p.grad + wd_p * p). `weight_decay` is one float for all parameters, or a list
    with one value per parameter (the book's concise implementation decays the weights but not
    the bias: `[wd, 0]`). Update in place under `torch.no_grad()`, keep the same tensor objects,
    do not zero the gradients (as `optimizer.step()`), return None. Do not use torch.optim.

    带权重衰减的一步小批量随机梯度下降，原地更新，
    与 `torch.optim.SGD(..., weight_decay=wd).step()` 相同。
    对每个参数 p（已经有 `.grad` 的叶子张量）：p <- p - lr * (p.grad + wd_p * p)。
    `weight_decay` 可以是对所有参数都相同的一个浮点数，也可以是每个参数一个值的列表
    （书中简洁实现只衰减权重、不衰减偏置：`[wd, 0]`）。在 `torch.no_grad()` 下原地更新，
    保持原来的张量对象，不要把梯度清零（与 `optimizer.step()` 一样），返回 None。
    不能使用 torch.optim。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.optim
    """
    raise NotImplementedError


def l1_penalty_step(params: list[Tensor], lr: float, lambd: float) -> None:
    """One SGD step on loss + lambd * ||w||_1 (exercise 3 of 4.5), in place.

    For every parameter p with `.grad` set: p <- p - lr * (p.grad + lambd * sign(p)), using the
    subgradient sign(0) = 0. In place under `torch.no_grad()`, gradients not zeroed, returns
    None. Do not use torch.optim.

    对 loss + lambd * ||w||_1 做一步随机梯度下降（4.5 节练习 3），原地更新。
    对每个已经有 `.grad` 的参数 p：p <- p - lr * (p.grad + lambd * sign(p))，
    次梯度取 sign(0) = 0。在 `torch.no_grad()` 下原地更新，不清零梯度，返回 None。
    不能使用 torch.optim。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.optim
    """
    raise NotImplementedError
