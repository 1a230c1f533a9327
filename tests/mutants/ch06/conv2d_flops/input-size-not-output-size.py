def conv2d_flops(c_i, c_o, h, w, k_h, k_w, p=0, s=1):
    return c_o * c_i * k_h * k_w * h * w
