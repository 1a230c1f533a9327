import torch
from torch import nn


def my_init_(net, generator=None):
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.Linear):
                m.weight.uniform_(-10, 10, generator=generator)
                m.weight *= m.weight.abs() < 5
    return net
