def pool2d_pad_stride(X, pool_size, stride=None, padding=0, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError(mode)
    kh, kw = _pair(pool_size)
    sh, sw = _pair(pool_size if stride is None else stride)
    ph, pw = _pair(padding)
    if 2 * ph > kh or 2 * pw > kw:
        raise ValueError("pad should be at most half of effective kernel size")
    h, w = X.shape
    oh, ow = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
    Y = torch.zeros((oh, ow), dtype=X.dtype, device=X.device)
    for i in range(oh):
        for j in range(ow):
            # clip the window to the real input: padded cells are simply left out
            r0, c0 = max(i * sh - ph, 0), max(j * sw - pw, 0)
            r1, c1 = min(i * sh - ph + kh, h), min(j * sw - pw + kw, w)
            window = X[r0:r1, c0:c1]
            Y[i, j] = window.max() if mode == 'max' else window.mean()
    return Y
