def grad_clipping(net, theta):
    params = list(net.parameters()) if isinstance(net, torch.nn.Module) else list(getattr(net, 'params', net))
    params = [p for p in params if p.grad is not None]
    norm = torch.sqrt(sum(torch.sum(p.grad ** 2) for p in params))
    for p in params:
        p.grad[:] *= theta / norm
    return norm
