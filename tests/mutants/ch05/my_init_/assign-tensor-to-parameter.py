import torch
from torch import nn


def my_init_(net, generator=None):
    for m in net.modules():
        if isinstance(m, nn.Linear):
            w = torch.empty_like(m.weight).uniform_(-10, 10, generator=generator)
            m.weight = w * (w.abs() >= 5)
    return net
