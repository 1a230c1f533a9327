"""Sequence to sequence learning (9.7): masking, the masked loss, teacher forcing and BLEU.
序列到序列学习（seq2seq）：掩蔽、带掩蔽的损失函数、强制教学和 BLEU。"""
import collections
import math

import torch
import torch.nn.functional as F
from torch import Tensor


def sequence_mask(X: Tensor, valid_len: Tensor, value=0) -> Tensor:
    """Mask the irrelevant entries of a batch of sequences (9.7.3).

    ``X`` has shape (B, T, ...) (at least 2-D); ``valid_len`` has shape (B,). Every entry at a time
    position ``t >= valid_len[b]`` along **dim 1** (the time axis, also for 3-D inputs) is set to
    ``value``; the other entries are kept. Return the masked tensor (same shape, dtype and device
    as ``X``). Changing ``X`` in place is allowed here (the book does), but the return value is what
    is graded.

    在序列中屏蔽不相关的项（9.7.3）。``X`` 的形状为 (B, T, ...)（至少二维）；``valid_len`` 的形状为
    (B,)。沿 **dim 1**（时间轴，三维输入也是如此）位置 ``t >= valid_len[b]`` 的所有元素都设为
    ``value``，其余保持不变。返回掩蔽后的张量（形状、数据类型和设备都与 ``X`` 相同）。
    这里允许原地修改 ``X``（书中就是这样做的），但评分看的是返回值。
    """
    raise NotImplementedError


def masked_softmax_ce_loss(pred: Tensor, label: Tensor, valid_len: Tensor) -> Tensor:
    """Softmax cross-entropy loss with the padding masked out (9.7.3).

    ``pred`` (B, T, V) holds the logits, ``label`` (B, T) the int64 targets, ``valid_len`` (B,)
    the number of valid steps of each sequence. Compute the per-token cross-entropy (B, T)
    (``F.cross_entropy`` is allowed; it wants the class axis at dim 1), set the losses of the
    positions ``t >= valid_len[b]`` to zero (mask the LOSSES, not the logits), and return the
    **mean over all T steps** of each row, shape (B,), dtype of ``pred``. Like the book's
    ``MaskedSoftmaxCELoss`` this divides by T, not by valid_len, so a row with valid_len 0 gives 0.

    带掩蔽（屏蔽填充词元）的 softmax 交叉熵损失（9.7.3）。``pred`` (B, T, V) 是 logits，``label`` (B, T)
    是 int64 标签，``valid_len`` (B,) 是每个序列的有效长度。先计算每个词元的交叉熵 (B, T)
    （可以使用 ``F.cross_entropy``，它要求类别轴在 dim 1），把位置 ``t >= valid_len[b]`` 的损失置零
    （掩蔽的是**损失**，不是 logits），再返回每行在**全部 T 个时间步上的平均值**，形状为 (B,)，
    数据类型同 ``pred``。与书中的 ``MaskedSoftmaxCELoss`` 一样，这里除以 T 而不是 valid_len，
    所以 valid_len 为 0 的行得到 0。
    """
    raise NotImplementedError


def teacher_forcing_input(Y: Tensor, bos_idx: int) -> Tensor:
    """The decoder input for teacher forcing (9.7.4).

    ``Y`` (B, T) holds the int64 target sequences. Return ``[<bos>, y_1, …, y_{T-1}]`` for every
    row: a column filled with ``bos_idx`` followed by ``Y`` without its LAST column, shape (B, T),
    same dtype and device as ``Y``.

    强制教学（teacher forcing）时解码器的输入（9.7.4）。``Y`` (B, T) 是 int64 的目标序列。
    对每一行返回 ``[<bos>, y_1, …, y_{T-1}]``：一列 ``bos_idx``，后面接上去掉**最后**一列的 ``Y``，
    形状为 (B, T)，数据类型和设备与 ``Y`` 相同。
    """
    raise NotImplementedError


def bleu(pred_seq: str, label_seq: str, k: int) -> float:
    """The BLEU score of a predicted sequence (9.7.6), the book's variant.

    Tokens come from ``str.split(' ')``. With ``len_pred`` and ``len_label`` the numbers of tokens,
    the score is ``exp(min(0, 1 - len_label / len_pred)) * prod_{n=1..k} p_n ** (1 / 2 ** n)``, where
    ``p_n`` is the n-gram precision: the number of matched n-grams divided by the
    ``len_pred - n + 1`` n-grams of the prediction. Matches are **clipped**: an n-gram counts at
    most as many times as it occurs in the label. Note the book's weights ``1 / 2**n`` (not the
    standard ``1 / k``). Return a Python float. The spec assumes ``len_pred >= k``.

    预测序列的 BLEU 分数（9.7.6），采用书中的定义。词元由 ``str.split(' ')`` 得到。设 ``len_pred`` 和
    ``len_label`` 为词元个数，分数为
    ``exp(min(0, 1 - len_label / len_pred)) * prod_{n=1..k} p_n ** (1 / 2 ** n)``，其中 ``p_n`` 是
    n 元语法的精确率：匹配的 n 元语法个数除以预测序列中 n 元语法的个数 ``len_pred - n + 1``。
    匹配次数要**截断**：一个 n 元语法最多计入它在标签序列中出现的次数。注意书中的权重是
    ``1 / 2**n``（而不是标准 BLEU 的 ``1 / k``）。返回 Python 浮点数。这里假设 ``len_pred >= k``。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        nltk, sacrebleu, torchmetrics, torchtext
    """
    raise NotImplementedError


def unmasked_ce_loss(pred: Tensor, label: Tensor) -> Tensor:
    """Softmax cross-entropy WITHOUT masking (9.7 exercise 2, stretch).

    ``pred`` (B, T, V) holds the logits, ``label`` (B, T) the int64 targets. Return the per-token
    cross-entropy averaged over all T steps of each row, shape (B,), dtype of ``pred``: the loss
    ``masked_softmax_ce_loss`` would give with ``valid_len = T`` for every row. Compare the two:
    whenever ``valid_len[b] < T`` the padded positions add a positive loss, so the unmasked loss of
    row b is strictly larger than the masked one, and training would learn to predict padding.
    ``F.cross_entropy`` is allowed (class axis at dim 1, ``reduction='none'``).

    不做掩蔽的 softmax 交叉熵损失（9.7 节练习 2，拓展题）。``pred`` (B, T, V) 是 logits，``label``
    (B, T) 是 int64 标签。返回每行在全部 T 个时间步上逐词元交叉熵的平均值，形状为 (B,)，数据类型同
    ``pred``：即每行 ``valid_len = T`` 时 ``masked_softmax_ce_loss`` 的结果。比较两者：只要
    ``valid_len[b] < T``，填充位置就会贡献正的损失，所以第 b 行不掩蔽的损失严格大于掩蔽的损失，
    训练时模型会去学习预测填充词元。可以使用 ``F.cross_entropy``（类别轴在 dim 1，
    ``reduction='none'``）。
    """
    raise NotImplementedError


def project_state(state, W: Tensor):
    """Project the encoder's final state to the decoder's hidden size (9.7 exercise 3, stretch).

    When the encoder has ``h_enc`` hidden units and the decoder ``h_dec``, the encoder's final
    state cannot initialise the decoder directly; multiply it by a projection matrix ``W`` of shape
    **(h_enc, h_dec)** (the from-scratch ``X @ W`` convention, not ``nn.Linear``'s (out, in)).
    ``state`` is either a tensor (L, B, h_enc) (GRU/RNN: one state per layer) or a tuple of such
    tensors (LSTM: ``(H, C)``). Return the same structure with every tensor projected,
    ``s @ W`` of shape (L, B, h_dec) (a tuple stays a tuple of the same length). dtype and device of
    ``state``; no bias, no nonlinearity.

    把编码器的最终隐状态投影到解码器的隐藏大小（9.7 节练习 3，拓展题）。当编码器有 ``h_enc`` 个隐藏单元、
    解码器有 ``h_dec`` 个时，编码器的最终隐状态不能直接用来初始化解码器；要乘以形状为
    **(h_enc, h_dec)** 的投影矩阵 ``W``（从零实现时 ``X @ W`` 的约定，不是 ``nn.Linear`` 的
    (out, in)）。``state`` 是一个 (L, B, h_enc) 的张量（GRU/RNN：每层一个状态），或者由这样的张量组成的
    元组（LSTM：``(H, C)``）。返回同样的结构，其中每个张量都被投影为 ``s @ W``，形状为 (L, B, h_dec)
    （元组仍是等长的元组）。dtype 和设备与 ``state`` 相同；没有偏置，也没有非线性。
    """
    raise NotImplementedError
