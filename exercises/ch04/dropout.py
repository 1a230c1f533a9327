"""Dropout (4.6). 暂退法（Dropout）。"""
import torch
from torch import Tensor


def dropout_layer(X: Tensor, dropout: float, generator: torch.Generator | None = None) -> Tensor:
    """Inverted dropout from scratch (4.6.4).

    Each element is kept independently with probability 1 - dropout and kept values are scaled
    by 1 / (1 - dropout), so the expectation is unchanged; dropped ones become 0. dropout == 1
    returns all zeros (no nan), dropout == 0 returns X unchanged (values). A dropout outside
    [0, 1] raises (AssertionError or ValueError). The mask is drawn with `generator` (the same
    seed gives the same output) on X's device; the result has X's shape, dtype and device, and X
    itself is not modified. Do not use F.dropout, nn.Dropout or torch.dropout.

    从零实现（反向）暂退法（4.6.4 节）。
    每个元素以 1 - dropout 的概率独立保留，保留下来的元素除以 1 - dropout，使期望不变；
    丢弃的元素变为 0。dropout == 1 时返回全零（不能出现 nan），dropout == 0 时原样返回 X 的值。
    dropout 不在 [0, 1] 内时要抛出异常（AssertionError 或 ValueError）。掩码用 `generator`
    在 X 所在的设备上生成（相同的种子给出相同的输出）；结果与 X 的形状、数据类型、设备相同，
    并且不能修改 X 本身。不能使用 F.dropout、nn.Dropout 或 torch.dropout。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.nn.functional.dropout, torch.nn.functional.dropout1d, torch.nn.functional.dropout2d,
        torch.nn.functional.dropout3d, torch.nn.functional.alpha_dropout,
        torch.nn.functional.feature_alpha_dropout, torch.nn.Dropout, torch.nn.Dropout1d,
        torch.nn.Dropout2d, torch.nn.Dropout3d, torch.nn.AlphaDropout, torch.nn.FeatureAlphaDropout,
        torch.dropout, torch.dropout_, torch.alpha_dropout, torch.feature_dropout,
        torch.native_dropout
    """
    raise NotImplementedError


def dropconnect_linear(X: Tensor, W: Tensor, b: Tensor, p: float,
                       generator: torch.Generator | None = None) -> Tensor:
    """DropConnect on a linear layer (exercise 6 of 4.6): drop weights instead of activations.

    X (n, d), W (d, q), b (q,). Each entry of W is kept independently with probability 1 - p and
    scaled by 1 / (1 - p) (one mask for the whole batch, drawn with `generator` on X's device);
    returns X @ W_masked + b, shape (n, q). So the output is unbiased: its expectation is
    X @ W + b. p == 1 gives b broadcast to (n, q); p == 0 gives X @ W + b.
    Do not use F.dropout, nn.Dropout, torch.dropout or F.linear.

    对线性层使用 DropConnect（4.6 节练习 6）：丢弃的是权重而不是激活值。
    X 形状 (n, d)，W 为 (d, q)，b 为 (q,)。W 的每个元素以 1 - p 的概率独立保留并除以 1 - p
    （整个小批量共用一个掩码，用 `generator` 在 X 的设备上生成），返回 X @ W_masked + b，
    形状为 (n, q)。因此输出是无偏的：期望等于 X @ W + b。p == 1 时结果是广播到 (n, q) 的 b；
    p == 0 时就是 X @ W + b。不能使用 F.dropout、nn.Dropout、torch.dropout 或 F.linear。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.nn.functional.dropout, torch.nn.Dropout, torch.dropout, torch.nn.functional.linear,
        torch.nn.Linear
    """
    raise NotImplementedError
