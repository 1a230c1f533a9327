class Vocab(Vocab):
    def __init__(self, tokens=None, min_freq=0, reserved_tokens=None):
        tokens = tokens or []
        reserved_tokens = reserved_tokens or []
        if len(tokens) > 0 and isinstance(tokens[0], list):
            tokens = [tok for line in tokens for tok in line]
        counter = collections.Counter(tokens)
        self._token_freqs = sorted(counter.items(), key=lambda kv: kv[1], reverse=True)
        self.idx_to_token = ['<unk>'] + reserved_tokens
        for tok, freq in self._token_freqs:
            if freq < min_freq:
                break
            self.idx_to_token.append(tok)
        self.token_to_idx = {tok: idx for idx, tok in enumerate(self.idx_to_token)}
