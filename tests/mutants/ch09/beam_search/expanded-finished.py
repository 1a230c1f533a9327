def beam_search(step_fn, vocab_size, eos, beam_size, max_len, alpha=0.75):
    beams = [([], 0.0)]
    for _ in range(max_len):
        candidates = []
        for seq, logp in beams:
            next_logp = step_fn(seq)
            for token in range(vocab_size):
                candidates.append((seq + [token], logp + float(next_logp[token])))
        candidates.sort(key=lambda c: c[1], reverse=True)
        beams = candidates[:beam_size]
    seq, logp = max(beams, key=lambda c: c[1] / len(c[0]) ** alpha)
    score = logp / len(seq) ** alpha
    if seq[-1] == eos:
        seq = seq[:-1]
    return seq, score
