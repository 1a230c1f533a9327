def fan_in_fan_out(shape):
    if len(shape) < 2:
        raise ValueError("need at least 2 dimensions")
    return shape[1], shape[0]
