"""Training a recurrent language model (8.5): one epoch of train_ch8.
训练循环神经网络语言模型（8.5 节）：train_ch8 的一个迭代周期。

`net` is a character-level language model like the book's RNNModel (8.6): `net(X, state)` takes a
(batch_size, num_steps) int64 minibatch and the hidden state and returns `(Y_hat, state)`, where
Y_hat has shape (num_steps * batch_size, vocab_size) and is **time-major** (the rows of time step 0
for every sequence first, then time step 1, …); `net.begin_state(batch_size=..., device=...)`
returns a fresh zero state: a tensor for an RNN or a GRU, a tuple of tensors for an LSTM. Do not
import or call anything from d2l.

`net` 是与书中 RNNModel（8.6 节）类似的字符级语言模型：`net(X, state)` 接受形状为
(batch_size, num_steps) 的 int64 小批量和隐状态，返回 `(Y_hat, state)`，其中 Y_hat 的形状为
(num_steps * batch_size, vocab_size)，并且按【时间步优先】排列（先是所有序列第 0 个时间步的行，
再是第 1 个时间步，……）；`net.begin_state(batch_size=..., device=...)` 返回新的全零状态：
RNN 或 GRU 是一个张量，LSTM 是张量组成的元组。不要导入或调用 d2l 中的任何东西。
"""
import math

import torch


def train_epoch_ch8(net, train_iter, loss, updater, device, use_random_iter: bool):
    """Train `net` for one epoch (8.5.6); return the epoch's perplexity as a Python float (the
    book also returns the tokens per second, which no grader can check; leave it out).

    For each minibatch (X, Y) of `train_iter`:
    - the state: at the first minibatch, and at EVERY minibatch when `use_random_iter` (random
      sampling: consecutive minibatches are not adjacent in the text), start from
      `net.begin_state(batch_size=X.shape[0], device=device)`; otherwise (sequential sampling)
      keep the state of the previous minibatch but cut its history, in place: `state.detach_()`,
      or `s.detach_()` for each tensor s of a tuple state (LSTM);
    - `y = Y.T.reshape(-1)` — the labels time-major, as the rows of Y_hat are; X and y to `device`;
    - `y_hat, state = net(X, state)`; `l = loss(y_hat, y.long())`, the minibatch's mean loss (the
      loss is nn.CrossEntropyLoss(), which averages; the book's extra `.mean()` changes nothing);
    - `updater` is a torch.optim.Optimizer: `updater.zero_grad()`, `l.backward()`, then clip the
      gradients to a global norm of 1 — every gradient times 1 / ‖g‖ when ‖g‖ > 1, ‖g‖ over all
      of net's parameters (your grad_clipping(net, 1) of 8.5.5; `torch.nn.utils.clip_grad_norm_(
      net.parameters(), 1)` does the same) — and only then `updater.step()`.
    The perplexity is exp(Σ over minibatches of l * y.numel() / total number of tokens): each
    token counts once (not the mean of the per-minibatch perplexities).

    把 `net` 训练一个迭代周期（8.5.6 节）；以 Python float 返回这个周期的困惑度（书中还返回每秒处理的
    词元数，评分无法检查它，这里不要返回）。
    对 `train_iter` 的每个小批量 (X, Y)：
    - 状态：在第一个小批量时，以及当 `use_random_iter` 为真（随机抽样：相邻的小批量在文本中并不相邻）
      时在【每个】小批量时，从 `net.begin_state(batch_size=X.shape[0], device=device)` 开始；
      否则（顺序分区）沿用上一个小批量的状态，但原地切断它的历史：`state.detach_()`，
      若状态是元组（LSTM）则对其中每个张量 s 调用 `s.detach_()`；
    - `y = Y.T.reshape(-1)`——标签按时间步优先排列，与 Y_hat 的行一致；把 X 和 y 移到 `device`；
    - `y_hat, state = net(X, state)`；`l = loss(y_hat, y.long())`，即这个小批量的平均损失（loss 是
      会求平均的 nn.CrossEntropyLoss()；书中多写的 `.mean()` 不改变结果）；
    - `updater` 是 torch.optim.Optimizer：`updater.zero_grad()`、`l.backward()`，然后把梯度裁剪到
      全局范数 1——当 ‖g‖ > 1 时每个梯度乘以 1 / ‖g‖，‖g‖ 是 net 所有参数梯度的整体范数（即 8.5.5 节
      你的 grad_clipping(net, 1)；`torch.nn.utils.clip_grad_norm_(net.parameters(), 1)` 效果相同）——
      最后才 `updater.step()`。
    困惑度是 exp(各小批量的 l * y.numel() 之和 / 词元总数)：每个词元只计一次（而不是各小批量困惑度
    的平均值）。
    """
    raise NotImplementedError
