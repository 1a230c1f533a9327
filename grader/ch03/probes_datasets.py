"""Probes of test_datasets.py: they run in the sandbox child, beside the learner's module.

A child may read this file but never the grader, so nothing here may give a check away:
no expected values, no hidden inputs, no reference solution. `items`, `batches` and `epochs` are
used by the grader as well, so that the learner's data and the reference's are read the same way.
"""
import torch
from torch.utils import data


def to_tensor(image):
    """3.5's transforms.ToTensor() on one (h, w) uint8 image: a (1, h, w) float32 in [0, 1]."""
    return image.to(torch.float32).div(255).unsqueeze(0)


def plain(x):
    """An item as data: tensors as they are, tuples as lists, anything else by its type's name."""
    if isinstance(x, torch.Tensor):
        return x.detach().clone()
    if isinstance(x, (tuple, list)):
        return [plain(v) for v in x]
    if isinstance(x, (int, float, bool, str)) or x is None:
        return x
    return f"<{type(x).__name__}>"


def build(cls, images, labels, transform):
    """cls(images, labels, transform=to_tensor), or without a transform (transform=None)."""
    return cls(images, labels, transform=to_tensor if transform else None)


def items(cls, images, labels, transform, indices) -> dict:
    """The data set cls makes: whether it is a torch.utils.data.Dataset, its len() and the items
    at `indices`."""
    ds = build(cls, images, labels, transform)
    return {"is_dataset": isinstance(ds, data.Dataset), "len": len(ds),
            "items": [plain(ds[i]) for i in indices]}


def batches(cls, images, labels, transform, batch_size) -> list:
    """The minibatches that DataLoader(ds, batch_size) (in order) reads from the data set."""
    ds = build(cls, images, labels, transform)
    return [plain(b) for b in data.DataLoader(ds, batch_size, shuffle=False)]


def probe_items(mod, images, labels, transform, indices):
    """items() of the learner's ImageDataset."""
    return items(mod.ImageDataset, images, labels, transform, indices)


def probe_batches(mod, images, labels, transform, batch_size):
    """batches() of the learner's ImageDataset."""
    return batches(mod.ImageDataset, images, labels, transform, batch_size)


def epochs(load_array, arrays, batch_size, is_train, seed, count=2) -> dict:
    """load_array(arrays, batch_size, is_train, generator) with a CPU generator seeded with `seed`:
    whether it is a DataLoader, and the minibatches of `count` epochs."""
    generator = torch.Generator().manual_seed(seed)
    loader = load_array(arrays, batch_size, is_train, generator)
    return {"is_loader": isinstance(loader, data.DataLoader),
            "epochs": [[plain(b) for b in loader] for _ in range(count)]}


def probe_load_array(mod, arrays, batch_size, is_train, seed):
    """epochs() of the learner's load_array."""
    return epochs(mod.load_array, arrays, batch_size, is_train, seed)
