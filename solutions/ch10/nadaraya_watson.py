"""Attention pooling: Nadaraya-Watson kernel regression (10.2). 注意力汇聚：Nadaraya-Watson 核回归。"""
import torch
from torch import Tensor


def nadaraya_watson(queries: Tensor, keys: Tensor, values: Tensor,
                    w: float | Tensor = 1.0) -> tuple[Tensor, Tensor]:
    """Nadaraya-Watson attention pooling with a Gaussian kernel (10.2.3, and 10.2.4 with w).

    ``queries`` has shape (n_q,). ``keys`` and ``values`` have shape (n_k,) (the same keys for every
    query, as in 10.2.3) or (n_q, n_k) (one row of keys per query, as in 10.2.4). ``w`` is a float or
    a scalar tensor. The attention weights are a softmax **over the keys** (the last dimension) of
    ``-((q - k) * w) ** 2 / 2``: w multiplies the distance before it is squared. Return
    ``(y_hat, weights)``: y_hat (n_q,) is the weighted average of the values, weights is (n_q, n_k)
    and every row sums to 1. The outputs have the dtype of ``queries``; do not change the inputs.

    Nadaraya-Watson 注意力汇聚（高斯核，10.2.3；带参数 w 的版本见 10.2.4）。``queries`` 的形状为
    (n_q,)；``keys`` 和 ``values`` 的形状为 (n_k,)（所有查询共用同一组键，如 10.2.3）或 (n_q, n_k)
    （每个查询一行键，如 10.2.4）。``w`` 是浮点数或标量张量。注意力权重是对 ``-((q - k) * w) ** 2 / 2``
    **沿键的维度**（最后一维）做 softmax：w 先乘距离再平方。返回 ``(y_hat, weights)``：y_hat 形状为
    (n_q,)，是值的加权平均；weights 形状为 (n_q, n_k)，每一行之和为 1。输出的 dtype 与 ``queries``
    相同；不要修改输入。
    """
    ### BEGIN SOLUTION
    n_q = queries.shape[0]
    if keys.dim() == 1:
        keys = keys.unsqueeze(0).expand(n_q, -1)
    if values.dim() == 1:
        values = values.unsqueeze(0).expand(n_q, -1)
    diff = (queries.unsqueeze(1) - keys) * w
    weights = torch.softmax(-diff ** 2 / 2, dim=1)
    y_hat = (weights * values).sum(dim=1)
    return y_hat, weights
    ### END SOLUTION


def nw_fixture(dtype: torch.dtype = torch.float64) -> tuple[Tensor, Tensor]:
    """The kit's fixed stand-in for the book's 10.2 data (given, not an exercise).

    ``x_train``: 50 evenly spaced training inputs 0.05, 0.15, …, 4.95 (the book draws 50 sorted
    uniform points on [0, 5), unseeded); ``x_test``: 0, 0.1, …, 4.9 (the book's ``arange(0, 5, 0.1)``).

    本套件用来代替书中 10.2 节数据的固定样本（已给出，不是练习）。``x_train``：50 个等间距的训练输入
    0.05, 0.15, …, 4.95（书中是在 [0, 5) 上未设种子地均匀抽取 50 个点再排序）；``x_test``：0, 0.1, …, 4.9
    （书中的 ``arange(0, 5, 0.1)``）。
    """
    x_train = 0.05 + 0.1 * torch.arange(50, dtype=dtype)
    x_test = 0.1 * torch.arange(50, dtype=dtype)
    return x_train, x_test


def nw_max_weight(w: float, x_train: Tensor | None = None, x_test: Tensor | None = None) -> Tensor:
    """The largest Nadaraya-Watson attention weight for a kernel width parameter ``w``
    (10.2 exercises 2 and 3, stretch): a larger w makes the weights sharper.

    The weights are those of 10.2.4: for each test input (query) x and each training input (key)
    x_i, ``softmax_i(-((x - x_i) * w) ** 2 / 2)``, a softmax **over the training inputs** (each row
    of the (n_test, n_train) matrix sums to 1). Return the largest entry of that matrix as a 0-d
    tensor with the dtype and device of ``x_train``. ``x_train`` (n_train,) and ``x_test``
    (n_test,) default to ``nw_fixture()``, on which the answer is 0.0797 for w = 1 and 0.2367 for
    w = 3 (the book reports 0.076 and 0.225 on its random data). Do not change the inputs.

    核宽度参数为 ``w`` 时 Nadaraya-Watson 注意力权重的最大值（10.2 节练习 2 和 3，拓展题）：w 越大，
    权重越尖锐。权重与 10.2.4 节相同：对每个测试输入（查询）x 和每个训练输入（键）x_i，计算
    ``softmax_i(-((x - x_i) * w) ** 2 / 2)``，softmax **沿训练输入**进行（(n_test, n_train) 矩阵的每一行
    之和为 1）。返回该矩阵中最大的元素，形式为 0 维张量，dtype 和设备与 ``x_train`` 相同。
    ``x_train`` (n_train,) 和 ``x_test`` (n_test,) 默认取 ``nw_fixture()``，此时 w = 1 的答案是 0.0797，
    w = 3 的答案是 0.2367（书中在它的随机数据上得到 0.076 和 0.225）。不要修改输入。
    """
    ### BEGIN SOLUTION
    if x_train is None or x_test is None:
        x_train, x_test = nw_fixture()
    scores = -((x_test[:, None] - x_train[None, :]) * w) ** 2 / 2
    return torch.softmax(scores, dim=1).max()
    ### END SOLUTION
