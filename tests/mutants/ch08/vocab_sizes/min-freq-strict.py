def vocab_sizes(tokens, min_freqs):
    if len(tokens) > 0 and isinstance(tokens[0], (list, tuple)):
        tokens = [tok for line in tokens for tok in line]
    counts = collections.Counter(tokens).values()
    return [1 + sum(1 for c in counts if c > m) for m in min_freqs]
