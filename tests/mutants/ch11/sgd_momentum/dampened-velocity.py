def sgd_momentum(params, states, hyperparams):
    beta = hyperparams['momentum']
    for p, v in zip(params, states):
        with torch.no_grad():
            v[:] = beta * v + (1 - beta) * p.grad
            p[:] -= hyperparams['lr'] * v
        p.grad.data.zero_()
