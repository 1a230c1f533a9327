"""Probes of test_resnet.py: they run in the sandbox child, beside the learner's module.

A child may read this file but never the grader, so nothing here may give a check away:
no expected values, no hidden inputs, no reference solution."""
import torch
from torch import nn


def probe_block_info(mod, args):
    """Type of the result and, per residual block, [has conv3, conv1 stride, in, out channels]."""
    blk = mod.resnet_block(*args)
    rows = []
    for r in blk:
        conv3 = getattr(r, "conv3", None)
        conv1 = getattr(r, "conv1", None)
        rows.append([type(r).__name__, conv3 is not None,
                     list(conv1.stride) if conv1 is not None else None,
                     conv1.in_channels if conv1 is not None else None,
                     conv1.out_channels if conv1 is not None else None])
    return {"type": type(blk).__name__, "blocks": rows,
            "num_params": sum(p.numel() for p in nn.Sequential(*blk).parameters())}


def probe_resnet18(mod, X):
    """The book's ResNet-18 built from the learner's resnet_block: parameter count, and the
    stage output shapes for a small input (no forward at 224×224)."""
    b1 = nn.Sequential(nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3), nn.BatchNorm2d(64),
                       nn.ReLU(), nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    stages = [b1, nn.Sequential(*mod.resnet_block(64, 64, 2, first_block=True)),
              nn.Sequential(*mod.resnet_block(64, 128, 2)),
              nn.Sequential(*mod.resnet_block(128, 256, 2)),
              nn.Sequential(*mod.resnet_block(256, 512, 2))]
    net = nn.Sequential(*stages, nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(512, 10))
    num_params = sum(p.numel() for p in net.parameters())
    shapes = []
    net.eval()
    with torch.no_grad():
        for stage in stages:
            X = stage(X)
            shapes.append(list(X.shape[1:]))
    return {"num_params": num_params, "shapes": shapes}


def probe_num_params(mod, name, arg_list):
    """Parameter counts of mod.<name>(*args) for each args, built on the meta device."""
    with torch.device("meta"):
        return [sum(p.numel() for p in getattr(mod, name)(*args).parameters()) for args in arg_list]


def probe_convs(mod, name, args):
    """{submodule name: [kernel_size, stride]} of every Conv2d of the learner's `name(*args)`
    (built on the meta device)."""
    with torch.device("meta"):
        m = getattr(mod, name)(*args)
    return {n: [list(c.kernel_size), list(c.stride)] for n, c in m.named_modules()
            if isinstance(c, nn.Conv2d)}


def probe_batch_norms(mod, name, args):
    """{submodule name: num_features} of every batch normalization layer of the learner's
    `name(*args)` (built on the meta device)."""
    with torch.device("meta"):
        m = getattr(mod, name)(*args)
    return {n: c.num_features for n, c in m.named_modules()
            if isinstance(c, nn.modules.batchnorm._BatchNorm)}
