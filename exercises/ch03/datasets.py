"""Reading a data set in minibatches the PyTorch way (3.3, 3.5): a DataLoader, and a Dataset of
your own.
用 PyTorch 的方式读取数据集（3.3 节、3.5 节）：DataLoader，以及自己定义的 Dataset。

A `torch.utils.data.Dataset` is anything with `__len__` (the number of examples) and
`__getitem__(i)` (example i); a `DataLoader` draws indices, asks the data set for those examples
and stacks them into minibatches. Do not import or call anything from d2l.

`torch.utils.data.Dataset` 就是任何具有 `__len__`（样本个数）和 `__getitem__(i)`（第 i 个样本）的对象；
`DataLoader` 抽取下标，向数据集要这些样本，再把它们堆叠成小批量。不要导入或调用 d2l 中的任何东西。
"""
import torch
from torch.utils import data


class ImageDataset(data.Dataset):
    """The examples of an image classification set in memory (3.5), as Fashion-MNIST's
    `torchvision.datasets.FashionMNIST(..., transform=trans)` serves them.

    `images` is a tensor of shape (n, h, w) (e.g. uint8 pixels), `labels` an int64 tensor of shape
    (n,), `transform` None or a function of one image. `len(ds)` is n, the number of examples.
    `ds[i]` is the pair (image, label) of example i: `transform(images[i])` when a transform is
    given (else `images[i]` itself), and `labels[i]` (a 0-d tensor, so that a DataLoader stacks the
    labels of a minibatch into shape (batch,)). The image comes first.

    内存中的图像分类数据集（3.5 节），与 Fashion-MNIST 的
    `torchvision.datasets.FashionMNIST(..., transform=trans)` 提供样本的方式相同。
    `images` 是形状为 (n, h, w) 的张量（例如 uint8 像素），`labels` 是形状为 (n,) 的 int64 张量，
    `transform` 为 None 或作用于单个图像的函数。`len(ds)` 是样本个数 n。`ds[i]` 是第 i 个样本的
    (图像, 标签) 对：给了 transform 时图像是 `transform(images[i])`（否则就是 `images[i]` 本身），
    标签是 `labels[i]`（0 维张量，这样 DataLoader 会把一个小批量的标签堆叠成形状 (batch,)）。图像在前。

    Not allowed in this exercise (the grader checks) / 本练习不允许使用（评分时会检查）：
        torch.utils.data.TensorDataset
    """

    def __init__(self, images, labels, transform=None):
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError

    def __getitem__(self, idx):
        raise NotImplementedError


def load_array(data_arrays, batch_size: int, is_train: bool = True, generator=None):
    """The book's load_array (3.3.2): a DataLoader over the tensors of `data_arrays`.

    `data_arrays` is a tuple of tensors with the same first dimension n (e.g. (features, labels));
    return a `torch.utils.data.DataLoader` over their rows (a `TensorDataset(*data_arrays)`) that
    yields minibatches of `batch_size` examples, the last one smaller when batch_size does not
    divide n (it is kept, not dropped). When `is_train` is true the examples are shuffled anew at
    every epoch, drawn from `generator` (a `torch.Generator`, or None for the global one): pass it
    to the DataLoader as `generator=generator`, so that the same seed gives the same minibatches;
    when `is_train` is false they come in order.

    书中的 load_array（3.3.2 节）：在 `data_arrays` 的张量上构造一个 DataLoader。
    `data_arrays` 是一组第一维都为 n 的张量（例如 (features, labels)）；返回一个在它们的行上
    （即 `TensorDataset(*data_arrays)`）迭代的 `torch.utils.data.DataLoader`，每个小批量有
    `batch_size` 个样本，当 batch_size 不能整除 n 时最后一个小批量较小（要保留，不能丢弃）。
    `is_train` 为真时，每个迭代周期都重新打乱样本，随机数取自 `generator`（一个 `torch.Generator`，
    为 None 时用全局随机数生成器）：以 `generator=generator` 传给 DataLoader，这样相同的种子会得到
    相同的小批量；`is_train` 为假时按原来的顺序读取。
    """
    raise NotImplementedError
