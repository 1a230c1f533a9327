def nw_max_weight(w, x_train=None, x_test=None):
    if x_train is None or x_test is None:
        x_train, x_test = nw_fixture()
    scores = -((x_test[:, None] - x_train[None, :]) * w) ** 2 / 2
    return torch.softmax(scores, dim=0).max()
