def sigmoid(X):
    E = torch.exp(X)
    return E / (1 + E)
