"""Probes of test_nin.py: they run in the sandbox child, beside the learner's module.

A child may read this file but never the grader, so nothing here may give a check away:
no expected values, no hidden inputs, no reference solution."""
from torch import nn


def probe_conv_configs(mod, args):
    """Type and hyper-parameters of each layer of the learner's nin_block(*args)."""
    out = []
    for layer in mod.nin_block(*args):
        row = [type(layer).__name__]
        if isinstance(layer, nn.Conv2d):
            row += [layer.in_channels, layer.out_channels, list(layer.kernel_size),
                    list(layer.stride), list(layer.padding), layer.bias is not None]
        out.append(row)
    return out


def probe_nin_num_params(mod):
    """The book's full NiN built from the learner's nin_block; parameters counted, no forward."""
    net = nn.Sequential(
        mod.nin_block(1, 96, kernel_size=11, strides=4, padding=0), nn.MaxPool2d(3, stride=2),
        mod.nin_block(96, 256, kernel_size=5, strides=1, padding=2), nn.MaxPool2d(3, stride=2),
        mod.nin_block(256, 384, kernel_size=3, strides=1, padding=1), nn.MaxPool2d(3, stride=2),
        nn.Dropout(0.5),
        mod.nin_block(384, 10, kernel_size=3, strides=1, padding=1),
        nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten())
    return sum(p.numel() for p in net.parameters())
