def logsumexp_pool2d(X, pool_size):
    ph, pw = _pair(pool_size)
    oh, ow = X.shape[0] - ph + 1, X.shape[1] - pw + 1
    windows = torch.stack([X[i:i + oh, j:j + ow] for i in range(ph) for j in range(pw)])
    m = X.max()
    return m + torch.log(torch.exp(windows - m).sum(dim=0))
