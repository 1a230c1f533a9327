def poly_features(x, max_degree):
    x = x.reshape(-1, 1)
    return x ** torch.arange(max_degree, dtype=x.dtype, device=x.device)
