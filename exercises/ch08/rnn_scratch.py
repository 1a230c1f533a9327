"""Recurrent neural networks from scratch (8.4, 8.5): perplexity, one-hot encoding, the RNN
forward pass, prediction and gradient clipping. 循环神经网络的从零开始实现：困惑度、独热编码、
前向传播、预测和梯度裁剪。"""
import math

import torch
from torch import Tensor


def perplexity(logits: Tensor, targets: Tensor) -> Tensor:
    """Perplexity of a language model's predictions (8.4.4).

    ``logits`` has shape (N, V) (unnormalized scores over a vocabulary of V tokens) and
    ``targets`` shape (N,) (int64 token indices). Return a 0-d tensor (dtype of ``logits``)
    ``exp(-(1/N) * sum_i log softmax(logits)[i, targets[i]])``: the exponential of the mean
    negative log-likelihood per token. Compute log-softmax stably (subtract the row maximum).
    Leading batch dimensions must work too, ``logits`` (B, T, V) with ``targets`` (B, T):
    every token then weighs the same (one mean over all B*T tokens, not a mean of per-sequence
    perplexities). Uniform logits give V; a perfect model gives 1.

    语言模型预测的困惑度（8.4.4）。``logits`` 的形状为 (N, V)（对 V 个词元的未规范化得分），
    ``targets`` 的形状为 (N,)（int64 词元索引）。返回 0 维张量（数据类型同 ``logits``）
    ``exp(-(1/N) * sum_i log softmax(logits)[i, targets[i]])``，即每个词元平均负对数似然的指数。
    计算 log-softmax 时要数值稳定（先减去每行的最大值）。前面带批量维度的输入也必须能处理：
    ``logits`` 为 (B, T, V)、``targets`` 为 (B, T)，此时每个词元权重相同（对全部 B*T 个词元
    取一次平均，而不是对各个序列的困惑度取平均）。均匀的 logits 得到 V；完美的模型得到 1。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.nn.functional.cross_entropy, torch.nn.CrossEntropyLoss, torch.nn.functional.nll_loss,
        torch.nn.NLLLoss
        (and 6 private aliases of these / 以及它们的 6 个内部别名)
    """
    raise NotImplementedError


def one_hot(X: Tensor, num_classes: int) -> Tensor:
    """One-hot encoding of integer indices (8.5.1), like ``F.one_hot`` (which is forbidden).

    ``X`` is an int64 tensor of any shape with values in [0, num_classes). Return an int64
    tensor of shape ``X.shape + (num_classes,)`` holding 1 at position ``X[...]`` of the last
    axis and 0 elsewhere, on the device of ``X``. The width is always ``num_classes`` (the
    vocabulary size), never inferred from the data.

    整数索引的独热编码（8.5.1），效果同 ``F.one_hot``（本题禁止使用它）。``X`` 是任意形状的 int64
    张量，取值在 [0, num_classes) 之内。返回形状为 ``X.shape + (num_classes,)`` 的 int64 张量，
    最后一个轴上位置 ``X[...]`` 为 1，其余为 0，设备与 ``X`` 相同。宽度总是 ``num_classes``
    （词表大小），不能从数据中推断。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.nn.functional.one_hot
    """
    raise NotImplementedError


def rnn_forward(inputs: Tensor, state: tuple[Tensor], params: list[Tensor]
                ) -> tuple[Tensor, tuple[Tensor]]:
    """Forward pass of the from-scratch RNN over all time steps (8.5.3).

    ``inputs`` has shape (T, B, V): time-major, one (B, V) minibatch per time step (e.g. one-hot
    tokens). ``state`` is a 1-tuple ``(H,)`` with H of shape (B, h). ``params`` is
    ``[W_xh (V, h), W_hh (h, h), b_h (h,), W_hq (h, q), b_q (q,)]``. For each step t:
    ``H = tanh(X_t @ W_xh + H @ W_hh + b_h)`` (H carried from step to step) and
    ``Y_t = H @ W_hq + b_q``. Return ``(torch.cat(Ys, dim=0), (H,))``: the outputs of shape
    (T*B, q), time-major (rows t*B ... t*B+B-1 belong to step t), and the final state as a
    1-tuple, as the book's training loop expects. Keep the dtype of the inputs.

    从零实现的循环神经网络在所有时间步上的前向传播（8.5.3）。``inputs`` 的形状为 (T, B, V)：
    时间步在前，每个时间步一个 (B, V) 的小批量（例如独热编码的词元）。``state`` 是单元素元组
    ``(H,)``，H 的形状为 (B, h)。``params`` 为
    ``[W_xh (V, h), W_hh (h, h), b_h (h,), W_hq (h, q), b_q (q,)]``。对每个时间步 t：
    ``H = tanh(X_t @ W_xh + H @ W_hh + b_h)``（H 在时间步之间传递），``Y_t = H @ W_hq + b_q``。
    返回 ``(torch.cat(Ys, dim=0), (H,))``：形状为 (T*B, q) 的输出，按时间步排列（第 t*B 到
    t*B+B-1 行属于时间步 t），以及书中训练循环所需的单元素元组形式的最终状态。保持输入的数据类型。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.nn.RNN, torch.nn.RNNCell, torch.rnn_tanh*
        (and 1 private alias of these / 以及它们的 1 个内部别名)
    """
    raise NotImplementedError


def predict_ch8(prefix: str, num_preds: int, net, vocab, device) -> str:
    """Generate characters after ``prefix`` with a character-level RNN (8.5.4).

    ``net.begin_state(batch_size=1, device=device)`` gives the initial state and
    ``net(X, state)`` with X an int64 tensor of shape (1, 1) (the current token index, on
    ``device``) returns ``(logits of shape (1, V), new state)``. Warm up on ``prefix[:-1]``: feed
    ``prefix[0]``, then each next prefix character in turn, keeping the prefix characters as
    the output (do not predict during warm-up); then do ``num_preds`` greedy steps, each feeding
    the last token and appending ``argmax`` of the logits. ``net`` is called exactly
    ``len(prefix) - 1 + num_preds`` times. Map characters with ``vocab[ch]`` and back with
    ``vocab.idx_to_token[i]``. Return the string of length ``len(prefix) + num_preds`` that starts
    with ``prefix``.

    用字符级循环神经网络在 ``prefix`` 之后生成字符（8.5.4）。
    ``net.begin_state(batch_size=1, device=device)`` 给出初始状态；``net(X, state)`` 中 X 是形状为
    (1, 1) 的 int64 张量（当前词元的索引，位于 ``device`` 上），返回 ``(形状为 (1, V) 的 logits, 新状态)``。
    先在 ``prefix[:-1]`` 上预热：输入 ``prefix[0]``，再依次输入前缀中的下一个字符，输出中保留前缀字符
    （预热期间不做预测）；然后做 ``num_preds`` 步贪心预测，每步输入最后一个词元，并追加 logits 的
    ``argmax``。``net`` 恰好被调用 ``len(prefix) - 1 + num_preds`` 次。用 ``vocab[ch]`` 把字符变成索引，
    用 ``vocab.idx_to_token[i]`` 变回字符。返回以 ``prefix`` 开头、长度为 ``len(prefix) + num_preds`` 的字符串。
    """
    raise NotImplementedError


def grad_clipping(net, theta: float) -> Tensor:
    """Clip gradients by their global norm, in place (8.5.5); return the norm before clipping.

    ``net`` is an ``nn.Module`` (use its parameters), an object with a ``.params`` list (the
    from-scratch model), or a list/tuple of tensors. Only parameters whose ``.grad`` is not None
    count. The global norm is ``sqrt(sum over parameters of sum(grad ** 2))`` (ONE norm over all
    parameters together). If it exceeds ``theta``, multiply every gradient in place by
    ``theta / norm``; otherwise leave the gradients unchanged. Return the global norm measured
    before clipping, as a 0-d tensor (the book returns None). Do not use
    ``torch.nn.utils.clip_grad_norm_``.

    按全局范数原地裁剪梯度（8.5.5），返回裁剪前的范数。``net`` 可以是 ``nn.Module``
    （使用它的参数）、带有 ``.params`` 列表的对象（从零实现的模型），或张量的列表/元组。
    只统计 ``.grad`` 不为 None 的参数。全局范数为 ``sqrt(对所有参数求和 sum(grad ** 2))``
    （所有参数合起来只算一个范数）。如果它超过 ``theta``，把每个梯度原地乘以 ``theta / norm``；
    否则梯度保持不变。以 0 维张量返回裁剪前的全局范数（书中的函数返回 None）。
    不要使用 ``torch.nn.utils.clip_grad_norm_``。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.nn.utils.clip_grad_norm_, torch.nn.utils.clip_grad_norm,
        torch.nn.utils.clip_grad_value_, torch.nn.utils.clip_grads_with_norm_,
        torch.nn.utils.get_total_norm
    """
    raise NotImplementedError


def sharpen(probs: Tensor, alpha: float) -> Tensor:
    """Sharpen (alpha > 1) or flatten (alpha < 1) a distribution (8.5, exercise 3; stretch).

    ``probs`` holds probability distributions along its last axis (non-negative, summing to 1).
    Return ``probs ** alpha / sum(probs ** alpha)`` over the last axis, i.e.
    ``softmax(alpha * log(probs))``, for ``alpha > 0``: alpha = 1 gives probs back, a large alpha
    approaches greedy (one-hot at the argmax), a small alpha approaches uniform over the nonzero
    entries. Zero probabilities stay zero. Compute it in log space with the maximum subtracted, so
    that alpha = 200 in float32 does not give nan. Same shape, dtype and device as ``probs``.

    让分布变尖锐（alpha > 1）或变平缓（alpha < 1）（8.5 练习 3；拓展题）。``probs`` 沿最后一个
    轴是概率分布（非负、和为 1）。对 ``alpha > 0`` 返回沿最后一个轴的 ``probs ** alpha /
    sum(probs ** alpha)``，即 ``softmax(alpha * log(probs))``：alpha = 1 时原样返回，alpha 很大时
    趋近贪心（在 argmax 处为 1 的独热分布），alpha 很小时趋近在非零项上的均匀分布。概率为 0 的
    项保持为 0。请在对数空间中计算并减去最大值，这样 float32 下 alpha = 200 也不会得到 nan。
    形状、数据类型和设备与 ``probs`` 相同。
    """
    raise NotImplementedError
