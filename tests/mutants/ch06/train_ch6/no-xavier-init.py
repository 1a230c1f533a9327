def train_ch6(net, train_iter, test_iter, num_epochs, lr, device):
    def init_weights(m):
        if type(m) == nn.Linear or type(m) == nn.Conv2d:
            nn.init.xavier_uniform_(m.weight)
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    loss = nn.CrossEntropyLoss()
    for epoch in range(num_epochs):
        net.train()
        loss_sum, correct, n = 0.0, 0.0, 0
        for X, y in train_iter:
            optimizer.zero_grad()
            y_hat = net(X)
            l = loss(y_hat, y)
            l.backward()
            optimizer.step()
            loss_sum += float(l.detach()) * X.shape[0]
            correct += float((y_hat.argmax(dim=1) == y).sum())
            n += X.shape[0]
        net.eval()
        test_correct, test_n = 0.0, 0
        with torch.no_grad():
            for X, y in test_iter:
                test_correct += float((net(X).argmax(dim=1) == y).sum())
                test_n += y.numel()
    return loss_sum / n, correct / n, test_correct / test_n
