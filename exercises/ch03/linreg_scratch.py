"""Linear regression from scratch (3.2). 线性回归的从零开始实现。"""
import torch
from torch import Tensor


def synthetic_data(w: Tensor, b: float, num_examples: int, noise_std: float = 0.01,
                   generator=None) -> tuple[Tensor, Tensor]:
    """Generate y = Xw + b + noise (3.2.1).

    Draw features X ~ N(0, 1) of shape (num_examples, len(w)) with the dtype and device of `w`,
    and labels y = X @ w + b + ε with ε ~ N(0, noise_std²) (noise_std is the standard deviation,
    not the variance). Return (X, y) with y of shape (num_examples, 1), a column, as in the book.
    Draw ALL randomness through `generator` (pass it to torch.randn), so the same seed gives the
    same data.

    生成数据集 y = Xw + b + 噪声（3.2.1 节）。特征 X ~ N(0, 1)，形状为 (num_examples, len(w))，
    数据类型和设备与 w 相同；标签 y = X @ w + b + ε，其中 ε ~ N(0, noise_std²)
    （noise_std 是标准差，不是方差）。返回 (X, y)，y 的形状为 (num_examples, 1)（列向量，与书中一致）。
    所有随机数都要通过 generator 生成（传给 torch.randn），这样相同的种子会得到相同的数据。
    """
    raise NotImplementedError


def data_iter(batch_size: int, features: Tensor, labels: Tensor, generator=None):
    """Yield shuffled minibatches (features[i], labels[i]) (3.2.2).

    Shuffle the example indices once with torch.randperm(n, generator=generator) (on the features'
    device), then yield ⌈n / batch_size⌉ pairs of tensors: full batches first, then a last,
    smaller one, which must be yielded too, when batch_size does not divide n. Every example
    appears exactly once per pass, and each label stays with its own features. This is a
    generator function: use `yield`.

    随机读取小批量 (features[i], labels[i])（3.2.2 节）。先用
    torch.randperm(n, generator=generator)（放在 features 所在的设备上）打乱样本下标，然后依次产出
    ⌈n / batch_size⌉ 个小批量：先是完整的小批量；batch_size 不能整除 n 时，最后还有一个较小的
    小批量，它也必须产出。每个样本在一次遍历中恰好出现一次，并且标签始终与它自己的特征配对。
    这是一个生成器函数：请使用 yield。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.utils.data.DataLoader, torch.utils.data.TensorDataset
    """
    raise NotImplementedError


def linreg(X: Tensor, w: Tensor, b: Tensor) -> Tensor:
    """The linear regression model Xw + b (3.2.4).

    X has shape (n, d), w has shape (d, 1) and b is a scalar tensor (shape () or (1,)). Return
    the predictions, shape (n, 1), in X's dtype.

    线性回归模型 Xw + b（3.2.4 节）。X 的形状为 (n, d)，w 的形状为 (d, 1)，b 是标量张量
    （形状为 () 或 (1,)）。返回形状为 (n, 1) 的预测值，数据类型与 X 相同。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.nn.Linear, torch.nn.functional.linear, torch.addmm, torch.Tensor.addmm
    """
    raise NotImplementedError


def squared_loss(y_hat: Tensor, y: Tensor) -> Tensor:
    """Squared loss (y_hat - y)² / 2, elementwise, no reduction (3.2.5).

    `y` may have a different shape with the same number of elements (e.g. (n,) against y_hat's
    (n, 1)): reshape it to y_hat's shape first, or broadcasting gives an (n, n) matrix. Return a
    tensor of y_hat's shape; do not sum or average.

    均方损失 (y_hat - y)² / 2，逐元素计算，不做汇总（3.2.5 节）。y 的形状可能与 y_hat 不同但元素个数相同
    （例如 y 为 (n,)、y_hat 为 (n, 1)）：要先把 y 变形为 y_hat 的形状，否则广播机制会得到 (n, n) 的矩阵。
    返回与 y_hat 形状相同的张量；不要求和或求平均。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.nn.functional.mse_loss, torch.nn.MSELoss
    """
    raise NotImplementedError


def sgd(params, lr: float, batch_size: int) -> None:
    """Minibatch stochastic gradient descent (3.2.6).

    For every tensor p in `params` (leaf tensors with requires_grad=True and a .grad), do
    p ← p − lr · p.grad / batch_size IN PLACE (the caller's tensors must change, same storage),
    inside torch.no_grad(), then zero p.grad so that the next backward does not accumulate.
    Return None.

    小批量随机梯度下降（3.2.6 节）。对 params 中的每个张量 p（requires_grad=True 且已有 .grad 的叶子张量），
    在 torch.no_grad() 中原地执行 p ← p − lr · p.grad / batch_size（调用者手里的张量必须被修改，存储不变），
    然后把 p.grad 清零，以免下一次反向传播时梯度累加。返回 None。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.optim
    """
    raise NotImplementedError
