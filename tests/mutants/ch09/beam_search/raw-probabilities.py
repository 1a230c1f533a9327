import math

def beam_search(step_fn, vocab_size, eos, beam_size, max_len, alpha=0.75):
    alive = [([], 1.0)]
    finished = []
    for _ in range(max_len):
        candidates = []
        for seq, prob in alive:
            probs = torch.exp(step_fn(seq))
            for token in range(vocab_size):
                candidates.append((seq + [token], prob * float(probs[token])))
        candidates.sort(key=lambda c: c[1], reverse=True)
        alive = []
        for seq, prob in candidates[:beam_size]:
            (finished if seq[-1] == eos else alive).append((seq, prob))
        if not alive:
            break
    best_seq, best_score = None, None
    for seq, prob in finished + alive:
        score = (math.log(prob) if prob > 0 else float('-inf')) / len(seq) ** alpha
        if best_score is None or score > best_score:
            best_seq, best_score = seq, score
    if best_seq[-1] == eos:
        best_seq = best_seq[:-1]
    return best_seq, best_score
