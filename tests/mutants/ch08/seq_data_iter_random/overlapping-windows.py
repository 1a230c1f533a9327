def seq_data_iter_random(corpus, batch_size, num_steps, rng=None):
    if rng is None:
        rng = random
    corpus = list(corpus[rng.randint(0, num_steps - 1):])
    # any position can start a subsequence
    starts = list(range(0, len(corpus) - num_steps))
    rng.shuffle(starts)
    num_batches = len(starts) // batch_size
    for i in range(0, batch_size * num_batches, batch_size):
        batch = starts[i:i + batch_size]
        X = [corpus[j:j + num_steps] for j in batch]
        Y = [corpus[j + 1:j + 1 + num_steps] for j in batch]
        yield torch.tensor(X), torch.tensor(Y)
