def broadcast_shape(shape_a, shape_b):
    # takes the larger size of every pair, never checks compatibility
    a, b = tuple(shape_a), tuple(shape_b)
    n = max(len(a), len(b))
    a = (1,) * (n - len(a)) + a
    b = (1,) * (n - len(b)) + b
    return tuple(max(da, db) for da, db in zip(a, b))
