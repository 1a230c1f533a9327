def beam_search(step_fn, vocab_size, eos, beam_size, max_len, alpha=0.75):
    def score(c):
        return c[1] / len(c[0]) ** alpha

    beams = [([], 0.0)]
    for _ in range(max_len):
        candidates = []
        for seq, logp in beams:
            if seq and seq[-1] == eos:
                candidates.append((seq, logp))
                continue
            next_logp = step_fn(seq)
            for token in range(vocab_size):
                candidates.append((seq + [token], logp + float(next_logp[token])))
        candidates.sort(key=score, reverse=True)
        beams = candidates[:beam_size]
        if all(seq[-1] == eos for seq, _ in beams):
            break
    best = max(beams, key=score)
    seq = best[0][:-1] if best[0][-1] == eos else best[0]
    return seq, score(best)
