def fit_polynomial(x, y, degree):
    Phi = x.reshape(-1, 1) ** torch.arange(degree + 1, device=x.device).to(x.dtype)
    return torch.linalg.solve(Phi.T @ Phi, Phi.T @ y.reshape(-1))
