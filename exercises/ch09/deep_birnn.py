"""Deep and bidirectional recurrent neural networks (9.3, 9.4). 深度循环神经网络和双向循环神经网络。"""
import torch
from torch import Tensor


def deep_rnn_forward(inputs: Tensor, states: Tensor,
                     layer_params: list[tuple[Tensor, Tensor, Tensor]]) -> tuple[Tensor, Tensor]:
    """Forward pass of a deep (stacked) tanh RNN from scratch (9.3, exercise 1).

    ``inputs`` has shape (T, B, V), time-major; ``states`` has shape (L, B, h): the initial
    hidden state of each of the L layers. ``layer_params[l]`` is ``(W_xh, W_hh, b_h)`` of layer l,
    with ``W_xh`` of shape (V, h) for layer 0 and (h, h) for the layers above, ``W_hh (h, h)``,
    ``b_h (h,)``. Layer 0 reads the inputs; layer l > 0 reads the hidden states (T, B, h) that
    layer l - 1 produced at every step, NOT the inputs. Each layer computes
    ``H_t = tanh(X_t W_xh + H_{t-1} W_hh + b_h)``. There is no output layer. Return
    ``(outputs, final_states)``: the last layer's hidden states at every step, (T, B, h), and the
    final hidden state of every layer stacked, (L, B, h) (the same layout as ``nn.RNN``).

    从零实现深度（多层堆叠的）tanh 循环神经网络的前向传播（9.3，练习 1）。``inputs`` 的形状为
    (T, B, V)，时间步在前；``states`` 的形状为 (L, B, h)：L 个隐藏层各自的初始隐状态。
    ``layer_params[l]`` 是第 l 层的 ``(W_xh, W_hh, b_h)``，第 0 层的 ``W_xh`` 形状为 (V, h)，
    以上各层为 (h, h)；``W_hh`` 为 (h, h)，``b_h`` 为 (h,)。第 0 层读入输入；第 l > 0 层读入
    第 l - 1 层在每个时间步产生的隐状态 (T, B, h)，而不是原始输入。每层计算
    ``H_t = tanh(X_t W_xh + H_{t-1} W_hh + b_h)``。没有输出层。返回 ``(outputs, final_states)``：
    最后一层在每个时间步的隐状态 (T, B, h)，以及各层最终隐状态堆叠而成的 (L, B, h)
    （与 ``nn.RNN`` 的布局相同）。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.nn.RNN, torch.nn.RNNCell, torch.rnn_tanh*
        (and 1 private alias of these / 以及它们的 1 个内部别名)
    """
    raise NotImplementedError


def birnn_forward(inputs: Tensor, H0_fwd: Tensor, H0_bwd: Tensor,
                  params_fwd: tuple[Tensor, Tensor, Tensor],
                  params_bwd: tuple[Tensor, Tensor, Tensor]) -> tuple[Tensor, Tensor]:
    """Forward pass of a one-layer bidirectional tanh RNN from scratch (9.4.2.1).

    ``inputs`` has shape (T, B, V); ``H0_fwd`` and ``H0_bwd`` (B, h) are the initial states of
    the forward and the backward direction; ``params_fwd`` and ``params_bwd`` are each
    ``(W_xh (V, h), W_hh (h, h), b_h (h,))``. The forward RNN reads steps 1 … T, the backward RNN
    reads steps T … 1, both with ``H = tanh(X W_xh + H W_hh + b_h)``. At step t the output is the
    concatenation ``[H_fwd_t, H_bwd_t]`` along the last axis, where ``H_bwd_t`` is the backward
    state after reading step t, put back into forward time order. Return ``(outputs, state)``:
    outputs (T, B, 2h) and ``state = torch.stack([H_fwd_T, H_bwd_1])`` of shape (2, B, h), i.e. each
    direction's final state (the same layout as ``nn.RNN(bidirectional=True)``).

    从零实现单层双向 tanh 循环神经网络的前向传播（9.4.2.1）。``inputs`` 的形状为 (T, B, V)；
    ``H0_fwd`` 和 ``H0_bwd``（形状均为 (B, h)）分别是前向和反向的初始隐状态；``params_fwd`` 和
    ``params_bwd`` 都是 ``(W_xh (V, h), W_hh (h, h), b_h (h,))``。前向 RNN 按时间步 1 … T 读入，
    反向 RNN 按时间步 T … 1 读入，都使用 ``H = tanh(X W_xh + H W_hh + b_h)``。时间步 t 的输出是
    ``[H_fwd_t, H_bwd_t]`` 沿最后一个轴的连结，其中 ``H_bwd_t`` 是反向 RNN 读完时间步 t 之后的隐状态，
    要按正向的时间顺序放回去。返回 ``(outputs, state)``：outputs 的形状为 (T, B, 2h)，
    ``state = torch.stack([H_fwd_T, H_bwd_1])`` 的形状为 (2, B, h)，即两个方向各自的最终隐状态
    （与 ``nn.RNN(bidirectional=True)`` 的布局相同）。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.nn.RNN, torch.nn.RNNCell, torch.rnn_tanh*
        (and 1 private alias of these / 以及它们的 1 个内部别名)
    """
    raise NotImplementedError


def birnn_forward_uneven(inputs: Tensor, H0_fwd: Tensor, H0_bwd: Tensor,
                         params_fwd: tuple[Tensor, Tensor, Tensor],
                         params_bwd: tuple[Tensor, Tensor, Tensor]) -> tuple[Tensor, tuple[Tensor, Tensor]]:
    """A bidirectional tanh RNN whose two directions have different hidden sizes
    (9.4 exercise 1, stretch).

    As ``birnn_forward``, but the forward direction has ``h_f`` hidden units and the backward
    direction ``h_b`` (``h_f != h_b`` allowed): ``inputs`` (T, B, V), ``H0_fwd`` (B, h_f),
    ``H0_bwd`` (B, h_b), ``params_fwd = (W_xh (V, h_f), W_hh (h_f, h_f), b_h (h_f,))`` and
    ``params_bwd = (W_xh (V, h_b), W_hh (h_b, h_b), b_h (h_b,))``, each direction computing
    ``H = tanh(X W_xh + H W_hh + b_h)``, the backward one reading steps T … 1. The output at step t
    is ``[H_fwd_t, H_bwd_t]`` along the last axis (backward states put back into forward time
    order), shape (T, B, h_f + h_b). The two final states cannot be stacked, so return
    ``(outputs, (H_fwd_T, H_bwd_1))`` with shapes (B, h_f) and (B, h_b). dtype and device of
    ``inputs``.

    两个方向隐藏单元数不同的双向 tanh 循环神经网络（9.4 节练习 1，拓展题）。与 ``birnn_forward``
    相同，但前向有 ``h_f`` 个隐藏单元，反向有 ``h_b`` 个（允许 ``h_f != h_b``）：``inputs`` (T, B, V)，
    ``H0_fwd`` (B, h_f)，``H0_bwd`` (B, h_b)，``params_fwd = (W_xh (V, h_f), W_hh (h_f, h_f), b_h (h_f,))``，
    ``params_bwd = (W_xh (V, h_b), W_hh (h_b, h_b), b_h (h_b,))``，每个方向都计算
    ``H = tanh(X W_xh + H W_hh + b_h)``，反向按时间步 T … 1 读入。时间步 t 的输出是 ``[H_fwd_t, H_bwd_t]``
    沿最后一个轴的连结（反向的隐状态要按正向的时间顺序放回），形状为 (T, B, h_f + h_b)。两个最终隐状态
    形状不同，无法堆叠，所以返回 ``(outputs, (H_fwd_T, H_bwd_1))``，形状分别为 (B, h_f) 和 (B, h_b)。
    dtype 和设备与 ``inputs`` 相同。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.nn.RNN, torch.nn.RNNCell, torch.rnn_tanh*
        (and 1 private alias of these / 以及它们的 1 个内部别名)
    """
    raise NotImplementedError
