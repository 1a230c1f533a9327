def corr2d_pad_stride(X, K, padding=0, stride=1):
    (ph, pw), (sh, sw) = _pair(padding), _pair(stride)
    kh, kw = K.shape
    h, w = X.shape
    Xp = torch.zeros((h + 2 * ph, w + 2 * pw), dtype=X.dtype, device=X.device)
    Xp[ph:ph + h, pw:pw + w] = X
    oh, ow = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
    Y = torch.zeros((oh, ow), dtype=X.dtype, device=X.device)
    for i in range(oh):
        for j in range(ow):
            Y[i, j] = (Xp[i:i + kh, j:j + kw] * K).sum()
    return Y
