def ngram_freqs(tokens, n):
    grams = [tuple(tokens[i:i + n]) for i in range(0, len(tokens) - n + 1, n)]
    counter = collections.Counter(grams)
    return sorted(counter.items(), key=lambda kv: kv[1], reverse=True)
