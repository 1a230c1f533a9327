def grad_of_sum(f, x):
    x.requires_grad_(True)
    f(x).sum().backward()
    g = x.grad.detach().clone()
    x.requires_grad_(False)
    return g
