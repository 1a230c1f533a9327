def manual_backprop_with_bias(X, y, W1, b1, W2, b2, lambd):
    n = X.shape[0]
    Z = X @ W1.T + b1
    H = torch.where(Z > 0, Z, torch.zeros_like(Z))
    O = H @ W2.T + b2
    P = torch.softmax(O, dim=1)
    onehot = torch.nn.functional.one_hot(y, O.shape[1]).to(O.dtype)
    dO = (P - onehot) / n
    dW2 = dO.T @ H + lambd * W2
    db2 = dO.mean(dim=0)
    dZ = (dO @ W2) * (Z > 0).to(O.dtype)
    dW1 = dZ.T @ X + lambd * W1
    db1 = dZ.mean(dim=0)
    return dW1, db1, dW2, db2
