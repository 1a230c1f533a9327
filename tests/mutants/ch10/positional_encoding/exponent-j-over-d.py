def positional_encoding(max_len, num_hiddens):
    if num_hiddens % 2:
        raise ValueError("num_hiddens must be even")
    pos = torch.arange(max_len, dtype=torch.float32).reshape(-1, 1)
    div = torch.pow(10000, torch.arange(num_hiddens // 2, dtype=torch.float32) / num_hiddens)
    P = torch.zeros((max_len, num_hiddens))
    P[:, 0::2] = torch.sin(pos / div)
    P[:, 1::2] = torch.cos(pos / div)
    return P
