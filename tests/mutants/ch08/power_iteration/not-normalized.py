def power_iteration(M, k, generator=None):
    v = torch.randn(M.shape[0], generator=generator, dtype=M.dtype, device=M.device)
    for _ in range(k):
        v = M @ v
    return v
