def beam_search(step_fn, vocab_size, eos, beam_size, max_len, alpha=0.75):
    alive = [([], 0.0)]
    finished = []
    for _ in range(max_len):
        candidates = []
        for seq, logp in alive:
            next_logp = step_fn(seq)
            for token in range(vocab_size):
                candidates.append((seq + [token], logp + float(next_logp[token])))
        candidates.sort(key=lambda c: c[1], reverse=True)
        alive = []
        for seq, logp in candidates[:beam_size]:
            if seq[-1] == eos:
                finished.append((seq, logp))
            else:
                alive.append((seq, logp))
        if not alive:
            break
    best = max(finished + alive, key=lambda c: c[1] / len(c[0]) ** alpha)
    return best[0], best[1] / len(best[0]) ** alpha
