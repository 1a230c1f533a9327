def broadcast_shape(shape_a, shape_b):
    # pads the shorter shape with 1s on the *right*: aligns the leading dimensions
    a, b = list(shape_a), list(shape_b)
    n = max(len(a), len(b))
    a = a + [1] * (n - len(a))
    b = b + [1] * (n - len(b))
    out = []
    for da, db in zip(a, b):
        if da == db or db == 1:
            out.append(da)
        elif da == 1:
            out.append(db)
        else:
            raise ValueError("shapes are not broadcastable")
    return tuple(out)
