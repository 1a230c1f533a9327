def count_parameters(net):
    return sum(t.numel() for name, t in net.state_dict().items())
