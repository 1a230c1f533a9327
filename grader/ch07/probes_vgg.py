"""Probes of test_vgg.py: they run in the sandbox child, beside the learner's module.

A child may read this file but never the grader, so nothing here may give a check away:
no expected values, no hidden inputs, no reference solution."""
import torch
from torch import nn


def probe_fc_many(mod, cases):
    return [mod.vgg_fc_in_features(arch, size) for arch, size in cases]


def probe_block_convs(mod, args):
    """[in_channels, out_channels, padding] of every Conv2d of the learner's vgg_block(*args), in
    order (built on the meta device; padding as a pair)."""
    with torch.device("meta"):
        blk = mod.vgg_block(*args)
    return [[m.in_channels, m.out_channels,
             list(m.padding) if isinstance(m.padding, (tuple, list)) else [m.padding] * 2]
            for m in blk.modules() if isinstance(m, nn.Conv2d)]
