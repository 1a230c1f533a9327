def frobenius_norm(X):
    return (X * X).sum(dim=1).sqrt().sum()
