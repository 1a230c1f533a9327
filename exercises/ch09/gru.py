"""Gated recurrent units from scratch (9.1). 门控循环单元（GRU）的从零开始实现。"""
import torch
from torch import Tensor


def gru_forward(inputs: Tensor, state: tuple[Tensor], params: list[Tensor],
                reset_after: bool = False) -> tuple[Tensor, tuple[Tensor]]:
    """Forward pass of the from-scratch GRU over all time steps (9.1.2.2).

    ``inputs`` has shape (T, B, V), time-major. ``state`` is a 1-tuple ``(H,)`` with H of shape
    (B, h). ``params`` is ``[W_xz, W_hz, b_z, W_xr, W_hr, b_r, W_xh, W_hh, b_h, W_hq, b_q]`` with
    ``W_x* (V, h)``, ``W_h* (h, h)``, ``b_* (h,)``, ``W_hq (h, q)``, ``b_q (q,)``. For each step:
    ``Z = sigmoid(X W_xz + H W_hz + b_z)`` (update gate), ``R = sigmoid(X W_xr + H W_hr + b_r)``
    (reset gate), the candidate state ``H~ = tanh(X W_xh + (R * H) W_hh + b_h)`` (the book's
    formula, Cho et al. 2014: reset BEFORE the matmul), then ``H = Z * H + (1 - Z) * H~`` (Z keeps
    the old state) and ``Y = H W_hq + b_q``. With ``reset_after=True`` use the cuDNN / ``nn.GRU``
    variant ``H~ = tanh(X W_xh + R * (H W_hh) + b_h)`` (reset AFTER the matmul); the two differ
    unless W_hh is diagonal. Return ``(torch.cat(Ys, dim=0), (H,))``: outputs of shape (T*B, q),
    time-major, and the final state as a 1-tuple. Keep the inputs' dtype and device.

    从零实现的门控循环单元在所有时间步上的前向传播（9.1.2.2）。``inputs`` 的形状为 (T, B, V)，
    时间步在前。``state`` 是单元素元组 ``(H,)``，H 的形状为 (B, h)。``params`` 为
    ``[W_xz, W_hz, b_z, W_xr, W_hr, b_r, W_xh, W_hh, b_h, W_hq, b_q]``，其中 ``W_x*`` 为 (V, h)，
    ``W_h*`` 为 (h, h)，``b_*`` 为 (h,)，``W_hq`` 为 (h, q)，``b_q`` 为 (q,)。每个时间步：
    ``Z = sigmoid(X W_xz + H W_hz + b_z)``（更新门），``R = sigmoid(X W_xr + H W_hr + b_r)``（重置门），
    候选隐状态 ``H~ = tanh(X W_xh + (R * H) W_hh + b_h)``（书中的公式，即 Cho 等人 2014 年的版本：
    先重置再做矩阵乘法），然后 ``H = Z * H + (1 - Z) * H~``（Z 保留旧状态），``Y = H W_hq + b_q``。
    当 ``reset_after=True`` 时使用 cuDNN / ``nn.GRU`` 的变体 ``H~ = tanh(X W_xh + R * (H W_hh) + b_h)``
    （先做矩阵乘法再重置）；除非 W_hh 是对角矩阵，两者并不相同。返回 ``(torch.cat(Ys, dim=0), (H,))``：
    形状为 (T*B, q)、按时间步排列的输出，以及单元素元组形式的最终状态。保持输入的数据类型和设备。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.nn.GRU, torch.nn.GRUCell, torch.gru*
        (and 1 private alias of these / 以及它们的 1 个内部别名)
    """
    raise NotImplementedError


def gru_single_gate_forward(inputs: Tensor, state: tuple[Tensor], params: list[Tensor],
                            gate: str) -> tuple[Tensor, tuple[Tensor]]:
    """A GRU with only one of its two gates (9.1, exercise 4; stretch).

    Same inputs, state and outputs as ``gru_forward``. ``gate`` picks the gate that is kept:

    - ``'reset'``: params ``[W_xr, W_hr, b_r, W_xh, W_hh, b_h, W_hq, b_q]``; there is no update
      gate (Z = 0), so ``H = tanh(X W_xh + (R * H) W_hh + b_h)`` with
      ``R = sigmoid(X W_xr + H W_hr + b_r)``;
    - ``'update'``: params ``[W_xz, W_hz, b_z, W_xh, W_hh, b_h, W_hq, b_q]``; there is no reset gate
      (R = 1), so ``H~ = tanh(X W_xh + H W_hh + b_h)`` and ``H = Z * H + (1 - Z) * H~`` with
      ``Z = sigmoid(X W_xz + H W_hz + b_z)``.

    Any other value raises ``ValueError``. Return ``(torch.cat(Ys, dim=0), (H,))`` with
    ``Y = H W_hq + b_q``. With the reset gate fully open (R = 1) the 'reset' variant is the plain RNN
    of 8.5.

    只保留一个门的 GRU（9.1，练习 4；拓展题）。输入、状态和输出与 ``gru_forward`` 相同。
    ``gate`` 指定保留哪个门：

    - ``'reset'``：params 为 ``[W_xr, W_hr, b_r, W_xh, W_hh, b_h, W_hq, b_q]``；没有更新门（Z = 0），
      因此 ``H = tanh(X W_xh + (R * H) W_hh + b_h)``，其中 ``R = sigmoid(X W_xr + H W_hr + b_r)``；
    - ``'update'``：params 为 ``[W_xz, W_hz, b_z, W_xh, W_hh, b_h, W_hq, b_q]``；没有重置门（R = 1），
      因此 ``H~ = tanh(X W_xh + H W_hh + b_h)``，``H = Z * H + (1 - Z) * H~``，其中
      ``Z = sigmoid(X W_xz + H W_hz + b_z)``。

    其他取值抛出 ``ValueError``。返回 ``(torch.cat(Ys, dim=0), (H,))``，其中 ``Y = H W_hq + b_q``。
    当重置门完全打开（R = 1）时，'reset' 变体就是 8.5 节的普通循环神经网络。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.nn.GRU, torch.nn.GRUCell, torch.nn.RNN, torch.nn.RNNCell, torch.gru*, torch.rnn_tanh*,
        gru_forward
        (and 1 private alias of these / 以及它们的 1 个内部别名)
    """
    raise NotImplementedError
