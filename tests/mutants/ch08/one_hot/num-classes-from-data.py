def one_hot(X, num_classes):
    num_classes = int(X.max()) + 1
    return (X.unsqueeze(-1) == torch.arange(num_classes, device=X.device)).long()
