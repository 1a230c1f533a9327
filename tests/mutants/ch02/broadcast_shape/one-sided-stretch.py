def broadcast_shape(shape_a, shape_b):
    # only lets the second shape's size-1 dimensions stretch
    a, b = tuple(shape_a), tuple(shape_b)
    n = max(len(a), len(b))
    a = (1,) * (n - len(a)) + a
    b = (1,) * (n - len(b)) + b
    out = []
    for da, db in zip(a, b):
        if da == db or db == 1:
            out.append(da)
        else:
            raise ValueError(f"cannot broadcast {da} with {db}")
    return tuple(out)
