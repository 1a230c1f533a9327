import torch


def control_flow_grad(a):
    a1 = torch.tensor(a.item(), dtype=a.dtype, requires_grad=True)
    b = a1 * 2
    while b.norm() < 1000:
        b = b * 2
    c = b if b.sum() > 0 else 100 * b
    d = c
    d.backward()
    return d.detach(), a1.grad
