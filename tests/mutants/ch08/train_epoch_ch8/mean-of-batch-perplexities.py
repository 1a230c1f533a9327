def train_epoch_ch8(net, train_iter, loss, updater, device, use_random_iter):
    state, loss_sum, tokens = None, 0.0, 0
    for X, Y in train_iter:
        if state is None or use_random_iter:
            state = net.begin_state(batch_size=X.shape[0], device=device)
        elif isinstance(state, torch.Tensor):
            state.detach_()
        else:
            for s in state:
                s.detach_()
        y = Y.T.reshape(-1)
        X, y = X.to(device), y.to(device)
        y_hat, state = net(X, state)
        l = loss(y_hat, y.long())
        updater.zero_grad()
        l.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1)
        updater.step()
        loss_sum += math.exp(float(l.detach()))
        tokens += 1
    return loss_sum / tokens
