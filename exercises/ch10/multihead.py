"""Multi-head attention (10.5). 多头注意力。"""
import torch
from torch import Tensor, nn

from .attention_scoring import DotProductAttention


def transpose_qkv(X: Tensor, num_heads: int) -> Tensor:
    """Split the last axis into heads: (B, n, H*d_h) -> (B*H, n, d_h) (10.5.2).

    Row ``b*H + h`` of the result is ``X[b, :, h*d_h:(h+1)*d_h]``: head h of batch item b. A bare
    ``reshape`` is not enough (it mixes positions and heads); move the head axis next to the batch
    axis first.

    把最后一个轴拆成多个头：(B, n, H*d_h) -> (B*H, n, d_h)（10.5.2）。结果的第 ``b*H + h`` 个元素是
    ``X[b, :, h*d_h:(h+1)*d_h]``，即第 b 个样本的第 h 个头。只用 ``reshape`` 是不够的（会把位置和头
    混在一起）；要先把头所在的轴换到批量轴旁边。
    """
    raise NotImplementedError


def transpose_output(X: Tensor, num_heads: int) -> Tensor:
    """The exact inverse of ``transpose_qkv``: (B*H, n, d_h) -> (B, n, H*d_h) (10.5.2).

    ``transpose_qkv`` 的精确逆运算：(B*H, n, d_h) -> (B, n, H*d_h)（10.5.2）。
    """
    raise NotImplementedError


class MultiHeadAttention(nn.Module):
    """Multi-head attention (10.5.2), the book's constructor.

    Attributes: ``attention`` = DotProductAttention(dropout), ``W_q`` = Linear(query_size,
    num_hiddens, bias=bias), ``W_k`` = Linear(key_size, num_hiddens, bias=bias), ``W_v`` =
    Linear(value_size, num_hiddens, bias=bias), ``W_o`` = Linear(num_hiddens, num_hiddens,
    bias=bias). With the default ``bias=False`` and all sizes d it has 4*d*d parameters (40,000 for
    d = 100). ``forward(queries (B, Q, query_size), keys (B, K, key_size), values (B, K, value_size),
    valid_lens)`` projects, splits into heads with ``transpose_qkv`` (so each head scales by
    sqrt(num_hiddens / num_heads)), repeats ``valid_lens`` (B,) or (B, Q) with
    ``repeat_interleave(num_heads, dim=0)``, attends, merges with ``transpose_output`` and applies
    ``W_o``. Returns (B, Q, num_hiddens).

    多头注意力（10.5.2），使用书中的构造函数。属性：``attention`` = DotProductAttention(dropout)，
    ``W_q`` = Linear(query_size, num_hiddens, bias=bias)，``W_k`` = Linear(key_size, num_hiddens,
    bias=bias)，``W_v`` = Linear(value_size, num_hiddens, bias=bias)，``W_o`` = Linear(num_hiddens,
    num_hiddens, bias=bias)。默认 ``bias=False`` 且各尺寸都为 d 时共有 4*d*d 个参数（d = 100 时为
    40,000）。``forward(queries (B, Q, query_size), keys (B, K, key_size), values (B, K, value_size),
    valid_lens)``：先做线性投影，再用 ``transpose_qkv`` 拆分成多个头（因此每个头按
    sqrt(num_hiddens / num_heads) 缩放），用 ``repeat_interleave(num_heads, dim=0)`` 复制形状为 (B,)
    或 (B, Q) 的 ``valid_lens``，计算注意力，再用 ``transpose_output`` 合并并经过 ``W_o``。返回
    (B, Q, num_hiddens)。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.nn.MultiheadAttention, torch.nn.functional.multi_head_attention_forward,
        torch.nn.functional.scaled_dot_product_attention
        (and 4 private aliases of these / 以及它们的 4 个内部别名)
    """

    def __init__(self, key_size, query_size, value_size, num_hiddens, num_heads, dropout,
                 bias=False, **kwargs):
        super().__init__(**kwargs)
        raise NotImplementedError

    def forward(self, queries, keys, values, valid_lens=None):
        raise NotImplementedError
