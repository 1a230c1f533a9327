def diagonal_edge_responses(n=6, dtype=torch.float32):
    X = torch.tril(torch.ones(n, n, dtype=dtype))
    K = torch.tensor([[1.0, -1.0]], dtype=dtype)
    return X, corr2d(X, K), corr2d(X.T, K), corr2d(X, K).T
