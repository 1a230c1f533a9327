def fit_polynomial(x, y, degree):
    x = x.reshape(-1, 1)
    factorials = torch.tensor([float(math.factorial(i)) for i in range(degree)],
                              dtype=x.dtype, device=x.device)
    Phi = x ** torch.arange(degree, device=x.device).to(x.dtype) / factorials
    return torch.linalg.solve(Phi.T @ Phi, Phi.T @ y.reshape(-1))
