"""Self-attention and positional encoding (10.6). 自注意力和位置编码。"""
import torch
from torch import Tensor, nn


def positional_encoding(max_len: int, num_hiddens: int) -> Tensor:
    """The sinusoidal positional-encoding matrix P (10.6.3).

    Return a float32 tensor of shape (max_len, num_hiddens) with, for positions i = 0 … max_len-1
    (starting at 0) and column pairs j: ``P[i, 2j] = sin(i / 10000**(2j/d))`` and
    ``P[i, 2j+1] = cos(i / 10000**(2j/d))``: even columns sin, odd columns cos, interleaved. An odd
    ``num_hiddens`` raises ``ValueError`` (the book's code fails with a RuntimeError there).

    正弦位置编码矩阵 P（10.6.3）。返回形状为 (max_len, num_hiddens) 的 float32 张量：对位置
    i = 0 … max_len-1（从 0 开始）和列对 j，``P[i, 2j] = sin(i / 10000**(2j/d))``，
    ``P[i, 2j+1] = cos(i / 10000**(2j/d))``：偶数列为 sin，奇数列为 cos，交错排列。``num_hiddens``
    为奇数时抛出 ``ValueError``（书中的代码在这里会抛出 RuntimeError）。
    """
    ### BEGIN SOLUTION
    if num_hiddens % 2:
        raise ValueError(f"num_hiddens must be even, got {num_hiddens}")
    pos = torch.arange(max_len, dtype=torch.float32).reshape(-1, 1)
    div = torch.pow(10000, torch.arange(0, num_hiddens, 2, dtype=torch.float32) / num_hiddens)
    angles = pos / div
    P = torch.zeros((max_len, num_hiddens), dtype=torch.float32)
    P[:, 0::2] = torch.sin(angles)
    P[:, 1::2] = torch.cos(angles)
    return P
    ### END SOLUTION


class PositionalEncoding(nn.Module):
    """Adds the positional encoding to its input, then dropout (10.6.3).

    ``__init__(num_hiddens, dropout, max_len=1000)`` creates ``self.dropout`` and the attribute
    ``self.P`` of shape (1, max_len, num_hiddens) (a plain tensor attribute, as in the book).
    ``forward(X)`` with X (B, T, num_hiddens) returns ``dropout(X + P[:, :T, :])`` in X's dtype and
    on X's device.

    把位置编码加到输入上，再使用暂退法（10.6.3）。``__init__(num_hiddens, dropout, max_len=1000)``
    创建 ``self.dropout`` 和形状为 (1, max_len, num_hiddens) 的属性 ``self.P``（与书中一样，是普通的
    张量属性）。``forward(X)``：X 的形状为 (B, T, num_hiddens)，返回 ``dropout(X + P[:, :T, :])``，
    dtype 和设备与 X 相同。
    """

    def __init__(self, num_hiddens, dropout, max_len=1000):
        super().__init__()
        ### BEGIN SOLUTION
        self.dropout = nn.Dropout(dropout)
        self.P = positional_encoding(max_len, num_hiddens).unsqueeze(0)
        ### END SOLUTION

    def forward(self, X):
        ### BEGIN SOLUTION
        X = X + self.P[:, :X.shape[1], :].to(device=X.device, dtype=X.dtype)
        return self.dropout(X)
        ### END SOLUTION


class LearnedPositionalEmbedding(nn.Module):
    """Learnable positional embedding, 10.6 exercise 2.

    ``__init__(max_len, num_hiddens, dropout=0.0)`` creates ``self.dropout`` and a learnable
    ``self.P = nn.Parameter(...)`` of shape (1, max_len, num_hiddens), which must be initialised as
    ``torch.randn(...) * 0.02`` (standard deviation 0.02, as GPT-2 does), so the module has
    max_len * num_hiddens parameters.
    ``forward(X)`` with X (B, T, num_hiddens) returns ``dropout(X + P[:, :T, :])``; gradients reach P.

    可学习的位置嵌入，10.6 节练习 2。``__init__(max_len, num_hiddens, dropout=0.0)`` 创建
    ``self.dropout`` 和可学习的参数 ``self.P = nn.Parameter(...)``，形状为 (1, max_len, num_hiddens)
    （必须初始化为 ``torch.randn(...) * 0.02``，即标准差为 0.02，与 GPT-2 相同），因此模块共有 max_len * num_hiddens 个
    参数。``forward(X)``：X 的形状为 (B, T, num_hiddens)，返回 ``dropout(X + P[:, :T, :])``；梯度会
    传到 P。
    """

    def __init__(self, max_len, num_hiddens, dropout=0.0):
        super().__init__()
        ### BEGIN SOLUTION
        self.dropout = nn.Dropout(dropout)
        self.P = nn.Parameter(torch.randn(1, max_len, num_hiddens) * 0.02)
        ### END SOLUTION

    def forward(self, X):
        ### BEGIN SOLUTION
        return self.dropout(X + self.P[:, :X.shape[1], :])
        ### END SOLUTION
