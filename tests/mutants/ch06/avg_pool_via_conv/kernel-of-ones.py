def avg_pool_via_conv(X, pool_size, stride=None, padding=0):
    kh, kw = _pair(pool_size)
    K = torch.ones((1, 1, kh, kw), dtype=X.dtype, device=X.device)
    s = _pair(pool_size if stride is None else stride)
    return torch.nn.functional.conv2d(X[None, None], K, stride=s, padding=_pair(padding))[0, 0]
