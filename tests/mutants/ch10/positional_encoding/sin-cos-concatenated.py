def positional_encoding(max_len, num_hiddens):
    if num_hiddens % 2:
        raise ValueError("num_hiddens must be even")
    pos = torch.arange(max_len, dtype=torch.float32).reshape(-1, 1)
    div = torch.pow(10000, torch.arange(0, num_hiddens, 2, dtype=torch.float32) / num_hiddens)
    return torch.cat([torch.sin(pos / div), torch.cos(pos / div)], dim=1)
