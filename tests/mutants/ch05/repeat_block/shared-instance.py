from torch import nn


def repeat_block(block_factory, n):
    blk = block_factory()
    return nn.Sequential(*[blk] * n)
