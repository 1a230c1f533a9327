def poly_features(x, max_degree):
    x = x.reshape(-1, 1)
    powers = torch.arange(1, max_degree + 1, dtype=x.dtype, device=x.device)
    fact = torch.tensor([math.gamma(i + 1) for i in range(1, max_degree + 1)], dtype=x.dtype,
                        device=x.device)
    return x ** powers / fact
