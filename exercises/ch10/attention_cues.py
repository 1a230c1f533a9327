"""Attention cues (10.1): attention weights as a row-stochastic matrix. 注意力提示：注意力权重是行随机矩阵。"""
import torch
from torch import Tensor


def random_attention_weights(n: int, generator: torch.Generator | None = None) -> Tensor:
    """Attention weights from random scores (10.1 exercise 2, stretch).

    Draw an (n, n) matrix of standard-normal scores with ``torch.randn(n, n, generator=generator)``
    (float32, on the generator's device when one is given, else on the CPU; all randomness through
    ``generator``) and return its softmax over the **last** axis: an (n, n) float32 matrix with
    positive entries whose every row (one query's weights over the n keys) sums to 1, as
    ``show_heatmaps`` displays in 10.1. The same seed gives the same matrix.

    由随机评分得到的注意力权重（10.1 节练习 2，拓展题）。用
    ``torch.randn(n, n, generator=generator)`` 抽取 (n, n) 的标准正态评分矩阵（float32；给出
    generator 时放在它所在的设备上，否则放在 CPU 上；所有随机性都来自 ``generator``），返回它沿
    **最后一个**轴的 softmax：形状为 (n, n)、元素为正的 float32 矩阵，每一行（一个查询在 n 个键上的
    权重）之和为 1，就像 10.1 节中 ``show_heatmaps`` 显示的那样。相同的种子得到相同的矩阵。
    """
    raise NotImplementedError
