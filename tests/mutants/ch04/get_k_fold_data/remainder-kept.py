def get_k_fold_data(k, i, X, y):
    assert k > 1
    fold_size = X.shape[0] // k
    start, stop = i * fold_size, (i + 1) * fold_size
    X_valid, y_valid = X[start:stop], y[start:stop]
    X_train = torch.cat([X[:start], X[stop:]], 0)
    y_train = torch.cat([y[:start], y[stop:]], 0)
    return X_train, y_train, X_valid, y_valid
