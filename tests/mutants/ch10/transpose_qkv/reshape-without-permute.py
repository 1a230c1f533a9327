def transpose_qkv(X, num_heads):
    B, n, D = X.shape
    return X.reshape(B * num_heads, n, D // num_heads)


def transpose_output(X, num_heads):
    BH, n, d_h = X.shape
    return X.reshape(BH // num_heads, n, num_heads * d_h)
