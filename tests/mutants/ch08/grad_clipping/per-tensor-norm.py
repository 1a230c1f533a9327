def grad_clipping(net, theta):
    params = list(net.parameters()) if isinstance(net, torch.nn.Module) else list(getattr(net, 'params', net))
    total = torch.sqrt(sum(torch.sum(p.grad ** 2) for p in params if p.grad is not None))
    for p in params:
        if p.grad is None:
            continue
        norm = torch.sqrt(torch.sum(p.grad ** 2))     # a separate norm for each tensor
        if norm > theta:
            p.grad[:] *= theta / norm
    return total
