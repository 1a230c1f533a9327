import torch


def grad_of_sum(f, x):
    x.requires_grad_(True)
    (g,) = torch.autograd.grad(f(x).sum(), x)
    return g
