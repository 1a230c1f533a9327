def adadelta(params, states, hyperparams):
    rho, eps = hyperparams['rho'], hyperparams.get('eps', 1e-5)
    for p, (s, delta) in zip(params, states):
        with torch.no_grad():
            s[:] = (1 - rho) * s + rho * torch.square(p.grad)
            g = (torch.sqrt(delta + eps) / torch.sqrt(s + eps)) * p.grad
            p[:] -= g
            delta[:] = (1 - rho) * delta + rho * g * g
        p.grad.data.zero_()
