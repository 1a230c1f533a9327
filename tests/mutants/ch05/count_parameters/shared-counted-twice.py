def count_parameters(net):
    total = 0
    for layer in net:
        total += sum(p.numel() for p in layer.parameters() if p.requires_grad)
    return total
