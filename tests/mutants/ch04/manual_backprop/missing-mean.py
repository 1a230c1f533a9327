def manual_backprop(X, y, W1, W2, lambd):
    Z = X @ W1.T
    H = torch.where(Z > 0, Z, torch.zeros_like(Z))
    O = H @ W2.T
    P = torch.softmax(O, dim=1)
    onehot = torch.zeros_like(P)
    onehot[torch.arange(X.shape[0]), y] = 1
    dO = P - onehot
    dW2 = dO.T @ H + lambd * W2
    dZ = (dO @ W2) * (Z > 0)
    dW1 = dZ.T @ X + lambd * W1
    return dW1, dW2
