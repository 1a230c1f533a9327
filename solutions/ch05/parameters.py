"""Parameter management (5.2). 参数管理。"""
import torch
from torch import Tensor, nn


def count_parameters(net: nn.Module) -> int:
    """The number of distinct trainable scalars of ``net``, as a Python ``int``.

    A parameter shared by several layers (5.2.3, tied parameters) counts once. Buffers such as
    batch normalization's ``running_mean`` / ``running_var`` are not parameters, and parameters
    with ``requires_grad=False`` (frozen) are not trainable: leave both out. For the book's
    shared-layer network the answer is 121.

    返回 ``net`` 中互不相同的可训练标量的个数（Python ``int``）。被多个层共享的参数（5.2.3
    参数绑定）只算一次。批量规范化的 ``running_mean`` / ``running_var`` 这类缓冲区（buffer）
    不是参数，``requires_grad=False`` 的（冻结的）参数也不可训练，两者都不计入。书中共享层的
    网络的答案是 121。
    """
    ### BEGIN SOLUTION
    return sum(p.numel() for p in net.parameters() if p.requires_grad)
    ### END SOLUTION


def my_init_(net: nn.Module, generator: torch.Generator | None = None) -> nn.Module:
    """The book's custom initialisation (5.2.2.2), in place; returns ``net`` itself.

    For every ``nn.Linear`` inside ``net`` (at any depth): draw each weight from U(-10, 10) using
    ``generator`` (all randomness through it), then set to zero every weight whose absolute value
    is below 5. Biases and all other parameters stay untouched. Change the weights in place
    (``with torch.no_grad():`` or ``.data``); assigning a new tensor to ``m.weight`` is an error.

    书中的自定义初始化（5.2.2.2），原地修改并返回 ``net`` 本身。对 ``net`` 里（任意深度）的
    每个 ``nn.Linear``：用 ``generator`` 从 U(-10, 10) 中抽取每个权重（所有随机性都来自它），
    然后把绝对值小于 5 的权重置零。偏置和其他参数保持不变。要原地修改权重（``with
    torch.no_grad():`` 或 ``.data``）；把一个新张量赋值给 ``m.weight`` 会报错。
    """
    ### BEGIN SOLUTION
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.Linear):
                m.weight.uniform_(-10, 10, generator=generator)
                m.weight.mul_(m.weight.abs() >= 5)
    return net
    ### END SOLUTION


def shared_grad_parts(W: Tensor, b: Tensor, X: Tensor) -> tuple[Tensor, Tensor]:
    """The two parts of the gradient of a layer that is used twice (5.2 练习 3).

    The shared layer ``h -> relu(h @ W.T + b)`` is applied twice: ``H1 = relu(X @ W.T + b)``,
    ``H2 = relu(H1 @ W.T + b)``, and the loss is ``H2.sum()``. Return ``(G1, G2)``, the gradients
    of the loss with respect to ``W`` through the first use only and through the second use only
    (each computed as if the other use had its own, constant copy of ``W``). Their sum is the
    gradient that autograd stores in a tied ``W``. Shapes: ``W`` (h, h), ``b`` (h,), ``X`` (n, h);
    both results have ``W``'s shape and dtype. Autograd is allowed; do not modify the inputs.

    被使用两次的层的梯度的两部分（5.2 练习 3）。共享层 ``h -> relu(h @ W.T + b)`` 被使用两次：
    ``H1 = relu(X @ W.T + b)``，``H2 = relu(H1 @ W.T + b)``，损失是 ``H2.sum()``。返回
    ``(G1, G2)``：损失仅经由第一次使用、仅经由第二次使用对 ``W`` 的梯度（计算其中一个时，
    把另一次使用看作持有自己的、常量的 ``W`` 副本）。两者之和就是自动微分在绑定的 ``W`` 上
    得到的梯度。形状：``W`` (h, h)，``b`` (h,)，``X`` (n, h)；两个结果的形状和 dtype 都与
    ``W`` 相同。可以使用自动微分；不要修改输入。
    """
    ### BEGIN SOLUTION
    W1 = W.detach().clone().requires_grad_(True)
    W2 = W.detach().clone().requires_grad_(True)
    H1 = torch.relu(X @ W1.T + b)
    H2 = torch.relu(H1 @ W2.T + b)
    G1, G2 = torch.autograd.grad(H2.sum(), (W1, W2))
    return G1, G2
    ### END SOLUTION
