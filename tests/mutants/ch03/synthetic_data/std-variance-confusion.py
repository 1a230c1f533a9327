import torch


def synthetic_data(w, b, num_examples, noise_std=0.01, generator=None):
    X = torch.randn(num_examples, len(w), generator=generator, dtype=w.dtype, device=w.device)
    y = torch.matmul(X, w) + b
    variance = noise_std ** 2
    y += variance * torch.randn(y.shape, generator=generator, dtype=w.dtype, device=w.device)
    return X, y.reshape((-1, 1))
