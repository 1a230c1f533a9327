def rmsprop(params, states, hyperparams):
    gamma, eps = hyperparams['gamma'], hyperparams.get('eps', 1e-6)
    for p, s in zip(params, states):
        with torch.no_grad():
            s = gamma * s + (1 - gamma) * torch.square(p.grad)
            p[:] -= hyperparams['lr'] * p.grad / torch.sqrt(s + eps)
        p.grad.data.zero_()
