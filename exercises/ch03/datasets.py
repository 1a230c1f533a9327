"""Reading a data set in minibatches the PyTorch way (3.3, 3.5): a Dataset of your own.
用 PyTorch 的方式读取数据集（3.3 节、3.5 节）：自己定义一个 Dataset。

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
