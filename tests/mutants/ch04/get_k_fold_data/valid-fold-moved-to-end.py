def get_k_fold_data(k, i, X, y):
    assert k > 1
    fold_size = X.shape[0] // k
    # rotate the folds so that fold i comes last, then train on the first k - 1
    order = [(i + 1 + j) % k for j in range(k)]
    X_parts = [X[j * fold_size:(j + 1) * fold_size] for j in order]
    y_parts = [y[j * fold_size:(j + 1) * fold_size] for j in order]
    return torch.cat(X_parts[:-1], 0), torch.cat(y_parts[:-1], 0), X_parts[-1], y_parts[-1]
