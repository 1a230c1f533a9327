import torch


def numerical_grad(f, x, h=1e-5):
    g = torch.zeros_like(x)
    base = x.detach().clone().reshape(-1)
    fx = f(x)
    for i in range(base.numel()):
        plus = base.clone()
        plus[i] += h
        g.view(-1)[i] = (f(plus.reshape(x.shape)) - fx) / h
    return g
