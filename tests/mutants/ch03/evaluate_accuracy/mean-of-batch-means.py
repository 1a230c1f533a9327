def evaluate_accuracy(net, data_iter):
    if isinstance(net, torch.nn.Module):
        net.eval()
    accs = []
    with torch.no_grad():
        for X, y in data_iter:
            accs.append(float((net(X).argmax(dim=1) == y).float().mean()))
    return sum(accs) / len(accs)
