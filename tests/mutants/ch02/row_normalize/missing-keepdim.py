def row_normalize(A):
    return A / A.sum(dim=1)
