"""File I/O (5.5): reusing the layers of a trained network. 读写文件：复用训练好的网络的层。"""
import torch
from torch import nn


def copy_first_layers(src: nn.Module, dst: nn.Module, n: int) -> nn.Module:
    """Copy the parameters and buffers of the first ``n`` child modules of ``src`` into ``dst``.

    ``src`` and ``dst`` are networks (e.g. ``nn.Sequential``) whose first ``n`` children (by
    position, activations included) have the same architecture. Copy the *values* of their
    parameters and buffers (e.g. batch normalization's running statistics) into ``dst``'s first
    ``n`` children, in place, for example with ``load_state_dict``. ``dst`` must not share any
    module or tensor with ``src`` afterwards (training ``src`` further must not change ``dst``), its
    children from position ``n`` on stay as they were, and ``src`` is not modified. Return ``dst``.

    把 ``src`` 的前 ``n`` 个子模块的参数和缓冲区复制到 ``dst`` 中。``src`` 和 ``dst`` 是网络
    （例如 ``nn.Sequential``），它们的前 ``n`` 个子模块（按位置，激活函数也算）结构相同。把这些
    参数和缓冲区（例如批量规范化的运行统计量）的*值*原地复制到 ``dst`` 的前 ``n`` 个子模块里，
    例如用 ``load_state_dict``。复制之后 ``dst`` 不能与 ``src`` 共享任何模块或张量（继续训练
    ``src`` 不能改变 ``dst``），``dst`` 从第 ``n`` 个位置起的子模块保持不变，``src`` 也不被修改。
    返回 ``dst``。
    """
    ### BEGIN SOLUTION
    pairs = zip(list(src.children())[:n], list(dst.children())[:n])
    for s, d in pairs:
        d.load_state_dict(s.state_dict())
    return dst
    ### END SOLUTION
