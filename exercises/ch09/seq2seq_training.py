"""Training an encoder–decoder for sequence to sequence learning (9.7.4): one epoch of
train_seq2seq, with teacher forcing and the masked loss.
序列到序列学习的编码器-解码器训练（9.7.4 节）：train_seq2seq 的一个迭代周期，使用强制教学和遮蔽的损失。

`net(enc_X, dec_X, enc_valid_len)` is the book's EncoderDecoder (9.6): it encodes the source
minibatch enc_X (batch_size, num_steps) with the source's valid lengths and decodes the decoder
input dec_X (batch_size, num_steps), returning `(Y_hat, state)` with Y_hat of shape
(batch_size, num_steps, vocab_size). `loss(Y_hat, Y, valid_len)` is the book's MaskedSoftmaxCELoss
(9.7.3): one loss per sequence, the padding after `valid_len` tokens masked out. Do not import or
call anything from d2l.

`net(enc_X, dec_X, enc_valid_len)` 是书中的 EncoderDecoder（9.6 节）：它用源序列的有效长度编码源小批量
enc_X（batch_size, num_steps），再解码解码器输入 dec_X（batch_size, num_steps），返回 `(Y_hat, state)`，
其中 Y_hat 的形状为 (batch_size, num_steps, vocab_size)。`loss(Y_hat, Y, valid_len)` 是书中的
MaskedSoftmaxCELoss（9.7.3 节）：每个序列一个损失，`valid_len` 个词元之后的填充被遮蔽。
不要导入或调用 d2l 中的任何东西。
"""
import torch


def train_epoch_seq2seq(net, data_iter, loss, optimizer, bos_idx: int, device) -> float:
    """Train `net` for one epoch (9.7.4); return the loss per target token, a Python float.

    `net.train()` first. For each minibatch (X, X_valid_len, Y, Y_valid_len) of `data_iter`
    (moved to `device`):
    - teacher forcing: the decoder's input is `<bos>` followed by the target without its last
      token, `dec_input = torch.cat([bos, Y[:, :-1]], 1)` with bos a (batch_size, 1) column of
      `bos_idx` (Y's dtype and device);
    - `optimizer.zero_grad()`; `Y_hat, _ = net(X, dec_input, X_valid_len)`;
      `l = loss(Y_hat, Y, Y_valid_len)` (the TARGET's valid lengths);
    - `l.sum().backward()`; clip the gradients to a global norm of 1 (grad_clipping(net, 1) of
      8.5.5, or `torch.nn.utils.clip_grad_norm_(net.parameters(), 1)`); `optimizer.step()`.
    Return (sum of l over the epoch) / (sum of Y_valid_len over the epoch).

    把 `net` 训练一个迭代周期（9.7.4 节）；以 Python float 返回每个目标词元的损失。
    先调用 `net.train()`。对 `data_iter` 的每个小批量 (X, X_valid_len, Y, Y_valid_len)（移到 `device` 上）：
    - 强制教学：解码器的输入是 `<bos>` 加上去掉最后一个词元的目标序列，
      `dec_input = torch.cat([bos, Y[:, :-1]], 1)`，其中 bos 是由 `bos_idx` 组成的 (batch_size, 1) 列
      （数据类型和设备与 Y 相同）；
    - `optimizer.zero_grad()`；`Y_hat, _ = net(X, dec_input, X_valid_len)`；
      `l = loss(Y_hat, Y, Y_valid_len)`（用【目标序列】的有效长度）；
    - `l.sum().backward()`；把梯度裁剪到全局范数 1（8.5.5 节的 grad_clipping(net, 1)，或
      `torch.nn.utils.clip_grad_norm_(net.parameters(), 1)`）；`optimizer.step()`。
    返回（整个周期 l 的总和）/（整个周期 Y_valid_len 的总和）。
    """
    raise NotImplementedError
