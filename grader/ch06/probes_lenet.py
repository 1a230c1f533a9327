"""Probes of test_lenet.py: they run in the sandbox child, beside the learner's module.

A child may read this file but never the grader, so nothing here may give a check away:
no expected values, no hidden inputs, no reference solution."""
from torch import nn

from d2lkit.grading.api import pair


def describe_layer(m):
    """A layer's hyperparameters as data (identical for the learner's and the reference net)."""
    name = type(m).__name__
    if isinstance(m, nn.Conv2d):
        return (name, m.in_channels, m.out_channels, tuple(m.kernel_size), tuple(m.padding),
                tuple(m.stride), m.bias is not None)
    if isinstance(m, (nn.AvgPool2d, nn.MaxPool2d)):
        return (name, pair(m.kernel_size), pair(m.stride), pair(m.padding))
    if isinstance(m, nn.Linear):
        return (name, m.in_features, m.out_features, m.bias is not None)
    return (name,)


def probe_lenet_layers(mod):
    net = mod.lenet()
    return [describe_layer(m) for m in net.children()] if isinstance(net, nn.Module) else repr(net)


def probe_lenet_shapes_many(mod, cases):
    out = []
    for b, h, w in cases:
        try:
            r = mod.lenet_shapes(b, h, w)
        except ValueError:
            r = "ValueError"
        out.append(r)
    return out
