def fan_in_fan_out(shape):
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive
