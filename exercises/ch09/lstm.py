"""Long short-term memory from scratch (9.2). 长短期记忆网络（LSTM）的从零开始实现。"""
import torch
from torch import Tensor


def lstm_forward(inputs: Tensor, state: tuple[Tensor, Tensor], params: list[Tensor]
                 ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
    """Forward pass of the from-scratch LSTM over all time steps (9.2.2.2).

    ``inputs`` has shape (T, B, V), time-major. ``state`` is ``(H, C)``, both (B, h): the hidden
    state and the memory cell. ``params`` is, in the book's order,
    ``[W_xi, W_hi, b_i, W_xf, W_hf, b_f, W_xo, W_ho, b_o, W_xc, W_hc, b_c, W_hq, b_q]``. For each
    step: ``I = sigmoid(X W_xi + H W_hi + b_i)`` (input gate), ``F = sigmoid(X W_xf + H W_hf + b_f)``
    (forget gate), ``O = sigmoid(X W_xo + H W_ho + b_o)`` (output gate),
    ``C~ = tanh(X W_xc + H W_hc + b_c)`` (candidate cell), ``C = F * C + I * C~`` (C carried from
    step to step), ``H = O * tanh(C)``, ``Y = H W_hq + b_q``. Return ``(torch.cat(Ys, dim=0), (H, C))``:
    outputs (T*B, q), time-major, and the final state in the order (H, C).

    从零实现的长短期记忆网络在所有时间步上的前向传播（9.2.2.2）。``inputs`` 的形状为 (T, B, V)，
    时间步在前。``state`` 为 ``(H, C)``，形状都是 (B, h)：隐状态和记忆元。``params`` 按书中的顺序为
    ``[W_xi, W_hi, b_i, W_xf, W_hf, b_f, W_xo, W_ho, b_o, W_xc, W_hc, b_c, W_hq, b_q]``。每个时间步：
    ``I = sigmoid(X W_xi + H W_hi + b_i)``（输入门），``F = sigmoid(X W_xf + H W_hf + b_f)``（遗忘门），
    ``O = sigmoid(X W_xo + H W_ho + b_o)``（输出门），``C~ = tanh(X W_xc + H W_hc + b_c)``（候选记忆元），
    ``C = F * C + I * C~``（C 在时间步之间传递），``H = O * tanh(C)``，``Y = H W_hq + b_q``。
    返回 ``(torch.cat(Ys, dim=0), (H, C))``：形状为 (T*B, q)、按时间步排列的输出，以及按 (H, C)
    顺序排列的最终状态。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.nn.LSTM, torch.nn.LSTMCell, torch.lstm*
        (and 1 private alias of these / 以及它们的 1 个内部别名)
    """
    raise NotImplementedError
