def conv_output_shape(input_hw, kernel_size, padding=0, stride=1):
    # the book's formula, but with PyTorch's per-side padding plugged in as p_h
    out = []
    for n, k, p, s in zip(_pair(input_hw), _pair(kernel_size), _pair(padding), _pair(stride)):
        if n + 2 * p < k:
            raise ValueError("kernel does not fit")
        out.append((n - k + p + s) // s)
    return tuple(out)
