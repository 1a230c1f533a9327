def product_norms(matrices):
    P = matrices[0]
    norms = [torch.sqrt((P * P).sum())]
    for M in matrices[1:]:
        P = M @ P
        norms.append(torch.sqrt((P * P).sum()))
    return torch.stack(norms)
