def vector_norm(x, p=2.0):
    x = x.reshape(-1).abs()
    if p == float("inf"):
        return x.max()
    return (x ** p).sum()
