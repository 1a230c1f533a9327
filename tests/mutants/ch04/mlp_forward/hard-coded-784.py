num_inputs = 784


def mlp_forward(X, params):
    W1, b1, W2, b2 = params
    X = X.reshape((-1, num_inputs))
    H = torch.where(X @ W1 + b1 > 0, X @ W1 + b1, 0.0)
    return H @ W2 + b2
