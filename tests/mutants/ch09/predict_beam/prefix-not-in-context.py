def predict_beam(prefix, num_preds, step_fn, vocab_size, beam_size):
    beam = [([], 0.0)]
    for _ in range(num_preds):
        candidates = []
        for seq, logp in beam:
            next_logp = step_fn(seq).reshape(-1).tolist()
            for token in range(vocab_size):
                candidates.append((seq + [token], logp + float(next_logp[token])))
        candidates.sort(key=lambda c: c[1], reverse=True)
        beam = candidates[:beam_size]
    return list(prefix) + beam[0][0]
