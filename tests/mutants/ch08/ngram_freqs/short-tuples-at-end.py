def ngram_freqs(tokens, n):
    grams = [tuple(tokens[i:i + n]) for i in range(len(tokens))]
    counter = collections.Counter(grams)
    return sorted(counter.items(), key=lambda kv: kv[1], reverse=True)
