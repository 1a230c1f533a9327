import torch


def linreg_closed_form(X, y):
    y = y.reshape(-1, 1)
    w = torch.linalg.solve(X.T @ X, X.T @ y)
    b = torch.zeros(1, dtype=X.dtype, device=X.device)
    return w, b
