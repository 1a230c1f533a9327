import math

import torch


def fourier_first_half(X):
    n = X.shape[-1]
    k = torch.arange(n // 2 + 1, dtype=X.dtype, device=X.device)
    t = torch.arange(n, dtype=X.dtype, device=X.device)
    angle = 2 * math.pi * k[:, None] * t[None, :] / n
    return torch.complex(X @ torch.cos(angle).T, -(X @ torch.sin(angle).T))
