def adam(params, states, hyperparams):
    beta1, beta2 = hyperparams.get('beta1', 0.9), hyperparams.get('beta2', 0.999)
    eps = hyperparams.get('eps', 1e-6)
    for p, (v, s) in zip(params, states):
        with torch.no_grad():
            v[:] = beta2 * v + (1 - beta2) * p.grad
            s[:] = beta1 * s + (1 - beta1) * torch.square(p.grad)
            v_bias_corr = v / (1 - beta2 ** hyperparams['t'])
            s_bias_corr = s / (1 - beta1 ** hyperparams['t'])
            p[:] -= hyperparams['lr'] * v_bias_corr / (torch.sqrt(s_bias_corr) + eps)
        p.grad.data.zero_()
    hyperparams['t'] += 1
