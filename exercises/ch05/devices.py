"""GPUs (5.6). GPU。"""
import torch


def try_gpu(i: int = 0) -> torch.device:
    """Return ``torch.device(f'cuda:{i}')`` if GPU number ``i`` exists, else ``torch.device('cpu')``.

    GPU ``i`` exists when ``torch.cuda.device_count() >= i + 1`` (GPUs are numbered from 0, so
    with one GPU only ``cuda:0`` exists). Always return a ``torch.device`` object, never a string;
    ``torch.cuda.is_available()`` alone cannot tell whether GPU ``i`` exists.

    如果存在第 ``i`` 块 GPU，则返回 ``torch.device(f'cuda:{i}')``，否则返回
    ``torch.device('cpu')``。当 ``torch.cuda.device_count() >= i + 1`` 时第 ``i`` 块 GPU 才存在
    （GPU 从 0 开始编号，只有一块 GPU 时只有 ``cuda:0``）。总是返回 ``torch.device`` 对象，
    不要返回字符串；只看 ``torch.cuda.is_available()`` 无法判断第 ``i`` 块 GPU 是否存在。
    """
    raise NotImplementedError


def product_norms(matrices: torch.Tensor) -> torch.Tensor:
    """Exercise 3 of 5.6: Frobenius norms of the running products in a matmul loop.

    ``matrices`` has shape (k, n, n). Starting from P = matrices[0], multiply on the right one
    matrix at a time, P_i = P_{i-1} @ matrices[i], and record ||P_i||_F (the square root of the
    sum of squares) after every step. Return a 1-D tensor of the k norms
    [||P_0||_F, ..., ||P_{k-1}||_F] with the dtype and device of ``matrices``. Timing the loop
    (logging each norm with ``.item()`` versus keeping the log on the device and transferring it
    once) is for you to explore on a GPU; it is not graded.

    5.6 节练习 3：矩阵乘法循环中累积乘积的 Frobenius 范数。
    ``matrices`` 的形状为 (k, n, n)。从 P = matrices[0] 开始，每次在右边乘一个矩阵：
    P_i = P_{i-1} @ matrices[i]，每一步之后记录 ||P_i||_F（元素平方和的平方根）。
    返回这 k 个范数组成的一维张量 [||P_0||_F, ..., ||P_{k-1}||_F]，数据类型和设备与
    ``matrices`` 相同。循环的计时（每步用 ``.item()`` 记录范数，与把日志留在设备上、最后一次性
    传回相比）请自己在 GPU 上探索；这部分不评分。
    """
    raise NotImplementedError
