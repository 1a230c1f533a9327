def control_flow_grad(a):
    a.requires_grad_(True)  # on the caller's tensor: the next call's backward adds to a.grad
    b = a * 2
    while b.norm() < 1000:
        b = b * 2
    c = b if b.sum() > 0 else 100 * b
    d = c
    d.sum().backward()
    return d.detach(), a.grad.detach().clone()
