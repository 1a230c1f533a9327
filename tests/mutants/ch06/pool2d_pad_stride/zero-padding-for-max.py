def pool2d_pad_stride(X, pool_size, stride=None, padding=0, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError(mode)
    kh, kw = _pair(pool_size)
    sh, sw = _pair(pool_size if stride is None else stride)
    ph, pw = _pair(padding)
    if 2 * ph > kh or 2 * pw > kw:
        raise ValueError("pad should be at most half of effective kernel size")
    h, w = X.shape
    Xp = torch.zeros((h + 2 * ph, w + 2 * pw), dtype=X.dtype, device=X.device)  # zeros for max too
    Xp[ph:ph + h, pw:pw + w] = X
    oh, ow = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
    Y = torch.zeros((oh, ow), dtype=X.dtype, device=X.device)
    for i in range(oh):
        for j in range(ow):
            window = Xp[i * sh:i * sh + kh, j * sw:j * sw + kw]
            Y[i, j] = window.max() if mode == 'max' else window.sum() / (kh * kw)
    return Y
