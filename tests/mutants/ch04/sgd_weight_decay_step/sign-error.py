def sgd_weight_decay_step(params, lr, weight_decay):
    if not isinstance(weight_decay, (list, tuple)):
        weight_decay = [weight_decay] * len(params)
    with torch.no_grad():
        for p, wd in zip(params, weight_decay):
            p -= lr * (p.grad - wd * p)
