def seq_data_iter_sequential(corpus, batch_size, num_steps, offset=None, rng=None):
    if offset is None:
        offset = (rng or random).randint(0, num_steps)
    num_subseqs = (len(corpus) - offset - 1) // num_steps
    Xs = torch.tensor(corpus[offset:offset + num_subseqs * num_steps]).reshape(-1, num_steps)
    Ys = torch.tensor(corpus[offset + 1:offset + 1 + num_subseqs * num_steps]).reshape(-1, num_steps)
    # consecutive subsequences go into the same minibatch
    for i in range(0, (num_subseqs // batch_size) * batch_size, batch_size):
        yield Xs[i:i + batch_size], Ys[i:i + batch_size]
