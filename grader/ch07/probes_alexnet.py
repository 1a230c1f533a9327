"""Probes of test_alexnet.py: they run in the sandbox child, beside the learner's module.

A child may read this file but never the grader, so nothing here may give a check away:
no expected values, no hidden inputs, no reference solution."""
import torch
from torch import nn

from d2lkit.grading.api import pair


def _layer_row(layer):
    row = [type(layer).__name__]
    if isinstance(layer, nn.Conv2d):
        row += [layer.in_channels, layer.out_channels, pair(layer.kernel_size),
                pair(layer.stride), pair(layer.padding)]
    elif isinstance(layer, (nn.MaxPool2d, nn.AvgPool2d)):
        row += [pair(layer.kernel_size), pair(layer.stride), pair(layer.padding)]
    elif isinstance(layer, nn.Linear):
        row += [layer.in_features, layer.out_features]
    elif isinstance(layer, nn.Dropout):
        row += [float(layer.p)]
    return row


def probe_alexnet_info(mod):
    """The learner's alexnet() built on the meta device (no memory, no initialization cost):
    its layers, parameter count, state_dict keys and the largest layer."""
    with torch.device("meta"):
        net = mod.alexnet()
    sizes = {}
    for name, p in net.named_parameters():
        prefix = name.rsplit(".", 1)[0]
        sizes[prefix] = sizes.get(prefix, 0) + p.numel()
    biggest = max(sizes, key=sizes.get) if sizes else None
    return {"type": type(net).__name__,
            "layers": [_layer_row(layer) for layer in net.children()],
            "num_params": sum(p.numel() for p in net.parameters()),
            "keys": list(net.state_dict().keys()),
            "biggest": [biggest, sizes.get(biggest, 0)]}


def _out_size(n, kernel, stride, padding):
    return (n + 2 * padding - kernel) // stride + 1


def probe_alexnet_features(mod, size):
    """Walk the learner's alexnet() (built on the meta device) with a 1×size×size image,
    computing each convolution's and pooling layer's output shape from its hyper-parameters
    (no 224×224 forward): features per example before the first Linear, that Linear's
    in_features, the last Linear's out_features, and the first size-mismatch met."""
    with torch.device("meta"):
        net = mod.alexnet()
    c, h, w = 1, size, size
    problem = None
    for layer in net.children():
        if isinstance(layer, nn.Linear):
            break
        if isinstance(layer, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)):
            k, s, p = pair(layer.kernel_size), pair(layer.stride), pair(layer.padding)
            if isinstance(layer, nn.Conv2d):
                if layer.in_channels != c and problem is None:
                    problem = f"Conv2d expects {layer.in_channels} channels, gets {c}"
                c = layer.out_channels
            h, w = _out_size(h, k[0], s[0], p[0]), _out_size(w, k[1], s[1], p[1])
    linears = [layer for layer in net.children() if isinstance(layer, nn.Linear)]
    return {"features": c * h * w, "problem": problem,
            "fc_in": linears[0].in_features if linears else None,
            "fc_out": linears[-1].out_features if linears else None}
