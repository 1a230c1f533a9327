def batch_norm(X, gamma, beta, moving_mean, moving_var, eps, momentum, training):
    dims = (0,) if X.dim() == 2 else (0, 2, 3)
    mean = X.mean(dim=dims, keepdim=True)
    var = ((X - mean) ** 2).mean(dim=dims, keepdim=True)
    if training:
        X_hat = (X - mean) / torch.sqrt(var + eps)
    else:
        X_hat = (X - moving_mean) / torch.sqrt(moving_var + eps)
    # updated in both modes
    moving_mean = momentum * moving_mean + (1.0 - momentum) * mean
    moving_var = momentum * moving_var + (1.0 - momentum) * var
    return gamma * X_hat + beta, moving_mean.detach(), moving_var.detach()
