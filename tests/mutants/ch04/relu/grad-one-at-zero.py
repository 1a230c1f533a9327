def relu(X):
    return torch.where(X >= 0, X, 0)
