def min_pool2d(X, pool_size, stride=None, padding=0):
    s = pool_size if stride is None else stride
    return torch.nn.functional.max_pool2d(-X[None, None], pool_size, stride=s, padding=padding)[0, 0]
