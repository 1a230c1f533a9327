def sgd_weight_decay_step(params, lr, weight_decay):
    wd = weight_decay[0] if isinstance(weight_decay, (list, tuple)) else weight_decay
    with torch.no_grad():
        for p in params:
            p -= lr * (p.grad + wd * p)
