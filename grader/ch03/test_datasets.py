"""Grader for 3.5's data set of one's own: ImageDataset.

The learner's data set is built in the child over images and labels drawn from the seed (uint8
pixels of shape (n, h, w) with n, h and w all different, so that a length taken from the wrong
dimension shows), with and without 3.5's ToTensor transform; its len(), some items, and the
minibatches a DataLoader reads from it are compared with the reference's.
"""
import torch

from d2lkit.grading.api import expect, expect_equal, grades, mistake_if, probes_for, reference

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
