"""Grader for reading data the PyTorch way: 3.3's load_array and 3.5's data set of one's own,
ImageDataset.

The learner's data set is built in the child over images and labels drawn from the seed (uint8
pixels of shape (n, h, w) with n, h and w all different, so that a length taken from the wrong
dimension shows), with and without 3.5's ToTensor transform; its len(), some items, and the
minibatches a DataLoader reads from it are compared with the reference's.

load_array's DataLoader is read for two epochs in the child, with a CPU generator seeded from the
run's seed, and compared minibatch by minibatch with the reference's under the same seed.
"""
import torch

from d2lkit.grading.api import (expect, expect_each_close, expect_equal, grades, mistake_if,
                                probes_for, reference, shape_of)

probes = probes_for(__file__)
ref = reference(__file__)

DATASET = "ch3.ImageDataset"
N, H, W = 11, 5, 7
INDICES = [0, 3, N - 1, -1]


def image_set(gen, device):
    images = torch.randint(0, 256, (N, H, W), generator=gen, dtype=torch.uint8).to(device)
    labels = torch.randint(0, 10, (N,), generator=gen).to(device)
    return images, labels


def same(a, b) -> bool:
    """Are two items (nested lists of tensors) equal, dtype and shape included?"""
    if isinstance(b, torch.Tensor):
        return isinstance(a, torch.Tensor) and a.dtype == b.dtype and a.shape == b.shape and \
            torch.equal(a.cpu(), b.cpu())
    if isinstance(b, list):
        return isinstance(a, list) and len(a) == len(b) and all(map(same, a, b))
    return a == b


def expect_items(got, expected, images, transform):
    expect(got["is_dataset"], what="isinstance(ds, torch.utils.data.Dataset)", expected=True,
           got=False)
    mistake_if(got["len"] != expected["len"], "len-not-examples", what="len(ds)",
               expected=f"{expected['len']} (images.shape[0], the number of examples)",
               got=got["len"])
    for i, g, e in zip(INDICES, got["items"], expected["items"]):
        mistake_if(isinstance(g, list) and len(g) == 2 and same(g[::-1], e) and not same(g, e),
                   "pair-swapped", what=f"ds[{i}]", expected="(image, label)",
                   got="(label, image)")
        if transform:
            mistake_if(isinstance(g, list) and len(g) == 2 and same(g[0], images[i])
                       and not same(e[0], images[i]), "transform-ignored", what=f"ds[{i}][0]",
                       expected="transform(images[i]): float32 of shape (1, h, w)",
                       got="images[i] itself")
        expect(same(g, e), what=f"ds[{i}]", expected=describe(e), got=describe(g))


def describe(item) -> str:
    if isinstance(item, torch.Tensor):
        return f"tensor {tuple(item.shape)} {str(item.dtype).replace('torch.', '')}"
    if isinstance(item, list):
        return "(" + ", ".join(describe(v) for v in item) + ")"
    return repr(item)


@grades(DATASET, en="without a transform: a Dataset whose len() is the number of examples and "
                    "whose ds[i] is (images[i], labels[i])",
        zh="不带 transform：len() 为样本个数、ds[i] 为 (images[i], labels[i]) 的 Dataset")
def test_items(student, gen, device):
    images, labels = image_set(gen, device)
    got = student.probe(probes.probe_items, images, labels, False, INDICES)
    expect_items(got, probes.items(ref.ImageDataset, images, labels, False, INDICES),
                 images, False)


@grades(DATASET, en="with 3.5's ToTensor transform: ds[i] is (transform(images[i]), labels[i])",
        zh="带 3.5 节的 ToTensor 变换：ds[i] 为 (transform(images[i]), labels[i])")
def test_transform(student, gen, device):
    images, labels = image_set(gen, device)
    got = student.probe(probes.probe_items, images, labels, True, INDICES)
    expect_items(got, probes.items(ref.ImageDataset, images, labels, True, INDICES),
                 images, True)


@grades(DATASET, en="read by DataLoader(ds, batch_size=4): minibatches of images (4, 1, h, w) "
                    "and labels (4,), the last one smaller",
        zh="用 DataLoader(ds, batch_size=4) 读取：图像形状为 (4, 1, h, w)、标签形状为 (4,) "
           "的小批量，最后一个较小")
def test_dataloader(student, gen, device):
    images, labels = image_set(gen, device)
    got = student.probe(probes.probe_batches, images, labels, True, 4)
    expected = probes.batches(ref.ImageDataset, images, labels, True, 4)
    expect_equal(len(got), len(expected), what="len(list(DataLoader(ds, 4)))")
    for k, (g, e) in enumerate(zip(got, expected)):
        expect(same(g, e), what=f"minibatch {k + 1}/{len(expected)}", expected=describe(e),
               got=describe(g))


# ============================================================================== 3.3.2 load_array
LOAD = "ch3.load_array"
EXAMPLES, FEATURES, BATCH = 23, 2, 5


def regression_arrays(gen, device):
    """3.3's (features, labels): 23 examples of 2 features, labels a column."""
    X = torch.randn(EXAMPLES, FEATURES, generator=gen, dtype=torch.float64)
    y = X @ torch.tensor([[2.0], [-3.4]], dtype=torch.float64) + 4.2
    return X.to(device), y.to(device)


def in_order(arrays, batch_size, drop_last=False):
    """The minibatches without shuffling (all, or only the full ones)."""
    n = arrays[0].shape[0]
    stop = n - n % batch_size if drop_last else n
    return [[a[i:min(i + batch_size, stop)] for a in arrays] for i in range(0, stop, batch_size)]


def rows(epoch):
    """The feature rows of an epoch, in the order they came (None if they are not tensors)."""
    try:
        return torch.cat([b[0] for b in epoch]).cpu()
    except (TypeError, IndexError, RuntimeError):
        return None


def expect_epochs(got, expected, arrays, is_train):
    expect(got["is_loader"], what="isinstance(load_array(...), DataLoader)", expected=True,
           got=False)
    sizes = [[shape_of(b[0])[0] if isinstance(b, list) and shape_of(b[0]) else None for b in e]
             for e in got["epochs"]]
    full = in_order(arrays, BATCH, drop_last=True)
    mistake_if(all(len(e) == len(full) and all(s == BATCH for s in e) for e in sizes),
               "last-batch-dropped", what="minibatch sizes of an epoch",
               expected=[len(b[0]) for b in expected["epochs"][0]], got=sizes[0])
    data_rows = arrays[0].cpu()
    first = rows(got["epochs"][0])
    if first is not None and first.shape == data_rows.shape:
        ordered = torch.equal(first, data_rows)
        if is_train:
            mistake_if(ordered, "no-shuffle", what="the order of the examples",
                       expected="shuffled (is_train=True)", got="0, 1, 2, … in order")
            is_permutation = torch.equal(first.sort(dim=0).values, data_rows.sort(dim=0).values)
            mistake_if(is_permutation and not ordered
                       and not torch.equal(first, rows(expected["epochs"][0])),
                       "generator-ignored", what="the order of the examples",
                       expected="the order the generator draws (same seed, same minibatches)",
                       got="another shuffle")
        else:
            mistake_if(not ordered, "shuffled-when-not-training", what="the order of the examples",
                       expected="0, 1, 2, … in order (is_train=False)", got="shuffled")
    expect_equal(len(got["epochs"][1]), len(expected["epochs"][1]),
                 what="minibatches in the second epoch")
    for k, (ge, ee) in enumerate(zip(got["epochs"], expected["epochs"])):
        expect_equal(len(ge), len(ee), what=f"minibatches in epoch {k + 1}")
        for j, (g, e) in enumerate(zip(ge, ee)):
            expect(isinstance(g, list) and len(g) == len(e), what=f"epoch {k + 1}, minibatch {j + 1}",
                   expected=f"{len(e)} tensors (X, y)", got=repr(g)[:60])
            expect_each_close(dict(zip("Xy", g)), dict(zip("Xy", e)),
                              what=f"epoch {k + 1}, minibatch {j + 1}")


@grades(LOAD, en="is_train=True: shuffled by the generator (same seed, same minibatches), anew each "
                 "epoch, batches of 5 and a last one of 3",
        zh="is_train=True：由 generator 打乱（相同的种子得到相同的小批量），每个迭代周期重新打乱，"
           "每批 5 个，最后一批 3 个")
def test_load_array_train(student, gen, seed, device):
    arrays = regression_arrays(gen, device)
    got = student.probe(probes.probe_load_array, arrays, BATCH, True, seed)
    expect_epochs(got, probes.epochs(ref.load_array, arrays, BATCH, True, seed), arrays, True)


@grades(LOAD, en="is_train=False: the examples in order, the last minibatch kept",
        zh="is_train=False：按原来的顺序读取，保留最后一个小批量")
def test_load_array_eval(student, gen, seed, device):
    arrays = regression_arrays(gen, device)
    got = student.probe(probes.probe_load_array, arrays, BATCH, False, seed)
    expect_epochs(got, probes.epochs(ref.load_array, arrays, BATCH, False, seed), arrays, False)
