def conv_output_shape(input_hw, kernel_size, padding=0, stride=1):
    out = []
    for n, k, p, s in zip(_pair(input_hw), _pair(kernel_size), _pair(padding), _pair(stride)):
        if n + 2 * p < k:
            raise ValueError("kernel does not fit")
        out.append((n + 2 * p - k) // s)
    return tuple(out)
