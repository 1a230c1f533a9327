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
    ### BEGIN SOLUTION
    if torch.cuda.device_count() >= i + 1:
        return torch.device(f'cuda:{i}')
    return torch.device('cpu')
    ### END SOLUTION
