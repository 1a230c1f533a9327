def derivative_kernel_size(d):
    return d
