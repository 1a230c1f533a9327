"""Attention pooling: Nadaraya-Watson kernel regression (10.2). 注意力汇聚：Nadaraya-Watson 核回归。"""
import torch
from torch import Tensor


def nadaraya_watson(queries: Tensor, keys: Tensor, values: Tensor,
                    w: float | Tensor = 1.0) -> tuple[Tensor, Tensor]:
    """Nadaraya-Watson attention pooling with a Gaussian kernel (10.2.3, and 10.2.4 with w).

    ``queries`` has shape (n_q,). ``keys`` and ``values`` have shape (n_k,) (the same keys for every
    query, as in 10.2.3) or (n_q, n_k) (one row of keys per query, as in 10.2.4). ``w`` is a float or
    a scalar tensor. The attention weights are a softmax **over the keys** (the last dimension) of
    ``-((q - k) * w) ** 2 / 2``: w multiplies the distance before it is squared. Return
    ``(y_hat, weights)``: y_hat (n_q,) is the weighted average of the values, weights is (n_q, n_k)
    and every row sums to 1. The outputs have the dtype of ``queries``; do not change the inputs.

    Nadaraya-Watson 注意力汇聚（高斯核，10.2.3；带参数 w 的版本见 10.2.4）。``queries`` 的形状为
    (n_q,)；``keys`` 和 ``values`` 的形状为 (n_k,)（所有查询共用同一组键，如 10.2.3）或 (n_q, n_k)
    （每个查询一行键，如 10.2.4）。``w`` 是浮点数或标量张量。注意力权重是对 ``-((q - k) * w) ** 2 / 2``
    **沿键的维度**（最后一维）做 softmax：w 先乘距离再平方。返回 ``(y_hat, weights)``：y_hat 形状为
    (n_q,)，是值的加权平均；weights 形状为 (n_q, n_k)，每一行之和为 1。输出的 dtype 与 ``queries``
    相同；不要修改输入。
    """
    raise NotImplementedError
