def add_into_(Z, X, Y):
    Z = X + Y
    return Z
