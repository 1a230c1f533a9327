def adagrad(params, states, hyperparams):
    eps = hyperparams.get('eps', 1e-6)
    for p, s in zip(params, states):
        s[:] += torch.square(p.grad)
        p[:] -= hyperparams['lr'] * p.grad / torch.sqrt(s + eps)
        p.grad.data.zero_()
