def corr2d_pad_stride(X, K, padding=0, stride=1):
    (ph, pw), (sh, sw) = _pair(padding), _pair(stride)
    kh, kw = K.shape
    h, w = X.shape
    # zeros added only at the top and on the left
    Xp = torch.zeros((h + ph, w + pw), dtype=X.dtype, device=X.device)
    Xp[ph:, pw:] = X
    oh, ow = (Xp.shape[0] - kh) // sh + 1, (Xp.shape[1] - kw) // sw + 1
    Y = torch.zeros((oh, ow), dtype=X.dtype, device=X.device)
    for i in range(oh):
        for j in range(ow):
            Y[i, j] = (Xp[i * sh:i * sh + kh, j * sw:j * sw + kw] * K).sum()
    return Y
