"""Transformer (10.7). Transformer。"""
from typing import Sequence

import torch
from torch import Tensor, nn

from .multihead import MultiHeadAttention


class PositionWiseFFN(nn.Module):
    """Position-wise feed-forward network (10.7.2): dense2(relu(dense1(X))).

    Attributes ``dense1`` = Linear(ffn_num_input, ffn_num_hiddens), ``relu`` = ReLU(), ``dense2`` =
    Linear(ffn_num_hiddens, ffn_num_outputs), both with bias. The same MLP is applied at every
    position: X (B, T, ffn_num_input) -> (B, T, ffn_num_outputs).

    基于位置的前馈网络（10.7.2）：dense2(relu(dense1(X)))。属性 ``dense1`` = Linear(ffn_num_input,
    ffn_num_hiddens)，``relu`` = ReLU()，``dense2`` = Linear(ffn_num_hiddens, ffn_num_outputs)，都带
    偏置。每个位置使用同一个多层感知机：X (B, T, ffn_num_input) -> (B, T, ffn_num_outputs)。
    """

    def __init__(self, ffn_num_input, ffn_num_hiddens, ffn_num_outputs, **kwargs):
        super().__init__(**kwargs)
        raise NotImplementedError

    def forward(self, X):
        raise NotImplementedError


def layer_norm(X: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Layer normalisation from scratch (10.7.3).

    Normalise X over its last ``len(normalized_shape)`` dimensions (which must equal
    ``normalized_shape``): ``(X - mean) / sqrt(var + eps)`` with the **biased** variance (divide by
    n, ``unbiased=False``), then multiply by ``weight`` and add ``bias`` if they are given (both of
    shape ``normalized_shape``). Each sample is normalised on its own, never across the batch (that
    would be batch normalisation). Same shape and dtype as X.

    从零实现层规范化（10.7.3）。在 X 的最后 ``len(normalized_shape)`` 个维度（必须等于
    ``normalized_shape``）上规范化：``(X - mean) / sqrt(var + eps)``，方差用**有偏**估计（除以 n，
    ``unbiased=False``）；若给出 ``weight`` 和 ``bias``（形状都是 ``normalized_shape``），再乘以
    weight、加上 bias。每个样本单独规范化，绝不跨批量（那是批量规范化）。输出形状和 dtype 与 X 相同。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.nn.functional.layer_norm, torch.nn.LayerNorm, torch.layer_norm,
        torch.nn.functional.group_norm, torch.nn.functional.batch_norm,
        torch.nn.functional.instance_norm, torch.nn.functional.rms_norm
    """
    raise NotImplementedError


class AddNorm(nn.Module):
    """Residual connection followed by layer normalisation (10.7.3): ``ln(dropout(Y) + X)``.

    Attributes ``dropout`` = Dropout(dropout) and ``ln`` = nn.LayerNorm(normalized_shape), both
    created in ``__init__``. ``forward(X, Y)``: X is the sublayer's input (the residual), Y its
    output; dropout applies to Y only.

    残差连接后进行层规范化（10.7.3）：``ln(dropout(Y) + X)``。属性 ``dropout`` = Dropout(dropout) 和
    ``ln`` = nn.LayerNorm(normalized_shape)，都在 ``__init__`` 中创建。``forward(X, Y)``：X 是子层的
    输入（残差），Y 是子层的输出；暂退法只作用于 Y。
    """

    def __init__(self, normalized_shape, dropout, **kwargs):
        super().__init__(**kwargs)
        raise NotImplementedError

    def forward(self, X, Y):
        raise NotImplementedError


class EncoderBlock(nn.Module):
    """One Transformer encoder block (10.7.4), the book's constructor.

    Attributes: ``attention`` = MultiHeadAttention(key_size, query_size, value_size, num_hiddens,
    num_heads, dropout, use_bias), ``addnorm1`` = AddNorm(norm_shape, dropout), ``ffn`` =
    PositionWiseFFN(ffn_num_input, ffn_num_hiddens, num_hiddens), ``addnorm2`` = AddNorm(norm_shape,
    dropout) (a second instance). ``forward(X, valid_lens)``: Y = addnorm1(X, self-attention of X
    with valid_lens), then addnorm2(Y, ffn(Y)). Shape (B, T, num_hiddens) in and out.

    Transformer 编码器块（10.7.4），使用书中的构造函数。属性：``attention`` =
    MultiHeadAttention(key_size, query_size, value_size, num_hiddens, num_heads, dropout, use_bias)，
    ``addnorm1`` = AddNorm(norm_shape, dropout)，``ffn`` = PositionWiseFFN(ffn_num_input,
    ffn_num_hiddens, num_hiddens)，``addnorm2`` = AddNorm(norm_shape, dropout)（另一个实例）。
    ``forward(X, valid_lens)``：Y = addnorm1(X, 使用 valid_lens 的 X 的自注意力)，再返回
    addnorm2(Y, ffn(Y))。输入输出形状都是 (B, T, num_hiddens)。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.nn.TransformerEncoderLayer, torch.nn.TransformerEncoder, torch.nn.MultiheadAttention,
        torch.nn.functional.multi_head_attention_forward,
        torch.nn.functional.scaled_dot_product_attention
        (and 5 private aliases of these / 以及它们的 5 个内部别名)
    """

    def __init__(self, key_size, query_size, value_size, num_hiddens, norm_shape, ffn_num_input,
                 ffn_num_hiddens, num_heads, dropout, use_bias=False, **kwargs):
        super().__init__(**kwargs)
        raise NotImplementedError

    def forward(self, X, valid_lens):
        raise NotImplementedError


def causal_valid_lens(batch_size: int, num_steps: int) -> Tensor:
    """Valid lengths that make decoder self-attention causal in training (10.7.5).

    Query position t (0-based) may attend to keys 0 … t, so its valid length is t + 1. Return an
    int64 tensor of shape (batch_size, num_steps) whose every row is ``[1, 2, …, num_steps]``.

    训练时让解码器自注意力满足因果性的有效长度（10.7.5）。查询位置 t（从 0 开始）只能关注键
    0 … t，因此它的有效长度是 t + 1。返回形状为 (batch_size, num_steps) 的 int64 张量，每一行都是
    ``[1, 2, …, num_steps]``。
    """
    raise NotImplementedError


class DecoderBlock(nn.Module):
    """One Transformer decoder block with the book's key-value cache (10.7.5; stretch: the cache
    must make incremental decoding equal full-sequence causal decoding).

    Constructor as in the book; attributes ``i`` (the block's index in the decoder), ``attention1``
    = MultiHeadAttention(key_size, query_size, value_size, num_hiddens, num_heads, dropout)
    (masked self-attention), ``addnorm1`` = AddNorm(norm_shape, dropout), ``attention2`` = a second
    MultiHeadAttention with the same arguments (encoder-decoder attention), ``addnorm2``, ``ffn`` =
    PositionWiseFFN(ffn_num_input, ffn_num_hiddens, num_hiddens) and ``addnorm3``.

    ``forward(X, state)``: X (B, T, num_hiddens) holds T new decoder steps; ``state`` is the list
    ``[enc_outputs (B, T_enc, num_hiddens), enc_valid_lens (B,) or None, cache]`` where ``cache``
    is a list with one entry per block, ``None`` before the first call. Let ``prev =
    state[2][self.i]`` (the block inputs of all earlier steps, (B, T_prev, num_hiddens), or None,
    T_prev = 0). The keys and values of the self-attention are ``key_values = cat(prev, X)`` along
    dim 1 (just X when prev is None); store ``key_values`` back into ``state[2][self.i]`` (in place,
    the list is the cache). The self-attention is causal in train AND eval mode: new step t
    (0-based) may see the cached steps and new steps 0 … t, i.e. ``dec_valid_lens`` of shape (B, T)
    whose every row is ``T_prev + [1, 2, …, T]``. Then Y = addnorm1(X, attention1(X, key_values,
    key_values, dec_valid_lens)), Z = addnorm2(Y, attention2(Y, enc_outputs, enc_outputs,
    enc_valid_lens)), output = addnorm3(Z, ffn(Z)). Return ``(output (B, T, num_hiddens), state)``.
    Consequence, checked by the grader: in eval mode, feeding a sequence one step at a time
    (carrying ``state``) gives the same outputs as feeding it whole. Kit deviation: the book passes
    ``dec_valid_lens = None`` in eval mode, which equals this rule when one step is fed at a time
    (the only way the book decodes) but is not causal for a whole sequence.

    带书中键值缓存的 Transformer 解码器块（10.7.5；拓展题：缓存必须让逐步解码与整段因果解码的结果一致）。
    构造函数与书中相同；属性 ``i``（该块在解码器中的序号）、``attention1`` =
    MultiHeadAttention(key_size, query_size, value_size, num_hiddens, num_heads, dropout)（掩蔽
    自注意力）、``addnorm1`` = AddNorm(norm_shape, dropout)、``attention2`` = 参数相同的另一个
    MultiHeadAttention（编码器－解码器注意力）、``addnorm2``、``ffn`` = PositionWiseFFN(ffn_num_input,
    ffn_num_hiddens, num_hiddens) 和 ``addnorm3``。

    ``forward(X, state)``：X (B, T, num_hiddens) 是 T 个新的解码时间步；``state`` 是列表
    ``[enc_outputs (B, T_enc, num_hiddens), enc_valid_lens (B,) 或 None, cache]``，其中 ``cache``
    是每个块一项的列表，第一次调用前为 ``None``。记 ``prev = state[2][self.i]``（之前所有时间步的块输入，
    (B, T_prev, num_hiddens)，或 None，此时 T_prev = 0）。自注意力的键和值是沿 dim 1 连结的
    ``key_values = cat(prev, X)``（prev 为 None 时就是 X）；把 ``key_values`` 存回
    ``state[2][self.i]``（原地修改，这个列表就是缓存）。自注意力在训练和评估模式下都是因果的：新的第 t 步
    （从 0 开始）可以看到缓存的时间步以及新的第 0 … t 步，即形状为 (B, T) 的 ``dec_valid_lens``，每一行都是
    ``T_prev + [1, 2, …, T]``。然后 Y = addnorm1(X, attention1(X, key_values, key_values,
    dec_valid_lens))，Z = addnorm2(Y, attention2(Y, enc_outputs, enc_outputs, enc_valid_lens))，
    输出 = addnorm3(Z, ffn(Z))。返回 ``(输出 (B, T, num_hiddens), state)``。评分程序检查的推论：评估模式下
    逐步输入一个序列（传递 ``state``）与整段输入得到相同的输出。与书的差别：书中评估模式下传入
    ``dec_valid_lens = None``，在每次只输入一个时间步时（书中唯一的解码方式）与这里的规则等价，
    但整段输入时就不是因果的了。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.nn.TransformerDecoderLayer, torch.nn.TransformerDecoder, torch.nn.MultiheadAttention,
        torch.nn.functional.multi_head_attention_forward,
        torch.nn.functional.scaled_dot_product_attention
        (and 4 private aliases of these / 以及它们的 4 个内部别名)
    """

    def __init__(self, key_size, query_size, value_size, num_hiddens, norm_shape, ffn_num_input,
                 ffn_num_hiddens, num_heads, dropout, i, **kwargs):
        super().__init__(**kwargs)
        raise NotImplementedError

    def forward(self, X, state):
        raise NotImplementedError
