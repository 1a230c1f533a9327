"""Attention scoring functions (10.3). 注意力评分函数。"""
import math

import torch
from torch import Tensor, nn


def masked_softmax(X: Tensor, valid_lens: Tensor | None = None) -> Tensor:
    """Softmax over the last axis that ignores the key positions past each valid length (10.3.1).

    ``X`` has shape (B, Q, K). ``valid_lens`` is None (plain softmax), a (B,) tensor (one length per
    batch item, used for every query of that item) or a (B, Q) tensor (one length per query). Scores
    at key positions ``>= valid_len`` are replaced by **-1e6** (not 0, not -inf) before the softmax,
    so a row with valid_len 0 becomes uniform 1/K, as in the book. Return a tensor of X's shape and
    dtype. ``torch.softmax`` is allowed.

    沿最后一个轴的掩蔽 softmax（10.3.1）：忽略超出有效长度的键位置。``X`` 的形状为 (B, Q, K)。
    ``valid_lens`` 为 None（普通 softmax）、形状 (B,) 的张量（每个样本一个长度，作用于该样本的所有
    查询）或形状 (B, Q) 的张量（每个查询一个长度）。位置 ``>= valid_len`` 的分数在 softmax 之前被
    替换为 **-1e6**（不是 0，也不是 -inf），因此 valid_len 为 0 的行会变成均匀的 1/K，与书中一致。
    返回形状和 dtype 都与 X 相同的张量。可以使用 ``torch.softmax``。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.nn.functional.scaled_dot_product_attention, torch.nn.MultiheadAttention,
        torch.nn.functional.multi_head_attention_forward
        (and 5 private aliases of these / 以及它们的 5 个内部别名)
    """
    raise NotImplementedError


class AdditiveAttention(nn.Module):
    """Additive attention (10.3.2): score(q, k) = w_v^T tanh(W_q q + W_k k).

    Attributes (names as in the book, so that state_dicts load): ``W_k`` = Linear(key_size,
    num_hiddens, bias=False), ``W_q`` = Linear(query_size, num_hiddens, bias=False), ``w_v`` =
    Linear(num_hiddens, 1, bias=False), ``dropout`` = Dropout(dropout). ``forward(queries (B, Q,
    query_size), keys (B, K, key_size), values (B, K, v), valid_lens)`` returns (B, Q, v), stores the
    masked-softmax weights (B, Q, K) in ``self.attention_weights`` and applies dropout to the weights
    before they multiply the values. Broadcast (B, Q, 1, h) + (B, 1, K, h).

    加性注意力（10.3.2）：score(q, k) = w_v^T tanh(W_q q + W_k k)。属性名与书中一致（以便加载
    state_dict）：``W_k`` = Linear(key_size, num_hiddens, bias=False)，``W_q`` = Linear(query_size,
    num_hiddens, bias=False)，``w_v`` = Linear(num_hiddens, 1, bias=False)，``dropout`` =
    Dropout(dropout)。``forward(queries (B, Q, query_size), keys (B, K, key_size), values (B, K, v),
    valid_lens)`` 返回 (B, Q, v)，把掩蔽 softmax 得到的注意力权重 (B, Q, K) 存入
    ``self.attention_weights``，并在与值相乘之前对权重使用暂退法。用广播机制相加：
    (B, Q, 1, h) + (B, 1, K, h)。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.nn.functional.scaled_dot_product_attention, torch.nn.MultiheadAttention,
        torch.nn.functional.multi_head_attention_forward
        (and 4 private aliases of these / 以及它们的 4 个内部别名)
    """

    def __init__(self, key_size, query_size, num_hiddens, dropout, **kwargs):
        super().__init__(**kwargs)
        raise NotImplementedError

    def forward(self, queries, keys, values, valid_lens):
        raise NotImplementedError


def dot_product_attention(queries: Tensor, keys: Tensor, values: Tensor,
                          valid_lens: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """Scaled dot-product attention without dropout (10.3.3).

    queries (B, Q, d), keys (B, K, d), values (B, K, v); valid_lens as in ``masked_softmax``.
    Scores are ``Q K^T / sqrt(d)`` with d = ``queries.shape[-1]``, then ``masked_softmax``.
    Return ``(output (B, Q, v), weights (B, Q, K))``. A query with valid_len 0 gets the mean of the
    values (uniform weights), as in the book; PyTorch's SDPA returns zeros there.

    缩放点积注意力（10.3.3，不含暂退法）。queries (B, Q, d)，keys (B, K, d)，values (B, K, v)；
    valid_lens 的含义同 ``masked_softmax``。分数为 ``Q K^T / sqrt(d)``，其中 d = ``queries.shape[-1]``，
    然后做 ``masked_softmax``。返回 ``(输出 (B, Q, v), 权重 (B, Q, K))``。valid_len 为 0 的查询得到
    值的平均（均匀权重），与书中一致；PyTorch 的 SDPA 在这种情况下返回 0。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.nn.functional.scaled_dot_product_attention, torch.nn.MultiheadAttention,
        torch.nn.functional.multi_head_attention_forward
        (and 4 private aliases of these / 以及它们的 4 个内部别名)
    """
    raise NotImplementedError


class DotProductAttention(nn.Module):
    """Scaled dot-product attention as a module (10.3.3), with dropout on the attention weights.

    ``__init__(dropout)`` creates ``self.dropout``. ``forward(queries, keys, values,
    valid_lens=None)`` returns (B, Q, v) and stores the weights (before dropout) in
    ``self.attention_weights`` (B, Q, K). In eval mode it equals ``dot_product_attention``.

    缩放点积注意力模块（10.3.3），对注意力权重使用暂退法。``__init__(dropout)`` 创建
    ``self.dropout``。``forward(queries, keys, values, valid_lens=None)`` 返回 (B, Q, v)，并把（暂退之前的）
    注意力权重存入 ``self.attention_weights`` (B, Q, K)。在评估模式下与 ``dot_product_attention`` 相同。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.nn.functional.scaled_dot_product_attention, torch.nn.MultiheadAttention,
        torch.nn.functional.multi_head_attention_forward
        (and 4 private aliases of these / 以及它们的 4 个内部别名)
    """

    def __init__(self, dropout, **kwargs):
        super().__init__(**kwargs)
        raise NotImplementedError

    def forward(self, queries, keys, values, valid_lens=None):
        raise NotImplementedError


def bilinear_attention(queries: Tensor, keys: Tensor, values: Tensor, W: Tensor,
                       valid_lens: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """Bilinear (multiplicative) attention, 10.3 exercise 2: score(q, k) = q^T W k.

    queries (B, Q, d_q), keys (B, K, d_k), values (B, K, v), W (d_q, d_k): queries and keys may
    have different sizes. Scores (B, Q, K) = queries @ W @ keys^T (no scaling), then
    ``masked_softmax`` with valid_lens. Return ``(output (B, Q, v), weights (B, Q, K))``.

    双线性（乘性）注意力，10.3 节练习 2：score(q, k) = q^T W k。queries (B, Q, d_q)，keys (B, K, d_k)，
    values (B, K, v)，W (d_q, d_k)：查询和键的维度可以不同。分数 (B, Q, K) = queries @ W @ keys^T
    （不缩放），再用 valid_lens 做 ``masked_softmax``。返回 ``(输出 (B, Q, v), 权重 (B, Q, K))``。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.nn.functional.scaled_dot_product_attention, torch.nn.MultiheadAttention,
        torch.nn.functional.multi_head_attention_forward, torch.nn.functional.bilinear,
        torch.nn.Bilinear
        (and 4 private aliases of these / 以及它们的 4 个内部别名)
    """
    raise NotImplementedError
