def learn_kernel(X, Y, kernel_size, lr=3e-2, num_iters=10, generator=None):
    kh, kw = kernel_size
    bound = 1.0 / math.sqrt(kh * kw)
    K = (torch.rand((kh, kw), generator=generator, dtype=X.dtype, device=X.device) * 2 - 1) * bound
    K.requires_grad_(True)
    for _ in range(num_iters):
        loss = ((corr2d(X, K) - Y) ** 2).sum()
        loss.backward()
        with torch.no_grad():
            K -= lr * K.grad
    return K.detach()
