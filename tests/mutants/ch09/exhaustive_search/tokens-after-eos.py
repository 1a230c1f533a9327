def exhaustive_search(step_fn, vocab_size, eos, max_len, alpha=0.75):
    best_seq, best_score = None, None

    def visit(prefix, logp):
        nonlocal best_seq, best_score
        if len(prefix) == max_len:
            return
        next_logp = step_fn(prefix)
        for token in range(vocab_size):
            seq, lp = prefix + [token], logp + float(next_logp[token])
            if token == eos or len(seq) == max_len:
                score = lp / len(seq) ** alpha
                if best_score is None or score > best_score:
                    best_seq, best_score = seq, score
            visit(seq, lp)

    visit([], 0.0)
    if best_seq[-1] == eos:
        best_seq = best_seq[:-1]
    return best_seq, best_score
