def compose_kernels(K1, K2):
    (a, b), (c, d) = K1.shape, K2.shape
    K = torch.zeros((a + c - 1, b + d - 1), dtype=K1.dtype, device=K1.device)
    for i in range(c):
        for j in range(d):
            K[i:i + a, j:j + b] += K2[c - 1 - i, d - 1 - j] * K1
    return K
