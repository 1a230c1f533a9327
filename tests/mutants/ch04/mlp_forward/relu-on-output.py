def mlp_forward(X, params):
    W1, b1, W2, b2 = params
    X = X.reshape((-1, W1.shape[0]))
    H = torch.maximum(X @ W1 + b1, torch.zeros_like(b1))
    O = H @ W2 + b2
    return torch.maximum(O, torch.zeros_like(O))
