def train_epoch_seq2seq(net, data_iter, loss, optimizer, bos_idx, device):
    net.train()
    loss_sum, tokens = 0.0, 0
    for batch in data_iter:
        X, X_valid_len, Y, Y_valid_len = [x.to(device) for x in batch]
        bos = torch.full((Y.shape[0], 1), bos_idx, dtype=Y.dtype, device=Y.device)
        dec_input = torch.cat([bos, Y[:, :-1]], 1)
        optimizer.zero_grad()
        Y_hat, _ = net(X, dec_input, X_valid_len)
        l = loss(Y_hat, Y, Y_valid_len)
        l.sum().backward()
        optimizer.step()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1)
        loss_sum += float(l.detach().sum())
        tokens += int(Y_valid_len.sum())
    return loss_sum / tokens
