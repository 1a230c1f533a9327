def product_norms(matrices):
    P = matrices[0]
    norms = [(P * P).sum()]
    for M in matrices[1:]:
        P = P @ M
        norms.append((P * P).sum())
    return torch.stack(norms)
