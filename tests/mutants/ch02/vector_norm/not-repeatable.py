_total = [0.0]


def vector_norm(x, p=2.0):
    a = x.reshape(-1).abs()
    if p == float("inf"):
        return a.max()
    _total[0] = _total[0] + (a ** p).sum()  # a running sum never started again from zero
    return _total[0] ** (1.0 / p)
