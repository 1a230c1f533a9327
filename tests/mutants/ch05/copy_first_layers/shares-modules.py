def copy_first_layers(src, dst, n):
    for i in range(n):
        dst[i] = src[i]
    return dst
