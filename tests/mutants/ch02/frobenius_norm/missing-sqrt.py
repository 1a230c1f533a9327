def frobenius_norm(X):
    return (X * X).sum()
