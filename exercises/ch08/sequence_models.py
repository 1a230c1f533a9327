"""Sequence models (8.1). 序列模型。"""
import torch
from torch import Tensor


def autoregressive_features(x: Tensor, tau: int) -> tuple[Tensor, Tensor]:
    """Turn a 1-D series into autoregressive (features, labels) pairs (8.1.2).

    ``x`` has shape (T,). Return ``features`` of shape (T - tau, tau) with
    ``features[t, i] == x[t + i]`` (the tau observations before time t + tau) and ``labels``
    of shape (T - tau, 1) with ``labels[t, 0] == x[t + tau]`` (the value that follows them).
    Both keep the dtype and device of ``x``; do not modify ``x``.

    把一维序列 ``x``（形状 (T,)）变成自回归模型的特征和标签（8.1.2）。
    返回形状为 (T - tau, tau) 的 ``features``，其中 ``features[t, i] == x[t + i]``
    （时间步 t + tau 之前的 tau 个观测），以及形状为 (T - tau, 1) 的 ``labels``，
    其中 ``labels[t, 0] == x[t + tau]``（紧随这些观测之后的值）。
    两者的数据类型和设备都与 ``x`` 相同；不要修改 ``x``。
    """
    raise NotImplementedError
