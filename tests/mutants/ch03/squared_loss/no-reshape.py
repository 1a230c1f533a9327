def squared_loss(y_hat, y):
    return (y_hat - y) ** 2 / 2
