def vector_norm(x, p=2.0):
    x = x.reshape(-1)
    if p == float("inf"):
        return x.abs().max()
    return (x ** p).sum() ** (1.0 / p)
