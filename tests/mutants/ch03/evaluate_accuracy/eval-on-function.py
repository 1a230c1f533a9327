def evaluate_accuracy(net, data_iter):
    net.eval()
    correct, total = 0.0, 0
    with torch.no_grad():
        for X, y in data_iter:
            correct += float((net(X).argmax(dim=1) == y).sum())
            total += y.numel()
    return correct / total
